"""The US–Mexico international boundary, Pacific to Gulf, from the Digital Chart of the World.

The line is the edge the DCW Mexico polygon shares with the California, Arizona, New Mexico and Texas
polygons (vertices within ``SHARED_TOLERANCE_DEG`` of a US state outline). It is split where the adjoining
US state or Mexican state changes (Mexican states from INEGI municipios, which DCW lacks) and where the
boundary switches between land and river: by treaty the Rio Grande is the boundary along all of Texas
(1848 Treaty of Guadalupe Hidalgo, 1970 Boundary Treaty) and the Colorado River between Arizona and Baja
California (1853 Gadsden Treaty).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import BuildError
from geo.measure import km_to_miles, length_km
from geo.ops import drop_loops, near_outlines, nearest_owner
from layers.context import BuildContext, declared
from layers.readers import MX_STATES, US_STATES, dcw_polygon, dcw_rings, inegi_municipios
from layers.spec import LayerSpec, Prop, Style

DCW = "dcw/dcw-gmt.nc"
INEGI = declared("inegi/AGEM_")
SHARED_TOLERANCE_DEG = 0.002  # ~200 m: DCW quantizes each entity on its own grid (~30-50 m)
MIN_RUN_VERTICES = 5  # shorter flickers of the nearest Mexican state at junctions are merged

# International Boundary and Water Commission, "The International Boundary" (ibwc.gov, Mission page):
# 1,954 miles in all, of which 1,254 follow the Rio Grande and 24 the Colorado River.
IBWC_TOTAL_MI = 1954.0
IBWC_MI = {"Rio Grande": 1254.0, "Colorado River": 24.0, "land": 1954.0 - 1254.0 - 24.0}
KIND_ES = {"land": "frontera terrestre", "Rio Grande": "Río Bravo", "Colorado River": "Río Colorado"}

SPEC_PROPS = (
    Prop("segment_id", "string", "Stable id: US state and Mexican state codes, e.g. 'TX-COAH'"),
    Prop("seq", "integer", "Order of the segment from the Pacific (1) to the Gulf of Mexico"),
    Prop("name", "string", "US state – Mexican state"),
    Prop("us_state", "string", "Adjoining US state", enum=tuple(v[0] for v in US_STATES.values())),
    Prop("us_state_code", "string", "US state postal code"),
    Prop("mx_state", "string", "Adjoining Mexican state (INEGI name)", enum=tuple(v[0] for v in MX_STATES.values())),
    Prop("mx_state_code", "string", "Mexican state INEGI code (2 digits)"),
    Prop("kind", "string", "What forms the boundary: land, or the river's name",
         enum=("land", "Rio Grande", "Colorado River")),
    Prop("kind_es", "string", "The same in Spanish (Río Bravo, Río Colorado, frontera terrestre)"),
    Prop("length_km", "number", "Geodesic length on WGS84 (pyproj.Geod)", unit="km"),
    Prop("length_mi", "number", "Geodesic length in statute miles", unit="mi"),
)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Extract the shared DCW edge, split it by adjoining states and kind, measure it."""
    us_states = [dcw_polygon(ctx.source(DCW), code) for code in US_STATES]
    coords = shared_edge(ctx, us_states)
    mids = shapely.points((coords[:-1] + coords[1:]) / 2.0)
    muni = inegi_municipios(ctx.source(f) for f in INEGI)
    us_codes = np.array(list(US_STATES))[_smooth(nearest_owner(mids, us_states))]
    mx_codes = muni["state_code"].to_numpy()[_smooth(nearest_owner(mids, list(muni.geometry)))]
    labels = list(zip(us_codes.tolist(), mx_codes.tolist(), strict=True))
    rows: list[list[object]] = []
    start = 0
    for end in [*_change_points(labels), len(labels)]:
        us, mx = labels[start]
        line = shapely.LineString(coords[start : end + 1])
        rows.append(_row(len(rows) + 1, us, mx, line))
        start = end
    gdf = gpd.GeoDataFrame(rows, columns=[*[p.name for p in SPEC_PROPS], "geometry"], crs=4326)
    _record_stats(ctx, gdf)
    return gdf


