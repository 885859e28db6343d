"""Geometry helpers: orientation, polygonal extraction, chunked nearest queries."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.ops import (
    chunked_outlines,
    drop_loops,
    is_rfc7946_oriented,
    near_outlines,
    nearest_owner,
    polygonal,
    rfc7946,
    to_multipolygon,
)


def test_rfc7946_orients_exteriors_ccw_and_holes_cw() -> None:
    ring = [(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)]  # clockwise
    hole = [(2, 2), (4, 2), (4, 4), (2, 4), (2, 2)]  # counter-clockwise
    poly = shapely.Polygon(ring, [hole])
    assert not is_rfc7946_oriented(poly)
    fixed = rfc7946(gpd.GeoSeries([poly], crs=4326))[0]
    assert is_rfc7946_oriented(fixed)
    assert fixed.exterior.is_ccw and not fixed.interiors[0].is_ccw
    assert fixed.area == poly.area


def test_rfc7946_repairs_a_bowtie() -> None:
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    fixed = rfc7946(gpd.GeoSeries([bowtie], crs=4326))[0]
    assert fixed.is_valid and fixed.area == 2.0


def test_polygonal_drops_lines_and_points() -> None:
    parts = [shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (5, 5)]), shapely.Point(9, 9)]
    mixed = shapely.GeometryCollection(parts)
    assert polygonal(mixed).equals(shapely.box(0, 0, 1, 1))
    assert to_multipolygon(shapely.box(0, 0, 1, 1)).geom_type == "MultiPolygon"


def test_chunked_outlines_cover_every_vertex() -> None:
    circle = shapely.Point(0, 0).buffer(1, quad_segs=100)  # 401 vertices
    pieces, owners = chunked_outlines([circle, shapely.LineString([(5, 5), (6, 6)])], chunk=64)
    assert len(pieces) == 7 + 1 and owners.tolist() == [0] * 7 + [1]
    assert shapely.union_all(pieces[:7]).length == pytest.approx(circle.exterior.length, rel=1e-12)


def test_nearest_owner_and_near_outlines() -> None:
    a, b = shapely.box(0, 0, 1, 1), shapely.box(3, 0, 4, 1)
    pts = shapely.points(np.array([[1.2, 0.5], [2.9, 0.5], [0.5, 0.5], [10, 10]]))
    assert nearest_owner(pts, [a, b]).tolist() == [0, 1, 0, 1]
    assert near_outlines(pts, [a, b], 0.25).tolist() == [True, True, False, False]


def test_drop_loops_cuts_a_closed_detour() -> None:
    path = np.array([[0, 0], [1, 0], [2, 0], [2, 1], [1, 1], [1, 0], [3, 0]], dtype=float)
    assert drop_loops(path).tolist() == [[0, 0], [1, 0], [3, 0]]
    assert shapely.LineString(drop_loops(path)).is_simple
