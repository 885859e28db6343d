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
        """The bounds of tile (z, x, y) in the grid's CRS."""
        b = self.tms.xy_bounds(morecantile.Tile(x, y, z))
        return TileBox(b.left, b.bottom, b.right, b.top)

    def unit(self, z: int) -> float:
        """One tile unit (1/4096 of a tile's width) at zoom ``z``, in the grid CRS's units."""
        b = self.tms.xy_bounds(morecantile.Tile(0, 0, z))
        return float(b.right - b.left) / EXTENT

    def size(self, z: int) -> tuple[int, int]:
        """Columns and rows of the tile matrix at zoom ``z``."""
        m = self.tms.matrix(z)
        return int(m.matrixWidth), int(m.matrixHeight)

    def project(self, geoms: np.ndarray) -> np.ndarray:
        """``geoms`` (longitude, latitude) in the grid's CRS."""
        return shapely.transform(geoms, lambda xy: np.column_stack(self.transformer.transform(xy[:, 0], xy[:, 1])))

    def tile_range(self, bbox: Sequence[float], z: int) -> tuple[int, int, int, int]:
        """Columns and rows (min col, min row, max col, max row) of the tiles at ``z`` covering ``bbox``."""
        ul = self.tms.tile(bbox[0], bbox[3], z)
        lr = self.tms.tile(bbox[2], bbox[1], z)
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
