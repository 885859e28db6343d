"""Named river centerlines of the Rio Grande, Pecos and Colorado basins, from Natural Earth 1:10m.

Pieces come from two Natural Earth files: the global rivers + lake centerlines (main stems: Rio Grande,
Colorado, Pecos, Conchos, Gila, Green, San Juan) and the North America supplement (tributaries). Pieces
with the same name that touch (within ``JOIN_TOLERANCE_DEG``) form one river; a river belongs to the
top-level basin holding at least ``MIN_SHARE_IN_BASIN`` of its length, is clipped to that basin grown by
``BASIN_BUFFER_DEG`` (the WSWC outlines are generalized: the Rio Grande wanders up to 1.7 km outside near
its mouth) and takes the most specific basin_id (``pecos`` inside the Pecos sub-basin). Natural Earth
lost every accented letter in this conversion ('Ro Conchos', 'Sextn'); Spanish names are restored.

Where a river forms the international boundary (the Rio Grande from El Paso to the Gulf, the Colorado
along Arizona–Baja California), that stretch is a feature of its own, ``{river_id}-boundary``, flagged
``forms_boundary``, whose coordinates are exactly the boundary layer's (TIGER/IBWC line), so a map shows
one line there, not the 1:10m river ~1 km beside the boundary. The Natural Earth parts upstream and
downstream end at the stretch's ends; tributaries that met the replaced 1:10m stretch are cut at, or
extended to, the boundary line so they still join their river.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely import ops as shapely_ops
from shapely.geometry.base import BaseGeometry

from geo.errors import BuildError, SourceError
from geo.measure import km_to_miles, length_km
from geo.ops import rfc7946
from layers.context import BuildContext
from layers.spec import LayerSpec, Prop, Style
from layers.watersheds import BASIN_IDS, mexico_side

CENTERLINES = "natural_earth/ne_10m_rivers_lake_centerlines.json"
NORTH_AMERICA = "natural_earth/ne_10m_rivers_north_america.json"
BASIN_BUFFER_DEG = 0.03  # ~3 km
JOIN_TOLERANCE_DEG = 0.005  # ~500 m: Natural Earth pieces of one river meet with gaps of up to ~200 m
MIN_SHARE_IN_BASIN = 0.5  # e.g. drops the Wind (7 % in the Colorado outline) and the Sextín (Nazas basin)
MIN_LENGTH_KM = 5.0
UNNAMED = {"Arroyo sin Nombre"}  # "nameless arroyo"
# 1:10m rivers and the DCW boundary disagree by a few km where tributaries meet the Rio Grande (up to
# 3.8 km of Arroyo El Caballo falls on the US side): a river is in a country from 10 km on.
COUNTRY_MIN_KM = 10.0
#: river_id -> the boundary kind it forms
BOUNDARY_RIVERS = {"rio-grande": "Rio Grande", "colorado": "Colorado River"}
# a tributary whose mouth lay within ~1 km of the replaced 1:10m stretch is joined to the boundary line
TRIBUTARY_JOIN_DEG = 0.01

# Words Natural Earth lost accents from (a dropped letter or a plain vowel), restored in Spanish names.
ACCENTS = {"Ro": "Río", "Rio": "Río", "Rios": "Ríos", "Sextn": "Sextín", "Pesqueria": "Pesquería",
           "Chuviscar": "Chuvíscar", "Jose": "José", "Alamos": "Álamos", "Purificacin": "Purificación"}
# Established Spanish names of rivers whose Natural Earth name is English or bare, keyed by (basin, name).
NAME_ES = {
    ("rio-grande", "Rio Grande"): "Río Bravo del Norte",
    ("colorado", "Colorado"): "Río Colorado",
    ("pecos", "Pecos"): "Río Pecos",
    ("colorado", "Gila"): "Río Gila",
    ("colorado", "San Juan"): "Río San Juan",
    ("colorado", "Santa Cruz"): "Río Santa Cruz",
    ("colorado", "San Pedro"): "Río San Pedro",
}
# Natural Earth gives two different rivers the same bare name; rivernum -> the river's full name.
RENAME = {
    22316: "Sabinas Hidalgo",  # Río Sabinas Hidalgo (Nuevo León), not the Río Sabinas of Coahuila
    22677: "White (Nevada)",  # White River of Nevada, not the White River of Colorado and Utah
}

SPEC_PROPS = (
    Prop("river_id", "string", "Stable id: slug of the name (plus the basin where two basins share a name)"),
    Prop("name", "string", "Name (Natural Earth, Spanish accents restored)"),
    Prop("name_es", "string", "Spanish name", nullable=True),
    Prop("basin_id", "string", "Most specific basin of the watersheds layer holding the river", enum=BASIN_IDS),
    Prop("country", "string", "Countries the river flows through", enum=("US", "MX", "both")),
    Prop("length_km", "number", "Geodesic length on WGS84 of the part inside the basin", unit="km"),
    Prop("length_mi", "number", "The same in statute miles", unit="mi"),
    Prop("scalerank", "integer", "Natural Earth scalerank (lower = more important)", nullable=True),
    Prop("source_layer", "string", "Natural Earth file(s) the pieces come from"),
    Prop("forms_boundary", "boolean", "True for the stretch that forms the international boundary: its "
         "coordinates are the boundary layer's"),
)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Group Natural Earth pieces into rivers per basin, clip, merge and measure them."""
    basins = ctx.layer("watersheds").set_index("basin_id")
    mexico = mexico_side(ctx.layer("boundary"))
    pieces = read_pieces(ctx, tuple(basins.total_bounds))
    rows = []
    for basin_id in basins.index[basins["parent_basin"].isna()]:
        region = basins.geometry[basin_id].buffer(BASIN_BUFFER_DEG)
        subs = basins[basins["parent_basin"] == basin_id].geometry
        for group in _rivers_in(pieces, region):
            rows.append(_row(group, region, basin_id, subs, mexico))
    gdf = gpd.GeoDataFrame([r for r in rows if r is not None], geometry="geometry", crs=4326)
    gdf.insert(0, "river_id", _ids(gdf))
    gdf = splice_boundary(gdf, ctx.layer("boundary"), mexico)
    gdf = gdf.sort_values(["basin_id", "length_km"], ascending=[True, False], ignore_index=True)
    gdf = gpd.GeoDataFrame(gdf[[*[p.name for p in SPEC_PROPS], "geometry"]], geometry="geometry", crs=4326)
    gdf["scalerank"] = gdf["scalerank"].astype("Int64")
    gdf["geometry"] = rfc7946(gdf.geometry)
    _record_stats(ctx, gdf)
    return gdf


