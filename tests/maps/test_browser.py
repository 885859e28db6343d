"""The generated maps in headless Chromium with the internet blocked: they load, draw, toggle and explain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from layers.registry import default_registry
from maps.data import built_ids
from maps.i18n import LANGS, Lang, page
from maps.ports import page_file
from maps.render import render_maps
from maps.symbology import short_title

OVERVIEW_MAX_BYTES = 3 * 1024 * 1024
LOAD_SECONDS = 3.0

@pytest.fixture(scope="module")
def built(data_settings: Any) -> list[str]:
    """Ids of the data layers in the session build (not the basemap, not the traffic that only feeds charts)."""
    registry = default_registry()
    not_data = {"basemap", "traffic"}
    return [lid for lid in built_ids(data_settings.current, registry) if not not_data & registry[lid].roles]


def test_every_page_loads_offline_without_errors(
    maps_dir: Path, maps_url: str, visit: Callable[[str], Any], built: list[str], layer: Callable[[str], Any]
) -> None:
    pages = sorted(p.name for p in maps_dir.glob("*.html"))
    port_codes = {page(page_file(code), lang): str(code) for code in layer("ports")["port_code"] for lang in LANGS}
    english = {"index.html", "overview.html"} | {f"layer-{lid}.html" for lid in built}
    assert english | {page(p, "es") for p in english} | set(port_codes) == set(pages)
    crossings = layer("crossings")["port_code"].astype(str).value_counts()
    for name in pages:
        v = visit(maps_url + name)
        v.assert_clean()
        assert v.js("document.documentElement.lang") == ("es" if name.endswith(".es.html") else "en")
        if name.startswith("index"):
            continue
        layers = v.js("Object.keys(bordergeo.layers)")
        if name.startswith("overview"):
            assert sorted(layers) == sorted(built)
        elif name.startswith("layer-"):
            assert layers == [name.removeprefix("layer-").removesuffix(".html").removesuffix(".es")]
        else:  # a port's page: the port, its own crossings, and its monthly traffic chart
            assert v.drawn("ports") == 1
            assert v.drawn("crossings") == crossings.get(port_codes[name], 0)
            assert v.js("document.querySelectorAll('.bg-panel svg.bg-chart polyline').length") >= 1
        for lid in layers:
            count = v.js(f"bordergeo.layers[{lid!r}].getLayers().length")
            shown = v.js(f"bordergeo.map.hasLayer(bordergeo.layers[{lid!r}])")
            assert count > 0 and v.drawn(lid) == (count if shown else 0), (name, lid)
            if name.startswith("layer-"):
                assert count == len(layer(lid)) and shown
        v.page.context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_overview_layer_control_lists_every_layer(
    maps_url: str, visit: Callable[[str], Any], built: list[str], lang: Lang
) -> None:
    v = visit(maps_url + page("overview.html", lang))
    titles = {short_title(default_registry()[lid], lang) for lid in built}
    labels = v.overlay_labels()
    assert sorted(labels) == sorted(titles) and len(labels) == len(built)
    assert v.js("document.querySelectorAll('.bg-legend-section').length") == len(built)
    # two backgrounds to choose from: ours (offline, chosen) and OpenStreetMap (off)
    bases = v.js("[...document.querySelectorAll('.leaflet-control-layers-base input')].map(i => i.checked)")
    assert bases == [True, False]


def test_toggling_each_layer_off_removes_its_features_and_legend(
    maps_url: str, visit: Callable[[str], Any], built: list[str], layer: Callable[[str], Any]
) -> None:
    v = visit(maps_url + "overview.html")
    for lid in built:
        title = short_title(default_registry()[lid])
        if not v.js(f"bordergeo.map.hasLayer(bordergeo.layers[{lid!r}])"):
            v.toggle(title)  # point layers with many features start hidden
        before = v.drawn(lid)
        assert before == len(layer(lid))
        v.toggle(title)
        assert v.drawn(lid) == 0
        assert v.js(f"bordergeo.map.hasLayer(bordergeo.layers[{lid!r}])") is False
        assert v.js(f"document.querySelector('.bg-legend-section[data-layer=\"{lid}\"]').style.display") == "none"
        v.toggle(title)
        assert v.drawn(lid) == before
    v.assert_clean()


def test_port_markers_equal_ports(maps_url: str, visit: Callable[[str], Any], layer: Callable[[str], Any]) -> None:
    ports = layer("ports")
    for name in ("overview.html", "layer-ports.html"):
        v = visit(maps_url + name)
        assert v.drawn("ports") == len(ports) == v.js("bordergeo.layers.ports.getLayers().length")


def test_clicking_each_port_opens_its_popup(
    maps_url: str, visit: Callable[[str], Any], layer: Callable[[str], Any]
) -> None:
    spec = default_registry()["ports"]
    ports = layer("ports")
    v = visit(maps_url + "layer-ports.html")
    box = v.page.locator(".folium-map").bounding_box()
    assert box is not None
    for _, row in ports.iterrows():
        lat, lon = row.geometry.y, row.geometry.x
        v.js(f"bordergeo.map.closePopup(); bordergeo.map.setView([{lat}, {lon}], 14, {{animate: false}})")
        v.page.wait_for_function("!document.querySelector('.leaflet-popup')")  # the last one has faded out
        x, y = v.js(f"(p => [p.x, p.y])(bordergeo.map.latLngToContainerPoint([{lat}, {lon}]))")
        v.page.mouse.click(box["x"] + x, box["y"] + y)
        popup = v.page.locator(".leaflet-popup-content h3")
        popup.wait_for(timeout=2000)
        assert popup.inner_text() == str(row[spec.title_field])
        # one row per declared property, e.g. the port code
        rows = v.page.locator(".leaflet-popup-content tr")
        assert rows.count() == len(spec.properties)
        assert rows.nth(0).inner_text().split() == ["port", "code", str(row["port_code"])]
        link = v.page.locator(".leaflet-popup-content a.bg-popup-link").get_attribute("href")
        assert link == page_file(row["port_code"])
        if row["port_code"] != ports["port_code"].iloc[0]:
            continue
        v.page.goto(maps_url + "layer-ports.es.html")  # the same port in Spanish: its Spanish name and labels
        v.js(f"bordergeo.map.setView([{lat}, {lon}], 14, {{animate: false}})")
        v.page.mouse.click(box["x"] + x, box["y"] + y)
        popup.wait_for(timeout=2000)
        assert popup.inner_text() == str(row["name_es"])
        assert rows.nth(0).inner_text().split() == ["clave", "de", "puerto", str(row["port_code"])]
        assert v.page.locator(".leaflet-popup-content a.bg-popup-link").get_attribute("href") == page(
            page_file(row["port_code"]), "es")
        v.page.goto(maps_url + "layer-ports.html")
    v.assert_clean()


def test_overview_screenshot_is_not_blank(maps_url: str, visit: Callable[[str], Any], output_dir: Path) -> None:
    v = visit(maps_url + "overview.html")
    v.page.wait_for_timeout(300)  # let the browser paint the SVG after the load event
    shot = output_dir / "overview.png"
    v.page.screenshot(path=str(shot))
    rgb = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
    assert rgb.shape == (800, 1280, 3)
    assert rgb.std() > 20  # a blank page has ~0
    sea = np.array([0xDB, 0xE7, 0xEE], dtype=float)  # .leaflet-container background: the sea, no tiles offline
    land = np.array([0xF5, 0xF2, 0xEA], dtype=float)  # the land layer's fill
    painted = (np.abs(rgb - sea).sum(axis=2) > 30) & (np.abs(rgb - land).sum(axis=2) > 30)
    assert painted.mean() > 0.2  # layers cover a fifth of the view at least
    assert (np.abs(rgb - land).sum(axis=2) < 12).mean() > 0.1  # and the land shows around them
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 1000


def test_overview_is_small_and_opens_fast(maps_dir: Path, maps_url: str, visit: Callable[[str], Any]) -> None:
    assert (maps_dir / "overview.html").stat().st_size < OVERVIEW_MAX_BYTES
    v = visit(maps_url + "overview.html")
    assert v.seconds < LOAD_SECONDS
    v.assert_clean()


def test_without_basemap_nothing_leaves_the_machine(
    data_settings: Any, tmp_path: Path, visit: Callable[[str], Any], layer: Callable[[str], Any]
) -> None:
    out = tmp_path / "maps"
    render_maps(data_settings.current, out, ["boundary", "ports", "crossings"], basemap=False)
    for name in ("overview.html", "layer-ports.es.html", page_file(layer("ports")["port_code"].iloc[0])):
        v = visit((out / name).as_uri())  # straight from disk
        assert v.blocked == [] and v.errors == []
        assert v.drawn("ports") > 0
        bases = v.js("[...document.querySelectorAll('.leaflet-control-layers-base label')].map(l => l.textContent)")
        assert len(bases) == 1 and "OpenStreetMap" not in bases[0]  # only our own background on offer
        assert v.js("document.querySelectorAll('path.bg-base.bg-land').length") > 0  # our own background
