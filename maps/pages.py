"""Map pages: the overview (every layer) and one page per layer."""

from __future__ import annotations

from collections.abc import Iterable

import folium

from maps.assets import OfflineMap, render_html
from maps.data import Build, Layer
from maps.layer import FeatureLayer, drawn, feature_layer
from maps.legend import Legend, Panel, Registration, add_html, title_box
from maps.symbology import kind_of, max_radius

# Display tolerance in degrees (~1 km / ~300 m): the overview must stay small (< 3 MB) and fast to open.
OVERVIEW_TOLERANCE = 0.01
LAYER_TOLERANCE = 0.003
#: layers the overview is zoomed to, first built one wins (the border, not the whole Colorado basin)
FOCUS = ("border-region", "boundary")
#: layers with a page per feature, and the file name pattern of those pages
FEATURE_PAGES = {"ports": "port-{id}.html"}
DRAW_ORDER = {"fill": 1, "line": 2, "circle": 3}  # choropleths (0) under polygons under lines under points
#: over a choropleth, polygon layers declared this translucent (areas, not objects) are drawn as outlines
OUTLINE_BELOW_OPACITY = 0.5
#: point layers with more features start hidden in the overview (listed in the layer control)
OVERVIEW_MAX_POINTS = 300


def new_map(basemap: bool) -> folium.Map:
    """An offline-capable map; with ``basemap``, OpenStreetMap tiles (they just stay blank offline)."""
    m = OfflineMap(location=[31.0, -106.0], zoom_start=5, tiles=None, control_scale=True)
    if basemap:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap basemap").add_to(m)
    return m


def finish(m: folium.Map, layers: list[FeatureLayer], title: str, subtitle: str, panel: str = "") -> str:
    """Add the layers, legend, layer control, title and ``panel`` HTML to ``m``; return the page's HTML."""
    for fl in layers:
        fl.geojson.add_to(m)
    Legend([(fl.geojson, fl.id, fl.legend) for fl in layers]).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    if panel:
        Panel(panel).add_to(m)
    Registration({fl.id: fl.geojson for fl in layers}).add_to(m)
    add_html(m, title_box(title, subtitle))
    return render_html(m)


def drawing_order(layers: Iterable[Layer]) -> list[Layer]:
    """Choropleths, other polygons, lines, then points with the biggest symbols first, so nothing is hidden."""

    def key(layer: Layer) -> tuple[int, float]:
        rank = 0 if is_choropleth(layer) else DRAW_ORDER[kind_of(layer.spec)]
        return rank, -max_radius(layer.spec) if rank == DRAW_ORDER["circle"] else 0.0

    return sorted(layers, key=key)


def is_choropleth(layer: Layer) -> bool:
    """True for a polygon layer filled by class of a numeric property."""
    return bool(layer.spec.style.choropleth) and kind_of(layer.spec) == "fill"


def fit(m: folium.Map, layers: list[Layer]) -> None:
    """Zoom ``m`` to the bounds of ``layers``."""
    bounds = [layer.gdf.total_bounds for layer in layers if not layer.gdf.empty]
    if bounds:
        minx, miny = min(b[0] for b in bounds), min(b[1] for b in bounds)
        maxx, maxy = max(b[2] for b in bounds), max(b[3] for b in bounds)
        m.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])


def feature_link(build: Build, layer_id: str) -> tuple[str | None, str]:
    """The per-feature page link of ``layer_id`` (when its pages are rendered) and the link's text."""
    pattern = FEATURE_PAGES.get(layer_id)
    return (pattern, "open its map and monthly traffic") if pattern and layer_id in build.layers else (None, "")


def overview_page(build: Build, basemap: bool = True) -> str:
    """Every built layer in one map, with a layer control, legends and attribution."""
    m = new_map(basemap)
    layers = drawing_order(build.map_layers.values())
    choropleth = any(is_choropleth(layer) for layer in layers)
    feature_layers = []
    for layer in layers:
        kind = kind_of(layer.spec)
        # translucent areas over a choropleth become outlines so the classes stay readable
        outline = (choropleth and kind == "fill" and not is_choropleth(layer)
                   and layer.spec.style.fill_opacity < OUTLINE_BELOW_OPACITY)
        show = not (kind == "circle" and len(layer.gdf) > OVERVIEW_MAX_POINTS)
        link, text = feature_link(build, layer.id)
        d = drawn(layer.spec, layer.gdf, OVERVIEW_TOLERANCE, outline)
        feature_layers.append(feature_layer(d, show=show, link=link, link_text=text))
    focus = next((build.layers[f] for f in FOCUS if f in build.layers), None)
    fit(m, [focus] if focus else layers)
    subtitle = f"{len(layers)} layers; click a feature for its properties ({build.label})."
    return finish(m, feature_layers, "US–Mexico border: overview", subtitle)


def layer_page(build: Build, layer: Layer, basemap: bool = True) -> str:
    """One layer on its own, at a finer simplification than the overview."""
    m = new_map(basemap)
    link, text = feature_link(build, layer.id)
    fl = feature_layer(drawn(layer.spec, layer.gdf, LAYER_TOLERANCE), link=link, link_text=text)
    fit(m, [layer])
    subtitle = f"{len(layer.gdf):,} features. {layer.spec.attribution}."
    return finish(m, [fl], layer.spec.title, subtitle)
