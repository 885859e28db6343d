"""One page per port of entry: the port, its crossings, nearby places, and its monthly traffic.

Which features belong on a port's page is read from the declarations, not from layer names: features of
any layer declaring a property named like the ports' ``id_field`` (crossings' ``port_code``) with that
value; features of other point layers within ``NEARBY_KM``; and, for context, line layers clipped to a box.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.measure import WGS84
from layers import ports as ports_layer
from maps.basemap import basemap_layers, data_layers
from maps.chart import monthly_chart
from maps.data import Build, Layer
from maps.i18n import Lang, t
from maps.labels import label_group
from maps.layer import Drawn, FeatureLayer, drawn, feature_layer
from maps.legend import FitBounds
from maps.pages import (
    PageParts,
    basemap_labels,
    drawing_order,
    feature_page_layer,
    feature_page_pattern,
    finish,
    label_sorted,
    new_map,
)
from maps.symbology import display_names, kind_of

log = logging.getLogger("bordergeo.maps")
NEARBY_KM = 25.0
CONTEXT_DEG = 0.6  # half-width of the box line layers are clipped to around a port
PORT_TOLERANCE = 0.0005  # ~50 m: port pages are zoomed in
MIN_VIEW_DEG = 0.05  # the view spans at least ±5 km around the port
#: chart panels: label -> BTS measures summed (``layers.ports`` property stems)
CHARTED = {"people": ports_layer.PEOPLE, "personal vehicles": ("personal_vehicles",), "trucks": ("trucks",)}
BASEMAP_MARGIN_DEG = 2.0  # the basemap is cut to the view plus this margin: port pages stay small

Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class PortPage:
    """A rendered port page: its file name, its label in the index, its HTML."""

    file: str  # the English page; the Spanish one is ``maps.i18n.page(file, "es")``
    label: str
    html: str
    lang: Lang = "en"


@dataclass
class Context:
    """The build's layers, prepared once for all port pages."""

    build: Build
    key: str  # the ports' id field: other layers declaring it belong to a port
    lang: Lang
    _drawn: dict[str, Drawn] = field(default_factory=dict)
    basemap_cache: dict[Any, Any] = field(default_factory=dict)

    def drawn(self, layer: Layer) -> Drawn:
        """``layer`` prepared for display at the port pages' tolerance (cached)."""
        if layer.id not in self._drawn:
            self._drawn[layer.id] = drawn(layer.spec, layer.gdf, PORT_TOLERANCE, lang=self.lang)
        return self._drawn[layer.id]


def page_file(port_id: object, pattern: str = "port-{id}.html") -> str:
    """The file name of a feature's page (``pattern``, the id made safe for a file name)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(port_id)).strip("-") or "port"
    return pattern.format(id=safe)


def port_pages(build: Build, lang: Lang = "en", osm: bool = True) -> list[PortPage]:
    """A page per feature of the feature-pages layer (the ports; none when it is not in the build)."""
    ports = feature_page_layer(build)
    if ports is None:
        return []
    traffic = monthly_traffic(build)
    spec = ports.spec
    ctx = Context(build, spec.id_field, lang)
    names = display_names(spec, ports.gdf, lang)
    pages = []
    for pos, (port_id, name) in enumerate(zip(ports.gdf[spec.id_field], names, strict=True)):
        html = port_page(ctx, ports, pos, traffic.get(str(port_id), {}), osm)
        file = page_file(port_id, feature_page_pattern(ports))
        pages.append(PortPage(file, f"{name} ({port_id})", html, lang))
    return pages


def port_page(ctx: Context, ports: Layer, pos: int, traffic: Mapping[str, pd.Series], osm: bool) -> str:
    """The page of the port at row ``pos``: the port on top of its related and nearby features."""
    spec, lang = ports.spec, ctx.lang
    row = ports.gdf.iloc[pos]
    point = row.geometry
    port_id, name = row[spec.id_field], display_names(spec, ports.gdf.iloc[[pos]], lang)[0]
    shown: list[FeatureLayer] = []
    labels = []
    bounds: list[Bounds] = [point.buffer(MIN_VIEW_DEG).bounds]
    for layer in drawing_order(data_layers(ctx.build)):
        if layer.id == ports.id:
            continue
        part = _context_layer(ctx, layer, port_id, point)
        if part is not None:
            shown.append(part[0])
            bounds.extend([part[1]] if part[1] else [])
            if part[2]:
                labels.append((part[0].geojson, part[2]))
    d = ctx.drawn(ports)
    own = feature_layer(d, rows=[pos])
    # the port's big symbol goes under the other points, so its own crossings stay visible and clickable
    first_point = next((i for i, fl in enumerate(shown) if kind_of(fl.spec) == "circle"), len(shown))
    shown.insert(first_point, own)
    own_labels = label_group(spec, ports.gdf, lang, rows=[pos], radii=[s.get("radius", 0) for s in d.styles])
    if own_labels:
        labels.append((own.geojson, own_labels))
    view = _union_bounds(bounds)
    box = (view[0][1] - BASEMAP_MARGIN_DEG, view[0][0] - BASEMAP_MARGIN_DEG,
           view[1][1] + BASEMAP_MARGIN_DEG, view[1][0] + BASEMAP_MARGIN_DEG)
    m, group = new_map(ctx.build, lang, osm, PORT_TOLERANCE, box, ctx.basemap_cache)
    FitBounds(view).add_to(m)
    labels = basemap_labels(ctx.build, group, lang, box, ctx.basemap_cache) + labels
    parts = PageParts(shown, t("port_title", lang, name=name), t("port_sub", lang, code=port_id),
                      page_file(port_id, feature_page_pattern(ports)), lang,
                      panel=_panel(str(name), str(port_id), traffic, lang), panel_title=t("traffic", lang),
                      labels=label_sorted(labels),
                      basemap=basemap_layers(ctx.build))
    return finish(m, parts)


def _context_layer(
    ctx: Context, layer: Layer, port_id: object, point: shapely.Point
) -> tuple[FeatureLayer, Bounds | None, dict[str, Any] | None] | None:
    """The part of ``layer`` that belongs on the port's page, the bounds it adds to the view, and its labels."""
    gdf = layer.gdf
    kind = kind_of(layer.spec)
    if ctx.key in layer.spec.property_names:
        rows = np.flatnonzero((gdf[ctx.key].astype(str) == str(port_id)).to_numpy())
    elif kind == "circle":
        n = len(gdf)
        _, _, metres = WGS84.inv(np.full(n, point.x), np.full(n, point.y), gdf.geometry.x.to_numpy(),
                                 gdf.geometry.y.to_numpy())
        rows = np.flatnonzero(np.asarray(metres) <= NEARBY_KM * 1000.0)
    elif kind == "line":
        box = shapely.box(point.x - CONTEXT_DEG, point.y - CONTEXT_DEG, point.x + CONTEXT_DEG, point.y + CONTEXT_DEG)
        clipped = _clip(gdf, box)
        if clipped.empty:
            return None
        lines = feature_layer(drawn(layer.spec, clipped, PORT_TOLERANCE, lang=ctx.lang))
        return lines, None, label_group(layer.spec, clipped.reset_index(drop=True), ctx.lang)
    else:
        return None
    if len(rows) == 0:
        return None
    bounds = tuple(float(v) for v in gdf.iloc[rows].total_bounds)
    d = ctx.drawn(layer)
    labels = label_group(layer.spec, gdf, ctx.lang, rows=rows.tolist(), radii=[s.get("radius", 0) for s in d.styles])
    return feature_layer(d, rows=rows.tolist()), (bounds[0], bounds[1], bounds[2], bounds[3]), labels


