"""Vector tiles of the layers, shared by the build (PMTiles) and the API (tiles on request).

Each layer is prepared once (:func:`prepare`): its geometries projected to the tile matrix set's CRS and,
for every zoom from the layer's ``min_zoom`` to its ``max_zoom``, simplified to one tile unit (1/4096 of a
tile) at that zoom, with an STRtree. Polygon layers whose features tile the plane (US counties, Mexican
municipios: a *coverage*) are simplified as a coverage, edge by edge, so neighbours keep sharing their edges
and no gap or overlap opens at any zoom. At ``max_zoom`` the geometry is not simplified at all (full detail);
deeper zooms clip that same geometry (overzoom). Points are never thinned: every point appears at every zoom
from ``min_zoom`` on. A tile is then a query, a clip and the numpy MVT encoder of :mod:`geo.mvt`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import shapely

from geo.mvt import (
    Geometries,
    Kind,
    Tags,
    TileBox,
    clip,
    encode_geometries,
    encode_keys,
    encode_layer,
    encode_tags,
    encode_value,
    is_missing,
    square,
    value_fields,
)
from layers.spec import LayerSpec
from layers.tilegrid import Grid

log = logging.getLogger("bordergeo.tiles")

#: simplification tolerance, in tile units (1/4096 of a tile) at the zoom being prepared
SIMPLIFY_UNITS = 1.0
#: a string property with at most this many values may split a layer into coverages (e.g. country)
MAX_GROUPS = 12
#: tiles inside polygons repeat: their encoded layers are kept, up to this many per layer
MAX_INTERIORS = 4096
#: distinct feature sets whose encoded tags are kept, per layer
MAX_TAG_SETS = 16384
#: layer selections (collections=) whose tilesets are kept
MAX_SELECTIONS = 256


@dataclass(frozen=True)
class Level:
    """A layer's geometries as drawn at one zoom, in the grid's CRS, with their spatial index."""

    geoms: np.ndarray
    tree: shapely.STRtree

    def hits(self, areas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (index into ``areas``, row) of the geometries intersecting each of ``areas`` (boxes).

        The tree narrows by bounding box; the exact test then runs with the prepared geometry first. (The
        tree's own ``predicate=`` prepares the box instead and walks every vertex of a big polygon: that was
        80 % of the build's tiling time.)
        """
        tile_of, rows = self.tree.query(areas)
        hit = shapely.intersects(self.geoms[rows], areas[tile_of])
        return tile_of[hit], rows[hit]


