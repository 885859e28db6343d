"""Publish a build into PostgreSQL/PostGIS: one schema per build, switched atomically by a pointer row.

Layout in the database (the contract ``api``'s PostGIS source reads)::

    bordergeo.builds (schema_name, build_id, loaded_at)     every loaded build
    bordergeo.current (schema_name, build_id, switched_at)  one row: the build being served
    bordergeo_<build id>.<layer id>                         one table per layer: ``_ord`` (storage order),
                                                            the declared properties as typed columns, ``geom``,
                                                            ``_feature`` (its GeoJSON Feature, CRS84, as bytes)
    bordergeo_<build id>._layers (layer_id, position, entry)  the manifest, one row per layer
    bordergeo_<build id>._build (build_id, built_at, manifest)  the whole manifest
    bordergeo_<build id>._files (path, body)                  every file of the build directory (GeoParquet,
                                                              GeoPackage, maps/, ...), so a server on another
                                                              machine has the whole build (downloads, analytics)

A load is one transaction: it creates the schema, copies the features (binary COPY), adds the primary key
on the feature id and a GIST index on the geometry, writes the manifest and repoints ``bordergeo.current``.
A load that fails or is killed rolls back, so the previous build is still the one served. Servers read the
pointer (``NOTIFY bordergeo_build`` tells them at once; read replicas find it on their next check).
Builds beyond the newest two are dropped after the switch.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import geopandas as gpd
import orjson
import pandas as pd
import shapely

from geo.errors import BorderGeoError, DataDirError
from layers.build import load_manifest
from layers.registry import Registry, default_registry
from layers.settings import DataSettings
from layers.spec import LayerSpec

log = logging.getLogger("bordergeo.pgload")

POINTER_SCHEMA = "bordergeo"
SCHEMA_PREFIX = "bordergeo_"
NOTIFY_CHANNEL = "bordergeo_build"
GEOMETRY_COLUMN = "geom"
ORDER_COLUMN = "_ord"
#: the default GeoJSON of each feature, written once at load (an items page is then a join of ready bytes)
FEATURE_COLUMN = "_feature"
KEEP_BUILDS = 2
SRID = 4326
#: declared property type -> column type; text sorts and compares by code point, as Python does
SQL_TYPES = {"string": 'text COLLATE "C"', "integer": "bigint", "number": "double precision",
             "boolean": "boolean", "date": "date"}
_LOCK = "bordergeo.load"


class DatabaseError(BorderGeoError):
    """The database cannot be reached, or refused a statement (a 503 from the API: the client may retry)."""


@dataclass(frozen=True)
class LoadResult:
    """What a load did: the build, its schema, features per layer, and the schemas pruned."""

    build_id: str
    schema: str
    features: dict[str, int]
    loaded: bool
    pruned: tuple[str, ...]
    seconds: float


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier (only ever called with declared names and our own)."""
    return '"' + name.replace('"', '""') + '"'


def schema_for(build_id: str) -> str:
    """The schema holding build ``build_id`` (lower case, letters, digits and underscores)."""
    return SCHEMA_PREFIX + re.sub(r"[^a-z0-9]+", "_", build_id.lower()).strip("_")[:50]


def table_ddl(schema: str, spec: LayerSpec) -> str:
    """CREATE TABLE for the layer ``spec`` in ``schema`` (typed columns from the declaration)."""
    reserved = {GEOMETRY_COLUMN, ORDER_COLUMN, FEATURE_COLUMN}
    columns = [f"{ORDER_COLUMN} integer NOT NULL"]
    for prop in spec.properties:
        if prop.name in reserved:
            raise BorderGeoError(f"layer {spec.id}: property '{prop.name}' clashes with a column of the loader")
        null = "" if prop.nullable else " NOT NULL"
        columns.append(f"{quote_ident(prop.name)} {SQL_TYPES[prop.type]}{null}")
    columns.append(f"{GEOMETRY_COLUMN} geometry(Geometry, {SRID}) NOT NULL")
    columns.append(f"{FEATURE_COLUMN} bytea NOT NULL")
    return f"CREATE TABLE {quote_ident(schema)}.{quote_ident(spec.id)} ({', '.join(columns)})"


