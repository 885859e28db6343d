"""Build layers into an immutable build directory and publish it atomically.

Layout of the data directory (the layout inside one build is owned by :mod:`layers.store`)::

    sources/                 fetched, verified source files
    builds/<build-id>/       one build (see layers.store.BuildStore)
    current -> builds/<id>   the build being served, switched by an atomic symlink rename

A layer is rebuilt only when its inputs key changes (source sha256s, the code of its module and of ``geo``,
and the keys of its dependencies); otherwise its GeoParquet is hard-linked from the current build. What is
made from the layers (GeoPackage, tiles, maps, sheets) is keyed by the layers' data (see ``layers.artifacts``)
and re-used when that and its code are unchanged. A build that fails or is killed leaves ``current``
untouched; its staging directory is removed on the next build.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

import geo
from geo.errors import BorderGeoError, BuildError, DataDirError
from geo.io import replace_symlink, write_json
from layers import archive, sources
from layers import artifacts as artifacts_module
from layers.context import BuildContext
from layers.registry import Registry, default_registry
from layers.settings import DataSettings
from layers.spec import LayerSpec
from layers.store import GPKG, MANIFEST, PMTILES, BuildStore
from layers.validate import validate

__all__ = ["GPKG", "MANIFEST", "BuildResult", "build", "load_manifest"]
log = logging.getLogger("bordergeo.build")
ARTIFACTS = "artifacts"  # manifest key: input key of each artifact
KEEP_BUILDS = 2


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the published directory, and which layers were built or reused."""

    path: Path
    built: tuple[str, ...]
    reused: tuple[str, ...]
    seconds: float
    #: artifacts (the GeoPackage, the maps, ...) made anew because their input key changed
    rendered: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """True when a new build was published."""
        return bool(self.built or self.rendered)


def load_manifest(settings: DataSettings) -> dict[str, Any] | None:
    """The manifest of the current build, or None when nothing has been built yet."""
    store = BuildStore.current(settings)
    return None if store is None else store.manifest()


def build(
    settings: DataSettings, layer_ids: list[str] | None = None, registry: Registry | None = None
) -> BuildResult:
    """Build ``layer_ids`` (all when None) and whatever they depend on; publish atomically."""
    started = time.perf_counter()
    registry = registry or default_registry()
    requested = list(layer_ids) if layer_ids else list(registry)
    for layer_id in requested:
        registry.get_spec(layer_id)
    _ensure_writable(settings.data_dir)
    _remove_stale_staging(settings.builds_dir)

    current = load_manifest(settings) or {"layers": {}}
    previous: dict[str, Any] = current["layers"]
    keys = _input_keys(registry, settings)
    wanted = registry.with_dependencies(requested)
    # layers of the current build that a changed dependency made stale are rebuilt too
    keep = [lid for lid in registry if lid in previous and lid not in wanted]
    stale = [lid for lid in keep if previous[lid].get("input_key") != keys[lid]]
    order = registry.with_dependencies(wanted + stale)
    to_build = [lid for lid in order if previous.get(lid, {}).get("input_key") != keys[lid]]
    carried = [lid for lid in registry if lid in previous and lid not in to_build]
    done = current.get(ARTIFACTS, {})
    if not to_build:
        artifact_keys = _artifact_keys(registry, settings.current, carried)
        if all(done.get(a, {}).get("input_key") == key for a, key in artifact_keys.items()):
            log.info("build: all %d layers up to date (%s)", len(carried), settings.current.resolve().name)
            return BuildResult(settings.current.resolve(), (), tuple(carried), time.perf_counter() - started)

    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    staging = settings.builds_dir / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        out = BuildStore(staging)
        entries = _build_into(out, settings, registry, to_build, carried, previous, keys)
        artifact_keys = _artifact_keys(registry, staging, [lid for lid in registry if lid in entries])
        stale_artifacts = [a for a, key in artifact_keys.items() if done.get(a, {}).get("input_key") != key]
        if GPKG in stale_artifacts:
            _write_gpkg(out, [registry[lid] for lid in registry if lid in entries])
        else:  # same layers, same writer: the current GeoPackage is this build's
            os.link(settings.current / GPKG, out.gpkg_path)
        ordered = {lid: entries[lid] for lid in registry if lid in entries}  # registry order, not build order
        artifacts = {a: {"input_key": key} for a, key in artifact_keys.items()}
        artifacts[PMTILES].update(_write_tiles(out, settings, [registry[lid] for lid in ordered], build_id,
                                               PMTILES in stale_artifacts, done.get(PMTILES, {})))
        write_json(out.manifest_path, {"build_id": build_id, "layers": ordered, ARTIFACTS: artifacts})
        published = BuildStore.current(settings)
        artifacts_module.render(staging, published.path if published else None, stale_artifacts)
        final = settings.builds_dir / build_id
        staging.rename(final)
        replace_symlink(settings.current, os.path.relpath(final, settings.data_dir))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(settings)
    seconds = time.perf_counter() - started
    log.info("build: published %s (%d built, %d reused) in %.1f s", build_id, len(to_build), len(carried), seconds)
    return BuildResult(final, tuple(to_build), tuple(carried), seconds, tuple(stale_artifacts))


