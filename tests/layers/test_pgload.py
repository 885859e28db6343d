"""``bordergeo load-postgis``: a real PostGIS cluster, the session build, and the GeoParquet files as reference."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import shapely

from layers.pgload import KEEP_BUILDS, load, schema_for
from layers.registry import default_registry
from layers.settings import DataSettings
from tests.pgcluster import Cluster, clone_build

FORMATS = {"string": 'text|"C"', "integer": "bigint|-", "number": "double precision|-", "boolean": "boolean|-",
           "date": "date|-"}

def clone(data: DataSettings, root: Path, build_id: str) -> DataSettings:
    """Settings of a data directory whose current build copies ``data``'s under another build id."""
    return DataSettings(data_dir=clone_build(data.current, root, build_id))


def query(cluster: Cluster, dsn: str, sql: str) -> list[str]:
    """Rows of ``sql`` (psql unaligned output, one string per row) in the database of ``dsn``."""
    return [line for line in cluster.psql(sql, database=dsn.rsplit("/", 1)[1]).splitlines() if line]


def test_load_types_keys_indexes_and_manifest(postgres: Cluster, fresh_dsn: str, data_settings: DataSettings,
                                              manifest: dict, layer) -> None:
    result = load(fresh_dsn, data_settings)
    schema = schema_for(manifest["build_id"])
    assert result.loaded and result.schema == schema
    assert query(postgres, fresh_dsn, "SELECT schema_name || '|' || build_id FROM bordergeo.current") == \
        [f"{schema}|{manifest['build_id']}"]
    registry = default_registry()
    for layer_id, entry in manifest["layers"].items():
        spec = registry[layer_id]
        assert result.features[layer_id] == entry["features"]
        cols = query(postgres, fresh_dsn, "SELECT attname || '|' || format_type(atttypid, atttypmod) || '|' || "
                     f"attcollation::regcollation::text FROM pg_attribute WHERE attrelid = '{schema}.\"{layer_id}\"'"
                     "::regclass AND attnum > 0 ORDER BY attnum")
        expected = ["_ord|integer|-", *[f"{p.name}|{FORMATS[p.type]}" for p in spec.properties],
                    "geom|geometry(Geometry,4326)|-", "_feature|bytea|-"]
        assert cols == expected
        indexes = query(postgres, fresh_dsn, "SELECT indexdef FROM pg_indexes WHERE schemaname = "
                        f"'{schema}' AND tablename = '{layer_id}' ORDER BY indexname")
        key = query(postgres, fresh_dsn, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'p' "
                    f"AND conrelid = '{schema}.\"{layer_id}\"'::regclass")
        assert key == [f"PRIMARY KEY ({spec.id_field})"]
        assert any("USING gist (geom)" in i for i in indexes)
    stored = json.loads(query(postgres, fresh_dsn, f"SELECT manifest FROM {schema}._build")[0])
    assert stored == manifest
    assert query(postgres, fresh_dsn, f"SELECT string_agg(layer_id, ',' ORDER BY position) FROM {schema}._layers") \
        == [",".join(lid for lid in registry if lid in manifest["layers"])]


def test_values_and_geometries_equal_the_geoparquet(postgres: Cluster, pg_dsn: str, manifest: dict, layer) -> None:
    schema = schema_for(manifest["build_id"])
    for layer_id in manifest["layers"]:
        ref = layer(layer_id)
        names = default_registry()[layer_id].property_names
        rows = json.loads(query(postgres, pg_dsn, f"SELECT json_agg(to_jsonb(t) - 'geom' - '_ord' ORDER BY _ord) "
                                f"FROM {schema}.\"{layer_id}\" t")[0])
        expected = json.loads(ref[names].to_json(orient="records", date_format="iso"))
        assert [{n: r[n] for n in names} for r in rows] == [{n: _date(e[n]) for n in names} for e in expected]
        wkb = query(postgres, pg_dsn, f"SELECT encode(ST_AsBinary(geom), 'hex') FROM {schema}.\"{layer_id}\" "
                    "ORDER BY _ord")
        stored = shapely.from_wkb([bytes.fromhex(h) for h in wkb])
        assert shapely.equals_exact(stored, ref.geometry.values, 0).all()


def _date(value: object) -> object:
    """pandas writes dates as ISO timestamps; PostgreSQL as YYYY-MM-DD."""
    return value[:10] if isinstance(value, str) and value.endswith("T00:00:00.000") else value