@dataclass(frozen=True)
class LayerTiles:
    """One layer ready to tile: its levels, feature ids and property tags (see module docstring)."""

    spec: LayerSpec
    grid: Grid
    kind: Kind
    levels: dict[int, Level]
    ids: np.ndarray
    keys: bytes
    #: the layer's distinct property values as framed MVT ``values`` fields, indexed by ``values``
    value_fields: list[bytes]
    values: np.ndarray
    bbox: tuple[float, float, float, float]
    #: rows that are simplified together as coverages (None: each geometry on its own)
    groups: list[np.ndarray] | None = None
    #: encoded layers of tiles lying inside polygons, by the rows that cover them (bounded, see _interior)
    interiors: dict[tuple[int, bytes], bytes] = field(default_factory=dict, repr=False)
    #: encoded tags by the rows of the features a tile holds (bounded, see _tags)
    tag_sets: dict[bytes, Tags] = field(default_factory=dict, repr=False, compare=False)
    #: held while a level is made, so a server's warm-up thread and a request never make the same one twice
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    #: a private copy of the full-detail geometries, which levels are simplified from. A published level is
    #: queried by the serving thread, and GEOS builds a prepared geometry's indexes lazily on its first
    #: query: another thread reading the same objects meanwhile corrupted the heap (seen as
    #: "malloc(): unaligned tcache chunk detected"). So the thread making levels never touches what is served.
    source: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        """The layer id, which is also the MVT layer name."""
        return self.spec.id

    def level(self, z: int) -> Level | None:
        """The geometries to draw at zoom ``z`` (None below min_zoom; full detail beyond max_zoom).

        Simplified levels are made on first use (the build, zoom by zoom) or all at once by :meth:`warm`
        (a server, in a thread at startup).
        """
        if z < self.spec.min_zoom:
            return None
        z = min(z, self.spec.max_zoom)
        found = self.levels.get(z)
        if found is None:
            with self.lock:
                found = self.levels.get(z)
                if found is None:
                    source = self.source if self.source is not None else self.levels[self.spec.max_zoom].geoms
                    found = _make_level(_simplify(source, self.grid.unit(z) * SIMPLIFY_UNITS, self.groups))
                    self.levels[z] = found
        return found

    def ready(self, z: int) -> bool:
        """True when drawing zoom ``z`` needs no simplification (its level is made, or the layer is absent)."""
        return z < self.spec.min_zoom or min(z, self.spec.max_zoom) in self.levels

    def warm(self) -> None:
        """Make every level now (deepest first: the slowest, and where most tiles are)."""
        for z in range(self.spec.max_zoom, self.spec.min_zoom - 1, -1):
            self.level(z)

    def encode(self, z: int, boxes: Sequence[TileBox]) -> list[bytes]:
        """This layer's part of each tile at zoom ``z`` with bounds ``boxes`` (framed MVT layers; b"" if empty).

        Tiles are processed together: one spatial query, one containment test and one encoder pass for all,
        so the per-call cost of numpy is paid once per batch (the build's whole zoom) instead of per tile.
        """
        out = [b""] * len(boxes)
        level = self.level(z)
        if level is None or not boxes:
            return out
        areas = shapely.box(*np.array([b.buffered() for b in boxes]).T)
        tile_of, rows = level.hits(areas)
        if len(rows) == 0:
            return out
        order = np.lexsort((rows, tile_of))
        tile_of, rows = tile_of[order], rows[order]
        geoms = level.geoms[rows]
        if self.kind == "polygon":
            # a polygon covering a whole tile clips to the tile's square: skip clipping its many vertices
            inside = shapely.contains_properly(geoms, areas[tile_of])
            geoms = np.where(inside, areas[tile_of], geoms)
        else:
            inside = np.zeros(len(rows), dtype=bool)
        starts = np.searchsorted(tile_of, np.arange(len(boxes) + 1))
        bounds = np.array([(b.minx, b.miny, b.maxx, b.maxy) for b in boxes])
        clipped = np.empty(len(rows), dtype=object)
        todo: list[int] = []
        for t in np.unique(tile_of).tolist():
            lo, hi = starts[t], starts[t + 1]
            if inside[lo:hi].all():
                out[t] = self._interior(z, rows[lo:hi], boxes[t])
            else:
                clipped[lo:hi] = clip(geoms[lo:hi], self.kind, boxes[t])
                todo.append(t)
        if not todo:
            return out
        pick = np.concatenate([np.arange(starts[t], starts[t + 1]) for t in todo])
        geometries = encode_geometries(clipped[pick], self.kind, bounds[tile_of[pick]], boxes[0].extent)
        kept = pick[geometries.keep]
        kept_tiles = tile_of[kept]
        bounds_of = np.searchsorted(kept_tiles, np.arange(len(boxes) + 1))
        for t in todo:
            lo, hi = bounds_of[t], bounds_of[t + 1]
            if hi > lo:
                part = Geometries(geometries.keep[lo:hi], geometries.data, geometries.offsets[lo:hi + 1])
                sel = rows[kept[lo:hi]]
                out[t] = encode_layer(self.id, self.kind, self.ids[sel], part, self.values[sel], self.keys,
                                      self.value_fields, boxes[t].extent, self._tags(sel))
        return out

    def _tags(self, rows: np.ndarray) -> Tags:
        """The encoded tags of features ``rows``: neighbouring tiles mostly hold the same features."""
        key = rows.tobytes()
        found = self.tag_sets.get(key)
        if found is None:
            found = encode_tags(self.values[rows])
            if len(self.tag_sets) < MAX_TAG_SETS:
                self.tag_sets[key] = found
        return found

    def _interior(self, z: int, rows: np.ndarray, box: TileBox) -> bytes:
        """The layer of a tile lying inside each of the polygons ``rows``: their squares, encoded once."""
        key = (min(z, self.spec.max_zoom), rows.tobytes())
        found = self.interiors.get(key)
        if found is None:
            stream = _square(box.extent, box.buffer)
            geometries = Geometries(np.arange(len(rows)), stream * len(rows),
                                    np.arange(len(rows) + 1) * len(stream))
            found = encode_layer(self.id, self.kind, self.ids[rows], geometries, self.values[rows], self.keys,
                                 self.value_fields, box.extent)
            if len(self.interiors) < MAX_INTERIORS:
                self.interiors[key] = found
        return found


@lru_cache(maxsize=4)
def _square(extent: int, buffer: int) -> bytes:
    return square(TileBox(0.0, 0.0, 1.0, 1.0, extent, buffer))