def _clip(gdf: gpd.GeoDataFrame, box: shapely.Polygon) -> gpd.GeoDataFrame:
    """Features of a line layer cut to ``box`` (parts left as lines)."""
    hit = gdf[gdf.intersects(box)].copy()
    if hit.empty:
        return hit
    hit["geometry"] = hit.geometry.intersection(box)
    return hit[~hit.geometry.is_empty & hit.geometry.geom_type.str.contains("LineString")]


def _union_bounds(bounds: list[Bounds]) -> list[list[float]]:
    """[[south, west], [north, east]] around every (minx, miny, maxx, maxy) box."""
    arr = np.array(bounds, dtype=float)
    return [[float(arr[:, 1].min()), float(arr[:, 0].min())], [float(arr[:, 3].max()), float(arr[:, 2].max())]]


def _panel(name: str, port_id: str, traffic: Mapping[str, pd.Series], lang: Lang) -> str:
    """The side panel: the port's monthly traffic chart (or a note when there is none)."""
    chart = monthly_chart(traffic, lang)
    body = chart or f"<p>{escape(t('traffic_none', lang))}</p>"
    return (f"<h2>{escape(t('traffic_title', lang, name=name))}</h2>{body}"
            f"<p>{escape(t('traffic_source', lang, code=port_id))}</p>")


def monthly_traffic(build: Build) -> dict[str, dict[str, pd.Series]]:
    """Per port id, the monthly series charted on its page, read from the build's traffic layer ({} without one).

    The traffic layer (role "traffic") holds one row per port and month with the BTS measures as columns; a
    port's series start at its first month with any traffic (earlier months are zeros before it opened).
    """
    found = build.with_role("traffic")
    ports = feature_page_layer(build)
    if not found or ports is None:
        log.warning("maps: no traffic layer in %s; port pages have no traffic chart", build.path)
        return {}
    traffic = found[0]
    key, month = ports.spec.id_field, traffic.spec.temporal or "month"
    gdf = traffic.gdf.sort_values([key, month])
    panels = pd.DataFrame({label: gdf[list(measures)].sum(axis=1) for label, measures in CHARTED.items()})
    panels.index = pd.MultiIndex.from_arrays([gdf[key].astype(str), pd.DatetimeIndex(gdf[month])])
    out: dict[str, dict[str, pd.Series]] = {}
    for code, rows in panels.groupby(level=0):
        rows = rows.droplevel(0)
        active = rows.sum(axis=1).to_numpy() > 0
        if not active.any():
            continue
        rows = rows.iloc[int(active.argmax()):]
        out[str(code)] = {label: rows[label] for label in CHARTED if rows[label].sum() > 0}
    return out
