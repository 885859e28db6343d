"""Issue 12's benchmark: bordergeo in memory and on PostGIS vs tipg 1.6 and pygeoapi 0.24, distinct URLs.

    .venv/bin/python benchmarks/bench_peers.py [--seconds 10] [--connections 8] [--json F] [--check]

One worker each, the same data, one server at a time on loopback: bordergeo serving the current build
from memory; bordergeo serving it from a throwaway PostGIS cluster (``bordergeo load-postgis`` then
``serve --backend``); tipg serving the same PostGIS tables (only the declared columns); pygeoapi serving
GeoJSON exports of the same layers. bordergeo runs with its response cache off: wrk cycles through each
case's 2,000+ URLs, and a cache would answer the repeats. Every server is first checked to answer a
sample of each case with the same features. Prints a Markdown table (req/s, p50, p99, ratios, targets).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from load import LoadResult, drive
from peer import ensure_venv, prepare
from servers import REPO, Server, bordergeo_argv, free_port, pygeoapi_argv, running
from workload import workload

sys.path.insert(0, str(REPO))
from layers.pgload import load as load_postgis
from layers.registry import default_registry
from layers.settings import DataSettings
from tests import pgcluster

PYGEOAPI = "pygeoapi==0.24.0"  # needs Python >= 3.12
#: the cases of workload.py: what each imitates, and peers that cannot answer it
CASES = {
    "pan": ("random bboxes 0.05°–8° wide over 5 layers, limit=1000 (QGIS panning)", ()),
    "paging": ("random offsets on cities, limit 10–200", ()),
    "filter": ("random CQL2 filters on cities and population, limit=100", ("pygeoapi",)),  # its GeoJSON
    "item": ("random single items of 6 layers", ()),  # provider ignores `filter`
}
URLS = 2400
TIPG = "tipg==1.6.1"
SERVERS = ("memory", "postgis", "tipg", "pygeoapi")
TARGETS = {("memory", "tipg"): 10.0, ("memory", "pygeoapi"): 50.0, ("postgis", "tipg"): 2.0}
SAMPLE = 25


@dataclass(frozen=True)
class Case:
    """One case: its name, what it imitates, its distinct paths (bordergeo spelling), who cannot run it."""

    name: str
    what: str
    paths: tuple[str, ...]
    not_for: tuple[str, ...] = ()


def build_cases(current: Path, names: list[str]) -> list[Case]:
    """The workload's cases for the build in ``current`` (2,400 distinct URLs each where there are)."""
    return [Case(name, CASES[name][0], tuple(workload(current, name, URLS)), CASES[name][1]) for name in names]


def tipg_path(path: str, schema: str) -> str:
    """A bordergeo path in tipg's spelling (its collections are ``schema.table``)."""
    return f"/collections/{schema}.{path[len('/collections/'):]}"


def python312() -> str:
    """A Python >= 3.12 for pygeoapi 0.24 (PATH, then pyenv's versions)."""
    for name in ("python3.13", "python3.12"):
        if found := shutil.which(name):
            return found
    for candidate in sorted(Path.home().glob(".pyenv/versions/3.1[2-9]*/bin/python3"), reverse=True):
        return str(candidate)
    raise SystemExit("pygeoapi 0.24 needs Python >= 3.12: install one (e.g. pyenv) and retry")


def ensure_tipg(venv: Path) -> Path:
    """``venv`` with tipg and uvicorn, created on first use."""
    if not (venv / "bin" / "uvicorn").exists():
        import subprocess

        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", TIPG, "uvicorn[standard]"], check=True)
    return venv


def tipg_env(dsn: str, schema: str, layer_ids: list[str]) -> dict[str, str]:
    """tipg on the build schema, each table showing only its declared properties (as bordergeo does)."""
    env = {"DATABASE_URL": dsn, "TIPG_DB_SCHEMAS": json.dumps([schema]), "TIPG_MAX_FEATURES_PER_QUERY": "10000",
           "TIPG_DEBUG": "false"}
    registry = default_registry()
    for lid in layer_ids:
        env[f"TIPG_TABLE_CONFIG__{schema}_{lid}__PROPERTIES"] = json.dumps(registry[lid].property_names)
        env[f"TIPG_TABLE_CONFIG__{schema}_{lid}__PK"] = registry[lid].id_field
    return env


