"""Printable sheets: the build's PDFs carry title and attribution (pdftotext), render non-blank (pdftoppm),
the PNGs are 300 dpi at paper size, Spanish sheets say Spanish, and the CLI fails cleanly on bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image

from layers.cli import main
from layers.registry import default_registry
from maps.sheets import SHEETS_DIR, render_sheets

PAPER_INCHES = {"letter": (11.0, 8.5), "a4": (297 / 25.4, 210 / 25.4)}  # ISO 216 and ANSI, landscape


@pytest.fixture(scope="module")
def sheets(data_settings: Any) -> Path:
    """The sheets the session build rendered."""
    return Path(data_settings.current) / SHEETS_DIR


def pdf_text(path: Path) -> str:
    """The text poppler's pdftotext finds in a PDF, on one line."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def test_overview_pdf_has_title_and_attribution(sheets: Path) -> None:
    found = pdf_text(sheets / "overview.letter.en.pdf")
    assert "US–Mexico border" in found
    registry = default_registry()
    drawn = ["land", "us-states", "mx-states", "railroads", "border-region", "boundary", "rivers", "ports", "cities"]
    for lid in drawn:
        # the declared attribution, word for word (pdftotext breaks lines where the sheet wraps them)
        assert " ".join(registry[lid].attribution.split()) in found, lid
    assert "Legend" in found and "km" in found


def test_spanish_sheet_has_spanish_title(sheets: Path) -> None:
    found = pdf_text(sheets / "overview.a4.es.pdf")
    assert "Frontera México–Estados Unidos" in found and "Leyenda" in found and "Fuentes" in found


def test_port_sheets_name_their_port_in_spanish(data_settings: Any, tmp_path: Path) -> None:
    ports = gpd.read_parquet(Path(data_settings.current) / "ports.parquet")
    row = ports.iloc[0]
    result = render_sheets(Path(data_settings.current), tmp_path / "out", ("es",), ports=(str(row["port_code"]),))
    stems = ("overview", f"port-{row['port_code']}")
    expected = [f"{stem}.{paper}.es.{ext}" for stem in stems for paper in ("letter", "a4") for ext in ("pdf", "png")]
    assert sorted(result.files) == sorted(expected)
    found = pdf_text(tmp_path / "out" / f"port-{row['port_code']}.a4.es.pdf")
    assert " ".join(str(row["name_es"]).split()) in found and "Leyenda" in found


def test_pdftoppm_renders_a_non_blank_page(sheets: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", str(sheets / "overview.letter.en.pdf"),
                    str(tmp_path / "page")], check=True)
    pixels = np.asarray(Image.open(tmp_path / "page.png").convert("L"), dtype=float)
    assert pixels.shape == (340, 440)  # 8.5 x 11 in at 40 dpi
    assert pixels.std() > 20  # a blank or single-colour page is ~0


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_png_is_300_dpi_at_paper_size(sheets: Path, paper: str) -> None:
    image = Image.open(sheets / f"overview.{paper}.en.png")
    w, h = PAPER_INCHES[paper]
    assert abs(image.width - w * 300) <= 1 and abs(image.height - h * 300) <= 1
    assert round(image.info["dpi"][0]) == 300


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


def test_out_that_is_a_file_is_refused(data_settings: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "sheets"
    out.write_text("mine")
    assert run(data_settings, "--out", str(out)) == 1
    assert "it is a file" in capsys.readouterr().err and out.read_text() == "mine"
