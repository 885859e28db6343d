"""QGIS 3.22 (python3-qgis) draws our vector tiles as a QgsVectorTileLayer with our MapLibre style.

``qgis_vt_probe.py`` runs under the system /usr/bin/python3 (offscreen Qt), loads the all-layers tileset
``/tiles/WebMercatorQuad/{z}/{y}/{x}`` of the real server, converts ``/styles/default?f=mapbox`` with
``QgsMapBoxGlStyleConverter`` and renders the border to a PNG.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer

from layers.registry import default_registry
from tests.api.conftest import free_port, start_server, stop_server, wait_ready

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
def server(data_settings: Any) -> Iterator[str]:
    """A real uvicorn server on the in-memory backend (these runs are too slow to repeat per backend)."""
    port = free_port()
    proc = start_server(data_settings.data_dir, port)
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, f"{base}/conformance")
    yield base
    stop_server(proc)


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
    drawn = [lyr for lyr in qgis_render["style"]["layers"] if lyr["type"] in ("fill", "line", "circle")]
    converted = {s["label"] for s in qgis_render["styles"]}
    assert {lyr["id"] for lyr in drawn} <= converted
    layers = {s["layer"] for s in qgis_render["styles"]} - {"background"}
    assert layers == {lyr["source-layer"] for lyr in drawn}
    # QGIS 3.22 cannot convert data-driven circle sizes; nothing else may be skipped
    skipped = {w.split(":")[0].split("#")[0] for w in qgis_render["warnings"]}
    assert skipped <= {s.id for s in default_registry().values() if s.style.size_by}


def test_qgis_renders_our_colours(qgis_render: dict[str, Any]) -> None:
    rgb = np.asarray(Image.open(qgis_render["png"]).convert("RGB")).astype(int)
    assert rgb.shape[:2] == (SIZE[1], SIZE[0])
    assert (np.abs(rgb - 255).sum(axis=2) > 30).mean() > 0.2  # non-blank: a fifth of the image drawn at least
    boundary = default_registry()["boundary"]
    land = dict(boundary.style.palette)["land"]  # the land boundary, drawn in its category colour
    assert colour_pixels(rgb, land) > 100