def get(url: str) -> tuple[int, Any]:
    """GET like wrk does; (status, parsed JSON or None)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=120) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), None


def answer(doc: Any) -> tuple[int, frozenset[str]]:
    """(features returned, their ids) of a FeatureCollection or a Feature."""
    feats = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
    return len(feats), frozenset(str(f.get("id")) for f in feats)


def verify(server: Server, case: Case, paths: list[str], expected: list[tuple[int, frozenset[str]]]) -> None:
    """Every sampled request answers 200 with the features bordergeo returned (same ids when a page holds
    every match; the same number otherwise, as servers may order pages differently)."""
    for path, want in zip(paths, expected, strict=True):
        status, doc = get(server.url + path)
        if status != 200 or doc is None:
            raise RuntimeError(f"{server.name} {path}: status {status}")
        got = answer(doc)
        complete = doc.get("numberMatched", got[0]) == got[0] if case.name != "paging" else False
        if got[0] != want[0] or (complete and got[1] != want[1]):
            raise RuntimeError(f"{server.name} {path}: {got[0]} features, expected {want[0]} "
                               f"(ids differ: {sorted(got[1] ^ want[1])[:5]})")


def measure(server: Server, cases: list[Case], spell: Any, args: argparse.Namespace, work: Path,
            reference: dict[str, list[tuple[int, frozenset[str]]]]) -> dict[str, LoadResult]:
    """Verify, warm up and measure each case the server can answer."""
    out = {}
    for case in cases:
        if server.name in case.not_for:
            continue
        paths = [spell(p) for p in case.paths]
        sample = sample_of(paths)
        if server.name == "memory":
            reference[case.name] = [answer(get(server.url + p)[1]) for p in sample]
        verify(server, case, sample, reference[case.name])
        drive(server.url, paths, args.connections, 2, work)
        out[case.name] = r = drive(server.url, paths, args.connections, args.seconds, work)
        print(f"  {server.name:9} {case.name:9} {r.rps:9.1f} req/s  p50 {r.p50_ms:8.2f} ms  p99 {r.p99_ms:8.2f} ms"
              f"  errors {r.errors}  load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    return out


def sample_of(paths: list[str]) -> list[str]:
    """A fixed sample of a case's paths (the same positions for every server)."""
    return [paths[i] for i in sorted(random.Random(7).sample(range(len(paths)), min(SAMPLE, len(paths))))]


def run_all(cases: list[Case], args: argparse.Namespace, work: Path) -> dict[str, dict[str, LoadResult]]:
    """Start each server in turn on the same data; verify and measure it; stop it."""
    data = DataSettings(data_dir=args.data_dir)
    current = data.current.resolve()
    tipg_venv = ensure_tipg(REPO / ".bench-venv" / "tipg") if "tipg" in args.servers else None
    geo_venv = ensure_venv(REPO / ".bench-venv" / "pygeoapi", PYGEOAPI, python312()) \
        if "pygeoapi" in args.servers else None
    layer_ids = [lid for lid in default_registry() if (current / f"{lid}.parquet").is_file()]
    results: dict[str, dict[str, LoadResult]] = {}
    reference: dict[str, list[tuple[int, frozenset[str]]]] = {}
    env = {"BORDERGEO_DATA_DIR": str(args.data_dir), "BORDERGEO_CACHE_BYTES": "0"}
    port = free_port()
    with running("memory", bordergeo_argv(args.data_dir, port), port, work, env) as server:
        results["memory"] = measure(server, cases, str, args, work, reference)
    if args.servers & {"postgis", "tipg"}:
        results.update(_on_postgis(cases, args, work, data, layer_ids, tipg_venv, reference))
    if geo_venv is not None:
        port = free_port()
        peer_env = prepare(current, layer_ids, work, port, geo_venv)
        with running("pygeoapi", pygeoapi_argv(geo_venv, port), port, work, peer_env) as server:
            results["pygeoapi"] = measure(server, cases, str, args, work, reference)
    return results


