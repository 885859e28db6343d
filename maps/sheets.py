"""Printable sheets (PDF, vector, and 300-dpi PNG) of the overview and of each port, all or nothing."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from geo.errors import DataDirError
from maps.data import Build, load_build
from maps.i18n import LANGS, Lang
from maps.sheet_draw import DPI, PAPERS, Sheet, draw, text
from maps.symbology import display_names

log = logging.getLogger("bordergeo.maps")
SHEETS_DIR = "sheets"
MARKER = ".bordergeo-sheets"  # marks a directory we wrote, so re-rendering may replace it
PORT_MARGIN_DEG = 0.25  # half the width of a port sheet's map around the port, degrees
#: every build renders the overview only: a sheet costs ~2-4 s of CPU (more on a busy machine), so the
#: ~27 ports x 2 papers x 2 languages would add minutes to each build; `bordergeo sheets` renders them all
BUILD_PORTS: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetsResult:
    """Where the sheets went, the files written, and how long it took."""

    out_dir: Path
    files: tuple[str, ...]
    seconds: float


def render_into(build_dir: Path) -> None:
    """The ``bordergeo.artifacts`` hook: the overview sheets, both papers, both languages."""
    render_sheets(build_dir, build_dir / SHEETS_DIR, ports=BUILD_PORTS)


def render_sheets(
    build_dir: Path, out_dir: Path, langs: tuple[Lang, ...] = LANGS, ports: tuple[str, ...] | None = None
) -> SheetsResult:
    """Write the sheets of ``build_dir`` (the overview, and the ``ports`` codes: default all) into ``out_dir``.

    A failure leaves ``out_dir`` as it was.
    """
    started = time.perf_counter()
    build = load_build(build_dir)
    out_dir = out_dir.absolute()
    _check_replaceable(out_dir)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        files = _write_all(build, tmp, langs, ports)
        (tmp / MARKER).write_text(f"{build.label}\n", encoding="utf-8")
        _publish(tmp, out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataDirError(f"cannot write sheets to {out_dir}: {exc.strerror or exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    log.info("sheets: %d files in %s (%.1f s)", len(files), out_dir, seconds)
    return SheetsResult(out_dir, tuple(files), seconds)


def _write_all(build: Build, out: Path, langs: tuple[Lang, ...], ports: tuple[str, ...] | None) -> list[str]:
    full = _region(build)
    date = datetime.now(UTC).date().isoformat()
    files = []
    for name, sheet in _sheets(build, full, langs, ports):
        fig = draw(build, sheet, full, date)
        for ext in ("pdf", "png"):
            file = f"{name}.{sheet.paper}.{sheet.lang}.{ext}"
            fig.savefig(out / file, dpi=DPI, metadata={"Title": sheet.title} if ext == "pdf" else None)
            files.append(file)
    return files


def _sheets(build: Build, full: tuple[float, float, float, float], langs: tuple[Lang, ...],
            ports: tuple[str, ...] | None) -> Iterator[tuple[str, Sheet]]:
    """(file stem, sheet) of the overview in every paper and language, then of each port."""
    for lang in langs:
        for paper in PAPERS:
            yield "overview", Sheet(text("overview", lang), full, paper, lang, label_limit=30,
                                      labelled=("cities",))  # port names are long: they have their own sheets
    for layer in build.with_role("feature-pages"):
        for lang in langs:
            names = display_names(layer.spec, layer.gdf, lang)
            for code, name, geom in zip(layer.gdf[layer.spec.id_field], names, layer.gdf.geometry, strict=True):
                if ports is not None and str(code) not in ports:
                    continue
                x, y = geom.representative_point().coords[0]
                box = (x - PORT_MARGIN_DEG, y - PORT_MARGIN_DEG, x + PORT_MARGIN_DEG, y + PORT_MARGIN_DEG)
                for paper in PAPERS:
                    yield f"port-{code}", Sheet(text("port", lang, name=name), box, paper, lang)


def _region(build: Build) -> tuple[float, float, float, float]:
    """The lon/lat bounds of the data layers (the basemap reaches further than anything we map)."""
    layer = build.get("border-region") or build.get("boundary")
    if layer is None:
        layer = next(iter(build.map_layers.values()))
    minx, miny, maxx, maxy = (float(v) for v in layer.gdf.total_bounds)
    return minx, miny, maxx, maxy


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace a file, or a directory with someone else's files in it; refuse an unwritable parent."""
    if out_dir.is_file():
        raise DataDirError(f"cannot write sheets to {out_dir}: it is a file")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise DataDirError(f"cannot write sheets to {out_dir}: it holds other files; choose an empty or new directory")
    parent = out_dir.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise DataDirError(f"cannot write sheets to {out_dir}: {parent} is not a writable directory")


def _publish(tmp: Path, out_dir: Path) -> None:
    """Move the finished sheets into place (the old directory, if any, is removed afterwards)."""
    if not out_dir.exists():
        tmp.rename(out_dir)
        return
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