def load(dsn: str, data: DataSettings, registry: Registry | None = None) -> LoadResult:
    """Load the current build of ``data`` into the database at ``dsn`` and serve it from there."""
    import asyncio

    return asyncio.run(load_async(dsn, data, registry))


async def load_async(dsn: str, data: DataSettings, registry: Registry | None = None) -> LoadResult:
    """:func:`load` as a coroutine."""
    t0 = time.perf_counter()
    manifest = load_manifest(data)
    if manifest is None:
        raise DataDirError(f"no build in {data.data_dir}: run `bordergeo build` first")
    registry = registry or default_registry()
    build_dir = data.current.resolve()
    build_id = str(manifest["build_id"])
    schema = schema_for(build_id)
    layers = _layers(manifest, registry, build_dir)
    conn = await connect(dsn)
    try:
        await geometry_codec(conn)
        features: dict[str, int] = {}
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _LOCK)
            await _ensure_pointer_tables(conn)
            loaded = not await _already_loaded(conn, schema)
            if loaded:
                await conn.execute(f"CREATE SCHEMA {quote_ident(schema)}")
                for spec, path in layers:
                    features[spec.id] = await _load_layer(conn, schema, spec, path)
                await _write_manifest(conn, schema, manifest, [s.id for s, _ in layers], _published(build_dir))
                await _write_files(conn, schema, build_dir)
                await conn.execute(f"INSERT INTO {POINTER_SCHEMA}.builds (schema_name, build_id) VALUES ($1, $2)",
                                   schema, build_id)
            await _switch(conn, schema, build_id)
        pruned = await _prune(conn, schema)
    except asyncpg.PostgresError as exc:
        raise DatabaseError(f"load-postgis into {redact(dsn)} failed, the previous build is still served: "
                            f"{type(exc).__name__}: {exc}") from None
    finally:
        await conn.close()
    seconds = time.perf_counter() - t0
    log.info("load-postgis: build %s %s schema %s (%d features) in %.1f s", build_id,
             "loaded into" if loaded else "already in", schema, sum(features.values()), seconds)
    return LoadResult(build_id, schema, features, loaded, tuple(pruned), seconds)


async def connect(dsn: str) -> asyncpg.Connection:
    """A connection to ``dsn`` (UTC session); DatabaseError in one line when it cannot be made."""
    try:
        return await asyncpg.connect(dsn, timeout=15, server_settings={"timezone": "UTC"})
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError) as exc:
        raise DatabaseError(f"cannot connect to {redact(dsn)}: {exc}") from None


async def geometry_codec(conn: asyncpg.Connection) -> None:
    """Exchange PostGIS geometries as (E)WKB bytes; DatabaseError when PostGIS is missing."""
    schema = await conn.fetchval("SELECT typnamespace::regnamespace::text FROM pg_type WHERE typname = 'geometry'")
    if schema is None:
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except asyncpg.PostgresError as exc:
            raise DatabaseError(f"PostGIS is not installed in this database and cannot be created here ({exc}): "
                                "run CREATE EXTENSION postgis as its owner") from None
        schema = await conn.fetchval("SELECT typnamespace::regnamespace::text FROM pg_type "
                                     "WHERE typname = 'geometry'")
    await conn.set_type_codec("geometry", schema=schema.strip('"'), encoder=bytes, decoder=bytes, format="binary")


def redact(dsn: str) -> str:
    """``dsn`` with any password replaced by ``***`` (for messages and logs)."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", dsn)


def _layers(manifest: dict[str, Any], registry: Registry, build_dir: Path) -> list[tuple[LayerSpec, Path]]:
    """The build's layers that are declared, in registry order, with their GeoParquet files."""
    out = []
    for layer_id in registry:
        path = build_dir / f"{layer_id}.parquet"
        if layer_id in manifest["layers"] and path.is_file():
            out.append((registry[layer_id], path))
    return out


def _published(build_dir: Path) -> datetime:
    """When the build was published (its manifest's mtime, as the in-memory backend dates it)."""
    return datetime.fromtimestamp((build_dir / "manifest.json").stat().st_mtime, UTC).replace(microsecond=0)


