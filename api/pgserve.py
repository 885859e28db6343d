"""Serving from PostGIS: the pool, the :class:`~api.source.Sources` of the current build, and build switches.

``bordergeo serve --backend postgresql://...`` opens a pool, reads ``bordergeo.current`` (written by
``bordergeo load-postgis``) and serves that build schema. It listens for ``NOTIFY bordergeo_build`` and
also re-reads the pointer every ``poll_seconds`` (read replicas do not forward notifications), then
replaces ``app.state.sources`` whole: a request keeps the build it started with. Any number of servers,
on any machines, can serve one database this way; they hold no state of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from api.pgsource import PgSource
from api.source import Extent, FeatureSource, Sources
from layers.pgload import NOTIFY_CHANNEL, POINTER_SCHEMA, DatabaseError, quote_ident, redact
from layers.registry import Registry, default_registry
from layers.store import BuildStore

log = logging.getLogger("bordergeo.api")


class PgSources(Sources):
    """The sources of a build served from PostGIS, with a local copy of its build directory as ``store``
    (the database holds every file of the build: maps, downloads and analytics work on any replica)."""

    def __init__(self, sources: Mapping[str, FeatureSource], build_id: str, built_at: datetime,
                 files: Path) -> None:
        super().__init__(sources, build_id, built_at, BuildStore(files))
        self.files = files

    def discard(self) -> None:
        """Remove the local copy of the artifacts (once no request can still be reading them)."""
        shutil.rmtree(self.files, ignore_errors=True)

POOL_SIZE = 8


async def open_pool(dsn: str, size: int = POOL_SIZE) -> asyncpg.Pool:
    """A connection pool on ``dsn`` (UTC sessions); DatabaseError in one line when unreachable."""
    try:
        pool = await asyncpg.create_pool(dsn, min_size=min(2, size), max_size=size, timeout=15,
                                         server_settings={"timezone": "UTC", "application_name": "bordergeo"})
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError) as exc:
        raise DatabaseError(f"cannot connect to {redact(dsn)}: {exc}") from None
    assert pool is not None
    return pool


async def current_build(pool: asyncpg.Pool) -> tuple[str, str] | None:
    """(schema, build id) of the served build, None when nothing has been loaded."""
    try:
        row = await pool.fetchrow(f"SELECT schema_name, build_id FROM {POINTER_SCHEMA}.current")
    except asyncpg.UndefinedTableError:
        return None
    return None if row is None else (str(row[0]), str(row[1]))


async def load_sources(pool: asyncpg.Pool, registry: Registry | None = None) -> PgSources:
    """The collections of the build ``bordergeo.current`` names; DatabaseError when there is none."""
    found = await current_build(pool)
    if found is None:
        raise DatabaseError("the database holds no bordergeo build: run `bordergeo load-postgis --dsn ...` first")
    schema, build_id = found
    registry = registry or default_registry()
    s = quote_ident(schema)
    built_at = await pool.fetchval(f"SELECT built_at FROM {s}._build")
    rows = await pool.fetch(f"SELECT layer_id, entry FROM {s}._layers ORDER BY position")
    collation = "und-x-icu" if await pool.fetchval(
        "SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'") else "default"
    sources: dict[str, PgSource] = {}
    for row in rows:
        layer_id = str(row["layer_id"])
        if layer_id not in registry:
            log.warning("skipping layer %s of build %s: not declared", layer_id, build_id)
            continue
        spec = registry[layer_id]
        entry = orjson.loads(row["entry"])
        sources[layer_id] = PgSource(spec, entry, await _extent(pool, s, spec.id, spec.temporal, entry), pool,
                                     schema, int(entry["features"]), collation)
    files = await _copy_files(pool, s)
    log.info("sources: build %s from PostGIS schema %s, %d collections", build_id, schema, len(sources))
    return PgSources(sources, build_id, built_at.astimezone(UTC).replace(microsecond=0), files)


async def _copy_files(pool: asyncpg.Pool, schema: str) -> Path:
    """The build's files, written to a new local directory (a copy of the build directory)."""
    root = Path(tempfile.mkdtemp(prefix="bordergeo-build-"))
    for row in await pool.fetch(f"SELECT path, body FROM {schema}._files"):
        target = (root / str(row["path"])).resolve()
        if not target.is_relative_to(root.resolve()):
            continue  # the loader writes relative paths; never follow one that climbs out
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(row["body"])
    return root


async def _extent(pool: asyncpg.Pool, schema: str, layer_id: str, temporal: str | None,
                  entry: dict[str, Any]) -> Extent:
    bbox = tuple(float(v) for v in entry["bbox"])
    span = None
    if temporal is not None:
        col = quote_ident(temporal)
        row = await pool.fetchrow(f"SELECT min({col}), max({col}) FROM {schema}.{quote_ident(layer_id)}")
        if row is not None and row[0] is not None:
            span = (row[0].isoformat(), row[1].isoformat())
    return Extent((bbox[0], bbox[1], bbox[2], bbox[3]), span)


async def describe_backend(dsn: str) -> str:
    """"build B (schema S) from DSN" for the served build; DatabaseError when unreachable or empty."""
    pool = await open_pool(dsn, size=1)
    try:
        found = await current_build(pool)
    finally:
        await pool.close()
    if found is None:
        raise DatabaseError(f"{redact(dsn)} holds no bordergeo build: run `bordergeo load-postgis --dsn ...` first")
    return f"build {found[1]} (schema {found[0]}) from {redact(dsn)}"


@asynccontextmanager
async def serving(dsn: str, install: Callable[[Sources], None], poll_seconds: float = 5.0,
                  registry: Registry | None = None, pool_size: int = POOL_SIZE) -> AsyncIterator[asyncpg.Pool]:
    """Open the pool, install the current build's sources, and keep following ``bordergeo.current``."""
    pool = await open_pool(dsn, pool_size)
    served: list[PgSources] = []

    def swap(sources: PgSources) -> None:
        install(sources)
        served.append(sources)
        while len(served) > 2:  # the build before the previous one: no request is still on it
            served.pop(0).discard()

    try:
        sources = await load_sources(pool, registry)
        swap(sources)
        changed = asyncio.Event()
        listener = await _listen(dsn, changed)
        task = asyncio.create_task(_follow(pool, sources.build_id, swap, changed, poll_seconds, registry))
        try:
            yield pool
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if listener is not None:
                await listener.close()
    finally:
        for old in served:
            old.discard()
        await pool.close()


async def _listen(dsn: str, changed: asyncio.Event) -> asyncpg.Connection | None:
    """A connection that sets ``changed`` on every NOTIFY bordergeo_build (None if LISTEN is refused)."""
    try:
        conn = await asyncpg.connect(dsn, timeout=15)
        await conn.add_listener(NOTIFY_CHANNEL, lambda *_: changed.set())
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        log.warning("no build notifications (%s); polling bordergeo.current instead", exc)
        return None
    return conn


async def _follow(pool: asyncpg.Pool, build_id: str, install: Callable[[PgSources], None], changed: asyncio.Event,
                  poll_seconds: float, registry: Registry | None) -> None:
    """Swap in the build ``bordergeo.current`` names whenever it changes (notified, or found by polling)."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), poll_seconds)
        changed.clear()
        try:
            found = await current_build(pool)
            if found is None or found[1] == build_id:
                continue
            sources = await load_sources(pool, registry)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, DatabaseError) as exc:
            log.warning("could not read the served build (%s); still serving %s", exc, build_id)
            continue
        install(sources)
        log.info("now serving build %s (was %s)", sources.build_id, build_id)
        build_id = sources.build_id
