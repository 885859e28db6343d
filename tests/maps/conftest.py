"""Fixtures for the map tests: the maps of the session build, a loopback HTTP server, headless Chromium.

Every request a page makes outside 127.0.0.1 / file:// is aborted, as on a closed network; the visit
records what was blocked so tests can assert that nothing was asked of the internet (OpenStreetMap is an
option a reader picks; until then no tile is requested).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

from maps.render import render_maps

OUTPUT = Path(__file__).resolve().parents[1] / "output"  # tests/output, git-ignored, kept after the run
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
TILE_HOSTS = {"tile.openstreetmap.org"}  # what a page asks the internet for once a reader picks OpenStreetMap


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Visit:
    """A page opened with the network blocked, and what happened while it loaded."""

    page: Page
    errors: list[str] = field(default_factory=list)  # JS errors, console.error, failed local loads
    blocked: list[str] = field(default_factory=list)  # URLs outside the machine it asked for
    seconds: float = 0.0  # navigation to the load event (every inline script has run by then)

    def js(self, expression: str) -> Any:
        """Evaluate ``expression`` in the page."""
        return self.page.evaluate(expression)

    def drawn(self, layer_id: str) -> int:
        """SVG paths of a layer's features in the page (points, lines and polygons are all paths)."""
        return int(self.js(f"document.querySelectorAll('path.bg-layer.bg-{layer_id}').length"))

    def overlay_labels(self) -> list[str]:
        """The overlay names listed in the layer control."""
        return list(self.js(
            "[...document.querySelectorAll('.leaflet-control-layers-overlays label')].map(l => l.textContent.trim())"
        ))

    def toggle(self, title: str) -> None:
        """Click a layer's checkbox in the layer control."""
        index = self.overlay_labels().index(title)
        self.page.locator(".leaflet-control-layers-overlays label input").nth(index).click()

    def assert_clean(self) -> None:
        """No JS error, no failed local load, and not one request off this machine."""
        assert self.errors == []
        assert self.blocked == []

    def set_view(self, lat: float, lon: float, zoom: float) -> None:
        """Move the map without animation (labels are placed again on ``moveend``)."""
        self.js(f"bordergeo.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")

    def labels(self, layer_id: str) -> list[str]:
        """The texts of the labels of ``layer_id`` placed on the map now."""
        return list(self.js(f"[...document.querySelectorAll('.bg-label-{layer_id}')].map(e => e.textContent)"))


def local(url: str) -> bool:
    """True for URLs that stay on this machine."""
    return url.startswith(("file:", "data:", "blob:", "about:")) or urlparse(url).hostname == "127.0.0.1"


@pytest.fixture(scope="session")
def maps_dir(data_settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The maps of the session build, rendered afresh by the code under test."""
    out = tmp_path_factory.mktemp("maps-render") / "maps"
    render_maps(data_settings.current, out)
    return out


@pytest.fixture(scope="session")
def maps_url(maps_dir: Path) -> Iterator[str]:
    """Base URL of a static HTTP server on 127.0.0.1 serving ``maps_dir`` (stopped after the session)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(maps_dir)))
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (never `playwright install`)."""
    assert os.path.exists(CHROMIUM), "chromium is not installed (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def visit(browser: Browser) -> Iterator[Callable[..., Visit]]:
    """Open a URL in a fresh browser context with every request off this machine aborted."""
    contexts = []

    def open_page(url: str, viewport: tuple[int, int] | None = None) -> Visit:
        size = {"width": viewport[0], "height": viewport[1]} if viewport else VIEWPORT
        context = browser.new_context(viewport=size)  # type: ignore[arg-type]
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)

        def route(r: Route) -> None:
            if local(r.request.url):
                r.continue_()
            else:
                seen.blocked.append(r.request.url)
                r.abort()

        def console(msg: ConsoleMessage) -> None:
            where = msg.location.get("url", "")
            # the browser logs each aborted request as an error; those are recorded in ``blocked``
            if msg.type == "error" and not (msg.text.startswith("Failed to load resource") and not local(where)):
                seen.errors.append(f"console: {msg.text} ({where})")

        context.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda exc: seen.errors.append(f"pageerror: {exc}"))
        page.on("requestfailed", lambda req: seen.errors.append(f"failed: {req.url}") if local(req.url) else None)
        started = time.perf_counter()
        page.goto(url, wait_until="load")
        seen.seconds = time.perf_counter() - started
        return seen

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """tests/output: screenshots kept after the run."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
