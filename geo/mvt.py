"""Mapbox Vector Tile 2.1 encoding, vectorised with numpy (no protobuf runtime on the request path).

A tile is a protobuf ``Tile`` of ``Layer`` messages; a layer holds its keys, its values and its features,
each feature an id, ``tags`` (pairs of key and value indexes) and a geometry command stream of
zigzag-encoded deltas. Everything per vertex (quantisation to the tile grid, removal of repeated points,
ring orientation, deltas, varints) is done on whole arrays; only the few bytes that frame each feature are
joined in Python. Reference: https://github.com/mapbox/vector-tile-spec/tree/master/2.1
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import shapely

EXTENT = 4096
Kind = Literal["point", "line", "polygon"]
GEOM_TYPE: dict[str, int] = {"point": 1, "line": 2, "polygon": 3}
_MOVE_TO, _LINE_TO, _CLOSE_PATH = 1, 2, 7
_SHIFTS = np.array([0, 7, 14, 21, 28, 35, 42, 49, 56, 63], dtype=np.uint64)


@dataclass(frozen=True)
class TileBox:
    """A tile's bounds in the grid's CRS, with the grid resolution (extent) and the margin (buffer, in units)."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    extent: int = EXTENT
    buffer: int = 64

    def buffered(self) -> tuple[float, float, float, float]:
        """The bounds grown by ``buffer`` tile units on each side (what features are clipped to)."""
        dx = (self.maxx - self.minx) * self.buffer / self.extent
        dy = (self.maxy - self.miny) * self.buffer / self.extent
        return self.minx - dx, self.miny - dy, self.maxx + dx, self.maxy + dy


@dataclass(frozen=True)
class Geometries:
    """The encoded command streams of the features that kept some geometry in a tile."""

    keep: np.ndarray
    data: bytes
    offsets: np.ndarray


#: the tags of a layer's features: packed bytes, byte offsets per feature, the value indexes they refer to
Tags = tuple[bytes, np.ndarray, np.ndarray]


def varints(values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Protobuf varints of non-negative integers, concatenated, and the byte length of each."""
    v = values.astype(np.uint64, copy=False)
    lengths = np.ones(len(v), dtype=np.int64)
    # only the shifts below the largest value: tile streams rarely need more than three bytes
    width = (int(v.max()).bit_length() + 6) // 7 if len(v) else 0
    for shift in _SHIFTS[1:max(width, 1)]:
        lengths += v >= (np.uint64(1) << shift)
    width = max(width, 1) if len(v) else 0
    groups = (v[:, None] >> _SHIFTS[None, :width]) & np.uint64(0x7F)
    cont = np.arange(width)[None, :] < (lengths[:, None] - 1)
    encoded = (groups | (cont.astype(np.uint64) << np.uint64(7))).astype(np.uint8)
    return encoded[np.arange(width)[None, :] < lengths[:, None]].tobytes(), lengths


def varint(value: int) -> bytes:
    """One protobuf varint (non-negative ``value``)."""
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _zigzag(v: np.ndarray) -> np.ndarray:
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def encode_value(value: Any) -> bytes:
    """A ``Value`` message: bool, integer, float or string (dates become ``YYYY-MM-DD``)."""
    if isinstance(value, bool | np.bool_):
        return b"\x38" + (b"\x01" if value else b"\x00")
    if isinstance(value, int | np.integer):
        n = int(value)
        return b"\x28" + varint(n) if n >= 0 else b"\x30" + varint((-n << 1) - 1)
    if isinstance(value, float | np.floating):
        return b"\x19" + struct.pack("<d", float(value))
    if isinstance(value, datetime | date):
        value = value.isoformat()[:10]
    raw = str(value).encode()
    return b"\x0a" + varint(len(raw)) + raw


def is_missing(value: Any) -> bool:
    """True for values a tile leaves out (MVT has no null): None, NaN, pandas NA/NaT."""
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        return False


def encode_geometries(geoms: np.ndarray, kind: Kind, boxes: np.ndarray, extent: int = EXTENT) -> Geometries:
    """Quantise ``geoms`` (already clipped, in the grid CRS) to their tiles and encode their command streams.

    ``boxes`` holds, per geometry, the bounds (minx, miny, maxx, maxy) of the tile it is drawn in.
    """
    present = np.flatnonzero(~shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, dtype=np.int64)
    if len(present) == 0:
        return Geometries(present, b"", np.zeros(1, dtype=np.int64))
    geoms, boxes = geoms[present], boxes[present]
    parts, owner = shapely.get_parts(geoms, return_index=True)
    if kind == "point":
        xy = _quantise(shapely.get_coordinates(parts), boxes[owner], extent)
        return _points(present, xy, _offsets(owner, len(geoms)))
    if kind == "line":
        counts = shapely.get_num_coordinates(parts)
        xy = _quantise(shapely.get_coordinates(parts), boxes[np.repeat(owner, counts)], extent)
        return _lines(present, xy, _cumulative(counts), _offsets(owner, len(geoms)))
    rings, poly = shapely.get_rings(parts, return_index=True)
    counts = shapely.get_num_coordinates(rings)
    xy = _quantise(shapely.get_coordinates(rings), boxes[np.repeat(owner[poly], counts)], extent)
    return _polygons(present, xy, _cumulative(counts), _offsets(poly, len(parts)), _offsets(owner, len(geoms)))


def clip(geoms: np.ndarray, kind: Kind, box: TileBox) -> np.ndarray:
    """``geoms`` clipped to the buffered ``box`` (points are taken as they are: the caller selected them)."""
    if kind == "point" or len(geoms) == 0:
        return geoms
    clipped = shapely.clip_by_rect(geoms, *box.buffered())
    return np.array([_family(g, kind) for g in clipped], dtype=object)


def _cumulative(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _offsets(owner: np.ndarray, n: int) -> np.ndarray:
    """Offsets of the children of each of ``n`` parents, given each child's (sorted) parent index."""
    return _cumulative(np.bincount(owner, minlength=n))


def _family(geom: Any, kind: Kind) -> Any:
    """The part of a clipped geometry of the layer's kind (clipping can yield collections)."""
    if geom is None or geom.geom_type != "GeometryCollection":
        return geom
    wanted = ("Polygon", "MultiPolygon") if kind == "polygon" else ("LineString", "MultiLineString")
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in wanted]
    if not parts:
        return shapely.Point()
    return shapely.union_all(parts) if kind == "polygon" else shapely.multilinestrings(parts)


