"""QGIS (Debian python3-qgis, the planners' client) loads every served collection as an OAPIF layer.

QGIS only imports under the system /usr/bin/python3, so ``qgis_probe.py`` runs there in a subprocess
(offscreen Qt, private XDG_RUNTIME_DIR and HOME) against the real server, and prints what QGIS saw.
Each collection is loaded plainly, with a page size that forces at least three pages (QGIS pages only
by ``rel=next``), and through a filter rectangle that QGIS sends as ``bbox=``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import shapely

from layers.registry import default_registry

QGIS_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_probe.py")
MAX_PAGE = 500  # keeps the paged read of the largest layer to a few dozen requests


def served_collections(api_url: str) -> list[str]:
    """The collection ids the running server lists at /collections."""
    body = httpx.get(f"{api_url}/collections", headers={"Accept": "application/json"}).json()
    return [c["id"] for c in body["collections"]]


def page_size(count: int) -> int:
    """A page size giving at least three pages; never 10, the size of QGIS's own first (schema) request."""
    size = min(MAX_PAGE, max(1, math.ceil(count / 3)))
    return 11 if size == 10 else size


def west_half(bounds: Any) -> list[float]:
    """The western half of a layer's bounding box."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    return [minx, miny, (minx + maxx) / 2, maxy]


def family(geometry_type: str) -> str:
    """Point / LineString / Polygon, whether single or multi."""
    return geometry_type.removeprefix("Multi")


@pytest.fixture(scope="module")
def qgis_run(api_url: str, layer: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the probe once over every served collection; return its results by collection id."""
    tmp = tmp_path_factory.mktemp("qgis")
    runtime = tmp / "xdg"
    runtime.mkdir(mode=0o700)
    layers: list[dict[str, Any]] = []
    for cid in served_collections(api_url):
        built = layer(cid)
        layers.append({"collection": cid, "id_field": default_registry()[cid].id_field,
                               "page_size": page_size(len(built)), "bbox": west_half(built.total_bounds)})
    plan = {"url": api_url, "layers": layers}
    (tmp / "plan.json").write_text(json.dumps(plan))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp)}
    env.pop("PYTHONPATH", None)  # the venv's packages must not leak into the system interpreter
    done = subprocess.run([QGIS_PYTHON, str(PROBE), str(tmp / "plan.json")], env=env, cwd=tmp,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"QGIS probe exited {done.returncode}:\n{done.stderr[-3000:]}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["qgis"].startswith("3."), result["qgis"]
    results = {r["collection"]: r | {"plan": p} for r, p in zip(result["layers"], layers, strict=True)}
    assert len(results) == len(layers) > 0
    return results


def test_every_collection_loads_complete(qgis_run: dict[str, Any], layer: Any, manifest: dict[str, Any]) -> None:
    """Valid layer; featureCount() and the features read equal numberMatched and the built layer's ids."""
    assert set(qgis_run) == set(manifest["layers"])
    for cid, got in qgis_run.items():
        built = layer(cid)
        id_field = default_registry()[cid].id_field
        assert got["valid"], f"QGIS says {cid} is not a valid OAPIF layer"
        assert got["feature_count"] == got["read"] == len(built), cid
        assert got["ids"] == sorted(str(v) for v in built[id_field]), cid
        assert got["without_geometry"] == 0, cid
        assert family(got["wkb_type"]) == family(manifest["layers"][cid]["geometry_type"]), cid
        assert got["crs"] in ("EPSG:4326", "OGC:CRS84"), cid


def test_paging_follows_next_links_to_the_end(qgis_run: dict[str, Any], api_url: str) -> None:
    """With a small pageSize QGIS reads everything, one request per page, none after the last."""
    for cid, got in qgis_run.items():
        paged, size = got["paged"], got["plan"]["page_size"]
        matched = httpx.get(f"{api_url}/collections/{cid}/items", params={"limit": 1}).json()["numberMatched"]
        assert paged["valid"], cid
        assert paged["read"] == matched == got["read"], cid
        assert paged["ids"] == got["ids"], cid
        pages = [u for u in paged["requests"] if parse_qs(urlsplit(u).query).get("limit") == [str(size)]]
        assert len(pages) == math.ceil(matched / size), f"{cid}: {pages}"


def test_bbox_filter_is_sent_and_honoured(qgis_run: dict[str, Any], api_url: str, layer: Any) -> None:
    """A filter rectangle reaches the server as bbox= and QGIS gets exactly what intersects it."""
    for cid, got in qgis_run.items():
        boxed, box = got["bbox"], got["plan"]["bbox"]
        built = layer(cid)
        expected = int(built.intersects(shapely.box(*box)).sum())
        params = {"bbox": ",".join(repr(v) for v in box), "limit": "1"}
        matched = httpx.get(f"{api_url}/collections/{cid}/items", params=params).json()["numberMatched"]
        assert boxed["valid"], cid
        assert boxed["read"] == matched == expected, cid
        assert 0 < expected <= len(built), cid
        assert any("bbox=" in u for u in boxed["requests"]), f"{cid}: no bbox sent: {boxed['requests']}"
