"""``index.html`` / ``index.es.html``: links to every map, and the source, licence and attribution of every layer."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from maps.basemap import basemap_layers, data_layers
from maps.data import Build, Layer
from maps.i18n import Lang, page, title

#: the index page's own text: key -> (English, Spanish)
TEXT: dict[str, tuple[str, str]] = {
    "title": ("US–Mexico border maps", "Mapas de la frontera México–Estados Unidos"),
    "intro": ("Maps of {build}, rendered {rendered}. Every map works offline: open the files from disk or from "
              "the service at <code>/maps/</code>. The background (land, states, railroads) is drawn from the "
              "project's own layers; the OpenStreetMap background is an option in each map's layer control and "
              "needs the internet.",
              "Mapas de {build}, generados el {rendered}. Todos los mapas funcionan sin conexión: abra los archivos "
              "desde el disco o desde el servicio en <code>/maps/</code>. El fondo (tierra, estados, ferrocarriles) "
              "se dibuja con las capas del propio proyecto; el fondo de OpenStreetMap es una opción del control de "
              "capas de cada mapa y requiere internet."),
    "overview": ("Overview: every layer on one map", "Panorama: todas las capas en un mapa"),
    "per_layer": ("One map per layer", "Un mapa por capa"),
    "per_port": ("One map per port of entry", "Un mapa por puerto fronterizo"),
    "layer": ("Layer", "Capa"), "features": ("Features", "Elementos"), "description": ("Description", "Descripción"),
    "sources": ("Sources, licences and attribution", "Fuentes, licencias y atribución"),
    "attribution": ("Attribution", "Atribución"), "licence": ("Licence", "Licencia"),
    "files": ("Source files", "Archivos de origen"), "more": ("and {n} more files", "y {n} archivos más"),
    "basemap": ("Background layers", "Capas de fondo"),
    "leaflet": ("Maps drawn with Leaflet (BSD-2-Clause; <a href=\"assets/LICENSES.md\">licences</a>) via folium; "
                "optional background © OpenStreetMap contributors (ODbL).",
                "Mapas dibujados con Leaflet (BSD-2-Clause; <a href=\"assets/LICENSES.md\">licencias</a>) mediante "
                "folium; fondo opcional © colaboradores de OpenStreetMap (ODbL)."),
    "other": ("Español", "English"),
}

_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="assets/bordergeo.css">
<link rel="alternate" hreflang="{other_lang}" href="{other_href}">
</head>
<body>
<main class="bg-index">
<p class="bg-lang-switch"><a href="{other_href}" hreflang="{other_lang}">{other}</a></p>
<h1>{title}</h1>
<p>{intro}</p>
<h2><a href="{overview}">{overview_text}</a></h2>
<h2>{per_layer}</h2>
<div class="bg-scroll"><table><tr><th>{layer}</th><th class="num">{features}</th><th>{description}</th></tr>
{layer_rows}
</table></div>
{ports}
<h2 id="sources">{sources}</h2>
<div class="bg-scroll"><table><tr><th>{layer}</th><th>{attribution}</th><th>{licence}</th><th>{files}</th></tr>
{source_rows}
</table></div>
<p><small>{leaflet}</small></p>
</main>
</body>
</html>
"""


def _t(key: str, lang: Lang, **values: object) -> str:
    en, es = TEXT[key]
    return (es if lang == "es" else en).format(**values)


def index_html(build: Build, port_pages: list[tuple[str, str]], lang: Lang = "en") -> str:
    """The index page in ``lang``; ``port_pages`` lists (file, label) of the per-port maps in that language."""
    other: Lang = "es" if lang == "en" else "en"
    layer_rows = "\n".join(
        f'<tr><td><a href="{escape(page(f"layer-{layer.id}.html", lang))}">{escape(title(layer.spec.title, lang))}'
        f'</a></td><td class="num">{len(layer.gdf):,}</td><td>{escape(layer.spec.description)}</td></tr>'
        for layer in data_layers(build)
    )
    base = basemap_layers(build)
    source_rows = [_source_row(layer, lang) for layer in data_layers(build)]
    if base:
        source_rows.append(f'<tr><th colspan="4">{escape(_t("basemap", lang))}</th></tr>')
        source_rows.extend(_source_row(layer, lang) for layer in base)
    return _PAGE.format(
        lang=lang, other_lang=other, other_href=page("index.html", other), other=_t("other", lang),
        title=_t("title", lang),
        intro=_t("intro", lang, build=escape(build.label), rendered=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        overview=page("overview.html", lang), overview_text=_t("overview", lang), per_layer=_t("per_layer", lang),
        layer=_t("layer", lang), features=_t("features", lang), description=_t("description", lang),
        layer_rows=layer_rows, ports=_ports_section(port_pages, lang), sources=_t("sources", lang),
        attribution=_t("attribution", lang), licence=_t("licence", lang), files=_t("files", lang),
        source_rows="\n".join(source_rows), leaflet=_t("leaflet", lang),
    )


def _ports_section(port_pages: list[tuple[str, str]], lang: Lang) -> str:
    if not port_pages:
        return ""
    items = "".join(f'<li><a href="{escape(f)}">{escape(label)}</a></li>' for f, label in port_pages)
    return f"<h2>{escape(_t('per_port', lang))}</h2>\n<ul class=\"bg-ports\">{items}</ul>"


def _source_row(layer: Layer, lang: Lang) -> str:
    links = layer.source_links()
    shown = "<br>".join(f'<a href="{escape(url)}">{escape(file)}</a>' for file, url, _ in links[:4])
    more = f"<br><small>{escape(_t('more', lang, n=len(links) - 4))}</small>" if len(links) > 4 else ""
    return (f"<tr><td>{escape(title(layer.spec.title, lang))}</td><td>{escape(layer.spec.attribution)}</td>"
            f"<td>{escape(layer.spec.licence)}</td><td>{shown}{more}</td></tr>")