def _quantise(coords: np.ndarray, boxes: np.ndarray, extent: int) -> np.ndarray:
    """Tile coordinates (integers, y growing downwards from the top edge) of ``coords`` in ``boxes``."""
    out = np.empty((len(coords), 2), dtype=np.int64)
    out[:, 0] = np.rint((coords[:, 0] - boxes[:, 0]) * (extent / (boxes[:, 2] - boxes[:, 0])))
    out[:, 1] = np.rint((boxes[:, 3] - coords[:, 1]) * (extent / (boxes[:, 3] - boxes[:, 1])))
    return out


def _dedupe(xy: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Mask of points that differ from the previous one of the same part (part starts are always kept)."""
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
    keep[starts[starts < len(xy)]] = True
    return keep


def _points(present: np.ndarray, xy: np.ndarray, geom_off: np.ndarray) -> Geometries:
    counts = np.diff(geom_off)
    out_len = 1 + 2 * counts
    out_off = np.concatenate([[0], np.cumsum(out_len)])
    stream = np.zeros(int(out_off[-1]), dtype=np.uint64)
    stream[out_off[:-1]] = (counts.astype(np.uint64) << np.uint64(3)) | np.uint64(_MOVE_TO)
    owner = np.repeat(np.arange(len(counts)), counts)
    k = np.arange(len(xy)) - geom_off[owner]
    pos = out_off[owner] + 1 + 2 * k
    _put_deltas(stream, xy, pos, k == 0)
    return _frame(present, stream, out_off)


def _put_deltas(stream: np.ndarray, xy: np.ndarray, pos: np.ndarray, first: np.ndarray) -> None:
    """Write zigzag deltas of ``xy`` at ``pos``; a feature's first point is relative to the origin."""
    delta = np.empty_like(xy)
    delta[0] = xy[0]
    delta[1:] = xy[1:] - xy[:-1]
    delta[first] = xy[first]
    stream[pos] = _zigzag(delta[:, 0])
    stream[pos + 1] = _zigzag(delta[:, 1])


def _paths(xy: np.ndarray, part_off: np.ndarray, part_feature: np.ndarray, closed: bool,
           n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """Command streams of paths (already deduped, oriented): MoveTo, LineTo(n-1)[, ClosePath] per part."""
    counts = np.diff(part_off)
    out_len = 2 * counts + 2 + (1 if closed else 0)
    out_off = np.concatenate([[0], np.cumsum(out_len)])
    stream = np.zeros(int(out_off[-1]), dtype=np.uint64)
    stream[out_off[:-1]] = np.uint64((1 << 3) | _MOVE_TO)
    stream[out_off[:-1] + 3] = ((counts - 1).astype(np.uint64) << np.uint64(3)) | np.uint64(_LINE_TO)
    if closed:
        stream[out_off[1:] - 1] = np.uint64((1 << 3) | _CLOSE_PATH)
    owner = np.repeat(np.arange(len(counts)), counts)
    k = np.arange(len(xy)) - part_off[owner]
    pos = out_off[owner] + np.where(k == 0, 1, 2 * k + 2)
    feature_first_part = np.concatenate([[True], part_feature[1:] != part_feature[:-1]])
    first = (k == 0) & feature_first_part[owner]
    _put_deltas(stream, xy, pos, first)
    starts = np.searchsorted(part_feature, np.arange(n_features + 1))
    return stream, out_off[starts]


def _lines(present: np.ndarray, xy: np.ndarray, line_off: np.ndarray, geom_off: np.ndarray) -> Geometries:
    keep = _dedupe(xy, line_off)
    part_id = np.repeat(np.arange(len(line_off) - 1), np.diff(line_off))
    counts = np.bincount(part_id[keep], minlength=len(line_off) - 1)
    good = counts >= 2
    feature_of_part = np.repeat(np.arange(len(geom_off) - 1), np.diff(geom_off))
    point_ok = keep & good[part_id]
    return _assemble(present, xy[point_ok], counts[good], feature_of_part[good], closed=False)


def _polygons(present: np.ndarray, xy: np.ndarray, ring_off: np.ndarray, poly_off: np.ndarray,
              geom_off: np.ndarray) -> Geometries:
    n_rings = len(ring_off) - 1
    ring_id = np.repeat(np.arange(n_rings), np.diff(ring_off))
    keep = _dedupe(xy, ring_off)
    # the closing point repeats the first (GEOS rings are closed, so after rounding and removing repeats the
    # last kept point still equals the first): drop it from every ring that kept more than one point
    idx = np.flatnonzero(keep)
    ring_of_kept = ring_id[idx]
    first_pos = np.searchsorted(ring_of_kept, np.arange(n_rings))
    last_pos = np.searchsorted(ring_of_kept, np.arange(n_rings), side="right") - 1
    keep[idx[last_pos[last_pos > first_pos]]] = False
    idx = np.flatnonzero(keep)
    ring_of_kept = ring_id[idx]
    counts = np.bincount(ring_of_kept, minlength=n_rings)
    pts = xy[idx]
    area2 = _ring_areas(pts, ring_of_kept, counts)
    ring_ok = (counts >= 3) & (area2 != 0)
    poly_of_ring = np.repeat(np.arange(len(poly_off) - 1), np.diff(poly_off))
    exterior = np.zeros(n_rings, dtype=bool)
    exterior[poly_off[:-1][np.diff(poly_off) > 0]] = True
    ext_ok = np.zeros(len(poly_off) - 1, dtype=bool)
    ext_ok[poly_of_ring[exterior]] = ring_ok[exterior]
    ring_ok &= ext_ok[poly_of_ring]
    # exterior rings run clockwise on screen (positive area with y down), holes the other way
    flip = ring_ok & np.where(exterior, area2 < 0, area2 > 0)
    pts = _reverse_rings(pts, ring_of_kept, counts, flip)
    feature_of_ring = np.repeat(np.arange(len(geom_off) - 1), np.diff(geom_off))[poly_of_ring]
    point_ok = ring_ok[ring_of_kept]
    return _assemble(present, pts[point_ok], counts[ring_ok], feature_of_ring[ring_ok], closed=True)


def _ring_areas(pts: np.ndarray, ring: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Twice the signed area of each ring (shoelace, tile coordinates)."""
    if len(pts) == 0:
        return np.zeros(len(counts), dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(counts)])[:-1]
    nxt = np.arange(1, len(pts) + 1)
    last = start + counts - 1
    nxt[last[counts > 0]] = start[counts > 0]
    cross = pts[:, 0] * pts[nxt, 1] - pts[nxt, 0] * pts[:, 1]
    return np.bincount(ring, weights=cross, minlength=len(counts)).astype(np.int64)


def _reverse_rings(pts: np.ndarray, ring: np.ndarray, counts: np.ndarray, flip: np.ndarray) -> np.ndarray:
    if not flip.any():
        return pts
    start = np.concatenate([[0], np.cumsum(counts)])[:-1]
    i = np.arange(len(pts))
    rev = start[ring] + counts[ring] - 1 - (i - start[ring])
    order = np.where(flip[ring], rev, i)
    return pts[order]


def _assemble(present: np.ndarray, pts: np.ndarray, counts: np.ndarray, feature: np.ndarray,
              closed: bool) -> Geometries:
    """Frame the parts that survived into per-feature command streams."""
    if len(pts) == 0:
        return Geometries(np.zeros(0, dtype=np.int64), b"", np.zeros(1, dtype=np.int64))
    # ``feature`` is sorted: its distinct values start where it changes
    change = np.empty(len(feature), dtype=bool)
    change[0] = True
    np.not_equal(feature[1:], feature[:-1], out=change[1:])
    used = feature[change]
    compact = np.cumsum(change) - 1
    part_off = np.concatenate([[0], np.cumsum(counts)])
    stream, feat_off = _paths(pts, part_off, compact, closed, len(used))
    return _frame(present[used], stream, feat_off)


def _frame(keep: np.ndarray, stream: np.ndarray, elem_off: np.ndarray) -> Geometries:
    data, lengths = varints(stream)
    byte_off = np.concatenate([[0], np.cumsum(lengths)])[elem_off]
    return Geometries(keep, data, byte_off)


def encode_tags(values: np.ndarray) -> Tags:
    """Tags of features whose value indexes are the rows of ``values`` (-1: no value).

    Returns the concatenated packed tags, the byte offsets per feature and the global value indexes the
    tile's value table holds (in the order the tags refer to them).
    """
    mask = values >= 0
    keys = np.nonzero(mask)[1]  # row by row, like values[mask]
    used, local = np.unique(values[mask], return_inverse=True)
    pairs = np.empty(2 * len(local), dtype=np.uint64)
    pairs[0::2] = keys
    pairs[1::2] = local
    data, lengths = varints(pairs)
    per_feature = np.concatenate([[0], np.cumsum(2 * mask.sum(axis=1))])
    byte_off = np.concatenate([[0], np.cumsum(lengths)])[per_feature]
    return data, byte_off, used


def encode_keys(keys: list[str]) -> bytes:
    """The ``keys`` fields of a layer (property names), encoded once per layer."""
    return b"".join(b"\x1a" + varint(len(k.encode())) + k.encode() for k in keys)


def square(box: TileBox) -> bytes:
    """The command stream of a polygon covering the whole buffered tile (what a tile inside a polygon holds)."""
    geoms = np.array([shapely.box(*box.buffered())], dtype=object)
    bounds = np.array([[box.minx, box.miny, box.maxx, box.maxy]])
    return encode_geometries(geoms, "polygon", bounds, box.extent).data


def value_fields(value_table: list[bytes]) -> list[bytes]:
    """The ``values`` fields of a layer (its encoded ``Value`` messages, framed), made once per layer."""
    return [b"\x22" + varint(len(v)) + v for v in value_table]


def encode_layer(name: str, kind: Kind, ids: np.ndarray, geometries: Geometries, values: np.ndarray,
                 keys: bytes, fields: list[bytes], extent: int = EXTENT, tags: Tags | None = None) -> bytes:
    """A ``Layer`` message (field 3 of ``Tile``, framed): ``ids``/``values`` are rows of the kept features.

    ``keys`` is the layer's encoded key fields (:func:`encode_keys`), ``fields`` its framed values
    (:func:`value_fields`), indexed by ``values``; ``tags``, when given, is ``encode_tags(values)``.
    """
    tag_data, tag_off, used = tags if tags is not None else encode_tags(values)
    gtype = b"\x18" + bytes([GEOM_TYPE[kind]])
    geo_data, geo_off = geometries.data, geometries.offsets
    parts: list[bytes] = [b"\x78\x02\x0a", varint(len(name.encode())), name.encode()]
    for i, fid in enumerate(ids.tolist()):
        t = tag_data[tag_off[i]:tag_off[i + 1]]
        g = geo_data[geo_off[i]:geo_off[i + 1]]
        body = b"".join((b"\x08", varint(fid), b"\x12", varint(len(t)), t, gtype, b"\x22", varint(len(g)), g))
        parts += (b"\x12", varint(len(body)), body)
    parts.append(keys)
    parts += [fields[vi] for vi in used.tolist()]
    parts += (b"\x28", varint(extent))
    layer = b"".join(parts)
    return b"\x1a" + varint(len(layer)) + layer
