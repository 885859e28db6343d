"""The MapLibre viewer in headless Chromium (SwiftShader WebGL), with every request off the machine aborted.

Served by the real server (``/viewer``: our tiles, our style, our glyphs), and as the static bundle's
``viewer.html`` served by nginx (not our app) from a folder with the build's ``bordergeo.pmtiles``, read
by our PMTiles reader through HTTP range requests. Colours, features and tiles are checked against
independent references: mapclassify on the API's features, the ``pmtiles`` package's reader, the API's tiles.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import mapclassify
import numpy as np
import pytest
import shapely.geometry
from PIL import Image
from playwright.sync_api import Browser, Page, Route, sync_playwright
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import zxy_to_tileid

from api.viewer import write_static_viewer
from layers.registry import default_registry
from layers.store import BuildStore
from tests.api.conftest import free_port, start_server, stop_server, wait_ready

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
OUTPUT = Path(__file__).resolve().parents[1] / "output"  # tests/output, git-ignored
TIMEOUT = 60  # s, for the API requests of a test on a loaded machine
READY = "window.bordergeo && bordergeo.map && bordergeo.map.loaded() && bordergeo.map.areTilesLoaded()"
RENDERED = """ids => Object.fromEntries(ids.map(id => [id, bordergeo.map.queryRenderedFeatures({layers:
  bordergeo.map.getStyle().layers.filter(l => l.metadata && l.metadata['bordergeo:layer'] === id).map(l => l.id)})
  .length]))"""


@dataclass
class View:
    """A viewer page, and what happened while it loaded."""

    page: Page
    errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    responses: list[tuple[str, int, str | None]] = field(default_factory=list)  # url, status, Range asked

    def rendered(self, ids: list[str]) -> dict[str, int]:
        """Features drawn now, per collection id."""
        return dict(self.page.evaluate(RENDERED, ids))

    def drawn_fraction(self, path: Path) -> float:
        """Screenshot to ``path``; the share of pixels that are not the map background."""
        ground = str(self.page.evaluate("bordergeo.map.getPaintProperty('background', 'background-color')"))
        background = np.array([int(ground[i:i + 2], 16) for i in (1, 3, 5)])  # the style writes #rrggbb
        self.page.screenshot(path=str(path))
        rgb = np.asarray(Image.open(path).convert("RGB")).astype(int)
        return float((np.abs(rgb - background).sum(axis=2) > 12).mean())

    def settle(self) -> None:
        """Wait until the map has drawn every tile it needs."""
        self.page.wait_for_function(READY, timeout=60_000)
        self.page.evaluate("new Promise(r => { bordergeo.map.once('idle', r); bordergeo.map.triggerRepaint(); })")


@pytest.fixture(scope="module")
def server(data_settings: Any) -> Iterator[str]:
    """A real uvicorn server on the in-memory backend (these runs are too slow to repeat per backend)."""
    port = free_port()
    proc = start_server(data_settings.data_dir, port)
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, f"{base}/conformance")
    yield base
    stop_server(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (never `playwright install`)."""
    assert os.path.exists(CHROMIUM), "chromium is not installed (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def open_view(browser: Browser) -> Iterator[Callable[..., View]]:
    """Open a URL in a fresh context (viewport ``size``), aborting every request that leaves 127.0.0.1."""
    contexts = []

    def open_page(url: str, size: tuple[int, int] = (1280, 800)) -> View:
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        contexts.append(context)
        page = context.new_page()
        view = View(page)

        def route(r: Route) -> None:
            if r.request.url.startswith(("data:", "blob:")) or urlparse(r.request.url).hostname == "127.0.0.1":
                r.continue_()
            else:
                view.offsite.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: view.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: view.errors.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda req: view.errors.append(f"failed: {req.url}"))
        page.on("response", lambda r: view.responses.append((r.url, r.status, r.request.headers.get("range"))))
        page.goto(url, wait_until="load")
        view.settle()
        return view

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def output_dir() -> Path:
    """tests/output: the screenshots, kept after the run."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


def drawn_ids(served: list[str]) -> list[str]:
    """The collections the first view must show (all but those that start hidden, like monthly traffic)."""
    return [cid for cid in served if "traffic" not in default_registry()[cid].roles]


def hex_colour(rgba: dict[str, float]) -> str:
    """MapLibre's evaluated colour ({r, g, b, a} in 0..1) as #rrggbb."""
    return "#" + "".join(f"{round(rgba[k] * 255):02x}" for k in "rgb")


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The WebMercatorQuad tile (z, x, y) holding a point (the standard slippy-map formula)."""
    n = 2**z
    y = (1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def test_viewer_draws_every_layer_from_our_tiles(open_view: Callable[..., View], server: str, served: list[str],
                                                 output_dir: Path) -> None:
    view = open_view(f"{server}/viewer")
    zoom = view.page.evaluate("bordergeo.map.getZoom()")
    first = [cid for cid in drawn_ids(served) if default_registry()[cid].min_zoom <= zoom]
    counts = view.rendered(first)
    assert all(n > 0 for n in counts.values()), counts
    assert view.drawn_fraction(output_dir / "viewer-1280x800.png") > 0.25
    for cid in set(drawn_ids(served)) - set(first):  # layers that appear closer in: go to one of their features
        items = httpx.get(f"{server}/collections/{cid}/items", params={"limit": 1}, timeout=TIMEOUT).json()
        feature = items["features"][0]
        centre = shapely.geometry.shape(feature["geometry"]).representative_point()
        view.page.evaluate("([c, z]) => bordergeo.map.jumpTo({center: c, zoom: z})",
                           [[centre.x, centre.y], default_registry()[cid].min_zoom + 1])
        view.settle()
        assert view.rendered([cid])[cid] > 0, cid
    assert view.errors == [] and view.offsite == []
    tiles = [(u, s) for u, s, _ in view.responses if "/tiles/WebMercatorQuad/" in u]
    assert tiles and all(s in (200, 204) for _, s in tiles)
    assert any("/styles/glyphs/" in u for u, _, _ in view.responses) == any(
        default_registry()[cid].style.label for cid in served)


def test_switcher_hides_each_layer_and_popups_show_declared_properties(
    open_view: Callable[..., View], server: str, served: list[str], output_dir: Path
) -> None:
    view = open_view(f"{server}/viewer")
    ids = drawn_ids(served)
    boxes = view.page.locator("#bg-layers input[type=checkbox]")
    assert boxes.count() == len([c for c in served if "basemap" not in default_registry()[c].roles])
    for i in range(boxes.count()):
        if boxes.nth(i).is_checked():
            boxes.nth(i).click()
    view.settle()
    assert all(n == 0 for cid, n in view.rendered(ids).items() if "basemap" not in default_registry()[cid].roles)
    view.page.locator("#bg-layers input[data-layer=ports]").click()
    view.settle()
    assert view.rendered(["ports"])["ports"] > 0
    spec = default_registry()["ports"]
    busiest = {"limit": 1, "sortby": f"-{spec.style.size_by}"}
    feature = httpx.get(f"{server}/collections/ports/items", params=busiest, timeout=TIMEOUT).json()["features"][0]
    view.page.evaluate("c => bordergeo.map.jumpTo({center: c, zoom: 10})", feature["geometry"]["coordinates"])
    view.settle()  # close in, so neighbouring ports (Cross Border Xpress by San Ysidro) do not overlap
    x, y = view.page.evaluate("c => Object.values(bordergeo.map.project(c))", feature["geometry"]["coordinates"])
    view.page.mouse.click(x, y)
    popup = view.page.locator(".bg-popup")
    popup.wait_for(timeout=10_000)
    text = popup.inner_text()
    assert feature["properties"]["name"] in text
    for prop in spec.properties:
        if feature["properties"].get(prop.name) is not None:
            assert prop.name.replace("_", " ") in text, prop.name
    view.page.screenshot(path=str(output_dir / "viewer-popup.png"))
    assert view.errors == [] and view.offsite == []


def test_choropleth_classes_are_mapclassify_s(open_view: Callable[..., View], server: str) -> None:
    spec = default_registry()["population"]
    view = open_view(f"{server}/viewer")
    drawn = view.page.evaluate("""() => bordergeo.map.queryRenderedFeatures({layers: bordergeo.map.getStyle().layers
        .filter(l => l.metadata && l.metadata['bordergeo:layer'] === 'population' && l.type === 'fill')
        .map(l => l.id)}).map(f => [f.properties.density_per_km2, f.layer.paint['fill-color']])""")
    every = {"limit": 10_000}
    items = httpx.get(f"{server}/collections/population/items", params=every, timeout=TIMEOUT).json()["features"]
    density = np.array([f["properties"]["density_per_km2"] for f in items], dtype=float)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Numba not installed")
        bins = mapclassify.FisherJenks(density, k=spec.style.classes).bins
    assert len(drawn) > 100
    wrong = [(v, hex_colour(c)) for v, c in drawn if spec.style.ramp[int(np.searchsorted(bins, v))] != hex_colour(c)]
    assert wrong == []


def test_phone_and_spanish(open_view: Callable[..., View], server: str, served: list[str], output_dir: Path) -> None:
    view = open_view(f"{server}/viewer?lang=es", size=(375, 812))
    assert view.page.locator("#bg-layers").get_attribute("open") is None  # folded on a phone
    assert view.page.locator("#bg-layers summary").inner_text() == "Capas"
    view.page.locator("#bg-layers summary").click()
    labels = view.page.locator("#bg-layers li label").all_inner_texts()
    spanish = {default_registry()[c].title.split(" / ")[-1] for c in served
               if "basemap" not in default_registry()[c].roles}
    assert set(labels) == spanish
    view.page.locator("#bg-layers summary").click()
    assert view.drawn_fraction(output_dir / "viewer-375x812-es.png") > 0.1
    assert view.errors == [] and view.offsite == []


# -- the static bundle: nginx serving viewer.html and bordergeo.pmtiles --------------------------------------

@pytest.fixture(scope="module")
def static_site(data_settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of nginx on 127.0.0.1 serving a folder with the static viewer and the build's PMTiles."""
    store = BuildStore(data_settings.current.resolve())
    assert store.pmtiles_path.is_file(), "the build wrote no bordergeo.pmtiles"
    root = tmp_path_factory.mktemp("static-site")
    site = root / "site"
    site.mkdir()
    write_static_viewer(site, store.path)
    shutil.copyfile(store.pmtiles_path, site / "bordergeo.pmtiles")
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(f"""daemon off; pid {root}/nginx.pid; error_log {root}/error.log; user root;
events {{ worker_connections 64; }}
http {{ include /etc/nginx/mime.types; access_log off; client_body_temp_path {root}/tmp;
  proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp; uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
  server {{ listen 127.0.0.1:{port}; root {site}; }} }}
""")
    proc = subprocess.Popen(["/usr/sbin/nginx", "-c", str(conf), "-p", str(root)], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/viewer.html").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError(f"nginx did not start: {(root / 'error.log').read_text()[-2000:]}")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_static_viewer_reads_pmtiles_by_range_requests(
    open_view: Callable[..., View], static_site: str, served: list[str], output_dir: Path
) -> None:
    view = open_view(f"{static_site}/viewer.html")
    zoom = view.page.evaluate("bordergeo.map.getZoom()")
    counts = view.rendered([cid for cid in drawn_ids(served) if default_registry()[cid].min_zoom <= zoom])
    assert counts and all(n > 0 for n in counts.values()), counts
    assert view.errors == [] and view.offsite == []
    archive = [(s, r) for u, s, r in view.responses if u.endswith("/bordergeo.pmtiles")]
    assert len(archive) > 3 and all(s == 206 and r and r.startswith("bytes=") for s, r in archive)
    assert view.drawn_fraction(output_dir / "static-viewer-1280x800.png") > 0.25


