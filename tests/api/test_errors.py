"""Malformed requests over real HTTP: each gets the right 4xx and an OGC exception body, never a 500."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest

I = "/collections/boundary/items"
BAD, MISSING, FORMAT = (400, "InvalidParameterValue"), (404, "NotFound"), (406, "NotAcceptable")
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"

CASES: list[tuple[str, tuple[int, str]]] = [
    # bbox
    (f"{I}?bbox=1,2,3", BAD),
    (f"{I}?bbox=a,b,c,d", BAD),
    (f"{I}?bbox=-100,28,-97,25", BAD),  # lower latitude above upper: reversed
    (f"{I}?bbox=-100,25,-97,95", BAD),  # latitude out of range
    (f"{I}?bbox=-200,25,-97,28", BAD),  # longitude out of range
    (f"{I}?bbox=1,2,3,4,5", BAD),
    (f"{I}?bbox=nan,0,1,1", BAD),
    (f"{I}?bbox=1e999,0,1,1", BAD),  # huge: overflows to infinity
    (f"{I}?bbox=", BAD),
    (f"{I}?bbox=1,2,3,4&bbox=1,2,3,4", BAD),
    (f"{I}?bbox=0,0,5,1,1,2", BAD),  # reversed heights
    (f"{I}?bbox=600000,3000000,500000,3100000&bbox-crs={quote(EPSG + '32614')}", BAD),  # reversed eastings
    (f"{I}?bbox=1e300,0,1e301,1&bbox-crs={quote(EPSG + '3857')}", BAD),  # outside the CRS
    (f"{I}?bbox=0,0,1,1&bbox-crs=EPSG:4326", BAD),  # not a URI
    # limit and offset
    (f"{I}?limit=0", BAD),
    (f"{I}?limit=-1", BAD),
    (f"{I}?limit=10001", BAD),
    (f"{I}?limit=abc", BAD),
    (f"{I}?limit=1.5", BAD),
    (f"{I}?limit=99999999999999999999999999", BAD),
    (f"{I}?limit=5&limit=6", BAD),
    (f"{I}?offset=-1", BAD),
    (f"{I}?offset=x", BAD),
    (f"{I}?offset=1000000000000", BAD),
    # crs
    (f"{I}?crs=EPSG:4326", BAD),
    (f"{I}?crs={quote(EPSG + '9999')}", BAD),
    (f"{I}?crs=", BAD),
    # filters
    (f"{I}?filter={quote('kind =')}", BAD),
    (f"{I}?filter={quote('nosuch = 1')}", BAD),
    (f"{I}?filter={quote(chr(39) + 'unterminated')}", BAD),
    (f"{I}?filter={quote('seq = ' + chr(39) + 'x' + chr(39))}", BAD),  # integer compared with text
    (f"{I}?filter={quote('nofunc(kind) = 1')}", BAD),
    (f"{I}?filter={quote('kind = 1 AND')}", BAD),
    (f"{I}?filter={quote(chr(39) + 'x' + chr(39))}&filter-lang=cql2-json", BAD),
    (f"{I}?filter={quote(json.dumps({'op': '='}))}&filter-lang=cql2-json", BAD),
    (f"{I}?filter={quote(json.dumps({'op': '=', 'args': [{'property': 'nosuch'}, 1]}))}&filter-lang=cql2-json",
     BAD),
    (f"{I}?filter={quote('S_INTERSECTS(kind, POINT(0 0))')}", BAD),
    (f"{I}?filter={quote('S_INTERSECTS(geometry, POINT(0 0))')}&filter-crs=bogus", BAD),
    (f"{I}?filter-lang=sql", BAD),
    (f"{I}?filter={'x' * 9000}", BAD),  # absurdly long
    # sortby, properties, other parameters
    (f"{I}?sortby=nosuch", BAD),
    (f"{I}?sortby={quote('+-seq')}", BAD),
    (f"{I}?sortby=seq,", BAD),
    (f"{I}?properties=nosuch", BAD),
    (f"{I}?properties=", BAD),
    (f"{I}?skipGeometry=yes", BAD),
    (f"{I}?datetime=yesterday", BAD),
    (f"{I}?foo=bar", BAD),
    (f"{I}?f=xml", FORMAT),
    (f"{I}/TX-NL?limit=1", BAD),
    (f"{I}/TX-NL?crs=bad", BAD),
    ("/?foo=1", BAD),
    ("/collections?limit=1", BAD),
    ("/collections/boundary/queryables?filter=x", BAD),
    # unknown things and path tricks
    ("/collections/nosuch", MISSING),
    ("/collections/nosuch/items", MISSING),
    (f"{I}/NOPE", MISSING),
    (f"{I}/%2E%2E", MISSING),
    (f"{I}/..%2F..%2Fmanifest.json", MISSING),
    (f"{I}/{'A' * 5000}", MISSING),
    (f"{I}/%00", MISSING),
    ("/collections/%2E%2E/items", MISSING),
    ("/collections/boundary%2F..%2Fports/items", MISSING),
    ("/maps/..%2Fmanifest.json", MISSING),
    ("/maps/%2E%2E/%2E%2E/sources", MISSING),
    ("/static/..%2F..%2Fapi%2Fcli.py", MISSING),
    ("/nope", MISSING),
    ("/collections/", MISSING),
]


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize(("url", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_malformed_request(http: httpx.Client, url: str, expected: tuple[int, str]) -> None:
    r = http.get(url)
    status, code = expected
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"code", "description"} and body["code"] == code
    assert isinstance(body["description"], str) and 0 < len(body["description"]) < 1000
    assert "Traceback" not in body["description"]


def test_errors_name_the_problem(http: httpx.Client) -> None:
    assert "unknown collection 'nosuch'" in http.get("/collections/nosuch").json()["description"]
    assert "boundary" in http.get("/collections/nosuch").json()["description"]  # lists the choices
    assert "'foo'" in http.get(f"{I}?foo=bar").json()["description"]
    assert "sortby" in http.get(f"{I}?sortby=nosuch").json()["description"]
    assert "out of range [1, 10000]" in http.get(f"{I}?limit=0").json()["description"]
    assert "queryables" in http.get(f"{I}?filter=nosuch%3D1").json()["description"]


def test_no_server_errors_for_random_junk(http: httpx.Client) -> None:
    junk = ["%ff%fe", "%F0%9F%98%80", "'\";--", "\\x00", "{}", "[]", "()", "null", "-0", "1e-400", " ", "%0A"]
    names = ["bbox", "limit", "offset", "crs", "bbox-crs", "filter", "filter-lang", "filter-crs", "sortby",
             "properties", "datetime", "skipGeometry", "f"]
    for name in names:
        for value in junk:
            r = http.get(f"{I}?{name}={value}")
            assert r.status_code in (200, 400, 406), (name, value, r.status_code)
            if r.status_code != 200:
                assert r.json()["code"] in ("InvalidParameterValue", "NotAcceptable")
