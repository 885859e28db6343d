"""``index.html``: links to every map, and the source, licence and attribution of every layer."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from maps.data import Build

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bordergeo maps</title>
<link rel="stylesheet" href="assets/bordergeo.css">
</head>
<body>
<main class="bg-index">
<h1>US–Mexico border maps</h1>
<p>Maps of {build}, rendered {rendered}. Every map works offline: open the files from disk or from the
service at <code>/maps/</code>. The basemap needs the internet; without it the layers draw on a plain background.</p>
<h2><a href="overview.html">Overview: every layer on one map</a></h2>
<h2>One map per layer</h2>
<table><tr><th>Layer</th><th>Features</th><th>Description</th></tr>
{layer_rows}
</table>
{ports}
<h2>Sources, licences and attribution</h2>
<table><tr><th>Layer</th><th>Attribution</th><th>Licence</th><th>Source files</th></tr>
{source_rows}
</table>
<p><small>Maps drawn with Leaflet (BSD-2-Clause; <a href="assets/LICENSES.md">licences</a>) via folium;
basemap © OpenStreetMap contributors (ODbL).
</small></p>
</main>
</body>
</html>
"""


def index_html(build: Build, port_pages: list[tuple[str, str]]) -> str:
    """The index page; ``port_pages`` lists (file, label) of the per-port maps."""
    layer_rows = "\n".join(
        f'<tr><td><a href="layer-{escape(lid)}.html">{escape(layer.spec.title)}</a></td>'
        f"<td>{len(layer.gdf):,}</td><td>{escape(layer.spec.description)}</td></tr>"
        for lid, layer in build.map_layers.items()
    )
    return _PAGE.format(
        build=escape(build.label),
        rendered=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        layer_rows=layer_rows,
        ports=_ports_section(port_pages),
        source_rows="\n".join(_source_row(build, lid) for lid in build.layers),
    )


def _ports_section(port_pages: list[tuple[str, str]]) -> str:
    if not port_pages:
        return ""
    items = "".join(f'<li><a href="{escape(f)}">{escape(label)}</a></li>' for f, label in port_pages)
    return f"<h2>One map per port of entry</h2>\n<ul class=\"bg-ports\">{items}</ul>"


def _source_row(build: Build, layer_id: str) -> str:
    layer = build.layers[layer_id]
    links = layer.source_links()
    shown = "<br>".join(f'<a href="{escape(url)}">{escape(file)}</a>' for file, url, _ in links[:4])
    more = f"<br><small>and {len(links) - 4} more files</small>" if len(links) > 4 else ""
    return (f"<tr><td>{escape(layer.spec.title)}</td><td>{escape(layer.spec.attribution)}</td>"
            f"<td>{escape(layer.spec.licence)}</td><td>{shown}{more}</td></tr>")
