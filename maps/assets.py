"""Offline assets: Leaflet and friends served from a relative ``assets/`` folder instead of CDNs.

Folium's page template links Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs, so
with no internet the page is blank (``L is not defined``). Our maps use plain Leaflet vectors only; they
load Leaflet, jQuery (folium's ``Popup`` template calls ``$``) and our own script and stylesheet from
``assets/``, copied next to the HTML files, so the same files work from ``file://`` and from ``/maps/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import folium
import xstatic.pkg.jquery
import xstatic.pkg.leaflet

from geo.errors import BuildError

STATIC = Path(__file__).parent / "static"
#: the files the pages load from the XStatic packages (PyPI) of Leaflet and jQuery; the API serves the same
LIBRARY_FILES = {
    "leaflet": (Path(xstatic.pkg.leaflet.BASE_DIR), ("leaflet.js", "leaflet.css", "images")),
    "jquery": (Path(xstatic.pkg.jquery.BASE_DIR), ("jquery.min.js",)),
}
ASSETS = "assets"  # folder beside the HTML files; links are relative to it

JS: list[tuple[str, str]] = [
    ("leaflet", f"{ASSETS}/leaflet/leaflet.js"),
    ("jquery", f"{ASSETS}/jquery/jquery.min.js"),
    ("bordergeo", f"{ASSETS}/bordergeo.js"),
]
CSS: list[tuple[str, str]] = [
    ("leaflet_css", f"{ASSETS}/leaflet/leaflet.css"),
    ("bordergeo_css", f"{ASSETS}/bordergeo.css"),
]

# <script src=...> and <link ... href=...> are the only tags that make the browser fetch while rendering;
# plain <a href> (attribution links) only fetch when clicked.
_LOADED = re.compile(r"<script[^>]*\ssrc=[\"']([^\"']+)|<link[^>]*\shref=[\"']([^\"']+)", re.IGNORECASE)


class OfflineMap(folium.Map):
    """A folium Map whose page loads its JavaScript and CSS from the relative ``assets/`` folder."""

    default_js = JS
    default_css = CSS


def copy_assets(out_dir: Path) -> None:
    """Copy our own static files and the Leaflet and jQuery files the pages load into ``out_dir/assets``."""
    shutil.copytree(STATIC, out_dir / ASSETS, dirs_exist_ok=True)
    for name, (base, files) in LIBRARY_FILES.items():
        (out_dir / ASSETS / name).mkdir(parents=True, exist_ok=True)
        for file in files:
            if (base / file).is_dir():
                shutil.copytree(base / file, out_dir / ASSETS / name / file, dirs_exist_ok=True)
            else:
                shutil.copyfile(base / file, out_dir / ASSETS / name / file)


def external_resources(html: str) -> list[str]:
    """URLs of scripts and stylesheets in ``html`` that are not relative (i.e. would need a network)."""
    urls = [js or css for js, css in _LOADED.findall(html)]
    return [u for u in urls if re.match(r"^[a-z][a-z0-9+.-]*:|^//", u, re.IGNORECASE)]


def render_html(m: folium.Map) -> str:
    """The page of ``m`` as HTML; BuildError if anything would still be loaded from the network."""
    html: str = m.get_root().render()
    remote = external_resources(html)
    if remote:
        raise BuildError(f"map would load {len(remote)} resources from the network, e.g. {remote[0]}")
    return html
