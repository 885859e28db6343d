"""The framework-free path of items, item and tiles (api.fast) answers exactly as the FastAPI routes do.

The reference is the same app with its fast table switched off: every request below is answered both ways
and must give the same status, headers and bytes, on both backends. A request the fast table serves must
not reach the framework at all (the framework is replaced by an app that fails the test while it is on).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from api.app import create_app
from api.settings import ApiSettings
from layers.settings import DataSettings

HTML = {"Accept": "text/html"}
CASES: list[tuple[str, dict[str, str]]] = [
    ("/collections/cities/items", {}),
    ("/collections/cities/items?limit=7&offset=20", {}),
    ("/collections/cities/items?bbox=-117.2,32.4,-116.8,32.8&limit=1000", {}),
    ("/collections/cities/items?bbox=-13040000,3820000,-12990000,3870000&bbox-crs=[EPSG:3857]", {}),
    ("/collections/population/items?bbox=-107,31,-106,32&crs=http://www.opengis.net/def/crs/EPSG/0/32613", {}),
    ("/collections/cities/items?filter=population%20%3E%20100000&sortby=-population&properties=name", {}),
    ("/collections/port-traffic/items?datetime=2010-01-01/2010-03-31&limit=5", {}),
    ("/collections/cities/items?f=csv&limit=3", {}),
    ("/collections/ports/items?f=html&lang=es", {}),
    ("/collections/ports/items", HTML),
    ("/collections/ports/items/2304", {}),
    ("/collections/ports/items/2304?f=html", {}),
    ("/collections/ports/items/2304", {"Accept": "text/html", "Accept-Language": "es"}),
    ("/collections/ports/items/2304?crs=http://www.opengis.net/def/crs/EPSG/0/4326", {}),
    # errors: the framework's handlers answer through the fast table too
    ("/collections/nowhere/items", {}),
    ("/collections/nowhere/items", HTML),
    ("/collections/ports/items/nope", {}),
    ("/collections/ports/items/nope?f=html", {}),
    ("/collections/cities/items?bbox=1,2,3", {}),
    ("/collections/cities/items?limit=0", {}),
    ("/collections/cities/items?colour=red", {}),
    ("/collections/cities/items?lang=fr", {}),
    ("/collections/cities/items?f=xml", {}),
    ("/collections/cities/items?filter=population%20%3E", HTML),
    ("/collections/ports/items/2304?limit=3", {}),
    # tiles: a full one, an empty one (204), a selection, out of range, malformed, unknown grid or collection
    ("/tiles/WebMercatorQuad/6/25/12", {}),
    ("/collections/population/tiles/WebMercatorQuad/8/105/53", {}),
    ("/collections/cities/tiles/WebMercatorQuad/12/1500/600", {}),
    ("/tiles/WebMercatorQuad/7/52/26?collections=boundary,ports", {}),
    ("/tiles/WorldCRS84Quad/5/9/7", {}),
    ("/tiles/WebMercatorQuad/3/99/99", {}),
    ("/tiles/WebMercatorQuad/x/1/1", {}),
    ("/tiles/NoSuchGrid/1/1/1", {}),
    ("/collections/nowhere/tiles/WebMercatorQuad/1/1/1", HTML),
    ("/tiles/WebMercatorQuad/6/25/12?f=json", {}),
]


@pytest.fixture(scope="module")
def uncached(data_settings: DataSettings, backend: str | None) -> Iterator[TestClient]:
    """The app with its response cache off, so each request below is rendered (fast or not) every time."""
    with TestClient(create_app(ApiSettings(backend=backend, cache_bytes=0), data_settings)) as tc:
        yield tc


async def _framework_must_not_run(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError(f"{scope['path']} reached the framework")


def _answer(tc: TestClient, url: str, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
    r = tc.get(url, headers={"Accept-Encoding": "identity", **headers})
    return r.status_code, sorted(r.headers.multi_items()), r.content


@pytest.mark.parametrize(("url", "headers"), CASES)
def test_fast_path_equals_the_framework(uncached: TestClient, url: str, headers: dict[str, str]) -> None:
    stack: Any = uncached.app.middleware_stack  # type: ignore[attr-defined]
    if stack is None:
        uncached.get("/conformance")
        stack = uncached.app.middleware_stack  # type: ignore[attr-defined]
    framework, fast = stack.app, stack.fast
    assert fast is not None
    try:
        stack.app = _framework_must_not_run
        fast_answer = _answer(uncached, url, headers)
        stack.app, stack.fast = framework, None
        framework_answer = _answer(uncached, url, headers)
    finally:
        stack.app, stack.fast = framework, fast
    assert fast_answer[0] == framework_answer[0]
    assert fast_answer[1] == framework_answer[1]
    assert fast_answer[2] == framework_answer[2]
    assert fast_answer[0] != 500


def test_other_routes_still_go_through_the_framework(uncached: TestClient) -> None:
    """The fast table claims only items and item: a collection's document, or a longer path, is the framework's."""
    stack: Any = uncached.app.middleware_stack  # type: ignore[attr-defined]
    framework, reached = stack.app, []

    async def recording(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["path"])
        await framework(scope, receive, send)

    try:
        stack.app = recording
        assert uncached.get("/collections/cities").status_code == 200
        assert uncached.get("/collections/cities/items/1/extra").status_code == 404
        assert uncached.get("/collections/cities/items?limit=1").status_code == 200
    finally:
        stack.app = framework
    assert reached == ["/collections/cities", "/collections/cities/items/1/extra"]
