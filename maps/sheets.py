"""Printable sheets (PDF, vector, and 300-dpi PNG) of the overview and of each port, all or nothing."""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from geo.errors import DataDirError, InvalidParameterError
from maps.data import Build
from maps.i18n import LANGS, Lang
from maps.outdir import check_replaceable, publish
from maps.sheet_draw import text
from maps.sheet_jobs import Job, load_drawn, region, run_jobs
from maps.symbology import display_names

log = logging.getLogger("bordergeo.maps")
SHEETS_DIR = "sheets"
#: what the renderer writes into a build (and nothing else does): an unchanged renderer's sheets are
#: hard-linked from the current build instead of being rendered again
OUTPUTS = (SHEETS_DIR,)
MARKER = ".bordergeo-sheets"  # marks a directory we wrote, so re-rendering may replace it
OVERVIEW_CITIES = 80  # the overview draws the biggest cities only (700 towns would be a smudge at this scale)
PORT_MARGIN_DEG = 0.25  # half the width of a port sheet's map around the port, degrees


@dataclass(frozen=True)
class SheetsResult:
    """Where the sheets went, the files written, and how long it took."""

    out_dir: Path
    files: tuple[str, ...]
    seconds: float


def render_into(build_dir: Path) -> None:
    """The ``bordergeo.artifacts`` hook: the overview and every port, both papers, both languages."""
    render_sheets(build_dir, build_dir / SHEETS_DIR)


def render_sheets(
    build_dir: Path, out_dir: Path, langs: tuple[Lang, ...] = LANGS, ports: tuple[str, ...] | None = None,
    workers: int | None = None,
) -> SheetsResult:
    """Write the sheets of ``build_dir`` (the overview, and the ``ports`` codes: default all) into ``out_dir``.

    A failure leaves ``out_dir`` as it was; an unknown port code is refused before anything is written.
    """
    started = time.perf_counter()
    build = load_drawn(build_dir)
    jobs = sheet_jobs(build, langs, ports)
    out_dir = out_dir.absolute()
    check_replaceable(out_dir, MARKER, "sheets")
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        files = run_jobs(build, tmp, datetime.now(UTC).date().isoformat(), jobs, workers)
        (tmp / MARKER).write_text(f"{build.label}\n", encoding="utf-8")
        publish(tmp, out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataDirError(f"cannot write sheets to {out_dir}: {exc.strerror or exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    log.info("sheets: %d files in %s (%.1f s)", len(files), out_dir, seconds)
    return SheetsResult(out_dir, tuple(files), seconds)


def sheet_jobs(build: Build, langs: tuple[Lang, ...], ports: tuple[str, ...] | None = None) -> list[Job]:
    """The overview, then one job per port (all, or the ``ports`` codes), each in ``langs``."""
    overview = Job("overview", region(build), tuple((lang, text("overview", lang), None) for lang in langs),
                   label_limit=40, labelled=("cities",), most=(("cities", OVERVIEW_CITIES),))
    # port names are long, and each port has its own sheet: the overview labels cities only
    jobs = [overview]
    found: set[str] = set()
    for layer in build.with_role("feature-pages"):
        codes = [str(code) for code in layer.gdf[layer.spec.id_field]]
        names = {lang: display_names(layer.spec, layer.gdf, lang) for lang in langs}
        for i, (code, geom) in enumerate(zip(codes, layer.gdf.geometry, strict=True)):
            if ports is not None and code not in ports:
                continue
            found.add(code)
            x, y = geom.representative_point().coords[0]
            box = (x - PORT_MARGIN_DEG, y - PORT_MARGIN_DEG, x + PORT_MARGIN_DEG, y + PORT_MARGIN_DEG)
            words = tuple((lang, text("port", lang, name=names[lang][i]), names[lang][i]) for lang in langs)
            jobs.append(Job(f"port-{code}", box, words))
    missing = [code for code in ports or () if code not in found]
    if missing:
        raise InvalidParameterError(f"unknown port code {', '.join(missing)}: see the ports layer's port_code")
    return jobs
