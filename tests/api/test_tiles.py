"""OGC API – Tiles on the real server: documents, MVT tiles decoded with mapbox-vector-tile, errors, ETags,
and the build's PMTiles archive served tile for tile by the API."""

from __future__ import annotations

import gzip
import math

import httpx
import mapbox_vector_tile
import pytest
from pmtiles.reader import MmapSource, all_tiles

from layers.registry import default_registry
from layers.settings import DataSettings

MVT = "application/vnd.mapbox-vector-tile"
TILES_CONF = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
WMQ = "WebMercatorQuad"


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _decode(body: bytes) -> dict:
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def test_conformance_and_links_point_to_the_tiles(http: httpx.Client, served: list[str], server: str) -> None:
    conf = http.get("/conformance").json()["conformsTo"]
    for cls in ("core", "tileset", "tilesets-list", "geodata-tilesets", "collections-selection", "mvt"):
        assert TILES_CONF + cls in conf
    rels = {lk["rel"]: lk["href"] for lk in http.get("/").json()["links"]}
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"].endswith("/tiles")
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"].endswith("/tileMatrixSets")
    coll = http.get(f"/collections/{served[0]}").json()
    hrefs = [lk["href"] for lk in coll["links"] if lk["rel"].endswith("tilesets-vector")]
    assert hrefs == [f"{server}/collections/{served[0]}/tiles"]


def test_tile_matrix_sets(http: httpx.Client) -> None:
    sets = http.get("/tileMatrixSets").json()["tileMatrixSets"]
    assert [s["id"] for s in sets] == [WMQ, "WorldCRS84Quad"]
    wmq = http.get(f"/tileMatrixSets/{WMQ}").json()
    assert wmq["id"] == WMQ and wmq["crs"].endswith("EPSG/0/3857") and len(wmq["tileMatrices"]) >= 15
    assert http.get("/tileMatrixSets/Nope").status_code == 404


def test_tilesets_lists_and_collections_selection(http: httpx.Client, served: list[str]) -> None:
    body = http.get("/tiles").json()
    assert {t["tileMatrixSetURI"].rsplit("/", 1)[1] for t in body["tilesets"]} == {WMQ, "WorldCRS84Quad"}
    assert all(t["dataType"] == "vector" for t in body["tilesets"])
    picked = ",".join(served[:2])
    body = http.get("/tiles", params={"collections": picked}).json()
    assert all(lk["href"].endswith(f"?collections={picked}") for t in body["tilesets"] for lk in t["links"]
               if lk["rel"] == "self")
    meta = http.get(f"/tiles/{WMQ}", params={"collections": picked}).json()
    assert [layer["id"] for layer in meta["layers"]] == served[:2]
    bad = http.get("/tiles", params={"collections": "nope"})
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidParameterValue"


def test_tileset_metadata_declares_limits_layers_and_links(http: httpx.Client, manifest: dict) -> None:
    spec = default_registry()["crossings"]
    meta = http.get(f"/collections/crossings/tiles/{WMQ}").json()
    assert meta["dataType"] == "vector" and meta["crs"].endswith("EPSG/0/3857")
    zooms = [int(lim["tileMatrix"]) for lim in meta["tileMatrixSetLimits"]]
    assert zooms == list(range(spec.min_zoom, 15))
    west, south, east, north = manifest["layers"]["crossings"]["bbox"]
    z12 = next(lim for lim in meta["tileMatrixSetLimits"] if lim["tileMatrix"] == "12")
    assert (z12["minTileCol"], z12["minTileRow"]) == _tile_of(west, north, 12)
    assert (z12["maxTileCol"], z12["maxTileRow"]) == _tile_of(east, south, 12)
    layer = meta["layers"][0]
    assert layer["id"] == "crossings" and layer["geometryDimension"] == 0
    assert list(layer["propertiesSchema"]["properties"]) == spec.property_names
    item = next(lk for lk in meta["links"] if lk["rel"] == "item")
    assert item["templated"] and item["type"] == MVT and "{tileMatrix}/{tileRow}/{tileCol}" in item["href"]


def test_tilejson_describes_the_layers(http: httpx.Client, served: list[str], manifest: dict) -> None:
    reg = default_registry()
    doc = http.get(f"/tiles/{WMQ}/tilejson.json").json()
    assert doc["tilejson"] == "3.0.0"
    assert [v["id"] for v in doc["vector_layers"]] == served
    assert doc["maxzoom"] == max(reg[lid].max_zoom for lid in served)
    for v in doc["vector_layers"]:
        assert list(v["fields"]) == reg[v["id"]].property_names
        assert (v["minzoom"], v["maxzoom"]) == (reg[v["id"]].min_zoom, reg[v["id"]].max_zoom)
    west, south, east, north = doc["bounds"]
    for entry in manifest["layers"].values():
        b = entry["bbox"]
        assert west <= b[0] + 1e-6 and south <= b[1] + 1e-6 and east >= b[2] - 1e-6 and north >= b[3] - 1e-6
    x, y = _tile_of(-106.45, 31.76, 8)
    url = doc["tiles"][0].format(z=8, x=x, y=y)
    tile = http.get(url)
    assert tile.status_code == 200 and tile.headers["content-type"] == MVT
    one = http.get(f"/collections/ports/tiles/{WMQ}/tilejson.json").json()
    assert [v["id"] for v in one["vector_layers"]] == ["ports"]


