"""English and Spanish for the map pages: page file names, interface text, property labels, category values.

Layer titles carry both languages ("Ports of entry / Puertos fronterizos"); feature names come from the
layer's ``Style.name_es_field`` on Spanish pages; property labels, category values and units from
``layers.i18n`` (shared with the API's HTML pages). The maps' own interface text is below.
"""

from __future__ import annotations

import re

from layers.i18n import LANGS, Lang, prop_label, title, unit_label, value_label

__all__ = ["LANGS", "LOCALE", "TEXT", "Lang", "page", "prop_label", "t", "title", "unit_label", "value_label"]
LOCALE = {"en": "en-US", "es": "es-MX"}

#: interface text: key -> (English, Spanish)
TEXT: dict[str, tuple[str, str]] = {
    "overview": ("US–Mexico border: overview", "Frontera México–Estados Unidos: panorama"),
    "overview_sub": ("{n} layers; click a feature for its properties ({build}).",
                     "{n} capas; haga clic en un elemento para ver sus propiedades ({build})."),
    "features": ("{n} features.", "{n} elementos."),
    "all_maps": ("all maps", "todos los mapas"),
    "other_lang": ("Español", "English"),
    "legend": ("Legend", "Leyenda"),
    "layers": ("Layers", "Capas"),
    "basemap_offline": ("Land, states and railroads (offline)", "Tierra, estados y ferrocarriles (sin conexión)"),
    "basemap_osm": ("OpenStreetMap (needs the internet)", "OpenStreetMap (requiere internet)"),
    # the link first: on a phone the ellipsis cuts the publishers' names, never the link to all of them
    "attribution": ("<a href=\"{href}\">Sources and licences</a>: {names}",
                    "<a href=\"{href}\">Fuentes y licencias</a>: {names}"),
    "port_title": ("Port of entry: {name}", "{name}"),  # the Spanish names say "Cruce fronterizo ..."
    "traffic": ("Monthly traffic", "Tránsito mensual"),
    "port_sub": ("port code {code}", "clave de puerto {code}"),
    "port_link": ("open its map and monthly traffic", "ver su mapa y su tránsito mensual"),
    "traffic_title": ("{name}: monthly inbound crossings", "{name}: cruces mensuales hacia EUA"),
    "traffic_none": ("No monthly traffic recorded for this port.",
                     "No hay tránsito mensual registrado en este puerto."),
    "traffic_source": ("Source: Bureau of Transportation Statistics, Border Crossing Entry Data (port {code}).",
                       "Fuente: Bureau of Transportation Statistics, Border Crossing Entry Data (puerto {code})."),
    "chart_panel": ("{name}: peak {peak} ({peak_month}), latest {last} ({last_month})",
                    "{name}: máximo {peak} ({peak_month}), último {last} ({last_month})"),
    "chart_label": ("monthly {names}, {start} to {end}", "{names} por mes, de {start} a {end}"),
    "yes": ("yes", "sí"),
    "no": ("no", "no"),
    "other": ("other / unknown", "otro / desconocido"),
    "no_data": ("no data", "sin datos"),
    "classes": ("{name}, {k} classes ({scheme}, mapclassify)", "{name}, {k} clases ({scheme}, mapclassify)"),
    "circle_area": ("circle area ∝ {name}", "área del círculo ∝ {name}"),
}

def t(key: str, lang: Lang, **values: object) -> str:
    """The interface text ``key`` in ``lang``, with ``{placeholders}`` filled in."""
    en, es = TEXT[key]
    return (es if lang == "es" else en).format(**values)


def page(name: str, lang: Lang) -> str:
    """The file of page ``name`` ('overview.html') in ``lang``: 'overview.html' or 'overview.es.html'."""
    return name if lang == "en" else re.sub(r"\.html$", ".es.html", name)
