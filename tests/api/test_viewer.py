"""The MapLibre viewer in headless Chromium (SwiftShader WebGL), with every request off the machine aborted.

Served by the real server (``/viewer``: our tiles, our style, our glyphs), and as the static bundle's
``viewer.html`` served by nginx (not our app) from a folder with the build's ``bordergeo.pmtiles``, read
by our PMTiles reader through HTTP range requests. Colours, features and tiles are checked against
independent references: mapclassify on the API's features, the ``pmtiles`` package's reader, the API's tiles.
"""

from __future__ import annotations

import base64
import getpass
import gzip
import os
import shutil
import subprocess
import time
import warnings
from collections.abc import Iterator
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
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import zxy_to_tileid

from api.viewer import write_static_viewer
from layers.i18n import prop_label, title
from layers.registry import default_registry
from layers.store import BuildStore
from tests.api.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
NGINX = "/usr/sbin/nginx"
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
    """A viewer page, what happened since it was opened, and the state it opened in."""

    page: Page
    errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    responses: list[tuple[str, int, str | None]] = field(default_factory=list)  # url, status, Range asked
    home: dict[str, Any] = field(default_factory=dict)  # camera and switcher as first shown

    def rendered(self, ids: list[str]) -> dict[str, int]:
        """Features drawn now, per collection id."""
        return dict(self.page.evaluate(RENDERED, ids))

    def drawn_fraction(self, path: Path) -> float:
        """Screenshot to ``path``; the share of pixels that are neither the ground nor the sea (no feature)."""
        grounds = self.page.evaluate("""['background', 'region'].filter(id => bordergeo.map.getLayer(id))
            .map(id => bordergeo.map.getPaintProperty(id, id === 'region' ? 'fill-color' : 'background-color'))""")
        self.page.screenshot(path=str(path))
        rgb = np.asarray(Image.open(path).convert("RGB")).astype(int)
        plain = np.zeros(rgb.shape[:2], dtype=bool)
        for ground in grounds:  # the style writes #rrggbb
            plain |= np.abs(rgb - np.array([int(ground[i:i + 2], 16) for i in (1, 3, 5)])).sum(axis=2) <= 12
        return float((~plain).mean())

    def settle(self) -> None:
        """Wait until the map has drawn every tile it needs."""
        self.page.wait_for_function(READY, timeout=90_000)
        self.page.evaluate("new Promise(r => { bordergeo.map.once('idle', r); bordergeo.map.triggerRepaint(); })")

    def state(self) -> dict[str, Any]:
        """The camera and the switcher's boxes now."""
        return dict(self.page.evaluate(STATE))

    def show_only(self, ids: set[str]) -> None:
        """Tick exactly the layers ``ids`` in the switcher: the boxes are clicked (the page's own handler runs)
        all in one task, so MapLibre reloads its tiles once rather than once per box."""
        self.page.evaluate("""ids => document.querySelectorAll('#bg-layers input[type=checkbox]').forEach(b => {
            if (b.checked !== ids.includes(b.dataset.layer)) b.click(); })""", sorted(ids))

    def jump(self, centre: list[float], zoom: float) -> None:
        """Move the map and wait for it to draw."""
        self.page.evaluate("([c, z]) => bordergeo.map.jumpTo({center: c, zoom: z})", [centre, zoom])
        self.settle()

    def reset(self) -> None:
        """Back to the first view, without redrawing when nothing changed."""
        self.page.evaluate("document.querySelectorAll('.maplibregl-popup').forEach(p => p.remove())")
        if self.state() == self.home:
            return
        self.show_only({cid for cid, on in self.home["boxes"].items() if on})
        self.jump(self.home["center"], self.home["zoom"])


STATE = """() => ({center: bordergeo.map.getCenter().toArray(), zoom: bordergeo.map.getZoom(),
  boxes: Object.fromEntries([...document.querySelectorAll('#bg-layers input[type=checkbox]')]
    .map(b => [b.dataset.layer, b.checked]))})"""


