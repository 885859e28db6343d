"""The La Paz Agreement border region: 100 km either side of the boundary, one polygon per country.

The La Paz Agreement (Agreement on Cooperation for the Protection and Improvement of the Environment in
the Border Area, signed at La Paz, Baja California Sur, 14 August 1983), art. 4, defines the border area
as "the area situated 100 kilometers on either side of the inland and maritime boundaries". The zone is
the geodesic 100 km buffer of the ``boundary`` layer (``layers.population.border_zone``: per-UTM-zone
buffers unioned), clipped to land in the Digital Chart of the World (California, Arizona, New Mexico,
Texas and Mexico: 100 km from the border never leaves them) and split between the countries by the
boundary line itself (closed far to the south), so the two sides meet exactly on the TIGER/IBWC line rather
than on DCW's 1:1M outlines. The maritime boundaries are left out: they leave the coasts roughly at right
angles, so they add little or no land to what lies within 100 km of the land boundary's two ends.

Population is the sum of the ``population`` layer's areal-weighted figures, which is why this layer
depends on ``population`` (and not the other way round).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import BuildError
from geo.measure import area_km2
from geo.ops import polygonal, rfc7946, south_side, to_multipolygon
from layers.context import BuildContext
from layers.population import BUFFER_KM, STATE_DEPT_POPULATION, border_zone
from layers.readers import US_STATES, dcw_rings
from layers.spec import LayerSpec, Prop, Style

DCW = "dcw/dcw-gmt.nc"
# the boundary carried 1 degree beyond each end and closed 20 degrees south: all of northern Mexico
SOUTH_MARGIN_DEG, END_OFFSET_DEG = 20.0, 1.0
GAP_DEG = 0.003  # ~300 m
#: country -> (DCW entities, English name, Spanish name)
COUNTRIES = {
    "US": (tuple(US_STATES), "United States", "Estados Unidos"),
    "MX": (("MX",), "Mexico", "México"),
}

PROPS = (
    Prop("country", "string", "Country of this side of the region", enum=tuple(COUNTRIES)),
    Prop("name", "string", "Name in English"),
    Prop("name_es", "string", "Nombre en español"),
    Prop("width_km", "number", "Distance from the boundary that defines the region (La Paz Agreement)",
         unit="km"),
    Prop("area_km2", "number", "Geodesic land area on WGS84", unit="km2"),
    Prop("population", "integer", "Census 2020 population inside the region: sum of the population layer's "
         "areal-weighted population_in_region", unit="people"),
    Prop("density_per_km2", "number", "population / area_km2", unit="people/km2"),
    Prop("n_states", "integer", "Number of states the region reaches into"),
    Prop("states", "string", "Those states, west to east"),
    Prop("n_units", "integer", "Number of counties (US) or municipios (MX) within or partly within it"),
)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Clip the 100 km zone to land, split it by the boundary line, and attach area and population."""
    boundary = ctx.layer("boundary")
    zone = border_zone(boundary)
    mexico = south_side(list(boundary.sort_values("seq").geometry), SOUTH_MARGIN_DEG, END_OFFSET_DEG)
    # per country, then unioned: repairing all the DCW rings in one go is several times slower
    lands = [shapely.intersection(zone, country_land(ctx.source(DCW), c, zone)) for c, _, _ in COUNTRIES.values()]
    # DCW's US and Mexico outlines part by up to ~200 m in places: a strip along the line closes those gaps
    # (flat caps, so nothing is added beyond the line's ends on the shores)
    strip = shapely.buffer(shapely.union_all(boundary.geometry.to_numpy()), GAP_DEG, cap_style="flat")
    land = polygonal(shapely.union_all([*lands, shapely.intersection(strip, zone)]))
    units = ctx.layer("population")
    rows = []
    for country, (_, name_en, name_es) in COUNTRIES.items():
        side = shapely.intersection(land, mexico) if country == "MX" else shapely.difference(land, mexico)
        region = to_multipolygon(polygonal(side))
        if region.is_empty:
            raise BuildError(f"{DCW}: the 100 km zone does not overlap the land of {name_en}")
        rows.append(_row(country, name_en, name_es, region, units[units["country"] == country]))
    gdf = gpd.GeoDataFrame(rows, columns=[*(p.name for p in PROPS), "geometry"], crs=4326)
    gdf["geometry"] = rfc7946(gdf.geometry)
    _record_stats(ctx, gdf, zone)
    return gdf


