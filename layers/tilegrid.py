"""Tile matrix sets (morecantile's WebMercatorQuad and WorldCRS84Quad) as grids the tiler draws into."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import morecantile
import numpy as np
import pyproj
import shapely

from geo.errors import NotFoundError
from geo.mvt import EXTENT, TileBox

#: the deepest zoom served (OGC tileMatrixSetLimits); beyond a layer's max_zoom tiles are overzoomed
MAX_ZOOM = 14
TILE_MATRIX_SETS = ("WebMercatorQuad", "WorldCRS84Quad")


class TileMatrixSetNotFoundError(NotFoundError):
    """An unknown tile matrix set id."""


class TileNotFoundError(NotFoundError):
    """A tile outside the tile matrix set limits of a tileset."""


@dataclass(frozen=True)
class Grid:
    """A tile matrix set (morecantile) with the transformer from WGS84 longitude/latitude to its CRS."""

    tms: morecantile.TileMatrixSet
    transformer: pyproj.Transformer

    @property
    def id(self) -> str:
        """The tile matrix set id (e.g. WebMercatorQuad)."""
        return str(self.tms.id)

    def box(self, z: int, x: int, y: int) -> TileBox:
        """The bounds of tile (z, x, y) in the grid's CRS (morecantile's ``xy_bounds``, same arithmetic)."""
        m = _matrix(self.id, z)
        if m.top_left:
            return TileBox(m.x0 + x * m.cell * m.width, m.y0 - (y + 1) * m.cell * m.height,
                           m.x0 + (x + 1) * m.cell * m.width, m.y0 - y * m.cell * m.height)
        return TileBox(m.x0 + x * m.cell * m.width, m.y0 + y * m.cell * m.height,
                       m.x0 + (x + 1) * m.cell * m.width, m.y0 + (y + 1) * m.cell * m.height)

    def unit(self, z: int) -> float:
        """One tile unit (1/4096 of a tile's width) at zoom ``z``, in the grid CRS's units."""
        b = self.tms.xy_bounds(morecantile.Tile(0, 0, z))
        return float(b.right - b.left) / EXTENT

    def size(self, z: int) -> tuple[int, int]:
        """Columns and rows of the tile matrix at zoom ``z``."""
        m = _matrix(self.id, z)
        return m.columns, m.rows

    def project(self, geoms: np.ndarray) -> np.ndarray:
        """``geoms`` (longitude, latitude) in the grid's CRS."""
        return shapely.transform(geoms, lambda xy: np.column_stack(self.transformer.transform(xy[:, 0], xy[:, 1])))

    def tile_range(self, bbox: Sequence[float], z: int) -> tuple[int, int, int, int]:
        """Columns and rows (min col, min row, max col, max row) of the tiles at ``z`` covering ``bbox``."""
        return _tile_range(self.id, tuple(bbox), z)


@dataclass(frozen=True)
class _Matrix:
    """What locating a tile needs of one tile matrix (read once: morecantile's lookups hash the CRS each time)."""

    x0: float
    y0: float
    cell: float
    width: int
    height: int
    columns: int
    rows: int
    top_left: bool


@lru_cache(maxsize=64)
def _matrix(tms_id: str, z: int) -> _Matrix:
    tms = grid(tms_id).tms
    m = tms.matrix(z)
    if m.variableMatrixWidths is not None:  # neither grid served has them; xy_bounds would coalesce columns
        raise ValueError(f"{tms.id} has variable matrix widths at zoom {z}")
    x0, y0 = tms._matrix_origin(m)
    return _Matrix(x0, y0, m.cellSize, m.tileWidth, m.tileHeight, int(m.matrixWidth), int(m.matrixHeight),
                   m.cornerOfOrigin == "topLeft")


@lru_cache(maxsize=1024)
def _tile_range(tms_id: str, bbox: tuple[float, ...], z: int) -> tuple[int, int, int, int]:
    tms = grid(tms_id).tms
    ul = tms.tile(bbox[0], bbox[3], z)
    lr = tms.tile(bbox[2], bbox[1], z)
    return ul.x, ul.y, lr.x, lr.y


@lru_cache(maxsize=len(TILE_MATRIX_SETS))
def grid(tms_id: str) -> Grid:
    """The grid of tile matrix set ``tms_id``; TileMatrixSetNotFoundError for any other id."""
    if tms_id not in TILE_MATRIX_SETS:
        shown = tms_id if len(tms_id) <= 40 else tms_id[:37] + "..."
        raise TileMatrixSetNotFoundError(
            f"unknown tile matrix set '{shown}': choose one of {', '.join(TILE_MATRIX_SETS)}")
    tms = morecantile.tms.get(tms_id)
    transformer = pyproj.Transformer.from_crs("EPSG:4326", tms.crs._pyproj_crs, always_xy=True)
    return Grid(tms, transformer)


def check_tile(g: Grid, z: int, x: int, y: int, min_zoom: int = 0) -> None:
    """TileNotFoundError unless (z, x, y) lies in the matrices from ``min_zoom`` to MAX_ZOOM of ``g``."""
    if not min_zoom <= z <= MAX_ZOOM:
        raise TileNotFoundError(f"tileMatrix {z} is outside this tileset's limits [{min_zoom}, {MAX_ZOOM}]")
    cols, rows = g.size(z)
    if not (0 <= x < cols and 0 <= y < rows):
        raise TileNotFoundError(
            f"tile row {y}, column {x} is outside tile matrix {z} of {g.id} ({rows} rows, {cols} columns)")
