"""The build pipeline: manifest contents, incremental rebuilds, atomic publishing, failure paths."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest

from geo.errors import BuildError, DataDirError, LayerNotFoundError, SourceError
from layers.build import GPKG, build, load_manifest
from layers.registry import Registry, default_registry
from layers.settings import DataSettings
from layers.spec import LayerSpec, Prop

BORDERGEO = [sys.executable, "-m", "layers.cli"]


def clone(settings: DataSettings, tmp_path: Path) -> DataSettings:
    """A private copy of the session data dir: sources and builds hard-linked (cheap, and never modified)."""
    target = tmp_path / "data"
    shutil.copytree(settings.data_dir, target, symlinks=True, copy_function=os.link)
    return DataSettings(data_dir=target)


def corrupt(path: Path) -> None:
    """Replace a (hard-linked) file by a corrupted copy without touching the original's inode."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.unlink()
    path.write_bytes(bytes(data))


def test_manifest_describes_every_layer(manifest, data_settings) -> None:
    layers = manifest["layers"]
    assert list(layers) == list(default_registry())
    for layer_id, entry in layers.items():
        spec = default_registry()[layer_id]
        assert entry["id"] == layer_id and entry["title"] == spec.title
        assert entry["features"] > 0 and len(entry["bbox"]) == 4
        assert entry["licence"] and entry["attribution"] and entry["built_at"]
        assert all(len(s["sha256"]) == 64 and s["url"].startswith("http") for s in entry["sources"])
        gdf = gpd.read_parquet(data_settings.current / f"{layer_id}.parquet")
        assert len(gdf) == entry["features"]
        assert entry["bbox"] == pytest.approx(list(gdf.total_bounds), abs=1e-6)


def test_geopackage_holds_every_layer(manifest, data_settings) -> None:
    import pyogrio

    listed = {name: count for name, _ in pyogrio.list_layers(data_settings.current / GPKG) for count in [0]}
    assert set(listed) == set(manifest["layers"]) | {"layer_styles"}  # + the QGIS styles of the planner's kit
    info = pyogrio.read_info(data_settings.current / GPKG, layer="boundary")
    assert info["features"] == manifest["layers"]["boundary"]["features"]


def test_second_build_with_nothing_changed_is_fast_and_publishes_nothing(data_settings, tmp_path) -> None:
    settings = clone(data_settings, tmp_path)
    before = settings.current.resolve()
    t0 = time.perf_counter()
    result = build(settings)
    elapsed = time.perf_counter() - t0
    assert not result.changed and result.path == before
    assert elapsed < 5.0
    assert settings.current.resolve() == before


def test_a_change_to_the_maps_code_re_renders_the_maps_and_nothing_else(
    data_settings, tmp_path, monkeypatch
) -> None:
    import maps.pages
    import maps.ports
    import maps.sheet_draw
    from layers import artifacts

    maps_code = artifacts.artifact_code_files("maps.artifact")
    sheets_code = artifacts.artifact_code_files("maps.sheets")
    assert Path(maps.ports.__file__) in maps_code and Path(maps.pages.__file__) in maps_code
    # the sheets renderer shares the package, not these modules: editing the HTML maps leaves the sheets alone
    assert Path(maps.sheet_draw.__file__) in sheets_code and Path(maps.pages.__file__) not in sheets_code
    settings = clone(data_settings, tmp_path)
    code = tmp_path / "maps_extra.py"  # stands for a module of the HTML maps being edited
    code.write_text("COLOUR = 'red'\n")
    real = artifacts.artifact_code_files
    monkeypatch.setattr(artifacts, "artifact_code_files",
                        lambda module: [*real(module), code] if module == "maps.artifact" else real(module))
    assert build(settings).rendered == ("maps",)  # the renderer's code changed: maps only
    before = settings.current.resolve()
    assert not build(settings).changed and settings.current.resolve() == before
    code.write_text("COLOUR = 'blue'\n")
    result = build(settings)
    after = settings.current.resolve()
    assert result.changed and result.built == () and result.rendered == ("maps",) and after != before
    assert set(result.reused) == set(load_manifest(settings)["layers"])
    # layers, GeoPackage and the unchanged sheets hard-linked, not written again
    for name in ("boundary.parquet", "port-traffic.parquet", GPKG, "sheets/overview.letter.en.pdf"):
        assert (after / name).stat().st_ino == (before / name).stat().st_ino, name
    assert sorted(os.listdir(after / "sheets")) == sorted(os.listdir(before / "sheets"))
    assert (after / "maps" / "index.html").stat().st_mtime_ns > (before / "maps" / "index.html").stat().st_mtime_ns
    assert load_manifest(settings)["artifacts"]["maps"]["input_key"] != ""