def test_a_tile_holds_declared_properties_and_ids(http: httpx.Client, all_features: dict) -> None:
    x, y = _tile_of(-117.03, 32.54, 10)  # San Ysidro
    r = http.get(f"/tiles/{WMQ}/10/{y}/{x}")
    assert r.status_code == 200 and r.headers["content-type"] == MVT
    layers = _decode(r.content)
    assert {"boundary", "ports", "crossings", "cities"} <= set(layers)
    reg = default_registry()
    served_ports = {f["id"]: f["properties"] for f in all_features["ports"]["features"]}
    for f in layers["ports"]["features"]:
        props = f["properties"]
        assert set(props) <= set(reg["ports"].property_names)
        assert props == {k: v for k, v in served_ports[props["port_code"]].items() if v is not None}
        assert f["id"] == int(props["port_code"])


def test_collections_parameter_selects_layers_of_a_tile(http: httpx.Client) -> None:
    x, y = _tile_of(-106.45, 31.76, 9)
    layers = _decode(http.get(f"/tiles/{WMQ}/9/{y}/{x}", params={"collections": "boundary,ports"}).content)
    assert set(layers) == {"boundary", "ports"}
    one = _decode(http.get(f"/collections/boundary/tiles/{WMQ}/9/{y}/{x}").content)
    assert set(one) == {"boundary"}


def test_every_zoom_to_14_answers_and_empty_tiles_are_204(http: httpx.Client) -> None:
    for z in range(4, 15):
        x, y = _tile_of(-106.45, 31.76, z)
        r = http.get(f"/collections/boundary/tiles/{WMQ}/{z}/{y}/{x}")
        assert r.status_code == 200, z
        assert _decode(r.content)["boundary"]["features"]
    # a z14 tile of the Coahuila desert: inside the cities' bounds, and no city in it
    statuses = {}
    for i in range(12):
        x, y = _tile_of(-103.5 + i * 0.02, 27.3, 14)
        r = http.get(f"/collections/cities/tiles/{WMQ}/14/{y}/{x}")
        statuses[r.status_code] = r.content
    assert statuses.get(204) == b"", sorted(statuses)


@pytest.mark.parametrize(("path", "status"), [
    (f"/tiles/{WMQ}/15/0/0", 404), (f"/tiles/{WMQ}/4/0/0", 404), (f"/tiles/{WMQ}/4/6/99", 404),
    (f"/tiles/{WMQ}/-1/0/0", 404), (f"/tiles/{WMQ}/x/6/3", 400), (f"/tiles/{WMQ}/4/6/3.5", 400),
    ("/tiles/Nope/4/6/3", 404), (f"/collections/nope/tiles/{WMQ}/4/6/3", 404),
    (f"/collections/crossings/tiles/{WMQ}/0/0/0", 404), (f"/tiles/{WMQ}/4/6/3?f=png", 406),
    (f"/tiles/{WMQ}/4/6/3?foo=1", 400), (f"/tiles/{WMQ}/4/6/3?collections=nope", 400),
    ("/tiles/WorldCRS84Quad/tilejson.json", 404), ("/tiles/Nope", 404), ("/collections/nope/tiles", 404),
])
def test_bad_tile_requests_get_ogc_errors(http: httpx.Client, path: str, status: int) -> None:
    r = http.get(path)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"code", "description"} and body["description"]


def test_tiles_have_etags_304_and_gzip(http: httpx.Client, server: str) -> None:
    x, y = _tile_of(-106.45, 31.76, 7)
    url = f"/tiles/{WMQ}/7/{y}/{x}"
    first = http.get(url)
    etag = first.headers["etag"]
    again = http.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    raw = httpx.get(server + url, headers={"Accept-Encoding": "gzip"})
    assert raw.headers.get("content-encoding") == "gzip" and raw.content == first.content


def test_world_crs84_quad_tiles_place_points_in_degrees(http: httpx.Client, all_features: dict) -> None:
    port = all_features["ports"]["features"][0]
    lon, lat = port["geometry"]["coordinates"]
    z = 8  # WorldCRS84Quad: 2^(z+1) columns and 2^z rows of 180/2^z degrees
    size = 180 / 2**z
    col, row = int((lon + 180) // size), int((90 - lat) // size)
    r = http.get(f"/collections/ports/tiles/WorldCRS84Quad/{z}/{row}/{col}")
    assert r.status_code == 200
    feats = {f["properties"]["port_code"]: f for f in _decode(r.content)["ports"]["features"]}
    px, py = feats[port["id"]]["geometry"]["coordinates"]
    assert abs(px - (lon + 180 - col * size) / size * 4096) <= 0.51
    assert abs(py - (90 - lat - row * size) / size * 4096) <= 0.51


def test_openapi_describes_the_tiles(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for p in ("/tileMatrixSets", "/tiles", "/tiles/{tileMatrixSetId}",
              "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
              "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"):
        assert p in paths
    tile = paths["/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"]["get"]["responses"]
    assert MVT in tile["200"]["content"] and "204" in tile


def test_the_pmtiles_archive_holds_the_apis_tiles(http: httpx.Client, data_settings: DataSettings) -> None:
    with (data_settings.current / "bordergeo.pmtiles").open("rb") as f:
        tiles = list(all_tiles(MmapSource(f)))
    low = [t for t in tiles if t[0][0] <= 6]
    sample = low + tiles[len(low)::max(1, (len(tiles) - len(low)) // 120)]
    for (z, x, y), data in sample:
        r = http.get(f"/tiles/{WMQ}/{z}/{y}/{x}")
        assert r.status_code == 200 and r.content == gzip.decompress(data), f"{z}/{x}/{y}"
