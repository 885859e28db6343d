"""The offline basemap (land, state lines, railroads from our own basemap layers) and the optional OpenStreetMap.

Both are base layers of the layer control (radio buttons): the offline one is selected, so a page opened
with no network asks nothing of the internet; OpenStreetMap tiles load only when someone picks them.
The basemap layers are drawn in their own pane under the data, not clickable, with no properties (light).
"""

from __future__ import annotations

from typing import Any

import folium
import numpy as np
import shapely
from folium.map import CustomPane
from shapely.geometry import mapping

from layers.basemap import REGION
from maps.data import Build, Layer
from maps.display import rounded, simplify
from maps.i18n import Lang, t
from maps.symbology import kind_of

ROLE = "basemap"
PANE = "bg-basemap"
PANE_Z = 250  # above tiles (200), under the data's overlay pane (400)
Box = tuple[float, float, float, float]
#: outside the region: a neutral grey with a thin edge, the frame of the map sheet
FRAME_STYLE = {"stroke": True, "color": "#b9b4aa", "weight": 1, "fill": True, "fillColor": "#e4e2dd",
               "fillOpacity": 1.0, "className": "bg-base bg-frame"}


def basemap_layers(build: Build) -> list[Layer]:
    """The built layers with the basemap role, polygons first (land under the state lines and railroads)."""
    found = [layer for layer in build.layers.values() if ROLE in layer.spec.roles]
    return sorted(found, key=lambda layer: 0 if kind_of(layer.spec) == "fill" else 1)


def data_layers(build: Build) -> list[Layer]:
    """The built layers drawn as data: everything but the basemap and what only feeds charts (traffic)."""
    return [layer for layer in build.map_layers.values() if ROLE not in layer.spec.roles]


def _style(layer: Layer) -> dict[str, Any]:
    style = layer.spec.style
    filled = kind_of(layer.spec) == "fill" and style.fill_opacity > 0  # Leaflet fills open lines too
    return {"color": style.color, "weight": style.weight, "opacity": 1.0, "fill": filled,
            "fillColor": style.fill_color or style.color, "fillOpacity": style.fill_opacity,
            "className": f"bg-base bg-{layer.id}"}


def _display(layer: Layer, tolerance: float, cache: dict[Any, Any] | None) -> np.ndarray:
    """The layer's geometries simplified and rounded for display (computed once per tolerance with ``cache``)."""
    key = ("display", layer.id, tolerance)
    if cache is not None and key in cache:
        return cache[key]
    geoms = rounded(simplify(layer.gdf.geometry, tolerance), 4)  # ~10 m: a background needs no more
    arr = np.asarray(geoms.array, dtype=object)
    if cache is not None:
        cache[key] = arr
    return arr


def _features(geoms: np.ndarray) -> dict[str, Any]:
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": mapping(g)} for g in geoms]}


def _frame() -> dict[str, Any]:
    """The world outside the map region (where the basemap layers have no data) as one polygon with a hole."""
    x0, y0, x1, y1 = REGION
    world = [[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]]
    hole = [[x0, y0], [x0, y1], [x1, y1], [x1, y0], [x0, y0]]
    return {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [world, hole]}}


def add_basemaps(m: folium.Map, build: Build, lang: Lang, tolerance: float, osm: bool,
                 box: Box | None = None, cache: dict[Any, Any] | None = None) -> folium.FeatureGroup | None:
    """Add the offline basemap (cut to ``box`` when given) and, with ``osm``, OpenStreetMap as the other choice.

    ``cache`` (any dict kept between calls) holds the simplified geometries when many pages share them.
    """
    layers = basemap_layers(build)
    group = None
    if layers:
        m.add_child(CustomPane(PANE, z_index=PANE_Z, pointer_events=False))
        group = folium.FeatureGroup(name=t("basemap_offline", lang), overlay=False, show=True)
        folium.GeoJson(_frame(), style_function=lambda f: FRAME_STYLE, pane=PANE, interactive=False,
                       control=False).add_to(group)
        for layer in layers:
            geoms = _display(layer, tolerance, cache)
            if box is not None:
                geoms = shapely.clip_by_rect(geoms, *box)
            geoms = geoms[~shapely.is_empty(geoms)]
            if len(geoms) == 0:
                continue
            style = _style(layer)
            folium.GeoJson(_features(geoms), style_function=lambda f, s=style: s, pane=PANE,
                           interactive=False, control=False).add_to(group)
        group.add_to(m)
    if osm:
        folium.TileLayer("OpenStreetMap", name=t("basemap_osm", lang), overlay=False,
                         show=group is None).add_to(m)
    return group
