"""Vector tiles of the real build: full detail at max_zoom, coverages kept gap- and overlap-free, points
never dropped, tile sizes, and the build's PMTiles read back. Tiles are decoded with mapbox-vector-tile and
compared with the source GeoParquets projected by pyproj and placed with the slippy-map tile formula."""

from __future__ import annotations

import gzip
import math

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pyproj
import pytest
import shapely
from pmtiles.reader import MmapSource, Reader, all_tiles
from shapely import affinity

from layers.archive import MAX_TILE_BYTES, read_tile
from layers.registry import default_registry
from layers.settings import DataSettings
from layers.store import PMTILES
from layers.tilegrid import grid
from layers.tiles import Tileset, prepare_frame

HALF = 20037508.342789244  # half the Web Mercator world, metres
TO_MERC = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The slippy-map tile (x, y) holding a point (OpenStreetMap's formula)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _to_tile_units(geom: shapely.Geometry, z: int, x: int, y: int) -> shapely.Geometry:
    """A lon/lat geometry in the tile units (0..4096, y down) of tile z/x/y."""
    merc = shapely.transform(geom, lambda c: np.column_stack(TO_MERC.transform(c[:, 0], c[:, 1])))
    size = 2 * HALF / 2**z
    scale = 4096 / size
    return affinity.affine_transform(merc, [scale, 0, 0, -scale, -(-HALF + x * size) * scale,
                                            (HALF - y * size) * scale])


@pytest.fixture(scope="module")
def tileset(data_settings: DataSettings, manifest: dict) -> Tileset:
    g = grid("WebMercatorQuad")
    reg = default_registry()
    return Tileset(g, tuple(prepare_frame(reg[lid], gpd.read_parquet(data_settings.current / f"{lid}.parquet"), g)
                            for lid in reg if lid in manifest["layers"]))


def _decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True}) if data else {}


@pytest.mark.parametrize("layer_id", ["boundary", "border-region", "population", "watersheds", "rivers",
                                      "reservoirs"])
def test_max_zoom_is_full_detail(layer_id: str, layer, manifest: dict, tileset: Tileset) -> None:
    """Tiles at max_zoom carry the unsimplified geometry, and rounding it to the tile grid there merges
    fewer than 0.1 % of the vertices: overzoomed, a layer shows every source vertex (within 0.7 unit)."""
    if layer_id not in manifest["layers"]:
        pytest.skip(f"{layer_id} not in this build (BORDERGEO_TEST_LAYERS)")
    spec = default_registry()[layer_id]
    merc = layer(layer_id).to_crs(3857).geometry.values
    full = next(lt for lt in tileset.layers if lt.id == layer_id).level(spec.max_zoom)
    assert full is not None
    assert shapely.get_num_coordinates(full.geoms).sum() == shapely.get_num_coordinates(merc).sum()
    unit = 2 * HALF / 2**spec.max_zoom / 4096
    parts = shapely.get_parts(merc)
    paths = shapely.get_rings(parts) if spec.geometry_type.endswith("Polygon") else parts
    coords, path = shapely.get_coordinates(paths, return_index=True)
    cells = np.rint(coords / unit)
    merged = np.all(cells[1:] == cells[:-1], axis=1) & (path[1:] == path[:-1])
    assert merged.mean() < 0.001, f"{layer_id}: {merged.mean():.2%} of the vertices merged at z{spec.max_zoom}"


@pytest.mark.parametrize(("z", "lon", "lat"), [(5, -106.4, 31.7), (8, -106.4, 31.7), (11, -106.44, 31.69),
                                               (9, -110.9, 31.3), (12, -117.0, 32.52)])
def test_counties_and_municipios_stay_a_coverage(tileset: Tileset, layer, z: int, lon: float, lat: float) -> None:
    x, y = _tile_of(lon, lat, z)
    features = _decode(tileset.select(["population"]).tile(z, x, y))["population"]["features"]
    source = layer("population")
    area = shapely.box(-64, -64, 4160, 4160)
    for country in ("US", "MX"):
        # rounding to the tile grid can pinch a ring at low zooms: repair before measuring (as renderers fill)
        polys = [shapely.make_valid(shapely.geometry.shape(f["geometry"])) for f in features
                 if f["properties"]["country"] == country]
        if not polys:
            continue
        union = shapely.union_all(polys)
        overlap = sum(p.area for p in polys) - union.area
        assert overlap <= 1e-6 * union.area + 1, f"{country} overlaps by {overlap} square units"
        ref = shapely.union_all([_to_tile_units(g, z, x, y) for g in source[source.country == country].geometry])
        ref = shapely.intersection(ref, area)
        holes, ref_holes = _holes(union), _holes(ref)
        assert holes == ref_holes, f"{country}: {holes - ref_holes} gaps opened at z{z}"
        assert abs(union.area - ref.area) <= 0.01 * area.area


