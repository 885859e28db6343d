"""The US–Mexico international boundary, Pacific to Gulf, from Census TIGER/Line 2023 (IBWC-derived).

TIGER's international boundary with IBTYPE ``M`` follows the line the International Boundary and Water
Commission maintains (vertices a median 43 m apart, rivers with their meanders). It runs out to the 3-mile
limits at both shores; the layer is the part between the first and the last crossing of the Natural Earth
1:10m coastline. It is split where the adjoining US state (Census cartographic boundaries 1:500,000) or
Mexican state (INEGI municipios) changes, and labelled by what forms it: by treaty the Rio Grande all along
Texas (1848 Treaty of Guadalupe Hidalgo, 1970 Boundary Treaty) and the Colorado River between Arizona and
Baja California (1853 Gadsden Treaty), land elsewhere. (TIGER's feature classes cannot say this: most
of the river boundary is coded P0001, a plain boundary line.) The Digital Chart of the World line is kept
as an independent opinion on the position: its distances from this line are in the layer's stats.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely import ops as shapely_ops

from geo.errors import SourceError
from geo.measure import WGS84, km_to_miles, length_km
from geo.ops import nearest_owner
from layers._dcw_edge import DCW, crosscheck, dcw_boundary
from layers.context import BuildContext, declared
from layers.readers import MX_STATES, US_STATES, census_states, inegi_municipios, natural_earth_land, tiger_boundary
from layers.spec import LayerSpec, Prop, Style

TIGER = tuple(f"tiger/tl_2023_us_internationalboundary.{ext}" for ext in ("shp", "dbf", "shx", "prj"))
STATES = "census/cb_2018_us_state_500k.zip"
LAND = "natural_earth/ne_10m_land.json"
INEGI = declared("inegi/AGEM_")
# A run of one nearest state shorter than this is flicker where state outlines meet the line (the
# generalized state outlines lie up to a few hundred metres off it): it joins the run before it.
MIN_RUN_KM = 2.0
LAND_MARGIN_DEG = 0.2

# International Boundary and Water Commission, "The International Boundary" (ibwc.gov, Mission page):
# 1,954 miles in all, of which 1,254 follow the Rio Grande and 24 the Colorado River.
IBWC_TOTAL_MI = 1954.0
IBWC_MI = {"Rio Grande": 1254.0, "Colorado River": 24.0, "land": 1954.0 - 1254.0 - 24.0}
KIND_ES = {"land": "frontera terrestre", "Rio Grande": "Río Bravo", "Colorado River": "Río Colorado"}
FIPS_TO_US = {fips: code for code, (_, _, fips) in US_STATES.items()}

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
    """Cut the TIGER line at the shores, split it by adjoining states and kind, measure and cross-check it."""
    tiger = tiger_boundary(ctx.source(TIGER[0]))
    line = shore_to_shore(tiger, ctx)
    coords = np.asarray(line.coords)
    mids = shapely.points((coords[:-1] + coords[1:]) / 2.0)
    step_km = segment_km(coords)
    states = census_states(ctx.source(STATES), FIPS_TO_US)
    muni = inegi_municipios(ctx.source(f) for f in INEGI)
    us_codes = [FIPS_TO_US[f] for f in states["STATEFP"].to_numpy()[nearest_owner(mids, list(states.geometry))]]
    mx_codes = muni["state_code"].to_numpy()[nearest_owner(mids, list(muni.geometry))].tolist()
    labels = list(zip(smooth(us_codes, step_km), smooth(mx_codes, step_km), strict=True))
    rows: list[list[object]] = []
    start = 0
    for end in [*_change_points(labels), len(labels)]:
        us, mx = labels[start]
        rows.append(_row(len(rows) + 1, us, mx, shapely.LineString(coords[start : end + 1])))
        start = end
    gdf = gpd.GeoDataFrame(rows, columns=[*[p.name for p in SPEC_PROPS], "geometry"], crs=4326)
    _record_stats(ctx, gdf, tiger, line)
    ctx.stat("dcw_crosscheck", crosscheck(line, dcw_boundary(ctx.source(DCW))))
    return gdf


def shore_to_shore(line: shapely.LineString, ctx: BuildContext) -> shapely.LineString:
    """The part of ``line`` between its first and last crossing of the coastline, ordered west to east."""
    if line.coords[0][0] > line.coords[-1][0]:
        line = shapely.reverse(line)
    west, south, east, north = line.bounds
    m = LAND_MARGIN_DEG
    land = natural_earth_land(ctx.source(LAND), (west - m, south - m, east + m, north + m))
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    if shapely.contains_xy(land, x0, y0) or shapely.contains_xy(land, x1, y1):
        raise SourceError(f"{TIGER[0]}: the boundary should start and end at sea, beyond the {LAND} coastline")
    crossings = shapely.get_parts(shapely.intersection(line, land.boundary))
    if len(crossings) < 2:
        raise SourceError(f"{TIGER[0]}: the boundary crosses the {LAND} coastline {len(crossings)} times, not 2")
    at = [line.project(p) for p in crossings]
    cut = shapely_ops.substring(line, min(at), max(at))
    if not isinstance(cut, shapely.LineString):
        raise SourceError(f"{TIGER[0]}: nothing of the boundary lies between its coastline crossings")
    return cut


def segment_km(coords: np.ndarray) -> np.ndarray:
    """Geodesic length (km) of each segment of a lon/lat vertex path."""
    _, _, metres = WGS84.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    return np.asarray(metres) / 1000.0


def smooth(labels: list[str], step_km: np.ndarray) -> list[str]:
    """Merge runs of one label shorter than MIN_RUN_KM into the run before them (the first into the next)."""
    names: list[str] = []
    counts: list[int] = []
    kms: list[float] = []
    for label, km in zip(labels, step_km.tolist(), strict=True):
        if names and names[-1] == label:
            counts[-1] += 1
            kms[-1] += km
        else:
            names.append(label)
            counts.append(1)
            kms.append(km)
    out: list[str] = []
    for i, (label, count, km) in enumerate(zip(names, counts, kms, strict=True)):
        if km < MIN_RUN_KM:
            label = out[-1] if out else names[i + 1] if i + 1 < len(names) else label
        out += [label] * count
    return out


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


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame, tiger: shapely.LineString,
                  line: shapely.LineString) -> None:
    total_mi = float(gdf["length_mi"].sum())
    ctx.stat("length_mi", round(total_mi, 1))
    ctx.stat("length_km", round(float(gdf["length_km"].sum()), 1))
    ctx.stat("ibwc_length_mi", IBWC_TOTAL_MI)
    ctx.stat("ratio_to_ibwc", round(total_mi / IBWC_TOTAL_MI, 4))
    by_kind = gdf.groupby("kind")["length_mi"].sum()
    ctx.stat("length_mi_by_kind", {k: round(float(v), 1) for k, v in by_kind.items()})
    ctx.stat("ibwc_length_mi_by_kind", IBWC_MI)
    ctx.stat("ratio_to_ibwc_by_kind", {k: round(float(v) / IBWC_MI[str(k)], 4) for k, v in by_kind.items()})
    ctx.stat("offshore_cut_mi", round(km_to_miles(length_km(tiger) - length_km(line)), 2))
    ctx.stat("pacific_end", [round(v, 6) for v in line.coords[0]])
    ctx.stat("gulf_end", [round(v, 6) for v in line.coords[-1]])


SPEC = LayerSpec(
    id="boundary",
    min_zoom=0,
    max_zoom=12,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="US–Mexico international boundary / Frontera México–Estados Unidos",
    description=(
        "The international boundary from the Pacific Ocean to the Gulf of Mexico, from the Census Bureau's "
        "TIGER/Line 2023 international boundary (which follows the IBWC line), cut at the shorelines, split "
        "where the adjoining US or Mexican state changes and where the boundary follows the Rio Grande "
        "(Río Bravo) or the Colorado River (Río Colorado). Lengths are geodesic on WGS84; IBWC gives 1,954 "
        "miles (land 676, Rio Grande 1,254, Colorado River 24)."
    ),
    geometry_type="LineString",
    id_field="segment_id",
    title_field="name",
    properties=SPEC_PROPS,
    sources=(*TIGER, STATES, LAND, *INEGI, DCW),
    licence="Public domain (US Census Bureau TIGER/Line, Natural Earth); INEGI open data terms (state attribution)",
    attribution=(
        "US Census Bureau TIGER/Line 2023 and cartographic boundaries; Natural Earth; Mexican states: INEGI; "
        "cross-check: Digital Chart of the World via GMT DCW 2.1.1"
    ),
    build=build,
    # reds: the line itself, apart from the rivers (blues), basins (earth tones) and the region (purples)
    style=Style(
        color="#b2182b", weight=3.0, by="kind",
        palette=(("land", "#b2182b"), ("Rio Grande", "#e7298a"), ("Colorado River", "#f46d43")),
    ),
    keywords=("boundary", "frontera", "IBWC", "TIGER", "Rio Grande", "Río Bravo"),
    roles=frozenset({"context"}),
    method=(
        "TIGER/Line 2023 international boundary (IBTYPE M), NAD83 to EPSG:4326, merged into one line and cut "
        "at its first and last crossing of the Natural Earth 1:10m coastline; split by the nearest US state "
        "outline (Census 1:500,000) and Mexican state (INEGI municipios), runs under 2 km merged; kind by "
        "treaty (Texas: Rio Grande; Arizona-Baja California: Colorado River). Geodesic lengths (pyproj.Geod, "
        "WGS84). Stats: lengths beside IBWC's, and the distances to the "
        "independent DCW 1:1M line sampled every 100 m."
    ),
)
