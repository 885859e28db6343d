"""Render sheets, in worker processes when there are several: a job is one ground on every paper and language.

Workers are spawned, not forked: a forked child of a threaded process (a test session, a server) may inherit
a lock held by another thread and hang. Each worker loads the drawn layers and the locator inset once.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import struct
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from layers.registry import default_registry
from maps.data import Build, built_ids, load_build
from maps.i18n import Lang
from maps.sheet_draw import DPI, DRAWN, PAPERS, Box, Locator, dress, frame, prepare

PR_SET_PDEATHSIG = 1  # linux/prctl.h
MAX_WORKERS = 4  # each worker holds the layers (~300 MB); more than the cores only adds memory


@dataclass(frozen=True)
class Job:
    """One ground (the overview, or a port) to render on every paper, in each language of ``words``."""

    stem: str  # file name stem: "overview", "port-2301"
    extent: Box
    words: tuple[tuple[Lang, str, str | None], ...]  # (language, title, name of the feature in focus)
    label_limit: int = 40
    labelled: tuple[str, ...] = ("ports", "cities")
    most: tuple[tuple[str, int], ...] = ()  # (layer id, count): draw only the biggest features of that layer


def load_drawn(build_dir: Path) -> Build:
    """The build's layers that sheets draw (the basemap, ``DRAWN`` and the feature-page layers)."""
    registry = default_registry()
    wanted = {s.id for s in registry.with_role("basemap")} | set(DRAWN)
    wanted |= {s.id for s in registry.with_role("feature-pages")}
    return load_build(build_dir, [lid for lid in built_ids(build_dir, registry) if lid in wanted])


def region(build: Build) -> Box:
    """The lon/lat bounds of the data layers (the basemap reaches further than anything we map)."""
    layer = build.get("border-region") or build.get("boundary")
    if layer is None:
        layer = next(iter(build.map_layers.values()))
    minx, miny, maxx, maxy = (float(v) for v in layer.gdf.total_bounds)
    return minx, miny, maxx, maxy


class Renderer:
    """Writes the files of jobs into one directory, from one loaded build."""

    def __init__(self, build: Build, out: Path, date: str) -> None:
        self.build, self.out, self.date = build, out, date
        self.locator = Locator.of(build, region(build))

    def render(self, job: Job) -> list[str]:
        """Write ``job``'s PDF and PNG for each paper and language; returns the file names.

        The PNG of each language is the frame's raster (drawn once per paper) with that language's words
        drawn over it: the layers are rasterized once for both languages.
        """
        view = prepare(self.build, job.extent, dict(job.most))
        files = []
        for paper in PAPERS:
            fr = frame(view, self.locator, paper, self.build)
            canvas = FigureCanvasAgg(fr.fig)
            canvas.draw()
            background = canvas.copy_from_bbox(fr.fig.bbox)
            for lang, heading, focus in job.words:
                added = dress(fr, self.build, lang, heading, self.date, job.label_limit, job.labelled, focus)
                stem = f"{job.stem}.{paper}.{lang}"
                fr.fig.savefig(self.out / f"{stem}.pdf", format="pdf", dpi=DPI, metadata={"Title": heading})
                canvas.restore_region(background)
                for artist in added:
                    fr.fig.draw_artist(artist)
                save_png(canvas, self.out / f"{stem}.png")
                files += [f"{stem}.pdf", f"{stem}.png"]
                for artist in added:
                    artist.remove()
        return files


def save_png(canvas: FigureCanvasAgg, path: Path) -> None:
    """What ``canvas`` holds, as an RGB PNG that says 300 dpi.

    Written here (rows unfiltered, deflate level 1) rather than by Pillow: a sheet is flat colours, which
    deflate packs almost as well without PNG's row filters, in a third of Pillow's time (~0.07 s vs 0.2 s).
    """
    rgba = np.asarray(canvas.buffer_rgba())
    height, width = rgba.shape[:2]
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # each row: filter type 0, then R G B ...
    rows[:, 1:] = rgba[:, :, :3].reshape(height, -1)
    ppm = round(DPI / 0.0254)  # pixels per metre
    with path.open("wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        _chunk(f, b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))  # 8-bit RGB
        _chunk(f, b"pHYs", struct.pack(">IIB", ppm, ppm, 1))
        _chunk(f, b"IDAT", zlib.compress(rows.tobytes(), 1))
        _chunk(f, b"IEND", b"")


def _chunk(f: BinaryIO, kind: bytes, data: bytes) -> None:
    f.write(struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data)))


_worker: Renderer | None = None


def _start_worker(build_dir: Path, out: Path, date: str, parent: int) -> None:
    global _worker
    _die_with(parent)
    _worker = Renderer(load_drawn(build_dir), out, date)


def _die_with(parent: int) -> None:
    """Have the kernel end this worker when ``parent`` dies: a killed build must not leave workers rendering.

    (Linux ``prctl(PR_SET_PDEATHSIG)``; elsewhere the workers exit at their next job.)
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl: nobody will collect our work
        os._exit(1)


def _run(job: Job) -> list[str]:
    assert _worker is not None, "worker not initialised"
    return _worker.render(job)


def workers_for(jobs: int) -> int:
    """How many processes to render ``jobs`` jobs with: the usable cores, at most ``MAX_WORKERS``."""
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS, jobs))


def run_jobs(build: Build, out: Path, date: str, jobs: Sequence[Job], workers: int | None = None) -> list[str]:
    """Render ``jobs`` into ``out``, in parallel when more than one worker helps; the files written, in order."""
    workers = workers_for(len(jobs)) if workers is None else workers
    if workers <= 1 or len(jobs) <= 1:
        renderer = Renderer(build, out, date)
        return [file for job in jobs for file in renderer.render(job)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(build.path, out, date, os.getpid())) as pool:
        futures = [pool.submit(_run, job) for job in jobs]
        try:
            return [file for future in futures for file in future.result()]
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
