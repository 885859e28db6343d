"""``bordergeo maps``: writes the pages, and fails with one clear line on bad input, writing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from layers.cli import main
from maps.render import MARKER

BORDERGEO = Path(sys.executable).parent / "bordergeo"


def run(data_settings: Any, *args: str) -> int:
    """The CLI in-process against the session build."""
    return main(["-q", "maps", "--data-dir", str(data_settings.data_dir), *args])


def test_maps_writes_the_requested_layer_pages(data_settings: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "nested" / "maps"
    assert run(data_settings, "--out", str(out), "--layer", "boundary") == 0
    pages = sorted(p.name for p in out.glob("*.html"))
    assert pages == ["index.es.html", "index.html", "layer-boundary.es.html", "layer-boundary.html", "overview.es.html",
                     "overview.html"]
    assert (out / "assets" / "leaflet" / "leaflet.js").is_file()
    assert (out / MARKER).is_file()
    printed = capsys.readouterr().out
    assert f"6 pages in {out}" in printed and str(out / "index.html") in printed


def test_rendering_again_replaces_the_whole_directory(data_settings: Any, tmp_path: Path) -> None:
    out = tmp_path / "maps"
    assert run(data_settings, "--out", str(out)) == 0
    everything = {p.name for p in out.glob("*.html")}
    assert len(everything) > 3
    assert run(data_settings, "--out", str(out), "--layer", "boundary") == 0
    assert {p.name for p in out.glob("*.html")} == {"index.html", "index.es.html", "layer-boundary.html",
                                                        "layer-boundary.es.html", "overview.html", "overview.es.html"}
    assert [p.name for p in tmp_path.iterdir()] == ["maps"]  # no temporary or old directories left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "nope"], "unknown layer 'nope'"),
        (["--layer", "boundary", "--layer", "nope"], "unknown layer 'nope'"),
    ],
)
def test_unknown_layer_is_one_line_and_writes_nothing(
    data_settings: Any, tmp_path: Path, capsys: Any, args: list[str], message: str
) -> None:
    out = tmp_path / "maps"
    assert run(data_settings, "--out", str(out), *args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("bordergeo: error: ") and message in err[0]
    assert list(tmp_path.iterdir()) == []


def test_unwritable_out_is_one_line_and_writes_nothing(data_settings: Any, tmp_path: Path, capsys: Any) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    # procfs refuses new entries even to root, so this is unwritable whoever runs the tests
    for out in (blocker / "maps", Path("/proc/bordergeo-maps-test"), blocker):
        assert run(data_settings, "--out", str(out)) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"bordergeo: error: cannot write maps to {out}")
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]
    assert blocker.read_text() == "not a directory"


def test_a_directory_of_other_files_is_not_replaced(data_settings: Any, tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    assert run(data_settings, "--out", str(tmp_path)) == 1
    assert "holds other files" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_the_installed_command_exits_non_zero_without_a_traceback(data_settings: Any, tmp_path: Path) -> None:
    env = {**os.environ, "BORDERGEO_DATA_DIR": str(data_settings.data_dir)}
    proc = subprocess.run(
        [str(BORDERGEO), "maps", "--out", str(tmp_path / "m"), "--layer", "nope"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "unknown layer 'nope': choose one of boundary, ports" in proc.stderr
    assert "Traceback" not in proc.stderr
