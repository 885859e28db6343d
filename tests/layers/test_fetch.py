"""The fetch step: copy from a mirror, verify sha256, skip what is valid, refuse what is not."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from geo.errors import SourceError
from geo.io import sha256_file
from layers.sources import fetch, manifest, source


def linked_mirror(mirror: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "mirror"
    shutil.copytree(mirror, copy, copy_function=os.link)
    return copy


def test_manifest_declares_every_source_with_checksum_and_licence() -> None:
    files = manifest()
    assert len(files) == 91
    assert all(len(s.sha256) == 64 and s.url.startswith("https://") and s.licence for s in files.values())
    assert source("dcw/dcw-gmt.nc").extract == "tar:dcw-gmt-2.1.1/dcw-gmt.nc"
    assert source("natural_earth/ne_10m_land.json").extract == "7z:ne_10m_land.json"


# the sources of the planning-scale boundary and the basemaps (issue 8), with the byte counts the mirror's
# SOURCES.json gives independently of layers/sources.json
PLANNING_SOURCES = {
    "tiger/tl_2023_us_internationalboundary.shp": 1364876,
    "tiger/tl_2023_us_internationalboundary.dbf": 38202,
    "tiger/tl_2023_us_internationalboundary.shx": 38172,
    "tiger/tl_2023_us_internationalboundary.prj": 165,
    "census/cb_2018_us_state_500k.zip": 3302089,
    "natural_earth/ne_10m_land.json": 18292962,
    "natural_earth/ne_10m_railroads_north_america.json": 3272475,
}


def test_planning_scale_sources_are_declared_and_fetch_from_the_mirror(mirror, tmp_path) -> None:
    dest = tmp_path / "sources"
    assert fetch(dest, mirror, list(PLANNING_SOURCES)) == (len(PLANNING_SOURCES), 0)
    for f, size in PLANNING_SOURCES.items():
        assert source(f).bytes == size == (dest / f).stat().st_size
        assert source(f).licence.startswith("public domain")


def test_fetch_copies_verifies_and_then_skips(mirror, tmp_path) -> None:
    dest = tmp_path / "sources"
    wanted = ["wswc/PecosRiverBasin.cs", "census/co-est2024-alldata.csv"]
    assert fetch(dest, mirror, wanted) == (2, 0)
    for f in wanted:
        assert sha256_file(dest / f) == source(f).sha256
    assert fetch(dest, mirror, wanted) == (0, 2)


def test_fetch_replaces_a_corrupted_copy(mirror, tmp_path) -> None:
    dest = tmp_path / "sources"
    f = "wswc/PecosRiverBasin.cs"
    fetch(dest, mirror, [f])
    (dest / f).write_text("tampered")
    assert fetch(dest, mirror, [f]) == (1, 0)
    assert sha256_file(dest / f) == source(f).sha256


def test_corrupt_mirror_file_is_refused_and_nothing_is_left(mirror, tmp_path) -> None:
    bad = linked_mirror(mirror, tmp_path)
    f = "wswc/PecosRiverBasin.cs"
    (bad / f).unlink()
    (bad / f).write_text("not the basin")
    dest = tmp_path / "sources"
    with pytest.raises(SourceError, match=r"the mirror's copy .*/wswc/PecosRiverBasin\.cs is corrupt") as err:
        fetch(dest, bad, [f])
    # what to do about a bad mirror (not "delete it and fetch", which would only find the same bad copy)
    assert "restore that file in the mirror from https://" in str(err.value)
    assert "bordergeo fetch --no-mirror" in str(err.value) and "13 bytes read" in str(err.value)
    assert not (dest / f).exists()
    assert not list((dest / "wswc").iterdir())


def test_missing_mirror_file_and_missing_mirror(mirror, tmp_path) -> None:
    bad = linked_mirror(mirror, tmp_path)
    (bad / "wswc/PecosRiverBasin.cs").unlink()
    with pytest.raises(SourceError, match=r"PecosRiverBasin\.cs is not in the mirror .*: the mirror is incomplete"):
        fetch(tmp_path / "sources", bad, ["wswc/PecosRiverBasin.cs"])
    with pytest.raises(SourceError, match=r"mirror directory .* does not exist"):
        fetch(tmp_path / "sources", tmp_path / "nowhere", ["wswc/PecosRiverBasin.cs"])


def test_offline_download_fails_with_advice(tmp_path) -> None:
    with pytest.raises(SourceError, match=r"border_crossing_entry_data_us_mexico\.csv cannot be downloaded as-is"):
        fetch(tmp_path / "sources", None, ["bts/border_crossing_entry_data_us_mexico.csv"])


def test_every_bad_or_missing_file_is_reported_in_one_run(mirror, tmp_path, caplog) -> None:
    """Two corrupt and one missing mirror file: all three named in one error, the good ones fetched."""
    bad = linked_mirror(mirror, tmp_path)
    corrupt = ["tiger/tl_2023_us_internationalboundary.shp", "natural_earth/ne_10m_land.json"]
    missing = "census/cb_2018_us_state_500k.zip"
    for f in corrupt:
        (bad / f).unlink()
        (bad / f).write_bytes(b"damaged")
    (bad / missing).unlink()
    wanted = [*PLANNING_SOURCES, "wswc/PecosRiverBasin.cs"]
    dest = tmp_path / "sources"
    caplog.set_level("INFO", logger="bordergeo.fetch")
    with pytest.raises(SourceError, match=r"^3 of 8 source files could not be fetched:\n") as err:
        fetch(dest, bad, wanted)
    lines = str(err.value).splitlines()[1:]
    assert len(lines) == 3
    assert "tl_2023_us_internationalboundary.shp is corrupt" in lines[0]
    assert "cb_2018_us_state_500k.zip is not in the mirror" in lines[1]
    assert "ne_10m_land.json is corrupt" in lines[2]
    good = [f for f in wanted if f not in (*corrupt, missing)]
    assert all(sha256_file(dest / f) == source(f).sha256 for f in good)
    assert not any((dest / f).exists() for f in (*corrupt, missing))
    # progress reports the bytes read, as counted on disk, not the declared size
    size = (mirror / "tiger/tl_2023_us_internationalboundary.dbf").stat().st_size
    assert f"tl_2023_us_internationalboundary.dbf <- {bad}/tiger/tl_2023_us_internationalboundary.dbf: " \
        f"{size:,} bytes read, sha256 ok" in caplog.text
    read_mb = sum((mirror / f).stat().st_size for f in good) / 1e6
    assert f"fetch: 5 fetched ({read_mb:.1f} MB read), 0 already present and verified, 3 failed" in caplog.text
