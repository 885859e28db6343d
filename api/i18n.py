"""The language of an HTML page: ``?lang=es`` or ``Accept-Language``, and the pages' text in English and Spanish.

Only HTML pages change with the language; JSON, GeoJSON and the downloads are the same in both. The
response cache keys on the negotiated language (``api.http``), so a cached Spanish page is never served
to an English reader.
"""

from __future__ import annotations

from layers.i18n import LANGS, Lang, prop_label, title

__all__ = ["LANGS", "Lang", "from_accept_language", "negotiate", "prop_label", "title", "tr"]

#: page text: English -> Spanish (English is the key, so a template reads ``{{ _("Collections") }}``)
ES: dict[str, str] = {
    "Collections": "Colecciones", "Conformance": "Conformidad", "API documentation": "Documentación de la API",
    "Landing page": "Página de inicio", "Maps": "Mapas", "HTML maps of the layers": "Mapas HTML de las capas",
    "id": "id", "title": "título", "features": "elementos", "geometry": "geometría", "licence": "licencia",
    "attribution": "atribución", "method": "método", "extent (CRS84)": "extensión (CRS84)",
    "storage CRS": "CRS de almacenamiento", "other CRS": "otros CRS", "Sources": "Fuentes", "file": "archivo",
    "Browse the {n} features": "Ver los {n} elementos", "queryables": "propiedades consultables",
    "download": "descargar", "of": "de", "matching features": "elementos que cumplen", "from": "desde",
    "Next page": "Página siguiente", "Previous page": "Página anterior", "next": "siguiente",
    "previous": "anterior", "name": "nombre", "type": "tipo", "description": "descripción",
    "Properties usable in": "Propiedades que se pueden usar en", "build": "compilación",
    "items": "elementos", "features: ": "elementos: ", "Queryables of {cid}": "Propiedades consultables de {cid}",
    "OGC API – Features": "OGC API – Features", "English": "English", "Español": "Español",
    "The features, the boundary and the neighbours in the map": "El elemento, la frontera y sus vecinos en el mapa",
    "Error": "Error", ": features": ": elementos",
    "bordergeo: US–Mexico border layers": "bordergeo: capas de la frontera México–Estados Unidos",
    ("The US–Mexico boundary, ports of entry, crossings, border region, population, cities, watersheds, rivers "
     "and reservoirs as OGC API – Features."):
    ("La frontera México–Estados Unidos, sus puertos y cruces fronterizos, la región fronteriza, la población, "
     "las ciudades, las cuencas, los ríos y las presas como OGC API – Features."),
    "API definition (OpenAPI 3.0)": "Definición de la API (OpenAPI 3.0)",
    "Conformance classes": "Clases de conformidad",
    "Styles (MapLibre style documents)": "Estilos (documentos de estilo MapLibre)",
    "Map viewer (MapLibre, vector tiles)": "Visor de mapas (MapLibre, teselas vectoriales)",
    "styles": "estilos", "maps": "mapas", "Layers": "Capas",
    "Map of the US–Mexico border": "Mapa de la frontera México–Estados Unidos",
    "next page": "página siguiente", "previous page": "página anterior", "this page": "esta página",
}
#: English page titles built around a name -> Spanish, ``{}`` the name
PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("Queryables of ", "", "Propiedades consultables de {}"),
    ("", ": features", "{}: elementos"),
)
#: the ``Accept-Language`` tags we answer, by language
TAGS: dict[str, Lang] = {"en": "en", "es": "es"}


def from_accept_language(header: str | None) -> Lang:
    """The language an ``Accept-Language`` header prefers among English and Spanish (English by default)."""
    best: tuple[float, int, Lang] | None = None
    for pos, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = TAGS.get(tag.strip().lower().split("-")[0])
        if lang is None:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and (best is None or (q, -pos) > (best[0], best[1])):
            best = (q, -pos, lang)
    return best[2] if best else "en"


def negotiate(query_lang: str | None, accept_language: str | None) -> Lang:
    """``?lang=`` when given (checked by the caller), else the ``Accept-Language`` preference."""
    if query_lang in LANGS:
        return query_lang
    return from_accept_language(accept_language)


def tr(text: str, lang: Lang, **values: object) -> str:
    """``text`` (English) in ``lang``, placeholders filled; a layer title 'English / Español' gives its half."""
    for prefix, suffix, spanish in PATTERNS:
        if text.startswith(prefix) and text.endswith(suffix) and len(text) > len(prefix) + len(suffix):
            inner = tr(text[len(prefix):len(text) - len(suffix)], lang)
            return spanish.format(inner) if lang == "es" else f"{prefix}{inner}{suffix}"
    if " / " in text:
        return title(text, lang)
    out = ES.get(text, text) if lang == "es" else text
    return out.format(**values) if values else out
