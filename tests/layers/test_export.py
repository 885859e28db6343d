"""``bordergeo export-static``: the bundle served by Debian's nginx (not our app), read with HTTP range
requests by the pmtiles package and by the viewer in headless Chromium."""

from __future__ import annotations

import getpass
import gzip
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pyogrio
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright
from pmtiles.reader import MmapSource, Reader, all_tiles

from layers.archive import read_tile
from layers.cli import main
from layers.export import export_static
from layers.settings import DataSettings
from layers.store import PMTILES

NGINX = "/usr/sbin/nginx"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
OUTPUT = Path(__file__).resolve().parents[1] / "output"


@pytest.fixture(scope="module")
def bundle(data_settings: DataSettings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("static") / "site"
    assert main(["-q", "export-static", "--data-dir", str(data_settings.data_dir), str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def site(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx serving the bundle on a free loopback port; stopped by its pid."""
    assert os.path.exists(NGINX), "nginx is not installed (apt-get install nginx)"
    run = tmp_path_factory.mktemp("nginx")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = run / "nginx.conf"
    conf.write_text(
        # workers as the test's own user: the bundle lies in a private temporary directory
        f"daemon off; user {getpass.getuser()}; worker_processes 1; pid {run}/nginx.pid; "
        f"error_log {run}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; client_body_temp_path {run}; "
        f"proxy_temp_path {run}; fastcgi_temp_path {run}; uwsgi_temp_path {run}; scgi_temp_path {run};\n"
        f"  server {{ listen 127.0.0.1:{port}; root {bundle}; }} }}\n")
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(run)], start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url + "/index.html", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    yield url
    os.kill(proc.pid, signal.SIGQUIT)
    proc.wait(timeout=15)


def test_the_bundle_holds_every_layer(bundle: Path, manifest: dict) -> None:
    for lid, entry in manifest["layers"].items():
        for ext in ("fgb", "geojson"):
            info = pyogrio.read_info(bundle / "data" / f"{lid}.{ext}")
            assert info["features"] == entry["features"], (lid, ext)
    tables = {name for name, _ in pyogrio.list_layers(bundle / "bordergeo.gpkg")}
    assert tables - {"layer_styles"} == set(manifest["layers"])  # layer_styles: QGIS's styles, not a layer
    index = (bundle / "index.html").read_text()
    assert "viewer.html" in index and all(f"data/{lid}.fgb" in index for lid in manifest["layers"])
    assert (bundle / "maps" / "index.html").is_file() and (bundle / "viewer.html").is_file()


def test_export_refuses_a_non_empty_directory(data_settings: DataSettings, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(Exception, match="not an empty directory"):
        export_static(data_settings, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_pmtiles_read_through_range_requests(site: str, bundle: Path) -> None:
    with httpx.Client(base_url=site) as http:
        head = http.get(f"/{PMTILES}", headers={"Range": "bytes=0-126"})
        assert head.status_code == 206 and len(head.content) == 127 and head.content[:7] == b"PMTiles"
        asked: list[int] = []

        def get_bytes(offset: int, length: int) -> bytes:
            r = http.get(f"/{PMTILES}", headers={"Range": f"bytes={offset}-{offset + length - 1}"})
            assert r.status_code == 206
            asked.append(length)
            return r.content

        reader = Reader(get_bytes)
        assert reader.header()["max_zoom"] >= 10
        with (bundle / PMTILES).open("rb") as f:
            local = [zxy for zxy, _ in all_tiles(MmapSource(f))]
        for z, x, y in local[:: max(1, len(local) // 12)]:
            remote = reader.get(z, x, y)
            assert remote and gzip.decompress(remote) == read_tile(bundle / PMTILES, z, x, y), (z, x, y)
        assert reader.get(12, 0, 0) is None
    assert max(asked) < (bundle / PMTILES).stat().st_size / 10  # pieces, never the whole archive


def test_the_static_viewer_draws_the_layers_from_the_pmtiles(site: str) -> None:
    errors: list[str] = []
    blocked: list[str] = []
    ranges: list[int] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site)
                   else (blocked.append(r.request.url), r.abort()))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: ranges.append(r.status) if r.url.endswith(PMTILES) else None)
        page.goto(f"{site}/viewer.html", wait_until="load")
        page.wait_for_function("window.bordergeo && bordergeo.map && bordergeo.map.loaded() "
                               "&& bordergeo.map.areTilesLoaded()", timeout=90_000)
        drawn = page.evaluate("[...new Set(bordergeo.map.queryRenderedFeatures().map(f => f.sourceLayer))]")
        OUTPUT.mkdir(exist_ok=True)
        shot = OUTPUT / "static-viewer.png"
        page.screenshot(path=str(shot))
        browser.close()
    assert not errors and not blocked, (errors, blocked)
    assert {"boundary", "border-region", "ports"} <= set(drawn), drawn
    assert ranges and set(ranges) == {206}, ranges
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 50  # a drawn map, not a blank page