def prepare(spec: LayerSpec, geoms: np.ndarray, ids: Sequence[Any], columns: Mapping[str, Sequence[Any]],
            g: Grid) -> LayerTiles:
    """Prepare a layer for tiling (geometries in longitude/latitude, ``columns`` = declared properties)."""
    kind = _kind(spec)
    projected = g.project(np.asarray(geoms, dtype=object))
    names = spec.property_names
    value_table, values = _value_matrix([columns[n] for n in names], len(projected))
    full = _full_level(projected)
    levels = dict.fromkeys(range(spec.min_zoom, spec.max_zoom + 1), full) if kind == "point" else \
        {spec.max_zoom: full}
    groups = _coverage_groups(projected, [columns[n] for n in names]) if kind == "polygon" else None
    bounds = shapely.bounds(np.asarray(geoms, dtype=object))
    bbox = (float(np.nanmin(bounds[:, 0])), float(np.nanmin(bounds[:, 1])), float(np.nanmax(bounds[:, 2])),
            float(np.nanmax(bounds[:, 3])))
    # points are drawn unsimplified at every zoom: only lines and polygons need a source to simplify from
    source = None if kind == "point" else shapely.from_wkb(shapely.to_wkb(projected))
    return LayerTiles(spec, g, kind, levels, _mvt_ids(ids), encode_keys(names), value_fields(value_table),
                      values, bbox, groups, source=source)


def prepare_frame(spec: LayerSpec, frame: Any, g: Grid) -> LayerTiles:
    """Prepare a layer from its GeoDataFrame (EPSG:4326, the declared properties as columns)."""
    columns = {n: _python_values(frame[n]) for n in spec.property_names}
    ids = columns[spec.id_field] if spec.id_field in columns else list(range(1, len(frame) + 1))
    return prepare(spec, np.asarray(frame.geometry.values, dtype=object), ids, columns, g)


def _python_values(series: Any) -> list[Any]:
    """Column values as plain Python scalars (timestamps stay datetimes), missing values as None."""
    return list(series.astype(object).where(series.notna(), None).tolist())


#: TileJSON field types of the declared property types (as tippecanoe writes them)
_FIELD_TYPES = {"string": "String", "date": "String", "integer": "Number", "number": "Number", "boolean": "Boolean"}


def vector_layers(layers: Iterable[LayerTiles]) -> list[dict[str, Any]]:
    """The TileJSON ``vector_layers`` of ``layers``: id, description, zooms and fields from the declarations."""
    return [{
        "id": lt.id,
        "description": lt.spec.title,
        "minzoom": lt.spec.min_zoom,
        "maxzoom": lt.spec.max_zoom,
        "fields": {p.name: _FIELD_TYPES.get(p.type, "String") for p in lt.spec.properties},
    } for lt in layers]


def _kind(spec: LayerSpec) -> Kind:
    if spec.geometry_type.endswith("Point"):
        return "point"
    return "line" if spec.geometry_type.endswith("LineString") else "polygon"


def _full_level(geoms: np.ndarray) -> Level:
    """The unsimplified geometries (drawn from max_zoom on, and at every zoom for points)."""
    return _make_level(geoms)


def _make_level(geoms: np.ndarray) -> Level:
    """``geoms`` prepared and indexed, their lazily built GEOS indexes built now.

    A prepared polygon makes its point locator and segment index on its first exact test; for a polygon of
    40,000 vertices that is 30 ms, which would land on whichever tile request touches it first. One
    intersection test with the geometry's own envelope builds both.
    """
    shapely.prepare(geoms)
    present = ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)
    if present.any():
        shapely.intersects(geoms[present], shapely.box(*shapely.bounds(geoms[present]).T))
    return Level(geoms, shapely.STRtree(geoms))


def _simplify(geoms: np.ndarray, tolerance: float, groups: list[np.ndarray] | None) -> np.ndarray:
    if groups is None:
        return shapely.simplify(geoms, tolerance, preserve_topology=True)
    out = np.empty(len(geoms), dtype=object)
    for rows in groups:
        out[rows] = shapely.coverage_simplify(geoms[rows], tolerance)
    return out


def _coverage_groups(geoms: np.ndarray, columns: list[Sequence[Any]]) -> list[np.ndarray] | None:
    """Rows that form valid polygon coverages: all of them, or the groups of one low-cardinality property.

    US counties and Mexican municipios each tile their country, but the two sources overlap slightly along
    the border, so together they are no coverage; split by ``country`` each part is one.
    """
    if len(geoms) > 1 and shapely.coverage_is_valid(geoms):
        return [np.arange(len(geoms))]
    for column in columns:
        values = np.asarray([str(v) for v in column], dtype=object)
        distinct = set(values.tolist())
        if not 1 < len(distinct) <= MAX_GROUPS or any(isinstance(v, float | bool) for v in column):
            continue
        groups = [np.flatnonzero(values == v) for v in sorted(distinct)]
        if all(len(rows) > 1 for rows in groups) and all(shapely.coverage_is_valid(geoms[r]) for r in groups):
            return groups
    return None


