"""HTTP behaviour over a real uvicorn server: ETag/304, Cache-Control, gzip/brotli, CORS, HEAD, the cache."""

from __future__ import annotations

import gzip
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli
import httpx
from fastapi.testclient import TestClient

from api.app import create_app
from api.http import ResponseCache
from api.settings import ApiSettings
from layers.settings import DataSettings

PAGE = "/collections/boundary/items?limit=5"


def test_strong_etag_and_304(http: httpx.Client) -> None:
    first = http.get(PAGE)
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "public, max-age=300"
    assert first.headers["last-modified"].endswith("GMT")
    again = http.get(PAGE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert http.get(PAGE, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert http.get(PAGE, headers={"If-None-Match": '"stale"'}).status_code == 200
    assert http.get(PAGE, headers={"If-Modified-Since": first.headers["last-modified"]}).status_code == 304
    other = http.get("/collections/boundary/items?limit=6")
    assert other.headers["etag"] != etag


def test_etag_is_the_same_for_the_same_request(http: httpx.Client) -> None:
    """Bodies are deterministic (timeStamp is the build's), so every worker and restart agrees on ETags."""
    a = http.get("/collections/boundary/items?offset=1&limit=2")
    b = http.get("/collections/boundary/items?limit=2&offset=1")
    assert a.content == b.content and a.headers["etag"] == b.headers["etag"]


def test_gzip_and_brotli(http: httpx.Client, server: str) -> None:
    plain = http.get(PAGE)
    gz = http.get(PAGE, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip" and gz.content == plain.content  # httpx decodes
    raw = httpx.get(f"{server}{PAGE}", headers={"Accept-Encoding": "br"})
    assert raw.headers["content-encoding"] == "br"
    assert raw.content == plain.content
    assert raw.headers["etag"] == plain.headers["etag"][:-1] + '-br"'
    assert "Accept-Encoding" in raw.headers["vary"] and "Accept" in raw.headers["vary"]
    with httpx.stream("GET", f"{server}{PAGE}", headers={"Accept-Encoding": "gzip"}) as r:
        body = b"".join(r.iter_raw())
    assert gzip.decompress(body) == plain.content and int(r.headers["content-length"]) == len(body)
    assert len(body) < len(plain.content) / 2
    assert http.get(PAGE, headers={"Accept-Encoding": "br;q=0, gzip;q=0"}).headers.get("content-encoding") is None
    assert brotli.decompress(brotli.compress(plain.content)) == plain.content


def test_cors_for_any_origin(http: httpx.Client) -> None:
    r = http.get(PAGE, headers={"Origin": "https://planner.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "ETag" in r.headers["access-control-expose-headers"]
    pre = http.options(PAGE, headers={"Origin": "https://planner.example", "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 204 and "GET" in pre.headers["access-control-allow-methods"]


def test_cors_with_configured_origins(data_settings: DataSettings) -> None:
    app = create_app(ApiSettings(cors_origins="https://ok.example"), data_settings)
    with TestClient(app) as tc:
        ok = tc.get(PAGE, headers={"Origin": "https://ok.example"})
        assert ok.headers["access-control-allow-origin"] == "https://ok.example"
        assert "Origin" in ok.headers["vary"]
        bad = tc.get(PAGE, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in bad.headers
        pre = tc.options(PAGE, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in pre.headers


def test_head_matches_get(http: httpx.Client) -> None:
    get = http.get(PAGE)
    head = http.head(PAGE)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(get.content)) and head.headers["etag"] == get.headers["etag"]


def test_other_methods_are_405_with_allow(http: httpx.Client) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        r = http.request(method, "/collections/boundary/items")
        assert r.status_code == 405 and r.headers["allow"] == "GET", method
        assert r.json()["code"] == "MethodNotAllowed"


def test_response_cache_stores_what_is_asked_twice(data_settings: DataSettings) -> None:
    app = create_app(ApiSettings(cache_bytes=4_000_000), data_settings)
    with TestClient(app) as tc:
        first = tc.get(PAGE)
        cache = app.middleware_stack
        assert isinstance(cache, ResponseCache) and len(cache.entries) == 0 and len(cache.seen) == 1
        second = tc.get(PAGE)  # seen before: now stored
        assert second.content == first.content and len(cache.entries) == 1
        assert second.headers["etag"] == first.headers["etag"]
        assert tc.get(PAGE).content == first.content and len(cache.entries) == 1
        for limit in range(1, 60):  # distinct URLs: answered, never stored
            tc.get(f"/collections/boundary/items?limit={limit}&offset=1")
        assert len(cache.entries) == 1 and cache.bytes < 400_000
        for limit in range(1, 60):  # each asked twice: stored until the 4 MB budget evicts the oldest
            for _ in range(2):
                tc.get(f"/collections/boundary/items?limit={limit}")
        assert cache.bytes <= 4_000_000 and 1 < len(cache.entries) < 60
        for _ in range(3):
            assert tc.get("/collections/boundary/items?limit=0").status_code == 400
        assert not any(entry.status != 200 for entry in cache.entries.values())  # errors are never stored


def test_a_repeated_header_is_read_one_way_by_the_cache_and_the_page(data_settings: DataSettings) -> None:
    """Two Accept headers: the cache key and the negotiation read the same one (the first, as Starlette does),
    so a stored HTML page is never served to a client that asked for JSON."""
    app = create_app(ApiSettings(cache_bytes=4_000_000), data_settings)
    with TestClient(app) as tc:
        twice = [("accept", "text/html"), ("accept", "application/geo+json")]
        for _ in range(2):  # asked twice: stored
            page = tc.get(PAGE, headers=twice)
            assert page.headers["content-type"].startswith("text/html")
        for accept in ("application/geo+json", "text/html"):
            r = tc.get(PAGE, headers={"accept": accept})
            assert r.headers["content-type"].split(";")[0] == accept


def test_doorkeeper_is_bounded(data_settings: DataSettings) -> None:
    app = create_app(ApiSettings(cache_bytes=4_000_000), data_settings)
    with TestClient(app) as tc:
        cache = app.middleware_stack
        assert isinstance(cache, ResponseCache)
        cache.max_seen = 50
        for offset in range(120):
            tc.get(f"/collections/boundary/items?limit=1&offset={offset}")
        assert len(cache.seen) == 50 and len(cache.entries) == 0


def test_revalidation_is_answered_without_rendering(http: httpx.Client) -> None:
    url = "/collections/boundary/items?limit=3&offset=2&properties=seq"
    etag = http.get(url).headers["etag"]
    assert http.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert http.get(url.replace("seq", "kind"), headers={"If-None-Match": etag}).status_code == 200


def test_concurrent_clients_get_no_errors(server: str, served: list[str]) -> None:
    urls = [f"/collections/{cid}/items?limit={n}" for cid in served for n in (1, 10, 100)]

    def fetch(url: str) -> int:
        with httpx.Client(base_url=server, timeout=60) as c:
            return sum(c.get(url).status_code == 200 for _ in range(5))

    with ThreadPoolExecutor(16) as pool:
        assert sum(pool.map(fetch, urls * 2)) == len(urls) * 2 * 5


def test_serve_rejects_a_bad_port_in_one_line(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "bordergeo"
    r = subprocess.run([str(exe), "serve", "--no-build", "--data-dir", str(tmp_path), "--port", "70000"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "--port" in r.stderr
    r = subprocess.run([str(exe), "serve", "--no-build", "--data-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "no build" in r.stderr and "Traceback" not in r.stderr
