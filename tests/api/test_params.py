"""Query parameters on the tiny synthetic catalog (a fresh app, max_limit 3): datetime, limit above the
maximum, safe CURIEs, a projected bbox by its true rectangle, roles, and the parameter declarations."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

from api.dependencies import parse_query
from api.query import ITEMS

PLACES = "/collections/places/items"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


def ids(tiny: TestClient, url: str = PLACES, **params: str) -> list[str]:
    """Every id a query selects, following next links (pages hold at most 3)."""
    out: list[str] = []
    next_url: str | None = url
    query: dict[str, str] | None = params
    while next_url:
        r = tiny.get(next_url, params=query)
        assert r.status_code == 200, r.text
        out += [f["id"] for f in r.json()["features"]]
        next_url = next((lk["href"] for lk in r.json()["links"] if lk["rel"] == "next"), None)
        query = None
    return out


@pytest.mark.parametrize(("value", "expected"), [
    ("1889-07-11", ["TIJ"]),
    ("1889-07-11T18:30:00Z", ["TIJ"]),  # an instant during that day
    ("1889-07-11T18:30:00-07:00", []),  # ... which is already the 12th in UTC
    ("1880-01-01/1905-12-31", ["TIJ", "MXL"]),
    ("1903-03-14/1903-03-14", ["MXL"]),
    ("../1900-01-01", ["TIJ", "CJS"]),
    ("/1900-01-01", ["TIJ", "CJS"]),
    ("2000-01-01/..", ["ONL"]),
    ("2000-01-01/", ["ONL"]),
    ("1600-01-01T00:00:00Z/2100-01-01T00:00:00Z", ["TIJ", "MXL", "CJS", "ONL"]),  # NOG has no date
])
def test_datetime_selects_on_the_temporal_property(tiny: TestClient, value: str, expected: list[str]) -> None:
    assert ids(tiny, datetime=value) == expected


@pytest.mark.parametrize("value", ["yesterday", "2000-01-01/1900-01-01", "../..", "2000-13-01", "2000-01-01/x"])
def test_bad_datetimes_are_400(tiny: TestClient, value: str) -> None:
    r = tiny.get(PLACES, params={"datetime": value})
    assert r.status_code == 400 and r.json()["description"].startswith("datetime:")


def test_datetime_on_a_layer_without_dates_selects_everything(tiny: TestClient) -> None:
    assert ids(tiny, "/collections/edge/items", datetime="2000-01-01") == ["W", "E"]


def test_datetime_combines_with_filter_and_bbox(tiny: TestClient) -> None:
    assert ids(tiny, datetime="../1950-01-01", filter="capital = FALSE") == ["TIJ", "CJS"]
    assert ids(tiny, datetime="../1950-01-01", bbox="-118,32,-110,33") == ["TIJ", "MXL"]


def test_collection_extent_has_the_temporal_interval(tiny: TestClient) -> None:
    places = tiny.get("/collections/places").json()["extent"]
    assert places["temporal"]["interval"] == [["1659-12-08", "2010-01-01"]]
    assert places["spatial"]["bbox"] == [[-117.02, 25.9, -97.5, 32.62]]
    assert "temporal" not in tiny.get("/collections/edge").json()["extent"]


def test_limit_above_the_maximum_is_served_as_the_maximum(tiny: TestClient) -> None:
    body = tiny.get(PLACES, params={"limit": "1000"}).json()
    assert body["numberReturned"] == 3 and body["numberMatched"] == 5
    nxt = next(lk["href"] for lk in body["links"] if lk["rel"] == "next")
    assert parse_qs(urlsplit(nxt).query) == {"limit": ["3"], "offset": ["3"]}
    assert [f["id"] for f in tiny.get(nxt).json()["features"]] == ["ONL", "NOG"]
    assert tiny.get(PLACES, params={"limit": "9" * 25}).json()["numberReturned"] == 3


@pytest.mark.parametrize(("curie", "uri"), [
    ("[EPSG:3857]", EPSG + "3857"), ("[EPSG:4326]", EPSG + "4326"),
    ("[OGC:CRS84]", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
])
def test_safe_curies_name_crss(tiny: TestClient, curie: str, uri: str) -> None:
    by_uri = tiny.get(f"{PLACES}/TIJ", params={"crs": uri})
    by_curie = tiny.get(f"{PLACES}/TIJ", params={"crs": curie})
    assert by_curie.status_code == 200 and by_curie.headers["content-crs"] == f"<{uri}>"
    assert by_curie.json()["geometry"] == by_uri.json()["geometry"]
    assert ids(tiny, **{"bbox": "-13100000,3800000,-12800000,3900000", "bbox-crs": "[EPSG:3857]"}) == ["TIJ", "MXL"]
    assert ids(tiny, **{"filter": "S_INTERSECTS(geometry, POINT(32.52 -117.02))", "filter-crs": "[EPSG:4326]"}) \
        == ["TIJ"]


@pytest.mark.parametrize("bad", ["[EPSG:9999]", "EPSG:3857", "[EPSG:3857", "[epsg:3857]", "[EPSG:3857] x"])
def test_unsafe_or_unknown_curies_are_400(tiny: TestClient, bad: str) -> None:
    for name in ("crs", "bbox-crs", "filter-crs"):
        r = tiny.get(PLACES, params={name: bad, "bbox": "0,0,1,1"} if name == "bbox-crs" else {name: bad})
        assert r.status_code == 400 and r.json()["code"] == "InvalidParameterValue", (name, bad)


def test_projected_bbox_selects_by_its_true_rectangle(tiny: TestClient) -> None:
    # UTM 13N: Ciudad Juárez lies 1.4 deg west of the central meridian, where the grid is turned ~0.7 deg
    # from the meridians, so a tall rectangle's west edge slants: its CRS84 envelope reaches farther west
    # than the rectangle does at Juárez's latitude.
    to_utm = Transformer.from_crs("OGC:CRS84", "EPSG:32613", always_xy=True)
    x, y = to_utm.transform(-106.42, 31.69)
    outside = (x + 1000, y - 200_000, x + 100_000, y + 200_000)  # Juárez 1 km west of the west edge
    inside = (x - 1000, y - 200_000, x + 100_000, y + 200_000)
    back = Transformer.from_crs("EPSG:32613", "OGC:CRS84", always_xy=True)
    edge_lon, _ = back.transform(np.full(50, outside[0]), np.linspace(outside[1], outside[3], 50))
    assert edge_lon.min() < -106.42 < edge_lon.max() + 0  # the envelope would contain Juárez ...
    crs = {"bbox-crs": "[EPSG:32613]"}
    assert ids(tiny, bbox=",".join(map(str, outside)), **crs) == []  # ... the rectangle does not
    assert ids(tiny, bbox=",".join(map(str, inside)), **crs) == ["CJS"]


def test_context_layer_comes_from_roles(tiny: TestClient) -> None:
    page = tiny.get(PLACES, params={"f": "html"}).text
    assert 'data-context="http://testserver/collections/edge/items?f=json&amp;limit=2&amp;properties=seg"' in page
    assert "data-context=" not in tiny.get("/collections/edge/items", params={"f": "html"}).text.replace(
        'data-context=""', "")


def test_every_declared_parameter_is_in_openapi_and_accepted(tiny: TestClient) -> None:
    doc = tiny.get("/openapi.json").json()
    op = doc["paths"]["/collections/places/items"]["get"]
    names = set()
    for p in op["parameters"]:
        if "$ref" in p:
            p = doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        names.add(p["name"])
    assert names == {"f", *(p.name for p in ITEMS)}
    sortby = next(p for p in op["parameters"] if p.get("name") == "sortby")
    assert "founded" in sortby["schema"]["pattern"]
    r = tiny.get(PLACES, params={"nope": "1"})
    assert r.status_code == 400 and all(p.name in r.json()["description"] for p in ITEMS)


@pytest.mark.parametrize("query", [
    "", "&", "&&", "offset=10&limit=20", "limit=5&limit=6", "f", "f=", "=x", "a==b", "a=b=c", "&a=1&&b=2&",
    "bbox=-117.2,32.4,-116.8,32.8&bbox-crs=[EPSG:3857]", "filter=name%20%3D%20%27Tijuana%27", "q=a+b",
    "name=Ciudad Juárez".encode().decode("latin-1"), "x=%ZZ", "lang=es&f=html",
])
def test_queries_are_read_as_parse_qs_reads_them(query: str) -> None:
    assert parse_query(query) == parse_qs(query, keep_blank_values=True, encoding="utf-8", errors="replace")
