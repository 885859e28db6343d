"""Rio Grande (with the Pecos sub-basin) and Colorado River basins, split by country, with 1944 Treaty figures.

Basin outlines come from the Western States Water Council's WestDAAT source code (C# constants holding
GeoJSON positions, BSD-3-Clause): generalized outlines that cover both sides of the border. Each file
holds one ``Polygon`` of one ``LineString`` ring; the parser reads every ring of every polygon so a file
with holes or several polygons would still be read right.

The country split uses the ``boundary`` layer (the TIGER/Line 2023 IBWC-derived line) rather than a
country polygon: closing the line far to the south gives "the Mexican side" as one small valid polygon
in milliseconds, whereas repairing the 425,000-vertex DCW Mexico ring takes ~14 s, and the split follows
the planning-scale line rather than DCW's 1:1M outline. The US part is the rest of the basin, so the two
parts always sum to the total. Against the DCW Mexico polygon the Mexican parts differ by the Gulf water
at the Rio Grande mouth and by the DCW line's offset (a median 120 m): 0.03 % (Rio Grande) to 0.4 %
(Colorado) of the Mexican part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import BuildError, SourceError
from geo.measure import area_km2, km_to_miles
from geo.ops import polygonal, rfc7946, south_side, to_multipolygon
from layers.context import BuildContext
from layers.spec import LayerSpec, Prop, Style

POSITION = re.compile(r"new Position\(\s*longitude:\s*(-?\d+(?:\.\d+)?)\s*,\s*latitude:\s*(-?\d+(?:\.\d+)?)\s*\)")
# Closing the boundary line 1° beyond each end and 20° below its southernmost point encloses all the
# Mexican parts of the basins.
SOUTH_MARGIN_DEG = 20.0
END_OFFSET_DEG = 1.0

# Treaty between the United States of America and Mexico Relating to the Utilization of Waters of the
# Colorado and Tijuana Rivers and of the Rio Grande, signed at Washington, 3 February 1944 (59 Stat. 1219,
# TS 994). Volumes are the treaty's own, in acre-feet with its own cubic-metre equivalents (US survey foot).
TREATY = "1944 Water Treaty (US–Mexico, signed 3 Feb 1944)"
ACRE_FOOT_M3 = 1233.489238  # US survey acre-foot, the unit of the treaty (43,560 survey ft³)


@dataclass(frozen=True)
class Treaty:
    """What the 1944 Treaty allots from one basin."""

    article: str | None
    acre_feet_per_year: float | None
    m3_per_year: float | None  # as printed in the treaty
    recipient: str | None
    summary: str


@dataclass(frozen=True)
class Basin:
    """One basin: its WSWC source file, names, parent basin and the boundary kind its river forms."""

    basin_id: str
    file: str
    name: str
    name_es: str
    parent: str | None
    boundary_kind: str | None
    treaty: Treaty


BASINS = (
    Basin(
        "rio-grande", "wswc/RioGrandeRiverBasin.cs", "Rio Grande Basin", "Cuenca del Río Bravo / Río Grande",
        None, "Rio Grande",
        Treaty(
            "Article 4", 350_000.0, 431_721_000.0, "United States",
            "Article 4 B(c): one third of the flow reaching the Rio Grande from six Mexican tributaries "
            "(Conchos, San Diego, San Rodrigo, Escondido, Salado, Arroyo de las Vacas) goes to the US, not less "
            "than 350,000 acre-feet a year on average over cycles of five consecutive years (1,750,000 acre-feet "
            "per cycle); Mexico receives two thirds of that flow and all of the San Juan and Alamo rivers.",
        ),
    ),
    Basin(
        "colorado", "wswc/ColoradoRiverBasin.cs", "Colorado River Basin", "Cuenca del Río Colorado",
        None, "Colorado River",
        Treaty(
            "Article 10", 1_500_000.0, 1_850_234_000.0, "Mexico",
            "Article 10(a): a guaranteed annual quantity of 1,500,000 acre-feet of Colorado River water to "
            "Mexico; Article 10(b): up to 200,000 acre-feet more (1,700,000 in all) in years of surplus; "
            "deliveries may be reduced in the same proportion as US uses in extraordinary drought.",
        ),
    ),
    Basin(
        "pecos", "wswc/PecosRiverBasin.cs", "Pecos River Basin", "Cuenca del Río Pecos",
        "rio-grande", None,
        Treaty(
            "Article 4", None, None, "United States",
            "Article 4 B(a): all of the waters reaching the Rio Grande from the Pecos and Devils rivers belong "
            "to the US, with no fixed volume; the Pecos lies wholly in the US (shared between New Mexico and "
            "Texas by the 1948 Pecos River Compact).",
        ),
    ),
)
BASIN_IDS = tuple(b.basin_id for b in BASINS)
TOP_LEVEL = tuple(b.basin_id for b in BASINS if b.parent is None)

SPEC_PROPS = (
    Prop("basin_id", "string", "Stable id of the basin", enum=BASIN_IDS),
    Prop("name", "string", "English name"),
    Prop("name_es", "string", "Spanish name"),
    Prop("parent_basin", "string", "basin_id of the enclosing basin (sub-basins only)", nullable=True),
    Prop("area_km2", "number", "Geodesic area on WGS84", unit="km2"),
    Prop("area_km2_us", "number", "Geodesic area on the US side of the boundary", unit="km2"),
    Prop("area_km2_mx", "number", "Geodesic area on the Mexican side of the boundary", unit="km2"),
    Prop("share_mx", "number", "Share of the area in Mexico (0-1)"),
    Prop("boundary_length_km", "number", "Length of international boundary formed by this river", unit="km"),
    Prop("boundary_length_mi", "number", "The same in statute miles", unit="mi"),
    Prop("treaty_article", "string", "Article of the 1944 Water Treaty allotting this basin's water", nullable=True),
    Prop("treaty_allotment_acre_feet_per_year", "number",
         "Annual volume fixed by the 1944 Treaty (guaranteed to Mexico, or minimum owed to the US)",
         nullable=True, unit="acre-ft/yr"),
    Prop("treaty_allotment_m3_per_year", "number", "The same in cubic metres, as printed in the treaty",
         nullable=True, unit="m3/yr"),
    Prop("treaty_allotment_recipient", "string", "Country receiving the allotment", nullable=True,
         enum=("United States", "Mexico")),
    Prop("treaty_summary", "string", "What the 1944 Treaty says about this basin"),
)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Read the WSWC outlines, nest the Pecos in the Rio Grande, split by country, attach treaty figures."""
    boundary = ctx.layer("boundary")
    mexico = mexico_side(boundary)
    outlines = {b.basin_id: read_wswc_polygon(ctx.source(b.file)) for b in BASINS}
    rows = []
    for basin in BASINS:
        geom = outlines[basin.basin_id]
        if basin.parent:
            # The outlines are generalized independently; clip so the sub-basin nests in its parent.
            clipped = polygonal(geom.intersection(outlines[basin.parent]))
            ctx.stat(f"{basin.basin_id}_trimmed_to_parent_km2", round(area_km2(geom) - area_km2(clipped), 1))
            geom = clipped
        rows.append(_row(basin, to_multipolygon(geom), mexico, _boundary_km(boundary, basin.boundary_kind)))
    gdf = gpd.GeoDataFrame(rows, columns=[*[p.name for p in SPEC_PROPS], "geometry"], crs=4326)
    gdf["geometry"] = rfc7946(gdf.geometry)
    _record_stats(ctx, gdf)
    return gdf