def test_changed_source_rebuilds_only_what_depends_on_it(data_settings, tmp_path) -> None:
    settings = clone(data_settings, tmp_path)
    wswc = settings.sources_dir / "wswc/PecosRiverBasin.cs"
    content = wswc.read_bytes()
    wswc.unlink()
    wswc.write_bytes(content)  # same bytes, new file: re-verified, dependents rebuilt
    result = build(settings)
    registry = default_registry()
    dependents = {lid for lid in registry if "wswc/PecosRiverBasin.cs" in registry[lid].sources}
    assert dependents and dependents <= set(result.built)
    assert "boundary" in result.reused and "population" in result.reused
    # rebuilt to the same bytes: nothing made from the layers is made again (the sheets take ~40 s)
    assert "sheets" not in result.rendered and "maps" not in result.rendered, result.rendered
    assert load_manifest(settings)["layers"]["boundary"] == load_manifest(data_settings)["layers"]["boundary"]


def test_corrupted_source_fails_and_keeps_previous_build(data_settings, tmp_path) -> None:
    settings = clone(data_settings, tmp_path)
    before = settings.current.resolve()
    corrupt(settings.sources_dir / "dcw/dcw-gmt.nc")
    with pytest.raises(SourceError, match=r"dcw-gmt\.nc is corrupt .*bordergeo fetch"):
        build(settings)
    assert settings.current.resolve() == before
    assert not list(settings.builds_dir.glob(".staging-*"))


def test_missing_source_fails_with_the_file_named(data_settings, tmp_path) -> None:
    settings = clone(data_settings, tmp_path)
    (settings.sources_dir / "census/co-est2024-alldata.csv").unlink()
    with pytest.raises(SourceError, match=r"co-est2024-alldata\.csv is missing: run `bordergeo fetch`"):
        build(settings, ["population"])
    assert load_manifest(settings) == load_manifest(data_settings)


@pytest.mark.parametrize(
    ("file", "damage", "message"),
    [
        ("tiger/tl_2023_us_internationalboundary.shp", "corrupt", "is corrupt"),
        ("tiger/tl_2023_us_internationalboundary.dbf", "missing", "is missing"),
        ("census/cb_2018_us_state_500k.zip", "corrupt", "is corrupt"),
        ("natural_earth/ne_10m_land.json", "missing", "is missing"),
    ],
)
def test_bad_planning_scale_source_fails_the_boundary_build_and_publishes_nothing(
    data_settings, tmp_path, file: str, damage: str, message: str
) -> None:
    settings = clone(data_settings, tmp_path)
    before = settings.current.resolve()
    builds = sorted(p.name for p in settings.builds_dir.iterdir())
    if damage == "corrupt":
        corrupt(settings.sources_dir / file)
    else:
        (settings.sources_dir / file).unlink()
    with pytest.raises(SourceError, match=re.escape(file.split("/")[-1]) + " " + message):
        build(settings, ["boundary"])
    assert settings.current.resolve() == before
    assert sorted(p.name for p in settings.builds_dir.iterdir()) == builds


def test_unknown_layer_lists_the_known_ones(data_settings) -> None:
    with pytest.raises(LayerNotFoundError, match="unknown layer 'nope': choose one of boundary, ports"):
        build(data_settings, ["nope"])


def test_unwritable_data_dir(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(DataDirError, match=r"not writable.*BORDERGEO_DATA_DIR"):
        build(DataSettings(data_dir=blocker / "data"))


def test_layer_that_breaks_its_declaration_is_not_published(data_settings, tmp_path) -> None:
    settings = clone(data_settings, tmp_path)
    before = settings.current.resolve()

    def bad_build(ctx) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame({"id": ["a", "a"]}, geometry=gpd.points_from_xy([0, 1], [0, 1]), crs=4326)

    spec = LayerSpec(
        id="broken", title="broken", description="", geometry_type="Point", id_field="id",
        properties=(Prop("id", "string", "id"),), sources=(), licence="x", attribution="x", build=bad_build,
    )
    with pytest.raises(BuildError, match="layer broken failed validation: duplicate ids"):
        build(settings, ["broken"], Registry((spec,)))
    assert settings.current.resolve() == before


def test_killed_build_leaves_previous_build_and_is_cleaned_up(data_settings, tmp_path) -> None:
    settings = clone(data_settings, tmp_path)
    before = settings.current.resolve()
    dcw = settings.sources_dir / "dcw/dcw-gmt.nc"
    content = dcw.read_bytes()
    dcw.unlink()  # a hard link to the session's copy: replace it, never touch the shared inode
    dcw.write_bytes(content)  # same bytes, new mtime: forces a rebuild
    env = {**os.environ, "BORDERGEO_DATA_DIR": str(settings.data_dir)}
    proc = subprocess.Popen([*BORDERGEO, "build"], env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "building" in line:
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert settings.current.resolve() == before
    assert load_manifest(settings) == load_manifest(data_settings)
    assert list(settings.builds_dir.glob(".staging-*")), "the killed build should have left its staging dir"
    result = build(settings, ["boundary"])
    assert "boundary" in result.built
    assert not list(settings.builds_dir.glob(".staging-*"))
