"""The basemap layers (land, US and Mexican states, railroads): inside the region, light, and true in area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.measure import area_km2
from layers import basemap
from layers.registry import default_registry

BASEMAP = ("land", "us-states", "mx-states", "railroads")
#: vertices per layer a web map can carry in every page without weighing it down
MAX_VERTICES = 20_000
#: INEGI, "Superficie continental e insular" per state (km2), cuentame.inegi.org.mx (2020 figures)
MX_AREA_KM2 = {"BC": 71_450, "SON": 179_355, "CHIH": 247_413, "COAH": 151_595, "NL": 64_156, "TAMPS": 80_249}
#: Census Bureau 2010 state area measurements (km2): land area, total area (land + inland, coastal, territorial water)
TX_LAND_KM2, TX_TOTAL_KM2 = 676_587, 695_662


def test_basemap_role_lists_exactly_the_four_layers() -> None:
    assert [s.id for s in default_registry().with_role("basemap")] == list(BASEMAP)


@pytest.mark.parametrize("layer_id", BASEMAP)
def test_inside_the_region_and_light(layer, layer_id: str) -> None:
    gdf = layer(layer_id)
    minx, miny, maxx, maxy = gdf.total_bounds
    rx0, ry0, rx1, ry1 = basemap.REGION
    assert rx0 - 1e-9 <= minx and ry0 - 1e-9 <= miny and maxx <= rx1 + 1e-9 and maxy <= ry1 + 1e-9
    assert len(gdf.get_coordinates()) < MAX_VERTICES
    assert shapely.is_valid(np.asarray(gdf.geometry.array)).all()


@pytest.mark.parametrize("layer_id", BASEMAP)
def test_provenance_and_licence(layer_id: str) -> None:
    spec = default_registry()[layer_id]
    assert spec.sources and spec.licence and spec.attribution


def test_mexican_states_match_inegi_areas(layer) -> None:
    states = layer("mx-states").set_index("abbreviation")
    assert sorted(states.index) == sorted(MX_AREA_KM2)
    for abbr, official in MX_AREA_KM2.items():
        # dissolved from the municipios before simplification; BC counts its islands in INEGI's figure too
        assert states.loc[abbr, "area_km2"] == pytest.approx(official, rel=0.025), abbr


def test_texas_lies_between_its_land_and_total_area(layer) -> None:
    texas = layer("us-states").set_index("postal").loc["TX"]
    assert not texas["clipped"]
    assert TX_LAND_KM2 < area_km2(texas.geometry) < TX_TOTAL_KM2


def test_states_meet_the_border_states_and_cover_the_ports(layer) -> None:
    us = layer("us-states")
    border = us[us["postal"].isin(["CA", "AZ", "NM", "TX"])]
    assert len(border) == 4 and set(us.loc[us["postal"] == "NM", "name_es"]) == {"Nuevo México"}
    ports = layer("ports")
    states = gpd.GeoDataFrame(pd_concat(us, layer("mx-states")), crs=4326)
    # every port sits on the line between a US and a Mexican state: within ~3 km of both
    geoms = np.asarray(states.geometry.array)
    for point in ports.geometry:
        assert int((shapely.distance(geoms, point) < 0.03).sum()) >= 2


def pd_concat(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Both layers' geometries in one series."""
    return gpd.GeoSeries([*a.geometry, *b.geometry], crs=4326).to_frame("geometry")


def test_land_holds_the_border_cities_and_not_the_gulf(layer) -> None:
    land = shapely.union_all(np.asarray(layer("land").geometry.array))
    cities = layer("cities")
    inside = shapely.contains_xy(land, cities.geometry.x, cities.geometry.y)
    assert inside.mean() > 0.98  # a few coastal places sit a few hundred metres off a 1:10m coastline
    assert not land.contains(shapely.Point(-95.0, 26.0))  # Gulf of Mexico
    assert not land.contains(shapely.Point(-118.0, 30.0))  # Pacific off Baja California


def test_railroads_reach_the_rail_crossings(layer) -> None:
    rails = shapely.union_all(np.asarray(layer("railroads").geometry.array))
    crossings = layer("crossings")
    rail = crossings[crossings["rail"]]
    assert len(rail) >= 3
    # the curated crossings sit on the bridges; Natural Earth's 1:10m lines pass within ~5 km
    assert all(rails.distance(p) < 0.05 for p in rail.geometry)