def test_reload_is_a_no_op_and_old_builds_are_pruned(postgres: Cluster, fresh_dsn: str, data_settings: DataSettings,
                                                     tmp_path: Path) -> None:
    ids = [f"20990101T00000{i}-1" for i in range(KEEP_BUILDS + 2)]
    for build_id in ids:
        assert load(fresh_dsn, clone(data_settings, tmp_path, build_id)).loaded
    again = load(fresh_dsn, clone(data_settings, tmp_path / "again", ids[-1]))
    assert not again.loaded and again.features == {}
    schemas = query(postgres, fresh_dsn, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bordergeo_%' "
                    "ORDER BY 1")
    assert schemas == [schema_for(i) for i in ids[-KEEP_BUILDS:]]
    assert query(postgres, fresh_dsn, "SELECT build_id FROM bordergeo.current") == [ids[-1]]


def test_failed_load_keeps_the_previous_build(postgres: Cluster, fresh_dsn: str, data_settings: DataSettings,
                                              tmp_path: Path) -> None:
    load(fresh_dsn, clone(data_settings, tmp_path, "20990101T000001-1"))
    broken = clone(data_settings, tmp_path, "20990101T000002-1")
    victim = broken.current.resolve() / "rivers.parquet"
    victim.unlink()
    victim.write_bytes(b"not parquet")
    proc = cli("load-postgis", "--dsn", fresh_dsn, data_dir=broken.data_dir)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert query(postgres, fresh_dsn, "SELECT build_id FROM bordergeo.current") == ["20990101T000001-1"]
    assert query(postgres, fresh_dsn, f"SELECT count(*) FROM pg_namespace WHERE nspname = "
                 f"'{schema_for('20990101T000002-1')}'") == ["0"]


def test_killed_load_keeps_the_previous_build(postgres: Cluster, fresh_dsn: str, data_settings: DataSettings,
                                              tmp_path: Path) -> None:
    load(fresh_dsn, clone(data_settings, tmp_path, "20990101T000001-1"))
    second = clone(data_settings, tmp_path, "20990101T000002-1")
    # hold the pointer table: the second load copies every layer, then waits at the switch; kill it there
    holder = subprocess.Popen([shutil.which("psql") or str(postgres.bindir / "psql"), "-X", "-q", "-h", "127.0.0.1",
                               "-p", str(postgres.port), "-U", "postgres", "-d", fresh_dsn.rsplit("/", 1)[1]],
                              stdin=subprocess.PIPE, text=True)
    assert holder.stdin is not None
    holder.stdin.write("BEGIN; LOCK TABLE bordergeo.current IN EXCLUSIVE MODE;\n")  # then idle, in the transaction
    holder.stdin.flush()
    loader = subprocess.Popen([*cli_argv(), "-q", "load-postgis", "--dsn", fresh_dsn],
                              env={**os.environ, "BORDERGEO_DATA_DIR": str(second.data_dir)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _waiting_on_lock(postgres, fresh_dsn):
            assert loader.poll() is None and time.monotonic() < deadline, "the load never reached the switch"
            time.sleep(0.1)
        os.kill(loader.pid, signal.SIGKILL)
        loader.wait(timeout=30)
    finally:
        if loader.poll() is None:
            os.kill(loader.pid, signal.SIGKILL)
        holder.kill()
        holder.wait(timeout=30)
    deadline = time.monotonic() + 30  # the server notices both dropped connections and rolls back
    while query(postgres, fresh_dsn, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()") != ["0"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert query(postgres, fresh_dsn, "SELECT build_id FROM bordergeo.current") == ["20990101T000001-1"]
    assert query(postgres, fresh_dsn, f"SELECT count(*) FROM pg_namespace WHERE nspname = "
                 f"'{schema_for('20990101T000002-1')}'") == ["0"]
    assert load(fresh_dsn, second).loaded  # and the next load succeeds


def _waiting_on_lock(cluster: Cluster, dsn: str) -> bool:
    rows = query(cluster, dsn, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                 "AND query LIKE '%bordergeo.current%'")
    return rows != ["0"]


def cli_argv() -> list[str]:
    """The bordergeo command of this environment."""
    return [str(Path(sys.executable).parent / "bordergeo")]


def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run ``bordergeo ARGS`` with ``data_dir``."""
    return subprocess.run([*cli_argv(), *args], env={**os.environ, "BORDERGEO_DATA_DIR": str(data_dir)},
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("args", "message"), [
    (("load-postgis",), "load-postgis needs --dsn"),
    (("load-postgis", "--dsn", "postgresql://postgres:pw@127.0.0.1:1/x"), "cannot connect to postgresql://postgres:***@"),
    (("load-postgis", "--dsn", "mysql://nope"), "cannot connect to mysql://nope"),
])
def test_bad_dsn_one_line_exit_1(data_settings: DataSettings, args: tuple[str, ...], message: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BORDERGEO_DSN"}
    proc = subprocess.run([*cli_argv(), *args], env={**env, "BORDERGEO_DATA_DIR": str(data_settings.data_dir)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert "pw" not in proc.stderr
