"""The API's HTML pages: English and Spanish (``?lang=``, ``Accept-Language``), usable wide tables, a fixed
footer, and a feature page that shows the feature among its neighbours and the boundary (headless Chromium).

In-memory backend only: the pages are the same whatever the backend (the backend parity tests cover that).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from api.app import create_app
from api.i18n import from_accept_language
from api.settings import ApiSettings
from layers.settings import DataSettings
from tests.api.conftest import free_port, start_server, stop_server, wait_ready

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HTML_LANG = re.compile(r'<html lang="(\w+)"')


@pytest.fixture(scope="module")
def web(data_settings: DataSettings) -> Iterator[TestClient]:
    """The app in process, on the in-memory build."""
    with TestClient(create_app(ApiSettings(), data_settings)) as tc:
        yield tc


@pytest.mark.parametrize(("header", "lang"), [
    (None, "en"), ("es", "es"), ("es-MX,es;q=0.9,en;q=0.5", "es"), ("en-US,en;q=0.9,es;q=0.8", "en"),
    ("fr-FR,es;q=0.5", "es"), ("fr", "en"), ("es;q=0, en", "en"), ("en;q=0.3, es;q=0.7", "es"), ("*", "en"),
])
def test_accept_language_picks_english_or_spanish(header: str | None, lang: str) -> None:
    assert from_accept_language(header) == lang


@pytest.mark.parametrize(("query", "header", "lang", "heading"), [
    ("", None, "en", "Collections"),
    ("&lang=es", None, "es", "Colecciones"),
    ("", "es-MX,es;q=0.9", "es", "Colecciones"),
    ("&lang=en", "es", "en", "Collections"),  # the query wins over the header
])
def test_pages_speak_the_language_asked_for(web: TestClient, query: str, header: str | None, lang: str,
                                            heading: str) -> None:
    r = web.get(f"/collections?f=html{query}", headers={"Accept-Language": header} if header else {})
    assert r.status_code == 200 and HTML_LANG.findall(r.text) == [lang]
    assert f"<h1>{heading}</h1>" in r.text
    assert "Accept-Language" in r.headers["vary"]
    other = "English" if lang == "es" else "Español"
    assert re.search(rf'<a class="lang" href="[^"]*lang={"en" if lang == "es" else "es"}"[^>]*>{other}</a>', r.text)


def test_the_cache_keeps_the_languages_apart(web: TestClient) -> None:
    english = web.get("/collections/ports?f=html").text
    spanish = web.get("/collections/ports?f=html", headers={"Accept-Language": "es"}).text
    assert "<h1>Ports of entry</h1>" in english and "<h1>Puertos fronterizos</h1>" in spanish
    assert web.get("/collections/ports?f=html").text == english  # served again from the cache, still English


def test_a_spanish_reader_stays_in_spanish(web: TestClient) -> None:
    page = web.get("/collections?f=html&lang=es").text
    links = re.findall(r'href="(http://testserver/collections/[^"]+)"', page)
    assert links and all("lang=es" in u for u in links)
    items = web.get("/collections/ports/items?f=html&lang=es&limit=2").text
    assert "clave de puerto" in items and "<h1>Puertos fronterizos: elementos</h1>" in items
    assert "Cruce fronterizo" in items
    one = web.get("/collections/ports/items/2504?f=html&lang=es").text
    found = re.search(r'data-labels="([^"]+)"', one)
    assert found is not None  # the map's popups label the properties in Spanish too
    labels = json.loads(html.unescape(found.group(1)))
    assert labels["port_code"] == "clave de puerto" and labels["trucks_2018"] == "camiones 2018"


def test_lang_changes_no_data(web: TestClient) -> None:
    plain = web.get("/collections/ports/items?f=json&limit=5").json()
    spanish = web.get("/collections/ports/items?f=json&limit=5&lang=es").json()
    assert plain["features"] == spanish["features"]
    bad = web.get("/collections?f=json&lang=fr")
    assert bad.status_code == 400 and "lang" in bad.json()["description"]


def test_wide_tables_put_the_key_first_and_numbers_right(web: TestClient, layer: Any) -> None:
    page = web.get("/collections/ports/items?f=html&limit=100").text
    header = re.search(r"<tr>(<th.*?)</tr>", page, re.S)
    assert header is not None
    cells = re.findall(r'<th( class="([^"]*)")?>([^<]*)</th>', header.group(1))
    assert [c[2] for c in cells[:2]] == ["id", "name"] and all("key" in c[1] for c in cells[:2])
    numeric = {p.name.replace("_", " ") for p in _spec("ports").properties if p.type in ("integer", "number")}
    assert {c[2] for c in cells if "num" in c[1]} == numeric
    ports = layer("ports")
    san_ysidro = ports.set_index("port_code").loc["2504"]
    assert f'<td class="num">{int(san_ysidro["people_2018"]):,}</td>' in page
    assert not re.search(r"<td>\d{1,3}(,\d{3})+</td>", page)  # no count left-aligned (codes such as 2504 may be)
    assert '<div class="scroll">' in page


def _spec(layer_id: str) -> Any:
    from layers.registry import default_registry

    return default_registry()[layer_id]


@pytest.fixture(scope="module")
def live(data_settings: DataSettings) -> Iterator[str]:
    """A real server (one worker, in-memory backend) for the browser."""
    port = free_port()
    proc = start_server(data_settings.data_dir, port)
    try:
        wait_ready(proc, f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _open(chromium: Browser, url: str, size: tuple[int, int]) -> tuple[Any, list[str]]:
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("http://127.0.0.1"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(url, wait_until="load")
    return page, blocked


@pytest.mark.parametrize("size", [(375, 812), (1024, 700)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_wide_table_scrolls_in_its_box_with_the_key_in_view(
    chromium: Browser, live: str, output_dir: Any, size: tuple[int, int]
) -> None:
    page, blocked = _open(chromium, f"{live}/collections/ports/items?f=html&limit=30", size)
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]  # the page itself never scrolls sideways
    box = page.locator("div.scroll").first
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the table does, inside its box
    key = page.locator("table.wide td.key").first
    before = key.bounding_box()
    box.evaluate("e => { e.scrollLeft = 600; }")
    after = key.bounding_box()
    assert before and after and abs(before["x"] - after["x"]) < 1  # the id column stays put
    aligned = page.evaluate("[...document.querySelectorAll('td.num')].map(td => getComputedStyle(td).textAlign)")
    assert aligned and set(aligned) == {"right"}
    page.screenshot(path=str(output_dir / f"api-ports-items-{size[0]}x{size[1]}.png"))
    assert blocked == []
    page.context.close()


def test_footer_is_one_line_at_the_bottom(chromium: Browser, live: str) -> None:
    # an HTML error page is short whatever the service grows (the conformance list now fills a screen)
    page, _ = _open(chromium, f"{live}/collections/no-such-collection?f=html", (1024, 700))
    assert page.locator("h1").inner_text().startswith("404")
    footer = page.locator("footer").bounding_box()
    assert footer is not None
    assert abs(footer["y"] + footer["height"] - 700) < 1  # a short page: the footer sits at the bottom
    assert footer["height"] < 40  # one line
    page.context.close()


@pytest.mark.parametrize(("collection", "feature"), [("ports", "2504"), ("population", "06073")])
def test_a_feature_page_shows_its_neighbours_and_the_boundary(
    chromium: Browser, live: str, output_dir: Any, collection: str, feature: str
) -> None:
    page, blocked = _open(chromium, f"{live}/collections/{collection}/items/{feature}?f=html&lang=es", (1024, 700))
    page.wait_for_function("document.getElementById('map').hasAttribute('data-neighbour-features')", timeout=20000)
    page.wait_for_function("document.getElementById('map').hasAttribute('data-context-features')", timeout=20000)
    neighbours = int(page.get_attribute("#map", "data-neighbour-features") or 0)
    assert neighbours >= 2 and int(page.get_attribute("#map", "data-context-features") or 0) > 0
    assert page.get_attribute("#map", "data-error") is None
    assert page.evaluate("document.documentElement.lang") == "es"
    page.screenshot(path=str(output_dir / f"api-{collection}-{feature}.png"))
    assert blocked == []
    page.context.close()


@pytest.fixture(scope="module")
def output_dir() -> Any:
    """tests/output: screenshots kept after the run."""
    from tests.maps.conftest import OUTPUT

    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
