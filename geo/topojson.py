"""A small TopoJSON decoder (https://github.com/topojson/topojson-specification) for polygon objects.

Quantized topologies store each arc as an absolute first position followed by deltas, all integers;
``transform`` maps them back to coordinates (``x * scale + translate``). A ring lists arc indices,
where ``~i`` (that is ``-i - 1``) means arc ``i`` reversed; consecutive arcs share their end points.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import SourceError


@dataclass(frozen=True)
class TopoFeature:
    """One decoded geometry of a TopoJSON object: its id, properties and shapely geometry."""

    id: str | None
    properties: Mapping[str, Any]
    geometry: BaseGeometry


def decode_arcs(topology: Mapping[str, Any]) -> list[np.ndarray]:
    """The topology's arcs as (n, 2) coordinate arrays, undoing delta encoding and quantization."""
    transform = topology.get("transform")
    arcs = [np.asarray(arc, dtype=np.float64).reshape(-1, 2) for arc in topology["arcs"]]
    if transform is None:
        return arcs
    scale = np.asarray(transform["scale"], dtype=np.float64)
    translate = np.asarray(transform["translate"], dtype=np.float64)
    return [np.cumsum(arc, axis=0) * scale + translate for arc in arcs]


def _ring(indices: Sequence[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for k, index in enumerate(indices):
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(arc if k == 0 else arc[1:])  # each arc starts where the previous one ended
    return np.concatenate(parts)


def _polygon(rings: Sequence[Sequence[int]], arcs: list[np.ndarray]) -> shapely.Polygon:
    # quantization can collapse a tiny ring to fewer than 4 positions: such a ring has no area
    coords = [c for c in (_ring(r, arcs) for r in rings) if len(c) >= 4]
    if not coords or len(_ring(rings[0], arcs)) < 4:
        return shapely.Polygon()
    return shapely.Polygon(coords[0], coords[1:])


def geometry(obj: Mapping[str, Any], arcs: list[np.ndarray]) -> BaseGeometry:
    """The shapely geometry of one TopoJSON Polygon or MultiPolygon object."""
    kind = obj.get("type")
    if kind == "Polygon":
        return _polygon(obj["arcs"], arcs)
    if kind == "MultiPolygon":
        polygons = [_polygon(p, arcs) for p in obj["arcs"]]
        return shapely.MultiPolygon([p for p in polygons if not p.is_empty])
    raise SourceError(f"TopoJSON geometry type {kind!r} is not supported (Polygon and MultiPolygon are)")


def features(topology: Mapping[str, Any], name: str) -> Iterator[TopoFeature]:
    """The geometries of the GeometryCollection ``name`` in a topology, decoded one by one."""
    if topology.get("type") != "Topology" or name not in topology.get("objects", {}):
        raise SourceError(f"not a TopoJSON topology with an object named {name!r}")
    arcs = decode_arcs(topology)
    for obj in topology["objects"][name].get("geometries", []):
        if obj.get("type") is None:  # null geometry
            continue
        yield TopoFeature(obj.get("id"), obj.get("properties", {}), geometry(obj, arcs))