def splice_boundary(gdf: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, mexico: BaseGeometry) -> gpd.GeoDataFrame:
    """Replace the 1:10m stretch of each boundary river by the boundary line itself, as a feature of its own."""
    gdf = gdf.assign(forms_boundary=False)
    extra = []
    for river_id, kind in BOUNDARY_RIVERS.items():
        found = gdf.index[gdf["river_id"] == river_id]
        if len(found) != 1:
            raise BuildError(f"rivers: {river_id} not found once in Natural Earth (found {len(found)})")
        i = found[0]
        stretch = shapely.line_merge(shapely.MultiLineString(list(boundary.loc[boundary["kind"] == kind].geometry)))
        if not isinstance(stretch, shapely.LineString):
            raise BuildError(f"rivers: the boundary's {kind} segments do not form one line")
        old = gdf.at[i, "geometry"]
        rest = _outside(old, stretch)
        gdf.loc[gdf.index != i, "geometry"] = [_join(g, old, rest, stretch) for g in gdf.geometry.drop(i)]
        gdf["length_km"] = [round(length_km(g), 3) for g in gdf.geometry]
        gdf["length_mi"] = [round(km_to_miles(k), 3) for k in gdf["length_km"]]
        km = length_km(rest)
        gdf.loc[i, ["geometry", "length_km", "length_mi", "country"]] = [
            rest, round(km, 3), round(km_to_miles(km), 3), _country(km, length_km(rest.intersection(mexico)))]
        km = length_km(stretch)
        extra.append({**gdf.loc[i].to_dict(), "river_id": f"{river_id}-boundary", "country": "both",
                      "length_km": round(km, 3), "length_mi": round(km_to_miles(km), 3), "forms_boundary": True,
                      "geometry": shapely.MultiLineString([stretch])})
    return gpd.GeoDataFrame(pd.concat([gdf, pd.DataFrame(extra)], ignore_index=True), geometry="geometry", crs=4326)


