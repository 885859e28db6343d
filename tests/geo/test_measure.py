"""Geodesic measures checked against known distances and pyproj directly."""

from __future__ import annotations

import math

import pytest
import shapely

from geo.measure import KM_PER_MILE, area_km2, distance_km, distance_to_km, km_to_miles, length_km, utm_epsg


def test_one_degree_of_latitude_at_equator_is_110_574_km() -> None:
    assert length_km(shapely.LineString([(0, 0), (0, 1)])) == pytest.approx(110.574, abs=0.001)


R_MEAN_KM = 6371.0088  # IUGG mean Earth radius


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R_MEAN_KM * math.asin(math.sqrt(h))


def test_distance_san_diego_to_brownsville_agrees_with_haversine() -> None:
    # the ellipsoid and the sphere differ by well under 0.5% over 2,000 km
    geodesic = distance_km(-117.16, 32.72, -97.50, 25.90)
    assert geodesic == pytest.approx(haversine_km(-117.16, 32.72, -97.50, 25.90), rel=0.005)
    assert geodesic == pytest.approx(2049.9, abs=0.1)


def test_area_of_one_degree_cell_at_30n() -> None:
    cell = shapely.box(-105, 30, -104, 31)
    authalic = 6371.0072  # km: the sphere with the WGS84 ellipsoid's area
    spherical = authalic**2 * math.radians(1) * (math.sin(math.radians(31)) - math.sin(math.radians(30)))
    assert area_km2(cell) == pytest.approx(spherical, rel=0.003)
    assert area_km2(shapely.orient_polygons(cell, exterior_cw=True)) == pytest.approx(area_km2(cell))


def test_miles() -> None:
    assert km_to_miles(KM_PER_MILE * 1954) == pytest.approx(1954)


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [(-117.1, 32.5, 32611), (-111.0, 31.3, 32612), (-106.5, 31.8, 32613), (-97.5, 25.9, 32614), (10, -5, 32732)],
)
def test_utm_zone(lon: float, lat: float, epsg: int) -> None:
    assert utm_epsg(lon, lat) == epsg


def test_distance_to_line_is_geodesic_perpendicular() -> None:
    line = shapely.LineString([(-110, 31), (-100, 31)])
    # 0.1 degree of latitude north of the line at 31N: about 11.09 km
    assert distance_to_km(-105, 31.1, line) == pytest.approx(11.09, abs=0.02)
    assert distance_to_km(-105, 31.0, line) == pytest.approx(0.0, abs=1e-6)
    assert not math.isnan(distance_to_km(-99, 31.0, line))
    assert distance_to_km(-99, 31.0, line) == pytest.approx(distance_km(-99, 31, -100, 31), rel=1e-3)
