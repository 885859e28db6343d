"""Vector tiles, bordergeo vs tipg 1.6 on the same build loaded into PostGIS: distinct tiles across the border.

For each collection, the tiles z4..z14 that the international boundary crosses (thousands of distinct URLs,
shuffled, each asked for once per pass, so no response cache helps; bordergeo runs with its cache off too)
and that lie inside the collection's tileMatrixSetLimits are requested from both servers, one worker each,
with the same bounded wrk load. Both must answer every sampled tile with an MVT holding the collection's
layer before anything is measured; after a short warm-up on other tiles each server is left to become idle
(a server still preparing in the background would be measured while it works for itself).

Two runs per collection and server: throughput with ``--connections`` (8) keep-alive connections, and
latency with ``--latency-connections`` (1). With 8 connections on one single-threaded worker a request
waits for the ones ahead of it, so that run's p99 is mostly queueing (about 8 service times); the latency
run's percentiles are the time a tile takes when the worker is not saturated.

    .venv/bin/python benchmarks/bench_tiles.py [--seconds 10] [--connections 8] [--latency-connections 1]
        [--json out.json]

tipg comes from a git-ignored venv (``.bench-venv-tipg``, created on the first run: ``pip install
tipg==1.6.* uvicorn``); PostgreSQL is a throwaway cluster (tests/pgcluster.py) loaded by ``layers.pgload``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import geopandas as gpd
import mapbox_vector_tile
import shapely

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import pgcluster  # noqa: E402
from load import drive  # noqa: E402
from servers import HOST, Server, bordergeo_argv, free_port, running, wait_idle  # noqa: E402

from layers.pgload import load as load_postgis  # noqa: E402
from layers.pgload import schema_for  # noqa: E402
from layers.settings import DataSettings  # noqa: E402

TIPG_VENV = REPO / ".bench-venv-tipg"
COLLECTIONS = ("boundary", "population", "border-region", "cities")
ZOOMS = range(4, 15)


def border_tiles(boundary: gpd.GeoDataFrame, z: int) -> list[tuple[int, int]]:
    """The WebMercatorQuad tiles (x, y) at zoom ``z`` that the boundary line crosses."""
    step = 360 / 2**z / 8  # degrees: several samples per tile
    seen: set[tuple[int, int]] = set()
    for line in shapely.get_parts(boundary.geometry.values):
        n = max(2, int(line.length / step) + 1)
        for point in shapely.line_interpolate_point(line, [i / (n - 1) for i in range(n)], normalized=True):
            lon, lat = point.x, point.y
            x = int((lon + 180) / 360 * 2**z)
            y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
            seen.add((x, y))
    return sorted(seen)


def cases(data: DataSettings) -> dict[str, list[tuple[int, int, int]]]:
    """Per collection, the shuffled tiles z4..z14 across the border (the same list for every collection)."""
    boundary = gpd.read_parquet(data.current / "boundary.parquet")
    tiles = [(z, x, y) for z in ZOOMS for x, y in border_tiles(boundary, z)]
    random.Random(9).shuffle(tiles)
    return dict.fromkeys(COLLECTIONS, tiles)


def ensure_tipg() -> Path:
    """The tipg venv (created with pip on the first run)."""
    if not (TIPG_VENV / "bin" / "uvicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        subprocess.run([str(TIPG_VENV / "bin" / "pip"), "install", "-q", "tipg==1.6.*", "uvicorn>=0.29"], check=True)
    return TIPG_VENV


def paths(server: str, schema: str, cid: str, tiles: list[tuple[int, int, int]]) -> list[str]:
    """URL paths of ``tiles`` of collection ``cid`` in each server's layout (tipg: {z}/{x}/{y})."""
    if server == "tipg":
        return [f"/collections/{schema}.{cid}/tiles/WebMercatorQuad/{z}/{x}/{y}" for z, x, y in tiles]
    return [f"/collections/{cid}/tiles/WebMercatorQuad/{z}/{y}/{x}" for z, x, y in tiles]


def verify(base: str, sample: list[str], layer: str) -> int:
    """Sampled tiles answer 200 MVTs, most holding ``layer`` (points near an edge may fall in one server's
    buffer and not the other's); returns the bytes of the sample."""
    total, holding = 0, 0
    for path in sample:
        with urllib.request.urlopen(base + path, timeout=60) as r:
            body = r.read()
            assert r.status == 200, (path, r.status)
        layers = mapbox_vector_tile.decode(body)
        holding += any(name == layer or name.endswith(f".{layer}") or name == "default" for name in layers)
        total += len(body)
    assert holding >= 0.8 * len(sample), f"{base}: only {holding} of {len(sample)} tiles hold {layer}"
    return total


