"""How the maps read at a phone's, a laptop's and a desktop's size, in English and Spanish (headless Chromium).

Controls fold away and stay on screen, the attribution is one line with a link to the sources, labels
appear at the zooms the layers declare, and OpenStreetMap is asked for only when a reader picks it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from layers.registry import default_registry
from maps.i18n import LANGS, Lang, page, t
from maps.ports import page_file

SIZES = [(375, 812), (1024, 700), (1920, 1080)]
BOXES = """[...document.querySelectorAll('.leaflet-control-container .leaflet-control, .bg-title')]
    .filter(e => e.offsetParent !== null)
    .map(e => { const r = e.getBoundingClientRect(); return [e.className, r.left, r.top, r.right, r.bottom]; })"""


def _overlap(a: list[Any], b: list[Any]) -> bool:
    return bool(a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pages_fit_and_read_at_each_size(
    maps_url: str, visit: Callable[..., Any], output_dir: Path, layer: Callable[[str], Any],
    lang: Lang, size: tuple[int, int],
) -> None:
    port = page(page_file(layer("ports")["port_code"].iloc[0]), lang)
    for name in (page("overview.html", lang), port):
        v = visit(maps_url + name, viewport=size)
        v.page.wait_for_timeout(300)  # the fit animation ends, labels are placed
        shot = output_dir / f"{name.removesuffix('.html')}-{size[0]}x{size[1]}.png"
        v.page.screenshot(path=str(shot))
        rgb = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
        assert rgb.shape == (size[1], size[0], 3) and rgb.std() > 20
        assert v.js("document.documentElement.scrollWidth") <= size[0]  # nothing runs off to the side
        boxes = v.js(BOXES)
        for box in boxes:  # every control and the title on screen
            assert box[1] >= 0 and box[3] <= size[0] + 1 and box[2] >= 0 and box[4] <= size[1] + 1, box
        clashes = [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:] if _overlap(a, b)]
        assert clashes == []
        folded = v.js("[...document.querySelectorAll('.bg-fold')].map(b => b.getAttribute('aria-expanded'))")
        assert folded and (set(folded) == {"false"} if size[0] < 600 else "true" in folded)  # the map first on a phone
        v.assert_clean()


@pytest.mark.parametrize("lang", LANGS)
def test_attribution_is_one_line_that_links_the_sources(maps_url: str, visit: Callable[..., Any], lang: Lang) -> None:
    for size in ((375, 812), (1920, 1080)):
        v = visit(maps_url + page("overview.html", lang), viewport=size)
        height = v.js("document.querySelector('.leaflet-control-attribution').getBoundingClientRect().height")
        line = v.js("parseFloat(getComputedStyle(document.querySelector('.leaflet-control-attribution')).lineHeight)")
        assert height < 1.6 * line  # one line, whatever the width
        link = v.page.locator(".leaflet-control-attribution a[href$='#sources']")
        assert link.get_attribute("href") == f"{page('index.html', lang)}#sources"
        assert link.inner_text() in t("attribution", lang, names="", href="")
        line_box = v.page.locator(".leaflet-control-attribution").bounding_box()
        link_box = link.bounding_box()
        assert line_box and link_box and link_box["x"] + link_box["width"] <= line_box["x"] + line_box["width"]
        v.assert_clean()


def test_legend_and_layer_control_fold_and_unfold(maps_url: str, visit: Callable[..., Any]) -> None:
    v = visit(maps_url + "overview.html", viewport=(1920, 1080))
    for control, body in ((".bg-legend", ".bg-legend-body"), (".bg-layers", ".leaflet-control-layers-list")):
        button = v.page.locator(f"{control} > .bg-fold")
        assert button.get_attribute("aria-expanded") == "true" and v.page.locator(body).is_visible()
        button.click()
        assert button.get_attribute("aria-expanded") == "false" and not v.page.locator(body).is_visible()
        folded = v.js(f"document.querySelector('{control}').getBoundingClientRect().height")
        assert folded < 40  # just the button
        button.click()
        assert button.get_attribute("aria-expanded") == "true" and v.page.locator(body).is_visible()
    v.assert_clean()


def test_labels_appear_at_the_declared_zooms(
    maps_url: str, visit: Callable[..., Any], layer: Callable[[str], Any]
) -> None:
    registry = default_registry()
    v = visit(maps_url + "overview.html", viewport=(1024, 700))
    cities = layer("cities").sort_values("population", ascending=False)
    biggest = cities.iloc[0]
    zoom = registry["cities"].style.label_min_zoom
    v.set_view(biggest.geometry.y, biggest.geometry.x, zoom)
    assert biggest["name"] in v.labels("cities")
    counts = []
    for z in (zoom, zoom + 2, zoom + 4):
        v.set_view(31.5, -106.5, z)
        counts.append(len(v.labels("cities")))
    assert counts[0] < counts[1] < counts[2]  # more places as you zoom in
    for lid in ("ports", "crossings"):
        spec, gdf = registry[lid], layer(lid)
        first = gdf.iloc[0]
        name = str(first[spec.style.label])
        v.set_view(first.geometry.y, first.geometry.x, spec.style.label_min_zoom - 1)
        assert v.labels(lid) == []
        v.set_view(first.geometry.y, first.geometry.x, spec.style.label_min_zoom)
        assert name in v.labels(lid)
    placed = v.js("[...document.querySelectorAll('.bg-label')].map(e => { const r = e.getBoundingClientRect();"
                  " return [r.left, r.top, r.right, r.bottom]; })")
    assert not any(_overlap([0, *a], [0, *b]) for i, a in enumerate(placed) for b in placed[i + 1:])
    v.assert_clean()


def test_names_follow_the_language_of_the_page(
    maps_url: str, visit: Callable[..., Any], layer: Callable[[str], Any]
) -> None:
    rivers = layer("rivers")
    rio_grande = rivers[rivers["name"] == "Rio Grande"].iloc[0]
    point = rio_grande.geometry.interpolate(0.5, normalized=True) if rio_grande.geometry.geom_type == "LineString" \
        else max(rio_grande.geometry.geoms, key=lambda g: g.length).interpolate(0.5, normalized=True)
    for lang, name in (("en", "Rio Grande"), ("es", rio_grande["name_es"])):
        v = visit(maps_url + page("overview.html", lang), viewport=(1920, 1080))
        v.set_view(point.y, point.x, default_registry()["rivers"].style.label_min_zoom)
        assert name in v.labels("rivers")
        legend = v.js("document.querySelector('.bg-legend-section[data-layer=\"boundary\"]').textContent")
        assert ("Río Bravo" in legend) == (lang == "es") and ("Rio Grande" in legend) == (lang == "en")
        v.assert_clean()


def test_openstreetmap_is_asked_for_only_when_chosen(maps_url: str, visit: Callable[..., Any]) -> None:
    v = visit(maps_url + "overview.html", viewport=(1024, 700))
    assert v.blocked == []
    v.page.locator(".bg-layers > .bg-fold").click()
    v.page.locator(".leaflet-control-layers-base input").nth(1).check()
    v.page.wait_for_timeout(300)
    assert v.blocked and all("tile.openstreetmap.org" in u for u in v.blocked)
    assert v.js("document.querySelectorAll('path.bg-base.bg-land').length") == 0  # our background made way