def test_static_reader_tiles_equal_the_pmtiles_package_and_the_api(
    open_view: Callable[..., View], static_site: str, server: str, data_settings: Any
) -> None:
    view = open_view(f"{static_site}/viewer.html")
    places = [(-106.45, 31.76), (-117.03, 32.54), (-97.5, 25.9), (-110.94, 31.33)]  # El Paso, San Ysidro, ...
    with open(BuildStore(data_settings.current.resolve()).pmtiles_path, "rb") as f:
        top = int(Reader(MmapSource(f)).header()["max_zoom"])  # the archive's last zoom: MapLibre overzooms it
    zxy = [(0, 0, 0), *[tile_of(lon, lat, z) for lon, lat in places for z in (4, 8, top)], (9, 3, 3)]
    ids = view.page.evaluate("t => t.map(([z, x, y]) => bordergeoPMTiles.tileId(z, x, y))", zxy)
    assert ids == [zxy_to_tileid(*t) for t in zxy]
    got = view.page.evaluate("""async (t) => {
        const out = [];
        for (const [z, x, y] of t) {
          const r = await bordergeoPMTiles.protocol({url: `pmtiles://${location.origin}/bordergeo.pmtiles/${z}/${x}/${y}`},
                                                    new AbortController());
          out.push(Array.from(r.data));
        }
        return out; }""", zxy)
    with open(BuildStore(data_settings.current.resolve()).pmtiles_path, "rb") as f:
        reader = Reader(MmapSource(f))
        for (z, x, y), data in zip(zxy, got, strict=True):
            stored = reader.get(z, x, y)
            expected = b"" if stored is None else (gzip.decompress(stored) if stored[:2] == b"\x1f\x8b" else stored)
            assert bytes(data) == expected, (z, x, y)
            api = httpx.get(f"{server}/tiles/WebMercatorQuad/{z}/{y}/{x}", timeout=TIMEOUT)
            if expected:
                assert api.status_code == 200 and api.content == expected, (z, x, y)
            else:  # an empty tile (204), or one outside the tileset's limits (404)
                assert api.status_code in (204, 404) and bytes(data) == b"", (z, x, y)
    assert sum(len(d) > 0 for d in got) >= 4
    tilejson = view.page.evaluate("bordergeoPMTiles.protocol({url: `pmtiles://${location.origin}/bordergeo.pmtiles`}, "
                                  "new AbortController()).then(r => r.data)")
    assert (tilejson["minzoom"], tilejson["maxzoom"]) == (0, top)