def shared_edge(ctx: BuildContext, us_states: Sequence[BaseGeometry]) -> np.ndarray:
    """Vertices of the DCW Mexico outline shared with the US border states, ordered Pacific to Gulf."""
    mexico = max(dcw_rings(ctx.source(DCW), "MX"), key=len)
    idx = np.flatnonzero(near_outlines(shapely.points(mexico), us_states, SHARED_TOLERANCE_DEG))
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    longest = max(runs, key=len)
    if len(longest) < 1000:
        raise BuildError(f"{DCW}: no shared US-Mexico edge found (longest run {len(longest)} vertices)")
    coords = drop_loops(mexico[longest])  # quantization makes the ring touch itself near the river mouth
    return coords if coords[0, 0] < coords[-1, 0] else coords[::-1]


def _smooth(labels: np.ndarray) -> np.ndarray:
    """Merge runs shorter than MIN_RUN_VERTICES into the preceding run (flicker at state junctions)."""
    out = labels.tolist()
    i = 0
    while i < len(out):
        j = i
        while j < len(out) and out[j] == out[i]:
            j += 1
        if j - i < MIN_RUN_VERTICES and i > 0:
            out[i:j] = [out[i - 1]] * (j - i)
        i = j
    return np.asarray(out)


def _change_points(labels: list[tuple[str, str]]) -> list[int]:
    """Vertex indices where the (US state, Mexican state) pair of consecutive segments changes."""
    return [i for i in range(1, len(labels)) if labels[i] != labels[i - 1]]


def _kind(us: str, mx: str) -> str:
    if us == "USTX":
        return "Rio Grande"
    if us == "USAZ" and mx == "02":
        return "Colorado River"
    return "land"


def _row(seq: int, us: str, mx: str, line: shapely.LineString) -> list[object]:
    us_name, us_abbr, _ = US_STATES[us]
    mx_name, mx_abbr = MX_STATES[mx]
    kind = _kind(us, mx)
    km = length_km(line)
    return [f"{us_abbr}-{mx_abbr}", seq, f"{us_name} – {mx_name}", us_name, us_abbr, mx_name, mx,
            kind, KIND_ES[kind], round(km, 3), round(km_to_miles(km), 3), line]


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame) -> None:
    total_mi = float(gdf["length_mi"].sum())
    ctx.stat("length_mi", round(total_mi, 1))
    ctx.stat("length_km", round(float(gdf["length_km"].sum()), 1))
    ctx.stat("ibwc_length_mi", IBWC_TOTAL_MI)
    ctx.stat("ratio_to_ibwc", round(total_mi / IBWC_TOTAL_MI, 4))
    by_kind = gdf.groupby("kind")["length_mi"].sum()
    ctx.stat("length_mi_by_kind", {k: round(float(v), 1) for k, v in by_kind.items()})
    ctx.stat("ibwc_length_mi_by_kind", IBWC_MI)


SPEC = LayerSpec(
    id="boundary",
    title="US–Mexico international boundary / Frontera México–Estados Unidos",
    description=(
        "The international boundary from the Pacific Ocean to the Gulf of Mexico, from the Digital Chart of "
        "the World (about 1:1,000,000), split where the adjoining US or Mexican state changes and where the "
        "boundary follows the Rio Grande (Río Bravo) or the Colorado River (Río Colorado). Lengths are "
        "geodesic on WGS84; IBWC gives 1,954 miles including the full meanders of the rivers."
    ),
    geometry_type="LineString",
    id_field="segment_id",
    title_field="name",
    properties=SPEC_PROPS,
    sources=(DCW, *INEGI),
    licence="LGPL-3.0-or-later (DCW-GMT); INEGI open data terms (state attribution)",
    attribution="Digital Chart of the World via GMT DCW 2.1.1 (The GMT Team); Mexican states: INEGI",
    build=build,
    style=Style(
        color="#d62728", weight=3.0, by="kind",
        palette=(("land", "#d62728"), ("Rio Grande", "#1f77b4"), ("Colorado River", "#17becf")),
    ),
    keywords=("boundary", "frontera", "IBWC", "Rio Grande", "Río Bravo"),
    roles=frozenset({"context"}),
    method=(
        "Shared edge of the DCW Mexico polygon and the US border-state polygons; "
        "geodesic lengths (pyproj.Geod, WGS84)."
    ),
)
