"""Geometry operations shared by the layers: validity, RFC 7946 orientation, simplification."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

POLYGONAL = ("Polygon", "MultiPolygon")


def rfc7946(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Return valid geometries with RFC 7946 ring orientation (exteriors counter-clockwise)."""
    values = shapely.make_valid(np.asarray(geoms.values))
    values = shapely.orient_polygons(values, exterior_cw=False)
    return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs)


def is_rfc7946_oriented(geom: BaseGeometry) -> bool:
    """True when every exterior ring is counter-clockwise and every hole clockwise."""
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        if poly.geom_type != "Polygon":
            continue
        if not poly.exterior.is_ccw or any(ring.is_ccw for ring in poly.interiors):
            return False
    return True


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal parts of a geometry (make_valid can return collections)."""
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in POLYGONAL]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()


def to_multipolygon(geom: BaseGeometry) -> shapely.MultiPolygon:
    """Coerce a polygonal geometry to a MultiPolygon."""
    geom = polygonal(geom)
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    if not isinstance(geom, shapely.MultiPolygon):
        raise TypeError(f"expected a polygonal geometry, got {geom.geom_type}")
    return geom


def chunked_outlines(geoms: Sequence[BaseGeometry], chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Cut the outlines (boundaries of polygons, or lines themselves) into short linestrings.

    Returns the pieces and, for each, the index of the geometry it came from. Distances to many short
    pieces in an STRtree are far cheaper than distances to one outline with 100,000 vertices.
    """
    pieces: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for i, geom in enumerate(geoms):
        outline = geom.boundary if geom.geom_type in POLYGONAL else geom
        for part in getattr(outline, "geoms", [outline]):
            coords = np.asarray(part.coords)
            starts = np.arange(0, max(len(coords) - 1, 1), chunk)
            lines = [coords[s : s + chunk + 1] for s in starts if len(coords[s : s + chunk + 1]) >= 2]
            pieces.append(np.array([shapely.LineString(c) for c in lines], dtype=object))
            owners.append(np.full(len(lines), i))
    return np.concatenate(pieces), np.concatenate(owners)


def nearest_owner(points: Any, geoms: Sequence[BaseGeometry], chunk: int = 64) -> np.ndarray:
    """For each point, the index of the geometry whose outline is nearest (planar degrees)."""
    pieces, owners = chunked_outlines(geoms, chunk)
    tree = shapely.STRtree(pieces)
    point_idx, piece_idx = tree.query_nearest(points, all_matches=False)
    result = np.full(len(points), -1)
    result[point_idx] = owners[piece_idx]
    return result


def near_outlines(points: Any, geoms: Sequence[BaseGeometry], distance: float, chunk: int = 64) -> np.ndarray:
    """Boolean mask of the points within ``distance`` (planar degrees) of any geometry's outline."""
    pieces, _ = chunked_outlines(geoms, chunk)
    point_idx, _ = shapely.STRtree(pieces).query(points, predicate="dwithin", distance=distance)
    mask = np.zeros(len(points), dtype=bool)
    mask[point_idx] = True
    return mask


def drop_loops(coords: np.ndarray) -> np.ndarray:
    """Remove closed detours from a vertex path: where a vertex repeats, cut the loop between its visits."""
    out: list[tuple[float, float]] = []
    seen: dict[tuple[float, float], int] = {}
    for x, y in coords.tolist():
        key = (x, y)
        if key in seen:
            for dropped in out[seen[key] + 1 :]:
                seen.pop(dropped, None)
            del out[seen[key] + 1 :]
            continue
        seen[key] = len(out)
        out.append(key)
    return np.asarray(out)


def south_side(lines: Sequence[BaseGeometry], margin_deg: float, offset_deg: float) -> BaseGeometry:
    """Everything south of consecutive west-to-east lines, as a polygon.

    The lines are joined end to end, carried ``offset_deg`` beyond each end horizontally, and closed
    ``margin_deg`` below their southernmost point.
    """
    parts = [np.asarray(g.coords) for g in lines]
    coords = np.vstack([parts[0], *[p[1:] for p in parts[1:]]])
    (x0, y0), (x1, y1) = coords[0], coords[-1]
    bottom = float(coords[:, 1].min()) - margin_deg
    ring = np.vstack([[x0 - offset_deg, y0], coords, [x1 + offset_deg, y1],
                      [x1 + offset_deg, bottom], [x0 - offset_deg, bottom]])
    # make_valid in case a line ever touches itself (the former DCW boundary did, at the river mouth)
    return polygonal(shapely.make_valid(shapely.Polygon(ring)))