def _on_postgis(cases: list[Case], args: argparse.Namespace, work: Path, data: DataSettings, layer_ids: list[str],
                tipg_venv: Path | None, reference: dict[str, Any]) -> dict[str, dict[str, LoadResult]]:
    """bordergeo --backend and tipg on one throwaway cluster holding the build (stopped even on failure)."""
    results = {}
    env = {"BORDERGEO_DATA_DIR": str(args.data_dir), "BORDERGEO_CACHE_BYTES": "0"}
    cluster = pgcluster.start()
    try:
        loaded = load_postgis(cluster.dsn, data)
        if "postgis" in args.servers:
            port = free_port()
            argv = [*bordergeo_argv(args.data_dir, port), "--backend", cluster.dsn]
            with running("postgis", argv, port, work, env) as server:
                results["postgis"] = measure(server, cases, str, args, work, reference)
        if tipg_venv is not None:
            port = free_port()
            argv = [str(tipg_venv / "bin" / "uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port",
                    str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"]
            with running("tipg", argv, port, work, tipg_env(cluster.dsn, loaded.schema, layer_ids)) as server:
                results["tipg"] = measure(server, cases, lambda p: tipg_path(p, loaded.schema), args, work,
                                          reference)
    finally:
        pgcluster.stop(cluster)
    return results


def ratio(a: LoadResult | None, b: LoadResult | None) -> float | None:
    """a / b in requests per second (None when either did not run)."""
    return None if a is None or b is None or not b.rps else a.rps / b.rps


def table(cases: list[Case], results: dict[str, dict[str, LoadResult]]) -> tuple[str, bool]:
    """The Markdown table and whether every target was met."""
    head = ["case", *(f"{s} req/s (p50 / p99 ms)" for s in SERVERS),
            *(f"{a} / {b} (target ≥{t:g}×)" for (a, b), t in TARGETS.items())]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "--:|" * (len(head) - 1)]
    ok = True
    for case in cases:
        cells = [f"{case.name}: {case.what} ({len(case.paths):,} URLs)"]
        for s in SERVERS:
            r = results.get(s, {}).get(case.name)
            cells.append("n/a" if r is None else f"{r.rps:,.0f} ({r.p50_ms:.1f} / {r.p99_ms:.1f})")
        for (a, b), target in TARGETS.items():
            x = ratio(results.get(a, {}).get(case.name), results.get(b, {}).get(case.name))
            met = x is None or x >= target
            ok = ok and met
            cells.append("n/a" if x is None else f"{x:,.1f}× {'met' if met else 'MISSED'}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10, help="measured seconds per case and server")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    p.add_argument("--json", type=Path, help="also write the raw results here")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--servers", default=",".join(SERVERS),
                   help=f"comma-separated subset of {','.join(SERVERS)} (memory always runs: it is the reference)")
    p.add_argument("--cases", help=f"comma-separated subset of {','.join(CASES)}")
    args = p.parse_args(argv)
    args.servers = {"memory", *args.servers.split(",")}
    args.data_dir = DataSettings().data_dir.resolve()
    current = (args.data_dir / "current").resolve()
    if not (current / "cities.parquet").is_file():
        print(f"no build in {args.data_dir}: run `bordergeo build`", file=sys.stderr)
        return 1
    cases = build_cases(current, args.cases.split(",") if args.cases else list(CASES))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bordergeo-bench-") as tmp:
        results = run_all(cases, args, Path(tmp))
    text, ok = table(cases, results)
    load_after = os.getloadavg()
    print(f"\n{platform.node()}: {os.cpu_count()} cores (shared), Python {platform.python_version()}, wrk "
          f"{args.connections} connections × {args.seconds:g} s per case, one worker each; load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after\n")
    print(text)
    if args.json:
        args.json.write_text(json.dumps({s: {c: asdict(r) for c, r in v.items()} for s, v in results.items()},
                                        indent=1))
    errors = sum(r.errors for v in results.values() for r in v.values())
    if errors:
        print(f"\n{errors} errors during the runs", file=sys.stderr)
        return 1
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