def open_view(browser: Browser, url: str, size: tuple[int, int] = (1280, 800)) -> tuple[BrowserContext, View]:
    """Open ``url`` in a fresh context (viewport ``size``), aborting every request that leaves 127.0.0.1."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
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
    view.home = view.state()
    return context, view


@pytest.fixture(scope="module")
def server(memory_server: str) -> str:
    """The session's real uvicorn server on the in-memory backend (too slow to repeat per backend)."""
    return memory_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (never `playwright install`), one for the module."""
    assert os.path.exists(CHROMIUM), "chromium is not installed (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def desktop_page(browser: Browser, server: str) -> Iterator[View]:
    """``/viewer`` at 1280x800, opened once for the module (each test starts from its first view)."""
    context, view = open_view(browser, f"{server}/viewer")
    yield view
    context.close()


@pytest.fixture
def desktop(desktop_page: View) -> View:
    """The desktop viewer back at its first view."""
    desktop_page.reset()
    return desktop_page


@pytest.fixture
def desktop_anywhere(desktop_page: View) -> View:
    """The desktop viewer wherever the last test left it (for tests that set their own view: no redraw)."""
    desktop_page.page.evaluate("document.querySelectorAll('.maplibregl-popup').forEach(p => p.remove())")
    return desktop_page


@pytest.fixture(scope="module")
def output_dir() -> Path:
    """tests/output: the screenshots, kept after the run."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


def drawn_ids(served: list[str]) -> list[str]:
    """The collections the first view must show (all but those that start hidden, like monthly traffic)."""
    return [cid for cid in served if "traffic" not in default_registry()[cid].roles]


def switchable(served: list[str]) -> list[str]:
    """The collections the layer switcher lists: every one but the basemap's."""
    return [cid for cid in served if "basemap" not in default_registry()[cid].roles]


def hex_colour(rgba: dict[str, float]) -> str:
    """MapLibre's evaluated colour ({r, g, b, a} in 0..1) as #rrggbb."""
    return "#" + "".join(f"{round(rgba[k] * 255):02x}" for k in "rgb")


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The WebMercatorQuad tile (z, x, y) holding a point (the standard slippy-map formula)."""
    n = 2**z
    y = (1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def busiest_port(server: str) -> dict[str, Any]:
    """The port with the most people crossing (San Ysidro), as the API serves it."""
    spec = default_registry()["ports"]
    params = {"limit": 1, "sortby": f"-{spec.style.size_by}"}
    return dict(httpx.get(f"{server}/collections/ports/items", params=params, timeout=TIMEOUT).json()["features"][0])


def open_popup(view: View, feature: dict[str, Any]) -> str:
    """Close in on a point feature with only its layer shown, click it; the popup's text."""
    view.jump(feature["geometry"]["coordinates"], 10)  # neighbours (Cross Border Xpress by San Ysidro) apart
    x, y = view.page.evaluate("c => Object.values(bordergeo.map.project(c))", feature["geometry"]["coordinates"])
    view.page.mouse.click(x, y)
    popup = view.page.locator(".bg-popup")
    popup.wait_for(timeout=10_000)
    return popup.inner_text()


def test_viewer_draws_every_layer_from_our_tiles(desktop: View, server: str, served: list[str],
                                                 output_dir: Path) -> None:
    zoom = desktop.page.evaluate("bordergeo.map.getZoom()")
    first = [cid for cid in drawn_ids(served) if default_registry()[cid].min_zoom <= zoom]
    counts = desktop.rendered(first)
    assert all(n > 0 for n in counts.values()), counts
    assert desktop.drawn_fraction(output_dir / "viewer-1280x800.png") > 0.25
    assert desktop.page.locator("#bg-layers summary").inner_text() == "Layers"
    assert desktop.errors == [] and desktop.offsite == []
    tiles = [(u, s) for u, s, _ in desktop.responses if "/tiles/WebMercatorQuad/" in u]
    assert tiles and all(s in (200, 204) for _, s in tiles)
    assert any("/styles/glyphs/" in u for u, _, _ in desktop.responses) == any(
        default_registry()[cid].style.label for cid in served)


