"""QGIS 3.22 (python3-qgis) draws our vector tiles as a QgsVectorTileLayer with our MapLibre style.

``qgis_vt_probe.py`` runs under the system /usr/bin/python3 (offscreen Qt), loads the all-layers tileset
``/tiles/WebMercatorQuad/{z}/{y}/{x}`` of the real server, converts ``/styles/default?f=mapbox`` with
``QgsMapBoxGlStyleConverter`` and renders the border to a PNG.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer

from layers.registry import default_registry

QGIS_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_vt_probe.py")
OUTPUT = Path(__file__).resolve().parents[1] / "output"  # tests/output, git-ignored
VIEW = (-117.3, 25.8, -97.1, 32.8)  # the border, Pacific to Gulf (lon/lat)
SIZE = (1000, 420)


def colour_pixels(rgb: np.ndarray, hex_colour: str, tolerance: int = 40) -> int:
    """Pixels within ``tolerance`` (sum of channel differences) of ``hex_colour``."""
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - target).sum(axis=2) <= tolerance).sum())


@pytest.fixture(scope="module")
def server(memory_server: str) -> str:
    """The session's real uvicorn server on the in-memory backend (too slow to repeat per backend)."""
    return memory_server


@pytest.fixture(scope="module")
def qgis_render(server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the probe once: what QGIS converted, and its render."""
    tmp = tmp_path_factory.mktemp("qgis-tiles")
    runtime = tmp / "xdg"
    runtime.mkdir(mode=0o700)
    style = httpx.get(f"{server}/styles/default", params={"f": "mapbox"}).json()
    (tmp / "style.json").write_text(json.dumps(style))
    to_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
    x0, y0 = to_3857.transform(VIEW[0], VIEW[1])
    x1, y1 = to_3857.transform(VIEW[2], VIEW[3])
    zmax = max(s.max_zoom for s in default_registry().values())
    plan = {"url": server, "style": str(tmp / "style.json"), "extent": [x0, y0, x1, y1], "zmax": zmax,
            "png": str(tmp / "qgis.png"), "size": list(SIZE)}
    (tmp / "plan.json").write_text(json.dumps(plan))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp)}
    env.pop("PYTHONPATH", None)  # the venv's packages must not leak into the system interpreter
    done = subprocess.run([QGIS_PYTHON, str(PROBE), str(tmp / "plan.json")], env=env, cwd=tmp,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"QGIS probe exited {done.returncode}:\n{done.stderr[-3000:]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    OUTPUT.mkdir(parents=True, exist_ok=True)
    Image.open(plan["png"]).save(OUTPUT / "qgis-vector-tiles.png")
    return result | {"style": style}


def test_qgis_converts_every_style_layer(qgis_render: dict[str, Any]) -> None:
    assert qgis_render["qgis"].startswith("3."), qgis_render["qgis"]
    assert qgis_render["valid"] and qgis_render["converter"] == 0  # QgsMapBoxGlStyleConverter.Success
    layers = qgis_render["style"]["layers"]
    drawn = [lyr for lyr in layers if lyr["type"] in ("fill", "line", "circle")]
    labels = [lyr for lyr in layers if lyr["type"] == "symbol"]
    converted = {s["label"] for s in qgis_render["styles"]}
    assert {lyr["id"] for lyr in drawn} <= converted
    assert {s["layer"] for s in qgis_render["styles"]} - {"background"} == {lyr["source-layer"] for lyr in drawn}
    assert labels and qgis_render["labels"] == len(labels)  # every label layer became a QGIS labeling style


def test_qgis_skips_only_its_known_limitations(qgis_render: dict[str, Any]) -> None:
    """QGIS 3.22's converter warns about exactly two things in our style, both known and documented (README):

    - a circle radius computed from a feature property (proportional symbols: ports, cities) is an
      expression it does not convert ("Skipping unsupported expression"): it draws those circles at one size;
    - a label font missing on the machine ("Referenced font ... is not available on system"): QGIS draws the
      label in its default font. Our glyphs are Roboto (font-roboto on PyPI), which a QGIS machine may lack.
    """
    layers = qgis_render["style"]["layers"]
    sized = [lyr["id"] for lyr in layers if lyr["type"] == "circle" and isinstance(lyr["paint"]["circle-radius"], list)]
    assert sized  # ports and cities are sized by a property
    expected = {f"{lid}: Skipping unsupported expression" for lid in sized}
    for lyr in layers:
        for font in lyr.get("layout", {}).get("text-font", []):
            if not qgis_render["fonts"][font]:
                expected.add(f"{lyr['id']}: Referenced font {font} is not available on system")
    assert sorted(qgis_render["warnings"]) == sorted(expected)


def test_qgis_renders_our_colours(qgis_render: dict[str, Any]) -> None:
    rgb = np.asarray(Image.open(qgis_render["png"]).convert("RGB")).astype(int)
    assert rgb.shape[:2] == (SIZE[1], SIZE[0])
    assert (np.abs(rgb - 255).sum(axis=2) > 30).mean() > 0.2  # non-blank: a fifth of the image drawn at least
    boundary = default_registry()["boundary"]
    land = dict(boundary.style.palette)["land"]  # the land boundary, drawn in its category colour
    assert colour_pixels(rgb, land) > 100