async def _ensure_pointer_tables(conn: asyncpg.Connection) -> None:
    await conn.execute(f"""
        CREATE SCHEMA IF NOT EXISTS {POINTER_SCHEMA};
        CREATE TABLE IF NOT EXISTS {POINTER_SCHEMA}.builds (
            schema_name text PRIMARY KEY, build_id text NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS {POINTER_SCHEMA}.current (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            schema_name text NOT NULL REFERENCES {POINTER_SCHEMA}.builds, build_id text NOT NULL,
            switched_at timestamptz NOT NULL DEFAULT now());
    """)


async def _already_loaded(conn: asyncpg.Connection, schema: str) -> bool:
    """True when ``schema`` holds a complete load; a schema without its builds row is dropped."""
    known = await conn.fetchval(f"SELECT count(*) FROM {POINTER_SCHEMA}.builds WHERE schema_name = $1", schema)
    if known:
        return True
    # only a load outside this module's transaction could leave one; never serve it half-made
    await conn.execute(f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")
    return False


async def _load_layer(conn: asyncpg.Connection, schema: str, spec: LayerSpec, path: Path) -> int:
    """Create, fill, index and analyse the layer's table; returns its feature count."""
    try:
        gdf = gpd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise DataDirError(f"cannot read {path} ({type(exc).__name__}: {exc}); rebuild with `bordergeo build`; "
                           "the previous build is still served") from None
    table = f"{quote_ident(schema)}.{quote_ident(spec.id)}"
    await conn.execute(table_ddl(schema, spec))
    names = spec.property_names
    columns = [[_value(v) for v in _python_values(gdf[n])] for n in names]
    rows = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)] if names else \
        [{} for _ in range(len(gdf))]
    geoms = shapely.to_wkb(shapely.set_srid(gdf.geometry.values, SRID), include_srid=True)
    texts = shapely.to_geojson(gdf.geometry.values)
    records = [(i, *props.values(), bytes(wkb), feature_json(props[spec.id_field], props, text.encode()))
               for i, (props, wkb, text) in enumerate(zip(rows, geoms, texts, strict=True))]
    await conn.copy_records_to_table(spec.id, schema_name=schema, records=records,
                                     columns=[ORDER_COLUMN, *names, GEOMETRY_COLUMN, FEATURE_COLUMN])
    await conn.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({quote_ident(spec.id_field)})")
    await conn.execute(f"CREATE UNIQUE INDEX ON {table} ({ORDER_COLUMN})")
    await conn.execute(f"CREATE INDEX ON {table} USING gist ({GEOMETRY_COLUMN})")
    temporal = getattr(spec, "temporal", None)
    if temporal:
        await conn.execute(f"CREATE INDEX ON {table} ({quote_ident(temporal)})")
    await conn.execute(f"ANALYZE {table}")
    return len(records)


def feature_json(fid: Any, props: dict[str, Any], geometry: bytes) -> bytes:
    """The GeoJSON Feature the in-memory backend writes (dates as YYYY-MM-DD, declared property order)."""
    return b'{"type":"Feature","id":%b,"geometry":%b,"properties":%b}' % (orjson.dumps(fid), geometry,
                                                                           orjson.dumps(props))


def _python_values(series: pd.Series) -> list[Any]:
    """Column values as plain Python scalars, missing values (NaN, NA) as None."""
    return list(series.astype(object).where(series.notna(), None).tolist())


def _value(v: Any) -> Any:
    """A value as asyncpg's binary COPY wants it (timestamps of date properties as ``date``)."""
    return v.date() if isinstance(v, datetime) else v


async def _write_manifest(conn: asyncpg.Connection, schema: str, manifest: dict[str, Any], ids: list[str],
                          built_at: datetime) -> None:
    s = quote_ident(schema)
    await conn.execute(f"CREATE TABLE {s}._build (build_id text PRIMARY KEY, built_at timestamptz NOT NULL, "
                       "manifest jsonb NOT NULL)")
    await conn.execute(f"INSERT INTO {s}._build VALUES ($1, $2, $3::jsonb)", str(manifest["build_id"]), built_at,
                       orjson.dumps(manifest).decode())
    await conn.execute(f"CREATE TABLE {s}._layers (layer_id text PRIMARY KEY, position integer NOT NULL, "
                       "entry jsonb NOT NULL)")
    await conn.executemany(f"INSERT INTO {s}._layers VALUES ($1, $2, $3::jsonb)",
                           [(lid, i, orjson.dumps(manifest["layers"][lid]).decode()) for i, lid in enumerate(ids)])