def test_choropleth_classes_are_mapclassify_s(desktop: View, server: str) -> None:
    spec = default_registry()["population"]
    drawn = desktop.page.evaluate("""() => bordergeo.map.queryRenderedFeatures({layers: bordergeo.map.getStyle()
        .layers.filter(l => l.metadata && l.metadata['bordergeo:layer'] === 'population' && l.type === 'fill')
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


def test_switcher_hides_each_layer_and_popups_show_declared_properties(
    desktop_anywhere: View, server: str, served: list[str], output_dir: Path
) -> None:
    view = desktop_anywhere
    boxes = view.page.locator("#bg-layers input[type=checkbox]")
    assert sorted(boxes.evaluate_all("bs => bs.map(b => b.dataset.layer)")) == sorted(switchable(served))
    view.show_only(set())
    view.settle()
    assert all(n == 0 for n in view.rendered(switchable(served)).values())
    view.show_only({"ports"})
    view.settle()
    assert view.rendered(["ports"])["ports"] > 0
    feature = busiest_port(server)
    text = open_popup(view, feature)
    assert feature["properties"]["name"] in text and "Ports of entry" in text
    for prop in default_registry()["ports"].properties:
        if feature["properties"].get(prop.name) is not None:
            assert prop_label(prop.name, "en") in text, prop.name
    view.page.screenshot(path=str(output_dir / "viewer-popup.png"))
    assert view.errors == [] and view.offsite == []


def test_layers_that_appear_closer_in(desktop_anywhere: View, server: str, served: list[str]) -> None:
    view = desktop_anywhere
    later = [c for c in drawn_ids(served) if default_registry()[c].min_zoom > view.home["zoom"]]
    assert later  # crossings appear from zoom 6
    for cid in later:  # go to one of its features
        items = httpx.get(f"{server}/collections/{cid}/items", params={"limit": 1}, timeout=TIMEOUT).json()
        centre = shapely.geometry.shape(items["features"][0]["geometry"]).representative_point()
        view.show_only({cid})  # the others need not be drawn again at this zoom
        view.jump([centre.x, centre.y], default_registry()[cid].min_zoom + 1)
        assert view.rendered([cid])[cid] > 0, cid
    assert view.errors == [] and view.offsite == []


def test_state_names_appear_once(desktop_anywhere: View, output_dir: Path) -> None:
    """Areas are labelled from one point each: from the tiles, a state's name repeats in every tile it crosses."""
    view = desktop_anywhere
    view.show_only(set())  # only the basemap, whose states are labelled
    view.jump([-106.45, 31.76], 6)  # El Paso: New Mexico, Chihuahua and Sonora in view
    layers = [lyr["id"] for lyr in view.page.evaluate("bordergeo.map.getStyle().layers")
              if lyr["type"] == "symbol" and default_registry()[lyr["metadata"]["bordergeo:layer"]].geometry_type
              in ("Polygon", "MultiPolygon")]
    names = view.page.evaluate("ls => bordergeo.map.queryRenderedFeatures({layers: ls}).map(f => f.properties.name)",
                               layers)
    assert "New Mexico" in names and "Chihuahua" in names
    assert sorted(names) == sorted(set(names))
    view.page.screenshot(path=str(output_dir / "viewer-states-z6.png"))


def test_phone_and_spanish(browser: Browser, server: str, served: list[str], output_dir: Path) -> None:
    context, view = open_view(browser, f"{server}/viewer?lang=es", size=(375, 812))
    try:
        assert view.page.locator("html").get_attribute("lang") == "es"
        assert view.page.locator("#bg-layers").get_attribute("open") is None  # folded on a phone
        assert view.page.locator("#bg-layers summary").inner_text() == "Capas"
        shot = output_dir / "viewer-375x812-es.png"
        assert view.drawn_fraction(shot) > 0.1
        # the phone's first view reaches past the basemap's region (south of 21.5° N): neutral ground there, not sea
        x, y = view.page.evaluate("Object.values(bordergeo.map.project([-107, 19]))")
        assert 0 <= x < 375 and 0 <= y < 812
        outside, sea = view.page.evaluate("""[bordergeo.map.getPaintProperty('background', 'background-color'),
                                              bordergeo.map.getPaintProperty('region', 'fill-color')]""")
        pixel = np.asarray(Image.open(shot).convert("RGB"))[int(y), int(x)]
        assert "#" + "".join(f"{c:02x}" for c in pixel) == outside != sea
        view.page.locator("#bg-layers summary").click()
        labels = view.page.locator("#bg-layers li label").all_inner_texts()
        assert sorted(labels) == sorted(title(default_registry()[c].title, "es") for c in switchable(served))
        view.page.screenshot(path=str(output_dir / "viewer-375x812-es-panel.png"))
        view.show_only({"ports"})
        view.page.locator("#bg-layers summary").click()  # fold the panel again, out of the popup's way
        feature = busiest_port(server)
        text = open_popup(view, feature)
        assert feature["properties"]["name_es"] in text and "Puertos fronterizos" in text
        for prop in default_registry()["ports"].properties:
            if feature["properties"].get(prop.name) is not None:
                assert prop_label(prop.name, "es") in text, prop.name
        popup, button = (view.page.locator(sel).bounding_box() for sel in (".maplibregl-popup", "#bg-layers summary"))
        assert popup and button and popup["y"] >= button["y"] + button["height"]  # not under the panel's button
        view.page.screenshot(path=str(output_dir / "viewer-375x812-es-popup.png"))
        assert view.errors == [] and view.offsite == []
    finally:
        context.close()


# -- the static bundle: nginx serving viewer.html and bordergeo.pmtiles --------------------------------------

@pytest.fixture(scope="module")
def static_site(data_settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of nginx on 127.0.0.1 serving a folder with the static viewer and the build's PMTiles."""
    store = BuildStore(data_settings.current.resolve())
    assert store.pmtiles_path.is_file(), "the build wrote no bordergeo.pmtiles"
    assert os.path.exists(NGINX), "nginx is not installed (apt-get install nginx)"
    root = tmp_path_factory.mktemp("static-site")
    site = root / "site"
    site.mkdir()
    write_static_viewer(site, store.path)
    shutil.copyfile(store.pmtiles_path, site / "bordergeo.pmtiles")
    port = free_port()
    conf = root / "nginx.conf"
    # workers as the test's own user (ignored, with a notice, when not started as root)
    conf.write_text(f"""daemon off; pid {root}/nginx.pid; error_log {root}/error.log; user {getpass.getuser()};
worker_processes 1; events {{ worker_connections 64; }}
http {{ include /etc/nginx/mime.types; access_log off; client_body_temp_path {root}/tmp;
  proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp; uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
  server {{ listen 127.0.0.1:{port}; root {site}; }} }}
""")
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(root)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
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


@pytest.fixture(scope="module")
def static_view(browser: Browser, static_site: str) -> Iterator[View]:
    """The static viewer in Spanish (chosen in its address: a static host renders nothing), opened once."""
    context, view = open_view(browser, f"{static_site}/viewer.html?lang=es")
    yield view
    context.close()


def test_static_viewer_reads_pmtiles_by_range_requests(static_view: View, served: list[str],
                                                       output_dir: Path) -> None:
    zoom = static_view.page.evaluate("bordergeo.map.getZoom()")
    counts = static_view.rendered([cid for cid in drawn_ids(served) if default_registry()[cid].min_zoom <= zoom])
    assert counts and all(n > 0 for n in counts.values()), counts
    assert static_view.errors == [] and static_view.offsite == []
    archive = [(s, r) for u, s, r in static_view.responses if u.endswith("/bordergeo.pmtiles")]
    assert len(archive) > 3 and all(s == 206 and r and r.startswith("bytes=") for s, r in archive)
    assert static_view.page.locator("#bg-layers summary").inner_text() == "Capas"
    labels = static_view.page.locator("#bg-layers li label").all_inner_texts()
    assert sorted(labels) == sorted(title(default_registry()[c].title, "es") for c in switchable(served))
    assert static_view.drawn_fraction(output_dir / "static-viewer-1280x800.png") > 0.25


def test_static_reader_tiles_equal_the_pmtiles_package_s(static_view: View, data_settings: Any) -> None:
    """Our JS reader against an independent one (the API's tiles == the archive's: tests/api/test_tiles.py)."""
    page = static_view.page
    places = [(-106.45, 31.76), (-117.03, 32.54), (-97.5, 25.9), (-110.94, 31.33)]  # El Paso, San Ysidro, ...
    with open(BuildStore(data_settings.current.resolve()).pmtiles_path, "rb") as f:
        reader = Reader(MmapSource(f))
        top = int(reader.header()["max_zoom"])  # the archive's last zoom: MapLibre overzooms it
        zxy = [(0, 0, 0), *[tile_of(lon, lat, z) for lon, lat in places for z in (4, 8, top)], (9, 3, 3)]
        ids = page.evaluate("t => t.map(([z, x, y]) => bordergeoPMTiles.tileId(z, x, y))", zxy)
        assert ids == [zxy_to_tileid(*t) for t in zxy]
        got = page.evaluate("""async (t) => {
            const out = [];
            for (const [z, x, y] of t) {
              const url = `pmtiles://${location.origin}/bordergeo.pmtiles/${z}/${x}/${y}`;
              const data = (await bordergeoPMTiles.protocol({url}, new AbortController())).data;
              out.push(btoa(Array.from(data, (b) => String.fromCharCode(b)).join("")));  // small to pass back
            }
            return out; }""", zxy)
        for (z, x, y), encoded in zip(zxy, got, strict=True):
            data = base64.b64decode(encoded)
            stored = reader.get(z, x, y)
            expected = b"" if stored is None else (gzip.decompress(stored) if stored[:2] == b"\x1f\x8b" else stored)
            assert data == expected, (z, x, y)
    assert sum(len(d) > 0 for d in got) >= 4 and not got[-1]  # (9, 3, 3) lies far off the border: empty
    tilejson = page.evaluate("bordergeoPMTiles.protocol({url: `pmtiles://${location.origin}/bordergeo.pmtiles`}, "
                             "new AbortController()).then(r => r.data)")
    assert (tilejson["minzoom"], tilejson["maxzoom"]) == (0, top)
