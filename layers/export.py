"""``bordergeo export-static DIR``: the current build as files any static web host serves.

The bundle holds the PMTiles archive (read by the viewer with HTTP range requests), one FlatGeobuf and one
GeoJSON per layer, the GeoPackage, the HTML maps, the vector-tile viewer (written by the renderers other
packages register under ``bordergeo.static``, e.g. ``api.viewer.write_static_viewer``) and an index page
with every layer's licence and attribution. It is written next to DIR and renamed into place, so DIR is
either complete or absent.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import time
from importlib.metadata import entry_points
from pathlib import Path

import geopandas as gpd
import pyogrio

from geo.errors import DataDirError
from layers.registry import Registry, default_registry
from layers.settings import DataSettings
from layers.store import BuildStore

log = logging.getLogger("bordergeo.export")
DATA = "data"


def export_static(settings: DataSettings, out: Path, registry: Registry | None = None) -> Path:
    """Write the bundle of the current build into ``out`` (which must not exist or be empty)."""
    t0 = time.perf_counter()
    store = BuildStore.current(settings)
    if store is None:
        raise DataDirError(f"no build in {settings.data_dir}: run `bordergeo build` first")
    if not store.pmtiles_path.is_file():
        raise DataDirError(f"build {store.path.name} has no {store.pmtiles_path.name}: run `bordergeo build`")
    out = out.absolute()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataDirError(f"{out} exists and is not an empty directory: choose another, or remove it")
    registry = registry or default_registry()
    ids = store.layer_ids(registry)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        _copy(store.pmtiles_path, staging / store.pmtiles_path.name)
        _copy(store.gpkg_path, staging / store.gpkg_path.name)
        (staging / DATA).mkdir()
        for lid in ids:
            frame = gpd.read_parquet(store.layer_path(lid))
            pyogrio.write_dataframe(frame, staging / DATA / f"{lid}.fgb", driver="FlatGeobuf")
            pyogrio.write_dataframe(frame, staging / DATA / f"{lid}.geojson", driver="GeoJSON",
                                    layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"})
        maps = store.artifact_dir("maps")
        if maps.is_dir():
            shutil.copytree(maps, staging / "maps")
        for ep in entry_points(group="bordergeo.static"):
            ep.load()(staging, store.path)
        (staging / "index.html").write_text(_index(store, registry, ids, staging), encoding="utf-8")
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("export-static: build %s into %s in %.1f s", store.path.name, out, time.perf_counter() - t0)
    return out


def _copy(src: Path, dst: Path) -> None:
    """Hard-link when the bundle is on the same file system (builds are immutable), else copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _index(store: BuildStore, registry: Registry, ids: list[str], root: Path) -> str:
    """The bundle's index page: the viewer, the maps and every download with its licence."""
    esc = html.escape
    rows = []
    for lid in ids:
        spec = registry[lid]
        size = sum((root / DATA / f"{lid}.{ext}").stat().st_size for ext in ("fgb", "geojson")) / 1e6
        rows.append(f"<tr><td>{esc(spec.title)}</td><td><a href='{DATA}/{lid}.geojson'>GeoJSON</a> · "
                    f"<a href='{DATA}/{lid}.fgb'>FlatGeobuf</a> ({size:.1f} MB)</td>"
                    f"<td>{esc(spec.licence)}</td><td>{esc(spec.attribution)}</td></tr>")
    links = [("viewer.html", "Map viewer (vector tiles)")] if (root / "viewer.html").is_file() else []
    if (root / "maps" / "index.html").is_file():
        links.append(("maps/index.html", "HTML maps"))
    links += [(store.gpkg_path.name, "GeoPackage (every layer)"), (store.pmtiles_path.name, "PMTiles (vector tiles)")]
    items = "".join(f"<li><a href='{href}'>{esc(text)}</a></li>" for href, text in links)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>bordergeo</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<style>body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em}"
        "table{border-collapse:collapse}td{border-top:1px solid #ccc;padding:.3em .6em;vertical-align:top}</style>"
        "</head><body><h1>bordergeo: US–Mexico border layers / capas de la frontera México–Estados Unidos</h1>"
        f"<p>Build {esc(store.path.name)}.</p><ul>{items}</ul>"
        "<table><tr><th>layer</th><th>download</th><th>licence</th><th>attribution</th></tr>"
        f"{''.join(rows)}</table></body></html>\n"
    )