def _value_matrix(columns: list[Sequence[Any]], n: int) -> tuple[list[bytes], np.ndarray]:
    """The layer's distinct encoded values, and per feature and property the index of its value (-1: none)."""
    index: dict[bytes, int] = {}
    matrix = np.full((n, len(columns)), -1, dtype=np.int64)
    for j, column in enumerate(columns):
        for i, value in enumerate(column):
            if not is_missing(value):
                matrix[i, j] = index.setdefault(encode_value(value), len(index))
    return list(index), matrix


def _mvt_ids(ids: Sequence[Any]) -> np.ndarray:
    """MVT feature ids (unsigned integers): the declared ids when they are such, else 1-based row numbers."""
    try:
        numbers = [int(v) for v in ids]
        if all(n >= 0 and str(n) == str(v) for n, v in zip(numbers, ids, strict=True)) and \
                len(set(numbers)) == len(numbers):
            return np.asarray(numbers, dtype=np.uint64)
    except (TypeError, ValueError):
        pass
    return np.arange(1, len(ids) + 1, dtype=np.uint64)


@dataclass(frozen=True)
class Tileset:
    """Layers tiled together on one grid (all layers, or one collection)."""

    grid: Grid
    layers: tuple[LayerTiles, ...]
    #: the tilesets of layer selections made so far (a server asks for the same collections again and again)
    selections: dict[tuple[str, ...], Tileset] = field(default_factory=dict, repr=False, compare=False)

    @property
    def min_zoom(self) -> int:
        """The lowest zoom at which some layer appears."""
        return min((lt.spec.min_zoom for lt in self.layers), default=0)

    @property
    def max_zoom(self) -> int:
        """The zoom at which every layer has reached full detail (deeper tiles are overzoomed)."""
        return max((lt.spec.max_zoom for lt in self.layers), default=0)

    @cached_property
    def bbox(self) -> tuple[float, float, float, float]:
        """Longitude/latitude bounds of all layers."""
        b = np.array([lt.bbox for lt in self.layers]) if self.layers else np.array([[-180.0, -85.0, 180.0, 85.0]])
        return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())

    def touching(self, z: int, xys: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """The tiles of ``xys`` that some feature of a data layer reaches (at any zoom: min_zoom ignored).

        Basemap layers (land, states) cover the whole map region: following them would tile every square
        kilometre of it at every zoom (3x the tiles). They are drawn in every tile that holds data.
        """
        if not xys:
            return []
        areas = shapely.box(*np.array([self.grid.box(z, x, y).buffered() for x, y in xys]).T)
        hit = np.zeros(len(xys), dtype=bool)
        for lt in self.layers:
            if "basemap" in lt.spec.roles:
                continue
            hit[lt.levels[lt.spec.max_zoom].hits(areas)[0]] = True
        return [xy for xy, h in zip(xys, hit, strict=True) if h]

    def select(self, layer_ids: Iterable[str]) -> Tileset:
        """The tileset of ``layer_ids`` only (in this tileset's order)."""
        key = tuple(layer_ids)
        found = self.selections.get(key)
        if found is None:
            wanted = set(key)
            found = Tileset(self.grid, tuple(lt for lt in self.layers if lt.id in wanted))
            if len(self.selections) < MAX_SELECTIONS:  # collections= lists are the client's choice: bounded
                self.selections[key] = found
        return found

    def ready(self, z: int) -> bool:
        """True when every layer's geometries of zoom ``z`` are made (see LayerTiles.ready)."""
        return all(lt.ready(z) for lt in self.layers)

    def make(self, z: int) -> None:
        """Make every layer's geometries of zoom ``z`` (off the serving thread; see LayerTiles.source)."""
        for lt in self.layers:
            lt.level(z)

    def warm(self) -> None:
        """Make every layer's levels now (a server calls this in a thread once the layers are prepared)."""
        t0 = time.perf_counter()
        for lt in self.layers:
            lt.warm()
        log.info("tiles (%s): every level of %d layers made in %.1f s", self.grid.id, len(self.layers),
                 time.perf_counter() - t0)

    def tile(self, z: int, x: int, y: int) -> bytes:
        """The MVT tile (z, x, y): one layer per layer with features there; empty bytes if none has any."""
        return self.tiles(z, [(x, y)])[0]

    def tiles(self, z: int, xys: Sequence[tuple[int, int]]) -> list[bytes]:
        """The MVT tiles at zoom ``z`` and (column, row) ``xys``, encoded together (see LayerTiles.encode)."""
        boxes = [self.grid.box(z, x, y) for x, y in xys]
        per_layer = [lt.encode(z, boxes) for lt in self.layers]
        return [b"".join(parts) for parts in zip(*per_layer, strict=True)] if per_layer else [b""] * len(xys)