def _outside(river: shapely.MultiLineString, stretch: shapely.LineString) -> shapely.MultiLineString:
    """The river's parts upstream and downstream of ``stretch``, each ending exactly at the stretch's ends."""
    parts = list(river.geoms)
    k = int(np.argmin([p.distance(stretch) for p in parts]))
    main = parts.pop(k)
    start, end = shapely.Point(stretch.coords[0]), shapely.Point(stretch.coords[-1])
    s0, s1 = main.project(start), main.project(end)
    if s0 >= s1:
        raise BuildError("rivers: the boundary stretch runs against the Natural Earth river's direction")
    coords = np.asarray(main.coords)
    up = [*_cut(coords, 0.0, s0), stretch.coords[0]]
    down = [stretch.coords[-1], *_cut(coords, s1, main.length)]
    kept = [shapely.LineString(c) for c in (up, down) if length_km(shapely.LineString(c)) >= MIN_LENGTH_KM]
    return shapely.MultiLineString([*kept, *parts])


def _join(geom: BaseGeometry, old: BaseGeometry, rest: BaseGeometry, stretch: shapely.LineString) -> BaseGeometry:
    """A tributary that met the replaced 1:10m stretch, cut at or extended to the boundary line."""
    lines = []
    for part in _lines(geom):
        coords = np.asarray(part.coords)
        for end in (0, -1):
            mouth = shapely.Point(coords[end])
            if mouth.distance(old) < TRIBUTARY_JOIN_DEG and mouth.distance(rest) > mouth.distance(stretch):
                coords = _to_line(coords if end == -1 else coords[::-1], stretch)
                coords = coords if end == -1 else coords[::-1]
        lines.append(shapely.LineString(coords))
    return shapely.MultiLineString(lines)


def _to_line(coords: np.ndarray, line: shapely.LineString) -> np.ndarray:
    """A path whose last vertex is its mouth, ending on ``line``: cut at its last crossing, or extended."""
    path = shapely.LineString(coords)
    hits = shapely.get_parts(path.intersection(line))
    hits = hits[~shapely.is_empty(hits)]
    if len(hits):
        at = max(path.project(h) for h in hits)
        return _cut(coords, 0.0, at) if at > 0 else coords
    _, nearest = shapely_ops.nearest_points(shapely.Point(coords[-1]), line)
    return np.vstack([coords, [[nearest.x, nearest.y]]])


def _cut(coords: np.ndarray, start: float, end: float) -> np.ndarray:
    """The part of a vertex path between two planar distances along it, with interpolated end vertices."""
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    inner = coords[(along > start) & (along < end)]
    ends = [np.array([np.interp(d, along, coords[:, 0]), np.interp(d, along, coords[:, 1])]) for d in (start, end)]
    return np.vstack([ends[0], inner, ends[1]])


def read_pieces(ctx: BuildContext, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """Named Natural Earth river pieces in ``bbox``: key name, Spanish full name, scalerank, source, geometry."""
    frames = []
    for file in (CENTERLINES, NORTH_AMERICA):
        try:
            gdf = pyogrio.read_dataframe(ctx.source(file), bbox=bbox)
        except Exception as exc:  # pyogrio raises several DataSourceError types
            raise SourceError(f"cannot read rivers from {file}: {exc}") from exc
        full = gdf["name_full"] if "name_full" in gdf else gdf["name"]
        frames.append(pd.DataFrame({
            "rivernum": gdf["rivernum"].astype(int), "ne_name": gdf["name"], "full": full,
            "scalerank": gdf["scalerank"], "source": file.split("/")[-1], "geometry": gdf.geometry,
        }))
    pieces = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)
    pieces = pieces[pieces["ne_name"].notna() & ~pieces["ne_name"].isin(UNNAMED)].copy()
    pieces["name"] = [RENAME.get(n, _key_name(s)) for n, s in zip(pieces["rivernum"], pieces["ne_name"], strict=True)]
    pieces = pieces.explode(ignore_index=True)
    pieces["river"] = -1
    for _, same in pieces.groupby("name"):
        pieces.loc[same.index, "river"] = same.index[_components(same)]
    return pieces