def _build_into(
    out: BuildStore,
    settings: DataSettings,
    registry: Registry,
    to_build: list[str],
    carried: list[str],
    previous: dict[str, Any],
    keys: dict[str, str],
) -> dict[str, Any]:
    entries: dict[str, Any] = {}
    current = BuildStore(settings.current)
    for lid in carried:
        os.link(current.layer_path(lid), out.layer_path(lid))
        entries[lid] = previous[lid]

    def load(dep: str) -> gpd.GeoDataFrame:
        return gpd.read_parquet(out.layer_path(dep))

    for i, lid in enumerate(to_build, 1):
        spec = registry[lid]
        t0 = time.perf_counter()
        log.info("[%d/%d] building %s ...", i, len(to_build), lid)
        shas = _verified_sources(spec, settings.sources_dir)
        ctx = BuildContext(lid, settings.sources_dir, spec.sources, load, spec.depends)
        try:
            gdf = spec.build(ctx)
        except BorderGeoError:
            raise
        except Exception as exc:
            log.debug("layer %s failed", lid, exc_info=True)
            raise BuildError(f"layer {lid} failed to build: {type(exc).__name__}: {exc}") from exc
        validate(spec, gdf)
        gdf.to_parquet(out.layer_path(lid), index=False)
        seconds = time.perf_counter() - t0
        entries[lid] = _entry(spec, gdf, shas, keys[lid], ctx.stats, seconds)
        log.info("[%d/%d] %s: %d features in %.1f s", i, len(to_build), lid, len(gdf), seconds)
    return entries


def _entry(
    spec: LayerSpec, gdf: gpd.GeoDataFrame, shas: dict[str, str], key: str, stats: dict[str, Any], sec: float
) -> dict[str, Any]:
    return {
        "id": spec.id,
        "title": spec.title,
        "features": len(gdf),
        "bbox": [round(float(v), 6) for v in gdf.total_bounds],
        "geometry_type": spec.geometry_type,
        "sources": [
            {"file": f, "sha256": sha, "url": sources.source(f).url, "licence": sources.source(f).licence}
            for f, sha in shas.items()
        ],
        "licence": spec.licence,
        "attribution": spec.attribution,
        "method": spec.method,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(sec, 2),
        "input_key": key,
        "stats": stats,
    }


def _verified_sources(spec: LayerSpec, sources_dir: Path) -> dict[str, str]:
    shas = {}
    for file in spec.sources:
        src = sources.source(file)
        sources.verify(sources_dir / file, src)
        shas[file] = src.sha256
    return shas


