"""The planner's kit in QGIS 3.22: ``bordergeo.qgz`` opens, every layer is valid and styled as declared,
with mapclassify's classes; the styles in the GeoPackage's ``layer_styles`` apply to a layer added from it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import warnings
from pathlib import Path
from typing import Any

import mapclassify
import numpy as np
import pytest
from PIL import Image

from layers.qgis_project import QGZ
from layers.registry import default_registry
from layers.store import BuildStore

QGIS_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_project_probe.py")
OUTPUT = Path(__file__).resolve().parents[1] / "output"  # tests/output, git-ignored
SIZE = (1000, 500)


def expected_renderer(layer_id: str) -> str:
    """The QGIS renderer a declaration asks for."""
    style = default_registry()[layer_id].style
    return "graduatedSymbol" if style.choropleth else "categorizedSymbol" if style.by else "singleSymbol"


@pytest.fixture(scope="module")
def kit(data_settings: Any, manifest: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the probe over the session build's kit (copied, so QGIS cannot touch the build)."""
    store = BuildStore(data_settings.current.resolve())
    tmp = tmp_path_factory.mktemp("kit")
    for name in (QGZ, store.gpkg_path.name):
        (tmp / name).write_bytes((store.path / name).read_bytes())
    runtime = tmp / "xdg"
    runtime.mkdir(mode=0o700)
    plan = {"project": str(tmp / QGZ), "gpkg": str(tmp / store.gpkg_path.name), "layers": list(manifest["layers"]),
            "png": str(tmp / "kit.png"), "size": list(SIZE)}
    (tmp / "plan.json").write_text(json.dumps(plan))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp)}
    env.pop("PYTHONPATH", None)  # the venv's packages must not leak into the system interpreter
    done = subprocess.run([QGIS_PYTHON, str(PROBE), str(tmp / "plan.json")], env=env, cwd=tmp,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"QGIS probe exited {done.returncode}:\n{done.stderr[-3000:]}"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    Image.open(plan["png"]).save(OUTPUT / "qgis-project.png")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_project_opens_with_every_layer_valid_and_complete(kit: dict[str, Any], manifest: dict[str, Any]) -> None:
    assert kit["qgis"].startswith("3.") and kit["read"] is True
    assert "+proj=lcc" in kit["crs"] and "+lat_1=27" in kit["crs"] and "+lon_0=-106" in kit["crs"]
    assert set(kit["layers"]) == set(manifest["layers"])
    for lid, got in kit["layers"].items():
        spec = default_registry()[lid]
        assert got["valid"] and got["features"] == manifest["layers"][lid]["features"], lid
        assert got["crs"] == "EPSG:4326", lid
        assert (got["title"], got["licences"], got["rights"]) == (spec.title, [spec.licence], [spec.attribution])
        assert got["links"] == len(manifest["layers"][lid].get("sources", [])), lid
        assert got["labels"] == bool(spec.style.label), lid
        if spec.style.label:
            assert got["label_field"] == spec.style.label, lid
    groups = dict((name, members) for name, members in kit["groups"])
    data = [s.title for s in default_registry().values() if s.id in manifest["layers"] and "basemap" not in s.roles]
    assert sorted(groups["Data / Datos"]) == sorted(data)


def test_renderers_are_those_declared_with_mapclassify_classes(kit: dict[str, Any], layer: Any) -> None:
    for lid, got in kit["layers"].items():
        spec = default_registry()[lid]
        assert got["renderer"] == expected_renderer(lid), lid
        if spec.style.choropleth:
            values = layer(lid)[spec.style.choropleth].to_numpy(dtype=float)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Numba not installed")
                bins = mapclassify.classify(values, spec.style.scheme, k=spec.style.classes).bins
            assert [r[1] for r in got["classes"]] == pytest.approx(list(bins))
            assert got["classes"][0][0] == pytest.approx(values.min())
            assert [r[2] for r in got["classes"]] == list(spec.style.ramp)
        elif spec.style.by and spec.style.palette and not (spec.geometry_type == "Point" and spec.style.fill_color):
            assert [c for c in got["classes"] if c[0]] == [[v, c] for v, c in spec.style.palette], lid


def test_geopackage_styles_apply_when_a_layer_is_added_from_it(kit: dict[str, Any], data_settings: Any,
                                                               manifest: dict[str, Any]) -> None:
    for lid, got in kit["from_gpkg"].items():
        assert got["valid"] and got["renderer"] == expected_renderer(lid), lid
        assert got["classes"] == kit["layers"][lid]["classes"], lid
    gpkg = BuildStore(data_settings.current.resolve()).gpkg_path
    with sqlite3.connect(gpkg) as db:
        rows = db.execute("SELECT f_table_name, useAsDefault FROM layer_styles").fetchall()
        registered = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchall()
    assert sorted(rows) == sorted((lid, 1) for lid in manifest["layers"])
    assert registered == [("attributes",)]


def test_project_renders_non_blank(kit: dict[str, Any]) -> None:
    rgb = np.asarray(Image.open(kit["png"]).convert("RGB")).astype(int)
    assert rgb.shape[:2] == (SIZE[1], SIZE[0])
    assert (np.abs(rgb - 255).sum(axis=2) > 30).mean() > 0.2


def _staged_build(published: BuildStore, staged: Path) -> None:
    """A build directory sharing (hard-linking) the published build's layers, manifest and GeoPackage."""
    staged.mkdir()
    for path in [published.path / "manifest.json", published.gpkg_path, *published.path.glob("*.parquet")]:
        os.link(path, staged / path.name)


def test_writing_the_styles_never_changes_a_geopackage_shared_with_another_build(data_settings: Any,
                                                                               tmp_path: Path) -> None:
    """Builds hard-link unchanged files from the build before: the styles step leaves a GeoPackage that already
    has its styles alone, and writes other styles into a copy of its own, never into the shared file."""
    from layers.qgis_project import render_into

    published = BuildStore(data_settings.current.resolve())
    same = tmp_path / "same"
    _staged_build(published, same)
    before = published.gpkg_path.stat()
    render_into(same)  # the published GeoPackage already holds these styles: nothing to write
    assert (same / published.gpkg_path.name).stat().st_ino == before.st_ino
    assert published.gpkg_path.stat().st_mtime_ns == before.st_mtime_ns

    changed, earlier = tmp_path / "changed", tmp_path / "earlier"
    _staged_build(published, changed)
    gpkg = changed / published.gpkg_path.name
    gpkg.unlink()
    gpkg.write_bytes(published.gpkg_path.read_bytes())
    with sqlite3.connect(gpkg) as db:  # an earlier build whose styles differ from today's declarations
        db.execute("DELETE FROM layer_styles WHERE id = (SELECT min(id) FROM layer_styles)")
    earlier.mkdir()
    os.link(gpkg, earlier / gpkg.name)
    shared = (earlier / gpkg.name).stat()
    digest = _sha256(earlier / gpkg.name)
    render_into(changed)
    after = (earlier / gpkg.name).stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (shared.st_ino, shared.st_mtime_ns, shared.st_size)
    assert _sha256(earlier / gpkg.name) == digest
    assert gpkg.stat().st_ino != shared.st_ino and gpkg.stat().st_nlink == 1
    with sqlite3.connect(gpkg) as db:  # and the build's own copy has every layer's style
        styled = {row[0] for row in db.execute("SELECT f_table_name FROM layer_styles")}
    assert styled == set(json.loads((changed / "manifest.json").read_text())["layers"])


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
