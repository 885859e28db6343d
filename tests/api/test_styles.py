"""/styles (OGC API – Styles, MapLibre encoding), the glyphs the styles use, and the /viewer page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.glyphs import glyph_pbf
from layers.mapstyle import FONT
from layers.registry import default_registry

MAPBOX = "application/vnd.mapbox.style+json"


def styled(served: list[str]) -> list[str]:
    """The served collections that have a style of their own (basemap layers are drawn only under the others)."""
    registry = default_registry()
    return [cid for cid in served if "basemap" not in registry[cid].roles]


def test_styles_list_default_and_one_per_layer(client: TestClient, served: list[str]) -> None:
    r = client.get("/styles")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["default"] == "default"
    assert [s["id"] for s in body["styles"]] == ["default", *styled(served)]
    for entry in body["styles"]:
        (sheet,) = entry["links"]
        assert sheet["rel"] == "stylesheet" and sheet["type"] == MAPBOX
        assert sheet["href"].endswith(f"/styles/{entry['id']}?f=mapbox")
        assert client.get(sheet["href"]).status_code == 200


@pytest.mark.parametrize("how", [{"params": {"f": "mapbox"}}, {"headers": {"Accept": MAPBOX}}, {}])
def test_style_in_the_maplibre_encoding(client: TestClient, served: list[str], how: dict) -> None:
    r = client.get("/styles/default", **how)
    assert r.status_code == 200 and r.headers["content-type"] == MAPBOX
    doc = r.json()
    assert doc["version"] == 8
    assert doc["sources"]["bordergeo"]["url"] == "http://testserver/tiles/WebMercatorQuad/tilejson.json"
    assert doc["glyphs"] == "http://testserver/styles/glyphs/{fontstack}/{range}.pbf"
    assert {lyr["source-layer"] for lyr in doc["layers"][1:]} == set(served)


@pytest.mark.parametrize(("url", "status"), [
    ("/styles/no-such-style", 404), ("/styles/default?f=html", 406), ("/styles/default?bogus=1", 400),
    ("/styles?f=mapbox", 406), (f"/styles/glyphs/{FONT}/0-254.pbf", 404), (f"/styles/glyphs/{FONT}/10-265.pbf", 404),
    ("/styles/glyphs/Comic Sans/0-255.pbf", 404), (f"/styles/glyphs/{FONT}/65536-65791.pbf", 404),
    ("/viewer?lang=fr", 400), ("/viewer?f=json", 406),
])
def test_bad_style_requests_are_ogc_exceptions(client: TestClient, url: str, status: int) -> None:
    r = client.get(url)
    assert r.status_code == status
    if "f=html" in url:  # asked for HTML: the error comes as an HTML page with the same status
        assert r.headers["content-type"].startswith("text/html") and f"<h1>{status} " in r.text
        return
    assert set(r.json()) == {"code", "description"}


def test_landing_conformance_and_openapi_list_styles_and_viewer(client: TestClient, served: list[str]) -> None:
    links = {lnk["rel"]: lnk["href"] for lnk in client.get("/").json()["links"]}
    assert links["http://www.opengis.net/def/rel/ogc/1.0/styles"] == "http://testserver/styles"
    assert links["related"] == "http://testserver/viewer"
    conforms = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-styles-1/0.0/conf/mapbox-styles" in conforms
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/styles", "/styles/{styleId}", "/viewer", "/styles/glyphs/{fontstack}/{range}.pbf"} <= set(paths)
    style_id = paths["/styles/{styleId}"]["get"]["parameters"][0]
    assert style_id["schema"]["enum"] == ["default", *styled(served)]
    assert "Map viewer" in client.get("/?f=html").text


def test_glyph_ranges(client: TestClient) -> None:
    r = client.get(f"/styles/glyphs/{FONT}/0-255.pbf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-protobuf"
    assert r.content == glyph_pbf(0) and len(r.content) > 20_000
    # a range the font has nothing in is a valid, empty fontstack (MapLibre would log a failed load otherwise)
    assert len(client.get(f"/styles/glyphs/{FONT}/19968-20223.pbf").content) < 64


def test_viewer_page_loads_only_local_assets(client: TestClient) -> None:
    r = client.get("/viewer")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    urls = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assets = [u for u in urls if u.endswith((".js", ".css"))]
    assert len(assets) == 4 and all(u.startswith("http://testserver/static/") for u in assets)
    for url in assets:
        assert client.get(url).status_code == 200
    assert '"style": "http://testserver/styles/default?f=mapbox"' in r.text