def country_land(path: Path, codes: tuple[str, ...], zone: BaseGeometry) -> BaseGeometry:
    """Land of the DCW entities ``codes`` near ``zone`` (only rings whose extent meets it, cut to its bbox).

    DCW rings may touch themselves (quantized coastlines), so each cut piece is made valid; doing that
    on the bbox cut rather than on the whole 400,000-vertex Mexico ring keeps the build fast.
    """
    rings = [r for code in codes for r in dcw_rings(path, code) if len(r) >= 4]
    polygons = np.asarray(shapely.polygons(np.array([shapely.linearrings(r) for r in rings], dtype=object)))
    near = polygons[shapely.intersects(zone, shapely.envelope(polygons))]
    cut = shapely.clip_by_rect(near, *zone.bounds)
    return shapely.union_all(shapely.make_valid(cut, method="structure"))


def _states_west_to_east(units: gpd.GeoDataFrame) -> list[str]:
    centroids = units.geometry.representative_point().x.groupby(units["state"]).mean()
    return list(centroids.sort_values().index)


def _row(country: str, name_en: str, name_es: str, region: BaseGeometry, units: gpd.GeoDataFrame) -> list[object]:
    area = area_km2(region)
    population = int(units["population_in_region"].sum())
    states = _states_west_to_east(units)
    return [
        country,
        f"Border region (La Paz Agreement) – {name_en}",
        f"Región fronteriza (Acuerdo de La Paz) – {name_es}",
        BUFFER_KM,
        round(area, 1),
        population,
        round(population / area, 2),
        len(states),
        ", ".join(states),
        len(units),
        region,
    ]


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame, zone: BaseGeometry) -> None:
    population = int(gdf["population"].sum())
    ctx.stat("population", population)
    ctx.stat("population_by_country", dict(zip(gdf["country"], gdf["population"].astype(int), strict=True)))
    ctx.stat("ratio_to_state_department_15m", round(population / STATE_DEPT_POPULATION, 3))
    ctx.stat("area_km2", round(float(gdf["area_km2"].sum()), 1))
    ctx.stat("area_km2_by_country", dict(zip(gdf["country"], gdf["area_km2"].astype(float), strict=True)))
    ctx.stat("zone_area_km2_land_and_sea", round(area_km2(zone), 1))
    # the sides are split by one line, so they meet along it and do not overlap
    overlap = shapely.intersection(*np.asarray(gdf.geometry.values))
    ctx.stat("overlap_km2_us_mx", round(area_km2(polygonal(overlap)), 2))


SPEC = LayerSpec(
    id="border-region",
    min_zoom=0,
    max_zoom=12,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="La Paz Agreement border region / Región fronteriza (Acuerdo de La Paz)",
    description=(
        "The US–Mexico border area of the 1983 La Paz Agreement: the land within 100 km (geodesic) of the "
        "international boundary, one polygon per country, with its area and Census 2020 population "
        "(areal-weighted from the counties and municipios of the population layer)."
    ),
    geometry_type="MultiPolygon",
    id_field="country",
    title_field="name",
    properties=PROPS,
    sources=(DCW,),
    licence="LGPL-3.0-or-later (DCW-GMT); population: see the population layer",
    attribution="Digital Chart of the World via GMT DCW 2.1.1; US Census Bureau; INEGI",
    build=build,
    depends=("boundary", "population"),
    style=Style(color="#6a51a3", weight=1.5, fill_color="#6a51a3", fill_opacity=0.08, by="country",
                palette=(("US", "#6a51a3"), ("MX", "#9e4a9c")), name_es_field="name_es"),
    keywords=("border region", "región fronteriza", "La Paz Agreement", "Acuerdo de La Paz", "100 km"),
    method=(
        "Geodesic 100 km buffer of the boundary layer (each UTM zone 11N-14N buffered in its own projection, "
        "the pieces unioned; scale error under 0.15%), clipped to DCW land of the US border states and of "
        "Mexico and split between the countries by the boundary line (gaps between the DCW outlines closed "
        "within 300 m of the line). Areas geodesic on WGS84. Population: sum of the population layer's "
        "areal-weighted population_in_region."
    ),
)
