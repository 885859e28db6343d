"""Encodings chosen by ``f`` or Accept: GeoJSON (default), HTML, CSV, GeoPackage, FlatGeobuf; 406 otherwise."""

from __future__ import annotations

import csv
import io
import re
import sys

import httpx
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient

from layers.registry import default_registry

csv.field_size_limit(sys.maxsize)  # a boundary segment's WKT is larger than csv's 128 KiB default
ITEMS = "/collections/boundary/items"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(("accept", "media"), [
    (None, "application/geo+json"),
    ("*/*", "application/geo+json"),
    ("application/geo+json", "application/geo+json"),
    ("application/geo+json, application/json", "application/geo+json"),
    ("application/json", "application/json"),
    ("application/*", "application/geo+json"),
    (BROWSER, "text/html; charset=utf-8"),
    ("text/csv", "text/csv; charset=utf-8"),
    ("application/flatgeobuf", "application/flatgeobuf"),
    ("text/html;q=0.5, application/geo+json;q=0.9", "application/geo+json"),
])
def test_items_negotiate_by_accept(client: TestClient, accept: str | None, media: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    r = client.get(ITEMS, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"] == media


@pytest.mark.parametrize(("f", "media"), [
    ("json", "application/geo+json"), ("geojson", "application/geo+json"), ("html", "text/html; charset=utf-8"),
    ("csv", "text/csv; charset=utf-8"), ("gpkg", "application/geopackage+sqlite3"),
    ("fgb", "application/flatgeobuf"),
])
def test_f_overrides_accept(client: TestClient, f: str, media: str) -> None:
    r = client.get(ITEMS, params={"f": f}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"] == media


def test_metadata_pages_are_json_by_default_and_html_for_browsers(client: TestClient, served: list[str]) -> None:
    paths = ["/", "/conformance", "/collections", *(f"/collections/{c}" for c in served)]
    for path in paths:
        assert client.get(path, headers={"Accept": "*/*"}).headers["content-type"] == "application/json", path
        page = client.get(path, headers={"Accept": BROWSER})
        assert page.headers["content-type"] == "text/html; charset=utf-8", path
        assert "<h1>" in page.text


@pytest.mark.parametrize(("path", "params", "accept"), [
    (ITEMS, {"f": "xml"}, None),
    (ITEMS, {}, "application/xml"),
    (ITEMS, {}, "image/png, text/plain"),
    ("/", {"f": "csv"}, None),
    ("/collections", {}, "application/geo+json;q=1, application/xml"),
    (f"{ITEMS}/TX-NL", {"f": "gpkg"}, None),
    ("/collections/boundary/queryables", {"f": "csv"}, None),
    ("/openapi.json", {}, "text/html"),
])
def test_unsupported_formats_are_406(client: TestClient, path: str, params: dict, accept: str | None) -> None:
    r = client.get(path, params=params, headers={"Accept": accept} if accept else {})
    if accept == "text/html":  # a client asking for HTML gets its error as an HTML page, same status
        assert r.status_code == 406 and r.headers["content-type"].startswith("text/html")
        assert "NotAcceptable" in r.text and "<h1>406 " in r.text
        return
    assert r.status_code == 406 and r.headers["content-type"] == "application/json"
    assert r.json()["code"] == "NotAcceptable" and r.json()["description"]


def test_csv_holds_the_page(client: TestClient, layer) -> None:
    r = client.get(ITEMS, params={"f": "csv", "limit": 4, "offset": 2})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    spec = default_registry()["boundary"]
    assert list(rows[0]) == [*spec.property_names, "wkt"]
    assert [row["segment_id"] for row in rows] == ["AZ-SON", "NM-SON", "NM-CHIH", "TX-CHIH"]
    gdf = layer("boundary").set_index("segment_id")
    for row in rows:
        assert shapely.from_wkt(row["wkt"]).equals_exact(gdf.loc[row["segment_id"]].geometry, 1e-12)
        assert float(row["length_km"]) == pytest.approx(gdf.loc[row["segment_id"]].length_km, rel=1e-12)


def test_csv_of_every_collection(client: TestClient, served: list[str], manifest: dict) -> None:
    registry = default_registry()
    for cid in served:
        r = client.get(f"/collections/{cid}/items", params={"f": "csv", "limit": 10_000, "properties":
                                                             registry[cid].id_field, "skipGeometry": "true"})
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == [registry[cid].id_field] and len(rows) - 1 == manifest["layers"][cid]["features"]


@pytest.mark.parametrize("fmt", ["gpkg", "fgb"])
def test_downloads_hold_every_feature(client: TestClient, served: list[str], layer, fmt: str) -> None:
    registry = default_registry()
    for cid in served:
        r = client.get(f"/collections/{cid}/items", params={"f": fmt, "limit": 1})
        assert r.status_code == 200
        assert r.headers["content-disposition"] == f'attachment; filename="{cid}.{fmt}"'
        got = pyogrio.read_dataframe(io.BytesIO(r.content))
        ref = layer(cid)
        id_field = registry[cid].id_field
        assert got.crs.to_epsg() == 4326 and len(got) == len(ref), cid
        got, ref = got.sort_values(id_field, ignore_index=True), ref.sort_values(id_field, ignore_index=True)
        assert got[id_field].tolist() == ref[id_field].tolist(), cid  # FlatGeobuf's index reorders features
        assert got.geometry.geom_equals_exact(ref.geometry, 1e-9).all(), cid
    assert pyogrio.list_layers(io.BytesIO(client.get(ITEMS, params={"f": fmt}).content))[0][0] == "boundary"


def test_filtered_download(client: TestClient) -> None:
    r = client.get(ITEMS, params={"f": "gpkg", "filter": "kind = 'Rio Grande'", "properties": "segment_id,kind"})
    got = pyogrio.read_dataframe(io.BytesIO(r.content))
    assert got["segment_id"].tolist() == ["TX-CHIH", "TX-COAH", "TX-NL", "TX-TAMPS"]
    assert list(got.columns) == ["segment_id", "kind", "geometry"]


def test_html_pages_load_features_by_url(client: TestClient, served: list[str]) -> None:
    for cid in served:
        for path in (f"/collections/{cid}/items?f=html&limit=100", f"/collections/{cid}?f=html"):
            page = client.get(path).text
            assert '"coordinates"' not in page and len(page) < 200_000, path
            assert re.search(r'<div id="map" data-[^>]*data-url="[^"]*f=json', page) or \
                re.search(r'<div id="map" data-url="[^"]*f=json', page), path
            assert "/static/leaflet/leaflet.js" in page
            loaded = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page)
            assert loaded and all(u.startswith("http://testserver/") for u in loaded), loaded
    one = client.get("/collections/boundary/items/TX-NL?f=html").text
    assert "TX-NL" in one and 'data-url="http://testserver/collections/boundary/items/TX-NL?f=json"' in one


def test_other_html_pages(client: TestClient) -> None:
    for path in ("/?f=html", "/collections?f=html", "/conformance?f=html", "/api",
                 "/collections/boundary/queryables?f=html"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
    assert "Rio Grande" in client.get("/collections/boundary/queryables?f=html").text
    assert "/collections/boundary/items" in client.get("/api").text


def test_static_assets_are_served_locally(http: httpx.Client) -> None:
    for name, media in (("leaflet/leaflet.js", "text/javascript"), ("leaflet/leaflet.css", "text/css"),
                        ("api.js", "text/javascript"), ("leaflet/images/marker-icon.png", "image/png")):
        r = http.get(f"/static/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(media) and len(r.content) > 100


def test_maps_are_mounted(http: httpx.Client, data_settings) -> None:
    maps = data_settings.current / "maps"
    index = http.get("/maps/")
    assert http.get("/maps", follow_redirects=False).status_code == 308
    if (maps / "index.html").is_file():
        assert index.status_code == 200 and index.content == (maps / "index.html").read_bytes()
        for page in sorted(maps.glob("*.html"))[:3]:
            assert http.get(f"/maps/{page.name}").content == page.read_bytes()
    else:
        assert index.status_code == 404 and index.json()["code"] == "NotFound"
    missing = http.get("/maps/no-such-map.html")
    assert missing.status_code == 404 and missing.json()["code"] == "NotFound"


def test_landing_and_collections_tables_show_counts_geometry_and_licence(client: TestClient, manifest) -> None:
    for path in ("/?f=html", "/collections?f=html"):
        page = client.get(path).text
        for cid, entry in manifest["layers"].items():
            row = re.search(rf'<tr><td[^>]*><a href="[^"]*/collections/{cid}\?f=html[^"]*">.*?</tr>', page, re.S)
            assert row, (path, cid)
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
            assert cells[2].strip() == f"{entry['features']:,}", (path, cid, cells)
            assert cells[3].strip() == entry["geometry_type"] and cells[4].strip() == entry["licence"], cells