def _input_keys(registry: Registry, settings: DataSettings) -> dict[str, str]:
    """Per layer, a hash of everything its output depends on."""
    shared = hashlib.sha256(_shared_code())
    keys: dict[str, str] = {}
    for lid in registry.with_dependencies(list(registry)):
        spec = registry[lid]
        h = shared.copy()
        module = sys.modules[spec.build.__module__]
        h.update(Path(inspect.getfile(module)).read_bytes())
        for file in spec.sources:
            h.update(sources.source(file).sha256.encode())
            h.update(_source_stamp(settings.sources_dir / file))
        for dep in spec.depends:
            h.update(keys[dep].encode())
        keys[lid] = h.hexdigest()
    return keys


def _shared_code() -> bytes:
    """The code every layer build and declaration uses: ``geo`` and the framework modules of ``layers``."""
    return b"".join(path.read_bytes() for path in sorted(Path(geo.__file__).parent.glob("*.py")) + _framework_files())


def _artifact_keys(registry: Registry, build_dir: Path, layer_ids: list[str]) -> dict[str, str]:
    """Per artifact (the GeoPackage, the tiles, each ``bordergeo.artifacts`` renderer), a hash of the data of its
    layers in ``build_dir`` and of its code (``layers.artifacts``)."""
    layers = artifacts_module.layers_key(registry, build_dir, layer_ids, _shared_code())
    gpkg = hashlib.sha256(layers.encode())
    gpkg.update(Path(__file__).read_bytes())  # the GeoPackage writer lives here
    keys = {GPKG: gpkg.hexdigest()}
    tiles = hashlib.sha256(layers.encode())
    for path in archive.code_files():
        tiles.update(path.read_bytes())
    keys[PMTILES] = tiles.hexdigest()
    return keys | artifacts_module.renderer_keys(layers)


def _write_tiles(out: BuildStore, settings: DataSettings, specs: list[LayerSpec], build_id: str, stale: bool,
                 previous: dict[str, Any]) -> dict[str, Any]:
    """The build's PMTiles: tiled anew when its layers or the tiling code changed, else the current one linked."""
    if stale:
        return archive.build_archive(out, specs, build_id).as_dict()
    os.link(settings.current / PMTILES, out.pmtiles_path)
    return {k: v for k, v in previous.items() if k != "input_key"}


def _source_stamp(path: Path) -> bytes:
    """Size and mtime of a fetched source: a file replaced in place changes the key (and is re-verified)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return b"missing"
    return f"{st.st_size}:{st.st_mtime_ns}".encode()


def _framework_files() -> list[Path]:
    here = Path(__file__).parent
    # private helper modules (layers/_*.py, e.g. the crossings table) feed layer builds too
    return [here / name for name in ("spec.py", "validate.py", "context.py", "readers.py")] + sorted(here.glob("_*.py"))


def _write_gpkg(out: BuildStore, specs: list[LayerSpec]) -> None:
    tmp = out.path / "partial.gpkg"
    for spec in specs:
        gdf = gpd.read_parquet(out.layer_path(spec.id))
        dates = [p.name for p in spec.properties if p.type == "date"]
        for name in dates:  # as date objects, which GDAL's Arrow writer stores as GeoPackage DATE (not DATETIME)
            gdf[name] = gdf[name].dt.date
        pyogrio.write_dataframe(gdf, tmp, layer=spec.id, driver="GPKG", append=tmp.exists(), use_arrow=bool(dates))
    tmp.rename(out.gpkg_path)


def _ensure_writable(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DataDirError(
            f"data directory {data_dir} is not writable ({exc.strerror}): "
            "set BORDERGEO_DATA_DIR to a writable directory"
        ) from exc


def _remove_stale_staging(builds_dir: Path) -> None:
    if not builds_dir.is_dir():
        return
    for path in builds_dir.glob(".staging-*"):
        pid = int(path.name.rsplit("-", 1)[1])
        if pid == os.getpid() or not _alive(pid):
            log.info("removing leftovers of an interrupted build: %s", path.name)
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune(settings: DataSettings) -> None:
    current = settings.current.resolve().name
    builds = sorted(p for p in settings.builds_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in builds[:-KEEP_BUILDS]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)

