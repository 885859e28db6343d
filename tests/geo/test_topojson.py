"""The TopoJSON decoder on hand-made topologies (quantized and not) and its errors."""

from __future__ import annotations

import pytest
import shapely

from geo.errors import SourceError
from geo.topojson import decode_arcs, features

# two unit squares side by side sharing arc 1 (x = 1), quantized with scale 0.5 and a translate
QUANTIZED = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [-100.0, 30.0]},
    "arcs": [
        [[2, 0], [-2, 0], [0, 2], [2, 0]],  # (1,0) -> (0,0) -> (0,1) -> (1,1) in scaled units x2
        [[2, 2], [0, -2]],  # (1,1) -> (1,0): the shared edge
        [[2, 0], [2, 0], [0, 2], [-2, 0]],  # (1,0) -> (2,0) -> (2,1) -> (1,1)
    ],
    "objects": {
        "squares": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "id": "A", "properties": {"name": "west"}, "arcs": [[0, 1]]},
                {"type": "MultiPolygon", "id": "B", "arcs": [[[2, ~1]]]},
                {"type": None, "id": "C"},
            ],
        }
    },
}


def test_decode_arcs_undoes_deltas_and_quantization() -> None:
    arcs = decode_arcs(QUANTIZED)
    assert arcs[0].tolist() == [[-99.0, 30.0], [-100.0, 30.0], [-100.0, 31.0], [-99.0, 31.0]]
    assert arcs[1].tolist() == [[-99.0, 31.0], [-99.0, 30.0]]


def test_features_share_their_edge() -> None:
    found = list(features(QUANTIZED, "squares"))
    assert [f.id for f in found] == ["A", "B"]  # the null geometry is skipped
    west, east = found[0].geometry, found[1].geometry
    assert found[0].properties == {"name": "west"}
    assert west.equals(shapely.box(-100, 30, -99, 31))
    assert east.geom_type == "MultiPolygon" and east.equals(shapely.box(-99, 30, -98, 31))
    assert west.intersection(east).length == pytest.approx(1.0)


def test_unquantized_topology() -> None:
    topo = {"type": "Topology", "arcs": [[[0, 0], [1, 0], [1, 1], [0, 0]]],
            "objects": {"t": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[0]]}]}}}
    (tri,) = features(topo, "t")
    assert tri.id is None and tri.geometry.area == pytest.approx(0.5)


def test_collapsed_ring_is_dropped() -> None:
    topo = {"type": "Topology", "arcs": [[[0, 0], [1, 0], [1, 1], [0, 0]], [[5, 5], [5, 5]]],
            "objects": {"t": {"type": "GeometryCollection",
                              "geometries": [{"type": "MultiPolygon", "arcs": [[[0]], [[1]]]}]}}}
    (shape,) = features(topo, "t")
    assert len(shape.geometry.geoms) == 1


@pytest.mark.parametrize(
    ("topology", "name", "message"),
    [
        ({"type": "FeatureCollection"}, "squares", "not a TopoJSON topology"),
        (QUANTIZED, "counties", "named 'counties'"),
        ({**QUANTIZED, "objects": {"x": {"type": "GeometryCollection",
                                         "geometries": [{"type": "LineString", "arcs": [0]}]}}}, "x", "LineString"),
    ],
)
def test_errors(topology, name, message) -> None:
    with pytest.raises(SourceError, match=message):
        list(features(topology, name))
