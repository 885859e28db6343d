"""Printable sheets: the build writes the overview and every port of the ports layer, on both papers in both
languages; the PDFs carry title, port name and attribution (pdftotext) and render non-blank (pdftoppm); the
PNGs are 300 dpi at paper size; the graticule's labels bracket the port; the CLI fails cleanly on bad input."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image

from layers.cli import main
from layers.registry import default_registry
from maps.sheets import SHEETS_DIR

PAPER_INCHES = {"letter": (11.0, 8.5), "a4": (297 / 25.4, 210 / 25.4)}  # ISO 216 and ANSI, landscape
PAPERS, LANGS, EXTS = ("letter", "a4"), ("en", "es"), ("pdf", "png")
DRAWN = ["land", "us-states", "mx-states", "railroads", "border-region", "boundary", "rivers", "ports", "cities"]


@pytest.fixture(scope="module")
def sheets(data_settings: Any) -> Path:
    """The sheets the session build rendered."""
    return Path(data_settings.current) / SHEETS_DIR


def pdf_text(path: Path) -> str:
    """The text poppler's pdftotext finds in a PDF, on one line."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


@pytest.fixture(scope="module")
def ports(data_settings: Any) -> gpd.GeoDataFrame:
    """The ports layer of the session build (read here, not through the sheets code)."""
    return gpd.read_parquet(Path(data_settings.current) / "ports.parquet")


def assert_attributions(found: str) -> None:
    """Every drawn layer's declared attribution, word for word (pdftotext breaks lines where the sheet wraps)."""
    registry = default_registry()
    for lid in DRAWN:
        assert " ".join(registry[lid].attribution.split()) in found, lid


def test_build_writes_every_port_on_both_papers_in_both_languages(sheets: Path, ports: gpd.GeoDataFrame) -> None:
    stems = ["overview"] + [f"port-{code}" for code in ports["port_code"]]
    expected = {f"{stem}.{paper}.{lang}.{ext}" for stem in stems for paper in PAPERS for lang in LANGS for ext in EXTS}
    written = {p.name for p in sheets.iterdir() if not p.name.startswith(".")}
    assert written == expected
    assert len(written) == len(ports) * 2 * 2 * 2 + 8


def test_overview_pdf_has_title_and_attribution(sheets: Path) -> None:
    found = pdf_text(sheets / "overview.letter.en.pdf")
    assert "US–Mexico border" in found and "Legend" in found and "km" in found and "Sources" in found
    assert_attributions(found)


def test_spanish_sheet_has_spanish_title(sheets: Path) -> None:
    found = pdf_text(sheets / "overview.a4.es.pdf")
    assert "Frontera México–Estados Unidos" in found and "Leyenda" in found and "Fuentes" in found


@pytest.mark.parametrize(("paper", "lang"), [("letter", "en"), ("a4", "es")])
def test_port_sheet_names_its_port_and_credits_the_sources(sheets: Path, ports: gpd.GeoDataFrame, paper: str,
                                                          lang: str) -> None:
    row = ports.iloc[1]
    found = pdf_text(sheets / f"port-{row['port_code']}.{paper}.{lang}.pdf")
    name = row["name"] if lang == "en" else row["name_es"]
    assert " ".join(str(name).split()) in found
    assert ("Sources" if lang == "en" else "Fuentes") in found
    assert_attributions(found)
    # the graticule is labelled in degrees and minutes (W in English, O for oeste in Spanish) around the port
    west = "W" if lang == "en" else "O"
    lons = [-(int(d) + int(m or 0) / 60) for d, m in re.findall(rf"(\d+)°(?:(\d\d)')?{west}", found)]
    lats = [int(d) + int(m or 0) / 60 for d, m in re.findall(r"(\d+)°(?:(\d\d)')?N", found)]
    assert len(lons) >= 2 and len(lats) >= 2, found
    assert min(lons) < row.geometry.x < max(lons) and min(lats) < row.geometry.y < max(lats)


@pytest.mark.parametrize("stem", ["overview", "port-2301"])
def test_pdftoppm_renders_a_non_blank_page(sheets: Path, tmp_path: Path, stem: str) -> None:
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", str(sheets / f"{stem}.letter.en.pdf"),
                    str(tmp_path / "page")], check=True)
    pixels = np.asarray(Image.open(tmp_path / "page.png").convert("L"), dtype=float)
    assert pixels.shape == (340, 440)  # 8.5 x 11 in at 40 dpi
    assert pixels.std() > 20  # a blank or single-colour page is ~0


@pytest.mark.parametrize(("stem", "paper", "lang"), [("overview", "letter", "en"), ("port-2504", "a4", "es"),
                                                     ("port-2504", "letter", "en")])
def test_png_is_300_dpi_at_paper_size_and_not_blank(sheets: Path, stem: str, paper: str, lang: str) -> None:
    image = Image.open(sheets / f"{stem}.{paper}.{lang}.png")
    w, h = PAPER_INCHES[paper]
    assert abs(image.width - w * 300) <= 1 and abs(image.height - h * 300) <= 1
    assert round(image.info["dpi"][0]) == 300
    assert np.asarray(image.convert("L"), dtype=float).std() > 20


def run(data_settings: Any, *args: str) -> int:
    """The CLI in-process against the session build."""
    return main(["-q", "sheets", "--data-dir", str(data_settings.data_dir), *args])


def test_unknown_language_is_one_line_and_writes_nothing(data_settings: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "sheets"
    assert run(data_settings, "--lang", "fr", "--out", str(out)) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown language 'fr'" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unwritable_out_is_one_line_and_writes_nothing(data_settings: Any, tmp_path: Path, capsys: Any) -> None:
    blocker = tmp_path / "a-file"  # a path under a regular file cannot be created, not even by root
    blocker.write_text("mine")
    assert run(data_settings, "--lang", "es", "--out", str(blocker / "sheets")) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a writable directory" in err
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"] and blocker.read_text() == "mine"


def test_cli_port_renders_the_overview_and_that_port(data_settings: Any, ports: gpd.GeoDataFrame,
                                                    tmp_path: Path, capsys: Any) -> None:
    row = ports.iloc[0]
    out = tmp_path / "sheets"
    assert run(data_settings, "--lang", "es", "--port", str(row["port_code"]), "--out", str(out)) == 0
    assert "8 files" in capsys.readouterr().out
    stems = ("overview", f"port-{row['port_code']}")
    expected = {f"{stem}.{paper}.es.{ext}" for stem in stems for paper in PAPERS for ext in EXTS}
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == expected
    found = pdf_text(out / f"port-{row['port_code']}.a4.es.pdf")
    assert " ".join(str(row["name_es"]).split()) in found and "Leyenda" in found


def test_unknown_port_is_one_line_and_writes_nothing(data_settings: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "sheets"
    assert run(data_settings, "--port", "9999", "--out", str(out)) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown port code 9999" in err
    assert list(tmp_path.iterdir()) == []


def test_out_that_is_a_file_is_refused(data_settings: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "sheets"
    out.write_text("mine")
    assert run(data_settings, "--out", str(out)) == 1
    assert "it is a file" in capsys.readouterr().err and out.read_text() == "mine"