def _key_name(ne_name: str) -> str:
    # 'Ro Conchos' (North America file) is the headwater piece of the centerlines' 'Conchos'
    name = re.sub(r"^(Ro|Rio|Río) (?!Grande$)", "", ne_name)
    return re.sub(r" Cr\.$", " Creek", name)


def _rivers_in(pieces: gpd.GeoDataFrame, region: BaseGeometry) -> list[gpd.GeoDataFrame]:
    """The whole rivers (connected same-named pieces) that reach into ``region``."""
    near = set(pieces.loc[pieces.intersects(region), "river"])
    return [group for river, group in pieces.groupby("river") if river in near]


def _components(same: gpd.GeoDataFrame) -> np.ndarray:
    """Connected-component label of each piece: pieces within JOIN_TOLERANCE_DEG, or of one NE river, connect."""
    geoms = list(same.geometry)
    parent = list(range(len(geoms)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=JOIN_TOLERANCE_DEG)
    # Natural Earth numbers one river's pieces alike within a file, gaps or not (the Wind in Wyoming)
    river = (same["source"] + ":" + same["rivernum"].astype(str)).to_numpy()
    same_river = np.flatnonzero(river[:, None] == river[None, :])
    left = np.concatenate([left, same_river // len(geoms)])
    right = np.concatenate([right, same_river % len(geoms)])
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        parent[find(a)] = find(b)
    return np.array([find(i) for i in range(len(geoms))])


def _row(group: gpd.GeoDataFrame, region: BaseGeometry, basin_id: str, subs: gpd.GeoSeries,
         mexico: BaseGeometry) -> dict[str, object] | None:
    whole = merge_lines(list(group.geometry))
    inside = merge_lines(_lines(whole.intersection(region)))
    km = length_km(inside)
    if km < MIN_LENGTH_KM or km < MIN_SHARE_IN_BASIN * length_km(whole):
        return None
    basin_id = next((b for b, g in subs.items() if length_km(inside.intersection(g)) > km / 2), basin_id)
    name = str(group["name"].iloc[0])
    country = _country(km, length_km(inside.intersection(mexico)))
    ranks = group["scalerank"].dropna()
    return {
        "name": _restore(name) if country == "MX" else name,
        "name_es": _name_es(basin_id, name, group, country),
        "basin_id": basin_id, "country": country,
        "length_km": round(km, 3), "length_mi": round(km_to_miles(km), 3),
        "scalerank": int(ranks.min()) if len(ranks) else None,
        "source_layer": ", ".join(sorted(set(group["source"]))), "geometry": inside,
    }


def merge_lines(lines: Sequence[BaseGeometry]) -> shapely.MultiLineString:
    """Merge line pieces into as few lines as possible, first snapping end points closer than the tolerance."""
    parts = [np.asarray(p.coords) for line in lines for p in _lines(line) if len(p.coords) >= 2]
    ends = np.array([c[i] for c in parts for i in (0, -1)]).reshape(-1, 2)
    for i in range(len(ends)):
        close = np.flatnonzero(np.hypot(*(ends[:i] - ends[i]).T) < JOIN_TOLERANCE_DEG)
        if len(close):
            ends[i] = ends[close[0]]
    for k, coords in enumerate(parts):
        coords[0], coords[-1] = ends[2 * k], ends[2 * k + 1]
    # a piece shorter than the tolerance can collapse onto one point: drop it
    parts = [c for c in parts if shapely.LineString(c).length > 0]
    merged = shapely.line_merge(shapely.MultiLineString(parts))
    return shapely.MultiLineString(_lines(merged))


def _lines(geom: BaseGeometry) -> list[shapely.LineString]:
    """The non-empty linestrings in a geometry (clipping can return points and collections)."""
    if isinstance(geom, shapely.LineString):
        return [] if geom.is_empty else [geom]
    if isinstance(geom, shapely.MultiLineString | shapely.GeometryCollection):
        return [line for part in geom.geoms for line in _lines(part)]
    return []


def _country(km: float, km_mx: float) -> str:
    in_mx, in_us = km_mx >= COUNTRY_MIN_KM, km - km_mx >= COUNTRY_MIN_KM
    return "both" if in_mx and in_us else "MX" if in_mx else "US"


def _restore(name: str) -> str:
    """Put back the accents Natural Earth lost, word by word."""
    return " ".join(ACCENTS.get(word, word) for word in name.split(" "))


def _name_es(basin_id: str, name: str, group: gpd.GeoDataFrame, country: str) -> str | None:
    curated = NAME_ES.get((basin_id, name))
    if curated:
        return curated
    full = str(group.loc[group["full"].notna(), "full"].iloc[0]) if group["full"].notna().any() else name
    if full.startswith(("Rio ", "Ro ", "Arroyo ")):
        return _restore(full)
    return f"Río {_restore(name.split(' (')[0])}" if country != "US" else None


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _ids(gdf: gpd.GeoDataFrame) -> list[str]:
    """Slug of the name; where several basins share a name, all but the longest river add their basin."""
    slugs = [_slug(n) for n in gdf["name"]]
    longest = gdf.assign(slug=slugs).sort_values("length_km").groupby("slug").tail(1).index
    return [s if i in longest else f"{s}-{b}" for i, s, b in zip(gdf.index, slugs, gdf["basin_id"], strict=True)]


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame) -> None:
    ctx.stat("rivers", len(gdf))
    for river_id in ("rio-grande", "colorado", "pecos", "conchos", "gila"):
        found = gdf.loc[gdf["river_id"] == river_id, "length_km"]
        if len(found):
            ctx.stat(f"{river_id}_length_km", float(found.iloc[0]))
    by_basin = gdf.groupby("basin_id")["length_km"].sum()
    ctx.stat("length_km_by_basin", {k: round(float(v), 1) for k, v in by_basin.items()})


SPEC = LayerSpec(
    id="rivers",
    min_zoom=0,
    max_zoom=12,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Rivers of the Rio Grande and Colorado basins / Ríos de las cuencas del Bravo y del Colorado",
    description=(
        "Named river centerlines (Natural Earth 1:10m) inside the Rio Grande, Pecos and Colorado River basins, "
        "one feature per river and basin, with geodesic length. At 1:10m meanders are smoothed away: the Rio "
        "Grande measures about 2,420 km here against the 3,051 km usually published."
    ),
    geometry_type="MultiLineString",
    id_field="river_id",
    title_field="name",
    properties=SPEC_PROPS,
    sources=(CENTERLINES, NORTH_AMERICA),
    licence="Public domain (Natural Earth)",
    attribution=(
        "Made with Natural Earth (rivers and lake centerlines, North America supplement); where the rivers form "
        "the boundary: US Census Bureau TIGER/Line"
    ),
    build=build,
    depends=("watersheds", "boundary"),
    # blues: water, apart from the basins' earth tones
    style=Style(color="#2171b5", weight=1.5, by="basin_id",
                palette=(("rio-grande", "#2171b5"), ("colorado", "#08519c"), ("pecos", "#4eb3d3")),
                label="name", label_min_zoom=8, name_es_field="name_es"),
    keywords=("river", "río", "Rio Grande", "Río Bravo", "Colorado River", "Natural Earth"),
    method=(
        "Same-named Natural Earth pieces that touch are merged (end points snapped within 500 m, line_merge), "
        "kept when at least half their length lies in a basin, clipped to the basin grown by ~3 km; geodesic "
        "lengths on WGS84 (pyproj.Geod). Where a river forms the boundary (Rio Grande, Colorado) that stretch "
        "is the boundary layer's line itself (same coordinates, forms_boundary true, id '<river>-boundary'); "
        "the 1:10m parts upstream and downstream end at its ends, and tributaries that met the replaced "
        "stretch are cut at or extended to it. Elsewhere Natural Earth as is."
    ),
)