def measure(name: str, srv: Server, schema: str, plan: dict[str, list[tuple[int, int, int]]],
            args: argparse.Namespace, folder: Path, samples: dict[str, list[tuple[int, int, int]]]) -> dict[str, Any]:
    """Verify, warm up and load each collection; the first server measured (bordergeo) trims ``plan`` to the
    tiles inside each collection's tileMatrixSetLimits and fills ``samples`` with tiles it found features in,
    which the next server must answer too (tipg answers 200 for an empty tile, not 204)."""
    base, out = srv.url, {}
    for cid in plan:
        if cid not in samples:
            plan[cid] = in_limits(base, cid, plan[cid])
            urls = paths(name, schema, cid, plan[cid])
            samples[cid] = [t for t, u in zip(plan[cid][:400], urls[:400], strict=True)
                            if _status(base + u) == 200][:40]
        urls = paths(name, schema, cid, plan[cid])
        sample_bytes = verify(base, paths(name, schema, cid, samples[cid]), cid)
        drive(base, urls[: max(1, len(urls) // 20)], args.connections, 1.0, folder)  # warm-up (other tiles)
        wait_idle(srv.pid)
        measured = urls[len(urls) // 20:]
        r = drive(base, measured, args.connections, args.seconds, folder)
        lat = drive(base, measured, args.latency_connections, args.seconds, folder)
        out[cid] = {"rps": r.rps, "p50": r.p50_ms, "p99": r.p99_ms, "errors": r.errors, "requests": r.requests,
                    "connections": args.connections, "latency_connections": args.latency_connections,
                    "latency_p50": lat.p50_ms, "latency_p99": lat.p99_ms, "latency_rps": lat.rps,
                    "latency_errors": lat.errors, "tiles": len(measured), "sample_bytes": sample_bytes,
                    "tool": r.tool}
        print(f"{name:9} {cid:14} {r.rps:8.1f} req/s  p50 {r.p50_ms:6.1f} ms  p99 {r.p99_ms:6.1f} ms  "
              f"errors {r.errors}  | {args.latency_connections} conn: p50 {lat.p50_ms:6.1f} ms  "
              f"p99 {lat.p99_ms:6.1f} ms  errors {lat.errors}", flush=True)
    return out


def in_limits(base: str, cid: str, tiles: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The ``tiles`` inside the collection's tileMatrixSetLimits (bordergeo's tileset metadata): outside them
    a tile does not exist (bordergeo answers 404, which wrk would count as an error)."""
    with urllib.request.urlopen(f"{base}/collections/{cid}/tiles/WebMercatorQuad", timeout=60) as r:
        limits = {int(lim["tileMatrix"]): lim for lim in json.load(r)["tileMatrixSetLimits"]}
    return [(z, x, y) for z, x, y in tiles if z in limits
            and limits[z]["minTileCol"] <= x <= limits[z]["maxTileCol"]
            and limits[z]["minTileRow"] <= y <= limits[z]["maxTileRow"]]


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=60) as r:
        return int(r.status)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get("BORDERGEO_DATA_DIR", REPO / "data")))
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--connections", type=int, default=8, help="keep-alive connections of the throughput run")
    ap.add_argument("--latency-connections", type=int, default=1, help="connections of the latency run")
    ap.add_argument("--collections", default=",".join(COLLECTIONS), help="comma-separated subset to measure")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    data = DataSettings(data_dir=args.data_dir)
    wanted = [c for c in args.collections.split(",") if c]
    plan = {cid: tiles for cid, tiles in cases(data).items() if cid in wanted}
    print(f"{len(next(iter(plan.values())))} distinct tiles z{ZOOMS[0]}-z{ZOOMS[-1]} per collection", flush=True)
    venv = ensure_tipg()
    cluster = pgcluster.start()
    results: dict[str, Any] = {}
    samples: dict[str, list[tuple[int, int, int]]] = {}
    try:
        loaded = load_postgis(cluster.dsn, data)
        schema = schema_for(loaded.build_id)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            port = free_port()
            env = {"BORDERGEO_CACHE_BYTES": "0"}
            with running("bordergeo", bordergeo_argv(data.data_dir, port), port, folder, env) as srv:
                results["bordergeo"] = measure("bordergeo", srv, schema, plan, args, folder, samples)
            port = free_port()
            tipg_env = {"DATABASE_URL": cluster.dsn, "TIPG_DB_SCHEMAS": json.dumps([schema]),
                        "TIPG_MAX_FEATURES_PER_TILE": "100000"}
            argv = [str(venv / "bin" / "uvicorn"), "tipg.main:app", "--host", HOST, "--port", str(port),
                    "--workers", "1", "--log-level", "warning"]
            with running("tipg", argv, port, folder, tipg_env) as srv:
                results["tipg"] = measure("tipg", srv, schema, plan, args, folder, samples)
    finally:
        pgcluster.stop(cluster)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


def table(results: dict[str, Any]) -> str:
    """The markdown table of one run: throughput (and its queueing p99), latency unsaturated, the ratio."""
    measured = [cid for cid in COLLECTIONS if cid in results["bordergeo"]]
    b0 = results["bordergeo"][measured[0]]
    n, m = b0["connections"], b0["latency_connections"]
    rows = [f"| collection | tiles | bordergeo req/s ({n} conn) | tipg 1.6 req/s | × tipg | bordergeo p50 / p99 ms "
            f"({m} conn) | tipg p50 / p99 ms ({m} conn) | bordergeo / tipg p99 ms ({n} conn) |",
            "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for cid in measured:
        b, t = results["bordergeo"][cid], results["tipg"][cid]
        rows.append(f"| `{cid}` | {b['tiles']:,} | {b['rps']:,.0f} | {t['rps']:,.0f} | {b['rps'] / t['rps']:.1f}× | "
                    f"{b['latency_p50']:.1f} / {b['latency_p99']:.1f} | {t['latency_p50']:.1f} / "
                    f"{t['latency_p99']:.1f} | {b['p99']:.1f} / {t['p99']:.1f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
