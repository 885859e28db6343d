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

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.measure import WGS84
from layers import ports as ports_layer
from maps.chart import monthly_chart
from maps.data import Build, Layer
from maps.layer import Drawn, FeatureLayer, drawn, feature_layer
from maps.pages import FEATURE_PAGES, drawing_order, finish, new_map
from maps.symbology import kind_of

log = logging.getLogger("bordergeo.maps")
PORTS = "ports"
NEARBY_KM = 25.0
CONTEXT_DEG = 0.6  # half-width of the box line layers are clipped to around a port
PORT_TOLERANCE = 0.0005  # ~50 m: port pages are zoomed in
MIN_VIEW_DEG = 0.05  # the view spans at least ±5 km around the port
#: chart panels: label -> BTS measures summed (``layers.ports`` property stems)
CHARTED = {"people": ports_layer.PEOPLE, "personal vehicles": ("personal_vehicles",), "trucks": ("trucks",)}

Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class PortPage:
    """A rendered port page: its file name, its label in the index, its HTML."""

    file: str
    label: str
    html: str


@dataclass
class Context:
    """The build's layers, prepared once for all port pages."""

    build: Build
    key: str  # the ports' id field: other layers declaring it belong to a port
    _drawn: dict[str, Drawn] = field(default_factory=dict)

    def drawn(self, layer: Layer) -> Drawn:
        """``layer`` prepared for display at the port pages' tolerance (cached)."""
        if layer.id not in self._drawn:
            self._drawn[layer.id] = drawn(layer.spec, layer.gdf, PORT_TOLERANCE)
        return self._drawn[layer.id]


def page_file(port_id: object) -> str:
    """The file name of a port's page (``FEATURE_PAGES`` pattern, id made safe for a file name)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(port_id)).strip("-") or "port"
    return FEATURE_PAGES[PORTS].format(id=safe)


def port_pages(build: Build, basemap: bool = True) -> list[PortPage]:
    """A page per feature of the ports layer (none when ports are not in the build)."""
    ports = build.get(PORTS)
    if ports is None:
        return []
    traffic = monthly_traffic(build)
    spec = ports.spec
    ctx = Context(build, spec.id_field)
    names = ports.gdf[spec.title_field or spec.id_field]
    pages = []
    for pos, (port_id, name) in enumerate(zip(ports.gdf[spec.id_field], names, strict=True)):
        html = port_page(ctx, ports, pos, traffic.get(str(port_id), {}), basemap)
        pages.append(PortPage(page_file(port_id), f"{name} ({port_id})", html))
    return pages


def port_page(ctx: Context, ports: Layer, pos: int, traffic: Mapping[str, pd.Series], basemap: bool) -> str:
    """The page of the port at row ``pos``: the port on top of its related and nearby features."""
    spec = ports.spec
    row = ports.gdf.iloc[pos]
    point = row.geometry
    port_id, name = row[spec.id_field], row[spec.title_field or spec.id_field]
    shown: list[FeatureLayer] = []
    bounds: list[Bounds] = [point.buffer(MIN_VIEW_DEG).bounds]
    for layer in drawing_order(ctx.build.map_layers.values()):
        if layer.id == PORTS:
            continue
        part = _context_layer(ctx, layer, port_id, point)
        if part is not None:
            shown.append(part[0])
            bounds.extend([part[1]] if part[1] else [])
    shown.append(feature_layer(ctx.drawn(ports), rows=[pos]))
    m = new_map(basemap)
    m.fit_bounds(_union_bounds(bounds))
    return finish(m, shown, f"Port of entry: {name}", f"port code {port_id}", _panel(str(name), str(port_id), traffic))


def _context_layer(
    ctx: Context, layer: Layer, port_id: object, point: shapely.Point
) -> tuple[FeatureLayer, Bounds | None] | None:
    """The part of ``layer`` that belongs on the port's page, and the bounds it adds to the view."""
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
        return (feature_layer(drawn(layer.spec, clipped, PORT_TOLERANCE)), None) if not clipped.empty else None
    else:
        return None
    if len(rows) == 0:
        return None
    bounds = tuple(float(v) for v in gdf.iloc[rows].total_bounds)
    return feature_layer(ctx.drawn(layer), rows=rows.tolist()), (bounds[0], bounds[1], bounds[2], bounds[3])


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


def _panel(name: str, port_id: str, traffic: Mapping[str, pd.Series]) -> str:
    """The side panel: the port's monthly traffic chart (or a note when there is none)."""
    chart = monthly_chart(traffic)
    body = chart or "<p>No monthly traffic recorded for this port.</p>"
    return (f"<h2>{escape(name)}: monthly inbound crossings</h2>{body}"
            f"<p>Source: Bureau of Transportation Statistics, Border Crossing Entry Data (port {escape(port_id)}).</p>")


def monthly_traffic(build: Build) -> dict[str, dict[str, pd.Series]]:
    """Per port id, the monthly series charted on its page, read from the build's traffic layer ({} without one).

    The traffic layer (role "traffic") holds one row per port and month with the BTS measures as columns; a
    port's series start at its first month with any traffic (earlier months are zeros before it opened).
    """
    found = build.with_role("traffic")
    ports = build.get(PORTS)
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
