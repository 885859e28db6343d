"""The MVT encoder, checked against mapbox-vector-tile's decoder and protobuf's varint encoder."""

from __future__ import annotations

from datetime import date, datetime

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from google.protobuf.internal.encoder import _VarintBytes  # type: ignore[import-untyped]
from shapely import affinity

from geo.mvt import (
    EXTENT,
    TileBox,
    clip,
    encode_geometries,
    encode_keys,
    encode_layer,
    encode_value,
    value_fields,
    varints,
)

BOX = TileBox(1000.0, 2000.0, 1400.0, 2400.0)  # 400 x 400 units of some grid CRS
SCALE = EXTENT / 400


def _encode(geoms: list[shapely.Geometry], kind: str, values: list[object] | None = None) -> dict:
    arr = np.array(geoms, dtype=object)
    clipped = clip(arr, kind, BOX)  # type: ignore[arg-type]
    bounds = np.array([[BOX.minx, BOX.miny, BOX.maxx, BOX.maxy]] * len(arr))
    g = encode_geometries(clipped, kind, bounds)  # type: ignore[arg-type]
    vals = values or ["v"]
    table = [encode_value(v) for v in vals]
    rows = np.array([[i % len(vals)] for i in range(len(arr))])[g.keep]
    ids = np.arange(10, 10 + len(arr), dtype=np.uint64)[g.keep]
    data = encode_layer("layer", kind, ids, g, rows, encode_keys(["p"]), value_fields(table))  # type: ignore[arg-type]
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})["layer"]


def _to_tile(geom: shapely.Geometry) -> shapely.Geometry:
    """The reference: ``geom`` clipped with GEOS overlay and mapped to tile units (y down), unrounded."""
    area = shapely.box(*BOX.buffered())
    inside = shapely.intersection(geom, area)
    return affinity.affine_transform(inside, [SCALE, 0, 0, -SCALE, -BOX.minx * SCALE, BOX.maxy * SCALE])


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 2**21, 2**31 - 1, 2**32, 2**63 - 1, 2**64 - 1])
def test_varints_match_protobuf(value: int) -> None:
    data, lengths = varints(np.array([value, 5, value], dtype=np.uint64))
    expected = _VarintBytes(value) + _VarintBytes(5) + _VarintBytes(value)
    assert data == expected
    assert lengths.tolist() == [len(_VarintBytes(value)), 1, len(_VarintBytes(value))]


def test_polygons_with_holes_decode_to_the_clipped_reference() -> None:
    rng = np.random.default_rng(7)
    geoms = []
    for _ in range(40):
        cx, cy = rng.uniform(900, 1500), rng.uniform(1900, 2500)
        outer = shapely.Point(cx, cy).buffer(rng.uniform(5, 120), quad_segs=12)
        hole = shapely.Point(cx + 1, cy - 1).buffer(rng.uniform(1, 4))
        geoms.append(outer.difference(hole) if rng.random() < 0.5 else outer)
    layer = _encode(geoms, "polygon")
    decoded = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in layer["features"]}
    for i, geom in enumerate(geoms):
        ref = _to_tile(geom)
        if ref.area < 4:  # smaller than a few tile units: may vanish when rounded
            continue
        got = decoded[10 + i]
        assert got.is_valid, f"feature {i}: invalid after encoding (ring orientation?)"
        # rounding moves each vertex by at most half a unit: the difference is a thin band along the outline
        assert got.symmetric_difference(ref).area <= ref.length * 0.75, i
    assert set(decoded) <= {10 + i for i in range(len(geoms))}


def test_a_polygon_covering_the_tile_is_the_buffered_square() -> None:
    layer = _encode([shapely.box(0, 0, 10_000, 10_000)], "polygon")
    got = shapely.geometry.shape(layer["features"][0]["geometry"])
    assert got.equals(shapely.box(-64, -64, EXTENT + 64, EXTENT + 64))


def test_lines_keep_their_shape_and_lose_only_repeated_points() -> None:
    line = shapely.LineString([(1100, 2100), (1100.01, 2100.01), (1200, 2300), (1300, 2150), (1500, 2150)])
    multi = shapely.MultiLineString([[(1010, 2010), (1020, 2390)], [(1390, 2010), (1390.001, 2010.001)]])
    layer = _encode([line, multi], "line")
    first = shapely.geometry.shape(layer["features"][0]["geometry"])
    assert shapely.hausdorff_distance(first, _to_tile(line)) <= 0.75
    assert len(first.coords) == 4  # the near-duplicate vertex merged; clipped at the buffered edge
    second = shapely.geometry.shape(layer["features"][1]["geometry"])
    assert second.geom_type == "LineString"  # the part shorter than a unit is gone
    assert shapely.hausdorff_distance(second, _to_tile(multi.geoms[0])) <= 0.75


def test_points_and_multipoints_land_on_their_rounded_position() -> None:
    pts = [shapely.Point(1000.0, 2400.0), shapely.Point(1399.9, 2000.1),
           shapely.MultiPoint([(1200, 2200), (1201, 2201)])]
    layer = _encode(pts, "point")
    coords = [f["geometry"]["coordinates"] for f in layer["features"]]
    assert coords[0] == [0, 0]
    assert coords[1] == [round(399.9 * SCALE), round(0.1 * SCALE)] or coords[1] == [4095, 4095]
    assert coords[2] == [[2048, 2048], [2058, 2038]]


@pytest.mark.parametrize(("value", "expected"), [
    ("Río Bravo", "Río Bravo"), (42, 42), (-7, -7), (2**40, 2**40), (2.5, 2.5), (True, True), (False, False),
    (date(2019, 3, 1), "2019-03-01"), (datetime(1996, 1, 1), "1996-01-01"),
])
def test_values_decode_as_their_json_type(value: object, expected: object) -> None:
    layer = _encode([shapely.Point(1200, 2200)], "point", [value])
    got = layer["features"][0]["properties"]["p"]
    assert got == expected and type(got) is type(expected)


def test_ids_and_several_features_share_one_value_table() -> None:
    pts = [shapely.Point(1100 + i, 2100 + i) for i in range(5)]
    layer = _encode(pts, "point", ["a", "b"])
    assert [f["id"] for f in layer["features"]] == [10, 11, 12, 13, 14]
    assert [f["properties"]["p"] for f in layer["features"]] == ["a", "b", "a", "b", "a"]
    assert layer["extent"] == EXTENT and layer["version"] == 2
