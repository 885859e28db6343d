"""The bordergeo command line: real processes, exit codes, one-line errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from layers.settings import DataSettings


def run(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if data_dir is not None:
        env["BORDERGEO_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "layers.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_info_prints_layers_counts_and_provenance(data_settings: DataSettings, manifest) -> None:
    proc = run("info", data_dir=data_settings.data_dir)
    assert proc.returncode == 0, proc.stderr
    for layer_id, entry in manifest["layers"].items():
        assert f"\n{layer_id}: " in proc.stdout
        assert f"{entry['features']} features" in proc.stdout
    assert "length_mi: 1974.5" in proc.stdout and "ibwc_length_mi: 1954.0" in proc.stdout
    assert "licence: LGPL-3.0-or-later" in proc.stdout


def test_build_with_nothing_to_do(data_settings: DataSettings) -> None:
    proc = run("build", data_dir=data_settings.data_dir)
    assert proc.returncode == 0, proc.stderr
    assert "0 built" in proc.stdout and "up to date" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("build", "nope"), "bordergeo: error: unknown layer 'nope': choose one of boundary"),
        (("fetch", "--mirror", "/nonexistent/mirror"), "mirror directory /nonexistent/mirror does not exist"),
        (("info",), "no build in"),
    ],
)
def test_bad_input_gives_one_line_and_exit_1(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    proc = run(*args, data_dir=tmp_path / "empty")
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if "error" in line]) == 1


def test_unwritable_data_dir_exit_1(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = run("build", "boundary", data_dir=blocker / "data")
    assert proc.returncode == 1
    assert "is not writable" in proc.stderr and "Traceback" not in proc.stderr
    assert not (blocker / "data").exists()


def test_fetch_reports_every_bad_mirror_file_and_exits_1(mirror: Path, tmp_path: Path) -> None:
    bad = tmp_path / "mirror"
    shutil.copytree(mirror, bad, copy_function=os.link)
    (bad / "tiger/tl_2023_us_internationalboundary.shp").unlink()
    (bad / "tiger/tl_2023_us_internationalboundary.shp").write_bytes(b"damaged")
    (bad / "census/cb_2018_us_state_500k.zip").unlink()
    proc = run("fetch", "--mirror", str(bad), data_dir=tmp_path / "data")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "bordergeo: error: 2 of 91 source files could not be fetched:" in proc.stderr
    assert "the mirror's copy" in proc.stderr and "tl_2023_us_internationalboundary.shp is corrupt" in proc.stderr
    assert "cb_2018_us_state_500k.zip is not in the mirror" in proc.stderr
    fetched = [p for p in (tmp_path / "data" / "sources").rglob("*") if p.is_file()]
    assert len(fetched) == 89  # every good file was fetched in the same run