def read_wswc_polygon(path: Path) -> BaseGeometry:
    """The (multi)polygon in a WestDAAT C# basin file: ``new Polygon`` blocks of ``new LineString`` rings."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SourceError(f"cannot read basin outline {path}: {exc}") from exc
    polys = []
    for block in text.split("new Polygon(")[1:]:
        rings = [_ring(chunk) for chunk in block.split("new LineString(")[1:]]
        rings = [r for r in rings if len(r) >= 4]
        if rings:
            polys.append(shapely.make_valid(shapely.Polygon(rings[0], rings[1:])))
    geom = shapely.union_all([polygonal(p) for p in polys]) if polys else shapely.Polygon()
    if geom.is_empty:
        raise SourceError(f"{path}: no 'new Position(longitude:..., latitude:...)' ring found")
    return geom


def _ring(chunk: str) -> np.ndarray:
    return np.array([[float(x), float(y)] for x, y in POSITION.findall(chunk)]).reshape(-1, 2)


def mexico_side(boundary: gpd.GeoDataFrame) -> BaseGeometry:
    """The Mexican side of the boundary: the line Pacific->Gulf closed far to the south, as a polygon."""
    if boundary.empty:
        raise BuildError("boundary layer is empty: cannot split basins by country")
    return south_side(list(boundary.sort_values("seq").geometry), SOUTH_MARGIN_DEG, END_OFFSET_DEG)


def _boundary_km(boundary: gpd.GeoDataFrame, kind: str | None) -> float:
    if kind is None:
        return 0.0
    return float(boundary.loc[boundary["kind"] == kind, "length_km"].sum())


def _row(basin: Basin, geom: shapely.MultiPolygon, mexico: BaseGeometry, boundary_km: float) -> list[object]:
    total = area_km2(geom)
    mx = area_km2(polygonal(geom.intersection(mexico)))
    t = basin.treaty
    return [
        basin.basin_id, basin.name, basin.name_es, basin.parent,
        round(total, 1), round(total - mx, 1), round(mx, 1), round(mx / total, 4),
        round(boundary_km, 3), round(km_to_miles(boundary_km), 3),
        t.article, t.acre_feet_per_year, t.m3_per_year, t.recipient, t.summary, geom,
    ]


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame) -> None:
    for row in gdf.itertuples():
        ctx.stat(f"{row.basin_id}_area_km2", {"total": row.area_km2, "us": row.area_km2_us, "mx": row.area_km2_mx})
        ctx.stat(f"{row.basin_id}_boundary_length_mi", row.boundary_length_mi)


SPEC = LayerSpec(
    id="watersheds",
    min_zoom=0,
    max_zoom=7,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Rio Grande and Colorado River basins / Cuencas del Río Bravo y del Río Colorado",
    description=(
        "The Rio Grande (Río Bravo) basin with its Pecos sub-basin, and the Colorado River basin, on both sides "
        "of the border: geodesic area in total and per country, the length of international boundary each "
        "river forms, and what the 1944 US–Mexico Water Treaty allots from each."
    ),
    geometry_type="MultiPolygon",
    id_field="basin_id",
    title_field="name",
    properties=SPEC_PROPS,
    sources=tuple(b.file for b in BASINS),
    licence="BSD-3-Clause (Western States Water Council, WestDAAT; see wswc/LICENSE)",
    attribution=(
        "Basin outlines: Western States Water Council, WestDAAT (BSD-3-Clause); boundary: US Census Bureau TIGER/Line"
    ),
    build=build,
    depends=("boundary",),
    # earth tones: land drained by the rivers, apart from the rivers (blues) and the region (purples)
    style=Style(color="#8c6d31", weight=1.5, fill_color="#c7a76c", fill_opacity=0.2, by="basin_id",
                palette=(("rio-grande", "#b8860b"), ("colorado", "#c4572a"), ("pecos", "#7a8c3a")),
                name_es_field="name_es"),
    keywords=("watershed", "cuenca", "Rio Grande", "Río Bravo", "Colorado River", "Pecos", "1944 Water Treaty"),
    method=(
        "WSWC outlines parsed from C# source; the Pecos outline clipped to the Rio Grande outline so it nests. "
        "Country split by the boundary layer line closed to the south (US part = basin minus Mexican side). "
        "Geodesic areas and lengths on WGS84 (pyproj.Geod). Treaty figures from the 1944 Treaty text."
    ),
)