def _holes(geom: shapely.Geometry) -> int:
    return sum(len(p.interiors) for p in shapely.get_parts(geom) if p.geom_type == "Polygon")


@pytest.mark.parametrize("layer_id", ["ports", "crossings", "cities"])
def test_points_are_never_dropped(tileset: Tileset, layer, layer_id: str) -> None:
    spec = default_registry()[layer_id]
    source = layer(layer_id)
    sub = tileset.select([layer_id])
    for z in sorted({spec.min_zoom, spec.min_zoom + 2, 10, 14}):
        cells: dict[tuple[int, int], set[str]] = {}
        for fid, p in zip(source[spec.id_field], source.geometry, strict=True):
            cells.setdefault(_tile_of(p.x, p.y, z), set()).add(str(fid))
        for (x, y), expected in sorted(cells.items())[:40]:
            decoded = _decode(sub.tile(z, x, y))[layer_id]["features"]
            got = {str(f["properties"][spec.id_field]) for f in decoded}
            assert expected <= got, f"z{z}/{x}/{y}: {len(expected - got)} {layer_id} missing"
            assert set(decoded[0]["properties"]) <= set(spec.property_names)
    if spec.min_zoom > 0:
        p = source.geometry.iloc[0]
        assert sub.tile(spec.min_zoom - 1, *_tile_of(p.x, p.y, spec.min_zoom - 1)) == b""


def test_overzoomed_tiles_carry_the_full_geometry(tileset: Tileset, layer) -> None:
    boundary = layer("boundary")
    line = boundary.geometry.iloc[len(boundary) // 2]
    lon, lat = line.interpolate(0.5, normalized=True).coords[0]
    for z in (12, 13, 14):
        x, y = _tile_of(lon, lat, z)
        got = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in
                                 _decode(tileset.select(["boundary"]).tile(z, x, y))["boundary"]["features"]])
        ref = shapely.intersection(shapely.union_all([_to_tile_units(g, z, x, y) for g in boundary.geometry]),
                                   shapely.box(-64, -64, 4160, 4160))
        assert shapely.hausdorff_distance(got, ref) <= 1.0, f"z{z}"


def test_the_build_writes_a_pmtiles_archive_of_every_layer(data_settings: DataSettings, manifest: dict) -> None:
    path = data_settings.current / PMTILES
    report = manifest["artifacts"][PMTILES]
    reg = default_registry()
    with path.open("rb") as f:
        source = MmapSource(f)
        reader = Reader(source)
        header, metadata = reader.header(), reader.metadata()
        count = sum(1 for _ in all_tiles(source))
    assert header["max_zoom"] == max(reg[lid].max_zoom for lid in manifest["layers"])
    assert header["min_zoom"] == 0 and count == sum(report["tiles_per_zoom"].values())
    assert [v["id"] for v in metadata["vector_layers"]] == list(manifest["layers"])
    for layer_id, sizes in report["largest_tile_bytes"].items():
        assert max(sizes.values()) <= MAX_TILE_BYTES, layer_id
    # a tile at the border read back holds the boundary
    x, y = _tile_of(-106.45, 31.76, 8)
    tile = read_tile(path, 8, x, y)
    assert tile is not None and "boundary" in _decode(tile)
    assert read_tile(path, 8, 0, 0) is None


def test_archive_tiles_equal_freshly_made_ones(data_settings: DataSettings, tileset: Tileset) -> None:
    with (data_settings.current / PMTILES).open("rb") as f:
        tiles = list(all_tiles(MmapSource(f)))
    sample = tiles[:: max(1, len(tiles) // 150)]
    for (z, x, y), data in sample:
        assert gzip.decompress(data) == tileset.tile(z, x, y), f"{z}/{x}/{y}"
