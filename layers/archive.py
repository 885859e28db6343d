"""``bordergeo.pmtiles``: every layer of a build as vector tiles in one PMTiles v3 archive.

The archive holds every zoom from 0 to the tileset's max_zoom (the deepest of the layers' max_zoom, where
every layer has reached full detail; clients overzoom beyond it). Tiles are enumerated top-down: the
children of a tile are visited only when some feature reaches it. Each zoom is encoded in batches (one
process: a whole build's tiles take seconds of CPU, and forking a threaded process can deadlock), gzipped,
and written in tile-id order
(a clustered archive). The result is read back and checked before the build is published.
"""

from __future__ import annotations

import gzip
import logging
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

from geo import mvt
from geo.errors import BuildError
from layers.spec import LayerSpec
from layers.store import BuildStore
from layers.tilegrid import grid
from layers.tiles import Tileset, prepare_frame, vector_layers

log = logging.getLogger("bordergeo.tiles")
#: no tile may exceed this (uncompressed MVT bytes): clients and CDNs choke on larger ones
MAX_TILE_BYTES = 500 * 1024
#: tiles encoded together (enough to amortise the encoder's per-call cost, few enough to bound memory)
BATCH = 2048



@dataclass(frozen=True)
class ArchiveReport:
    """What was written: tiles per zoom, the largest tile per layer and zoom, bytes and seconds."""

    path: Path
    tiles: dict[int, int]
    largest: dict[str, dict[int, int]]
    bytes: int
    seconds: float
    #: CPU seconds spent (wall time says little on a shared machine)
    cpu_seconds: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the manifest)."""
        return {"file": self.path.name, "bytes": self.bytes, "seconds": round(self.seconds, 2),
                "cpu_seconds": round(self.cpu_seconds, 2),
                "tiles_per_zoom": {str(z): n for z, n in self.tiles.items()},
                "largest_tile_bytes": {lid: {str(z): n for z, n in zs.items()} for lid, zs in self.largest.items()}}


def write_pmtiles(path: Path, tileset: Tileset, metadata: dict[str, Any]) -> ArchiveReport:
    """Write ``tileset`` (WebMercatorQuad) to ``path``, zooms 0..max_zoom; BuildError if a tile is too big."""
    t0, cpu0 = time.perf_counter(), _cpu()
    tiles: dict[int, bytes] = {}
    counts: dict[int, int] = {}
    largest: dict[str, dict[int, int]] = {}
    frontier: list[tuple[int, int]] = [(0, 0)]
    for z in range(tileset.max_zoom + 1):
        encoded = _encode_zoom(tileset, z, frontier)
        counts[z] = 0
        for (x, y), data in zip(frontier, encoded, strict=True):
            if data:
                _measure(data, z, x, y, largest)
                tiles[zxy_to_tileid(z, x, y)] = gzip.compress(data, compresslevel=6, mtime=0)
                counts[z] += 1
        reached = tileset.touching(z, frontier)
        frontier = [(2 * x + i, 2 * y + j) for x, y in reached for i in (0, 1) for j in (0, 1)]
    tmp = path.with_name(path.name + ".partial")
    with tmp.open("wb") as f:
        writer = Writer(f)
        for tile_id in sorted(tiles):
            writer.write_tile(tile_id, tiles[tile_id])
        writer.finalize(_header(tileset), {**metadata, "vector_layers": vector_layers(tileset.layers)})
    tmp.rename(path)
    report = ArchiveReport(path, counts, largest, path.stat().st_size, time.perf_counter() - t0, _cpu() - cpu0)
    log.info("pmtiles: %d tiles, zooms 0-%d, %.1f MB in %.1f s (%.1f s CPU)", len(tiles), tileset.max_zoom,
             report.bytes / 1e6, report.seconds, report.cpu_seconds)
    return report


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _encode_zoom(tileset: Tileset, z: int, xys: list[tuple[int, int]]) -> list[bytes]:
    return [data for i in range(0, len(xys), BATCH) for data in tileset.tiles(z, xys[i:i + BATCH])]


def _measure(data: bytes, z: int, x: int, y: int, largest: dict[str, dict[int, int]]) -> None:
    if len(data) > MAX_TILE_BYTES:
        raise BuildError(f"tile {z}/{x}/{y} is {len(data) / 1024:.0f} KB (limit {MAX_TILE_BYTES // 1024} KB): "
                         "raise the min_zoom of its densest layer")
    for name, size in layer_sizes(data).items():
        per = largest.setdefault(name, {})
        per[z] = max(per.get(z, 0), size)


def layer_sizes(data: bytes) -> dict[str, int]:
    """Bytes of each layer of an MVT tile (by layer name), read from the framing alone."""
    sizes: dict[str, int] = {}
    pos = 0
    while pos < len(data):
        pos += 1  # field 3, wire type 2
        length, pos = _varint(data, pos)
        name_len, name_at = _varint(data, pos + 3)  # skips the version field (0x78 0x02) and the name tag
        sizes[data[name_at:name_at + name_len].decode()] = length
        pos += length
    return sizes


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return value, pos
        shift += 7


def _header(tileset: Tileset) -> dict[str, Any]:
    west, south, east, north = tileset.bbox
    return {
        "tile_type": TileType.MVT,
        "tile_compression": Compression.GZIP,
        "min_zoom": 0,
        "max_zoom": tileset.max_zoom,
        "min_lon_e7": int(west * 1e7), "min_lat_e7": int(south * 1e7),
        "max_lon_e7": int(east * 1e7), "max_lat_e7": int(north * 1e7),
        "center_zoom": 5,
        "center_lon_e7": int((west + east) / 2 * 1e7), "center_lat_e7": int((south + north) / 2 * 1e7),
    }


def read_tile(path: Path, z: int, x: int, y: int) -> bytes | None:
    """The uncompressed MVT tile (z, x, y) of the archive at ``path`` (None when it holds no such tile)."""
    with path.open("rb") as f:
        data = Reader(MmapSource(f)).get(z, x, y)
    return gzip.decompress(data) if data else None


def verify(path: Path, expected: Sequence[int]) -> None:
    """Read the archive back: header, metadata and every tile must decode; BuildError otherwise."""
    try:
        with path.open("rb") as f:
            source = MmapSource(f)
            reader = Reader(source)
            header, metadata = reader.header(), reader.metadata()
            count = sum(1 for _ in all_tiles(source))
    except Exception as exc:
        raise BuildError(f"{path.name} cannot be read back: {type(exc).__name__}: {exc}") from exc
    wanted = sum(expected)
    if header["tile_type"] != TileType.MVT or count != wanted or "vector_layers" not in metadata:
        raise BuildError(f"{path.name} reads back wrong: {count} tiles (expected {wanted}), "
                         f"type {header['tile_type']}")


def code_files() -> list[Path]:
    """The modules whose code shapes the tiles (the build re-tiles when one changes)."""
    here = Path(__file__).parent
    return [here / "archive.py", here / "tiles.py", here / "tilegrid.py", Path(mvt.__file__)]


def build_archive(store: BuildStore, specs: Sequence[LayerSpec], build_id: str) -> ArchiveReport:
    """Tile the GeoParquets of ``specs`` in ``store`` into its ``bordergeo.pmtiles`` and verify it."""
    g = grid("WebMercatorQuad")
    t0 = time.perf_counter()
    layers = tuple(prepare_frame(spec, gpd.read_parquet(store.layer_path(spec.id)), g) for spec in specs)
    log.info("pmtiles: %d layers prepared in %.1f s", len(layers), time.perf_counter() - t0)
    metadata = {
        "name": "bordergeo",
        "description": f"US–Mexico border layers (bordergeo build {build_id})",
        "attribution": "; ".join(dict.fromkeys(spec.attribution for spec in specs)),
        "version": build_id,
        "type": "overlay",
    }
    report = write_pmtiles(store.pmtiles_path, Tileset(g, layers), metadata)
    verify(report.path, list(report.tiles.values()))
    return report
