"""Geodesic buffers and distances checked against pyproj.Geod directly."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.buffer import distance_km_utm, geodesic_buffer, geodesic_distance_km, utm_zones
from geo.measure import WGS84, distance_km

# a line along the US-Mexico border's latitudes, crossing UTM zones 11N to 14N; densified to ~1 km like
# the DCW boundary, so that no projection's idea of a straight segment matters
LINE = shapely.segmentize(
    shapely.LineString([(-117.0, 32.5), (-111.0, 31.3), (-106.5, 31.8), (-99.5, 27.5), (-97.2, 25.9)]), 0.01
)


def test_utm_zones_of_the_border() -> None:
    assert utm_zones(LINE) == [32611, 32612, 32613, 32614]


@pytest.mark.parametrize("km", [10.0, 100.0])
def test_buffer_edge_is_km_away_geodesically(km: float) -> None:
    zone = geodesic_buffer(LINE, km)
    assert zone.geom_type == "Polygon" and zone.is_valid
    edge = shapely.line_interpolate_point(zone.exterior, np.linspace(0, 1, 200, endpoint=False), normalized=True)
    got = np.array([geodesic_distance_km(p.x, p.y, LINE) for p in edge])
    assert np.abs(got / km - 1).max() < 0.002


def test_buffer_of_a_point_is_a_geodesic_circle() -> None:
    lon, lat = -110.9, 32.2  # Tucson: on the boundary of UTM zones 12
    circle = geodesic_buffer(shapely.Point(lon, lat), 100.0)
    coords = np.asarray(circle.exterior.coords)
    _, _, dist = WGS84.inv(np.full(len(coords), lon), np.full(len(coords), lat), coords[:, 0], coords[:, 1])
    assert np.abs(dist / 100_000.0 - 1).max() < 0.002


def test_buffer_rejects_non_positive_distance() -> None:
    with pytest.raises(ValueError, match="positive"):
        geodesic_buffer(LINE, 0.0)


def test_geodesic_distance_to_a_vertex_matches_geod() -> None:
    point = shapely.Point(-104.0, 33.0)
    assert geodesic_distance_km(-104.0, 31.0, point) == pytest.approx(distance_km(-104.0, 31.0, -104.0, 33.0), rel=1e-6)


def test_geodesic_distance_to_a_meridian_segment() -> None:
    # the nearest point of a meridian segment from a point on the same parallel is not a vertex
    segment = shapely.LineString([(-100.0, 28.0), (-100.0, 32.0)])
    expected = distance_km(-101.0, 30.0, -100.0, 30.0)
    assert geodesic_distance_km(-101.0, 30.0, segment) == pytest.approx(expected, rel=1e-3)


def test_distance_km_utm_agrees_with_exact() -> None:
    lon = np.array([-116.0, -112.0, -108.0, -103.0, -99.0])
    lat = np.array([33.0, 32.0, 30.5, 29.0, 26.0])
    fast = distance_km_utm(lon, lat, LINE)
    exact = [geodesic_distance_km(x, y, LINE) for x, y in zip(lon, lat, strict=True)]
    assert np.allclose(fast, exact, rtol=0.0015)
