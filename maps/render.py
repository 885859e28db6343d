"""Render every page of a build into a directory, all or nothing."""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from geo.errors import DataDirError
from layers.registry import default_registry
from maps.assets import copy_assets
from maps.basemap import ROLE as BASEMAP_ROLE
from maps.basemap import data_layers
from maps.data import Build, built_ids, load_build
from maps.i18n import LANGS, page
from maps.index import index_html
from maps.outdir import check_replaceable, publish
from maps.pages import layer_page, overview_page
from maps.ports import port_pages

log = logging.getLogger("bordergeo.maps")
MARKER = ".bordergeo-maps"  # marks a directory we wrote, so re-rendering may replace it


@dataclass(frozen=True)
class RenderResult:
    """Where the maps went, which pages were written, and how long it took."""

    out_dir: Path
    pages: tuple[str, ...]
    seconds: float


def render_pages(build: Build, out_dir: Path, basemap: bool = True) -> list[str]:
    """Write index, overview, layer-<id> and port-<code> pages in English and Spanish, and assets/, into ``out_dir``.

    ``basemap`` offers OpenStreetMap as a background option (off by default; with False it is not offered).
    """
    pages: dict[str, str] = {}
    for lang in LANGS:
        pages[page("overview.html", lang)] = overview_page(build, lang, basemap)
        for layer in data_layers(build):
            pages[page(f"layer-{layer.id}.html", lang)] = layer_page(build, layer, lang, basemap)
        ports = port_pages(build, lang, basemap)
        pages.update({page(p.file, lang): p.html for p in ports})
        pages[page("index.html", lang)] = index_html(build, [(page(p.file, lang), p.label) for p in ports], lang)
    for name, html in pages.items():
        (out_dir / name).write_text(html, encoding="utf-8")
    copy_assets(out_dir)
    (out_dir / MARKER).write_text(f"{build.label}\n", encoding="utf-8")
    return sorted(pages)


def render_maps(
    build_dir: Path, out_dir: Path, layer_ids: list[str] | None = None, basemap: bool = True
) -> RenderResult:
    """Render the maps of ``build_dir`` into ``out_dir``; a failure leaves ``out_dir`` as it was."""
    started = time.perf_counter()
    build = load_build(build_dir, _with_basemap(build_dir, layer_ids))
    out_dir = out_dir.absolute()
    check_replaceable(out_dir, MARKER, "maps")
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
    except OSError as exc:
        raise DataDirError(f"cannot write maps to {out_dir}: {exc.strerror or exc}") from exc
    try:
        pages = render_pages(build, tmp, basemap)
        publish(tmp, out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataDirError(f"cannot write maps to {out_dir}: {exc.strerror or exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    log.info("maps: %d pages for %d layers in %s (%.1f s)", len(pages), len(build.layers), out_dir, seconds)
    return RenderResult(out_dir, tuple(pages), seconds)


def _with_basemap(build_dir: Path, layer_ids: list[str] | None) -> list[str] | None:
    """The layers asked for plus the built basemap layers: every map draws its background."""
    if not layer_ids:
        return layer_ids
    registry = default_registry()
    built = set(built_ids(build_dir, registry))
    extra = [s.id for s in registry.with_role(BASEMAP_ROLE) if s.id in built and s.id not in layer_ids]
    return [*layer_ids, *extra]