async def _write_files(conn: asyncpg.Connection, schema: str, build_dir: Path) -> None:
    """Every file of the build directory (layers, GeoPackage, artifacts such as the HTML maps, extra tables)."""
    await conn.execute(f"CREATE TABLE {quote_ident(schema)}._files (path text PRIMARY KEY, body bytea NOT NULL)")
    files = sorted(p for p in build_dir.rglob("*") if p.is_file())
    await conn.copy_records_to_table("_files", schema_name=schema, columns=["path", "body"],
                                     records=[(p.relative_to(build_dir).as_posix(), p.read_bytes()) for p in files])


async def _switch(conn: asyncpg.Connection, schema: str, build_id: str) -> None:
    """Point ``bordergeo.current`` at ``schema`` (inside the load's transaction) and tell the servers."""
    await conn.execute(f"""
        INSERT INTO {POINTER_SCHEMA}.current (singleton, schema_name, build_id) VALUES (true, $1, $2)
        ON CONFLICT (singleton) DO UPDATE SET schema_name = EXCLUDED.schema_name, build_id = EXCLUDED.build_id,
            switched_at = now()""", schema, build_id)
    await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, build_id)


async def _prune(conn: asyncpg.Connection, current: str) -> list[str]:
    """Drop the builds older than the newest ``KEEP_BUILDS`` (never the current one); skip busy ones."""
    rows = await conn.fetch(f"SELECT schema_name FROM {POINTER_SCHEMA}.builds "
                            "ORDER BY schema_name = $1 DESC, loaded_at DESC", current)
    pruned = []
    for row in rows[KEEP_BUILDS:]:
        name = str(row["schema_name"])
        try:
            async with conn.transaction():
                # a server still reading an old build holds a lock: prune it next time instead of waiting
                await conn.execute("SET LOCAL lock_timeout = '5s'")
                await conn.execute(f"DROP SCHEMA IF EXISTS {quote_ident(name)} CASCADE")
                await conn.execute(f"DELETE FROM {POINTER_SCHEMA}.builds WHERE schema_name = $1", name)
        except asyncpg.LockNotAvailableError:
            log.warning("load-postgis: build schema %s is in use; it will be pruned by the next load", name)
            continue
        pruned.append(name)
    return pruned


def register(sub: Any, common: Any) -> None:
    """Add the ``load-postgis`` command to the bordergeo CLI."""
    p = sub.add_parser("load-postgis", parents=[common], help=cmd_load.__doc__,
                       description="Load the current build into a new schema of a PostgreSQL/PostGIS database "
                                   "and switch the served build to it atomically (then drop builds older than "
                                   "the newest two). A failed or interrupted load leaves the previous build served.")
    p.add_argument("--dsn", default=os.environ.get("BORDERGEO_DSN"),
                   help="postgresql://user[:password]@host[:port]/database (env BORDERGEO_DSN)")
    p.set_defaults(func=cmd_load)


def cmd_load(args: Any) -> int:
    """Load the current build into PostGIS and serve it from there (bordergeo serve --backend DSN)."""
    from layers.cli import settings_from

    if not args.dsn:
        raise BorderGeoError("load-postgis needs --dsn postgresql://... (or BORDERGEO_DSN)")
    result = load(args.dsn, settings_from(args))
    what = (f"loaded into schema {result.schema} ({sum(result.features.values())} features, "
            f"{len(result.features)} layers)" if result.loaded else f"already in schema {result.schema}")
    print(f"load-postgis: build {result.build_id} {what}, now served; {result.seconds:.1f} s")
    for name in result.pruned:
        print(f"load-postgis: dropped old build schema {name}")
    return 0
