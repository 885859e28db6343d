"""bordergeo vs pygeoapi 0.21.0 vs a bare ASGI app, on the same built layers, on loopback.

    .venv/bin/python benchmarks/bench_ogc.py [--seconds 10] [--connections 8] [--check]

Uses the current build of BORDERGEO_DATA_DIR (default ./data). Starts, one after the other:
bordergeo (``bordergeo serve``, one uvicorn worker, as shipped: repeated requests come from its
response cache); bordergeo again with that cache off ("uncached": every request rendered); a bare ASGI
app replaying bordergeo's exact response bytes (the ceiling for one Python worker); pygeoapi (GeoJSON
provider over exports of the same layers, gunicorn, one sync worker, in ``.bench-venv/pygeoapi-0.21``). Checks every
server answers every case with the same features, drives each case with the same bounded load, soaks
bordergeo with 16 clients, and prints a Markdown table with requests/s, p50, p99 and the ratios.
Exit 1 on soak errors, and with ``--check`` also when a target of issue 3 is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cases import Case, build_cases
from load import LoadResult, drive
from peer import ensure_venv, prepare
from servers import REPO, Server, bare_argv, bordergeo_argv, free_port, pygeoapi_argv, running

from layers.settings import DataSettings

BARE_TARGET = 0.15  # of the bare ASGI ceiling, on cities?limit=100 with one worker
BARE_CASE = "cities items limit=100"


@dataclass(frozen=True)
class Run:
    """Everything measured: results[server][case], bordergeo's body sizes, the soak."""

    results: dict[str, dict[str, LoadResult]]
    sizes: dict[str, int]
    soak: LoadResult


def fetch(url: str) -> tuple[int, str, bytes]:
    """GET like wrk does (no Accept header): status, content type, body."""
    with urllib.request.urlopen(urllib.request.Request(url), timeout=120) as response:
        return int(response.status), str(response.headers.get("content-type", "")), response.read()


def feature_count(body: bytes) -> int:
    """Features in a GeoJSON answer: a FeatureCollection's length, 1 for a Feature."""
    doc = json.loads(body)
    return len(doc["features"]) if doc.get("type") == "FeatureCollection" else int(doc.get("type") == "Feature")


def same_bytes(body: bytes, url: str, recorded: Path, i: int) -> bool:
    """Whether ``body`` is recorded answer ``i``, links aside (each server has its own port)."""
    base = (recorded / "base.url").read_text().encode()
    return body.replace(url.encode(), base) == (recorded / f"{i}.body").read_bytes()


def verify(server: Server, cases: list[Case], record: Path | None = None, same_as: Path | None = None
           ) -> dict[str, int]:
    """Check every case answers 200 JSON with the expected features; record the bytes, or compare them
    with recorded ones."""
    sizes, index = {}, {}
    for i, case in enumerate(cases):
        status, ctype, body = fetch(server.url + case.path)
        if status != 200 or "json" not in ctype or feature_count(body) != case.features:
            raise RuntimeError(f"{server.name} {case.path}: {status} {ctype}, {feature_count(body)} features, "
                               f"expected {case.features}")
        sizes[case.name] = len(body)
        if same_as is not None and not same_bytes(body, server.url, same_as, i):
            raise RuntimeError(f"{server.name} {case.path}: not the bytes bordergeo sent first")
        if record is not None:
            (record / f"{i}.body").write_bytes(body)
            index[case.path] = {"file": f"{i}.body", "content_type": ctype}
    if record is not None:
        (record / "index.json").write_text(json.dumps(index))
        (record / "base.url").write_text(server.url)
    return sizes


def measure(server: Server, cases: list[Case], args: argparse.Namespace, work: Path) -> dict[str, LoadResult]:
    """Each case: a short warm-up, then the measured run."""
    out = {}
    for case in cases:
        drive(server.url, [case.path], args.connections, 1, work)
        out[case.name] = drive(server.url, [case.path], args.connections, args.seconds, work)
        r = out[case.name]
        print(f"  {server.name:9} {case.name:38} {r.rps:9.1f} req/s  p50 {r.p50_ms:8.2f} ms  "
              f"p99 {r.p99_ms:8.2f} ms  errors {r.errors}", file=sys.stderr, flush=True)
    return out


def run_all(cases: list[Case], args: argparse.Namespace, current: Path, work: Path) -> Run:
    """Start each server in turn, verify, measure, stop; soak bordergeo."""
    results: dict[str, dict[str, LoadResult]] = {}
    venv = ensure_venv(REPO / ".bench-venv" / "pygeoapi-0.21")  # first: a failed install costs no measurement
    bodies = work / "bodies"
    bodies.mkdir()
    port = free_port()
    env = {"BORDERGEO_DATA_DIR": str(args.data_dir)}
    with running("bordergeo", bordergeo_argv(args.data_dir, port), port, work, env) as server:
        sizes = verify(server, cases, bodies)
        results["bordergeo"] = measure(server, cases, args, work)
        soak = drive(server.url, [c.path for c in cases], args.soak_connections, args.soak_seconds, work)
    port = free_port()  # the same service with its response cache off: every request rendered anew
    env["BORDERGEO_CACHE_BYTES"] = "0"
    with running("uncached", bordergeo_argv(args.data_dir, port), port, work, env) as server:
        verify(server, cases, same_as=bodies)
        results["uncached"] = measure(server, cases, args, work)
    port = free_port()
    with running("bare", bare_argv(bodies, port), port, work) as server:
        verify(server, cases, same_as=bodies)
        results["bare"] = measure(server, cases, args, work)
    port = free_port()
    peer_env = prepare(current, sorted({c.layer for c in cases}), work, port, venv)
    with running("pygeoapi", pygeoapi_argv(venv, port), port, work, peer_env) as server:
        verify(server, cases)
        results["pygeoapi"] = measure(server, cases, args, work)
    return Run(results, sizes, soak)


def ratio(a: float, b: float) -> float:
    """a / b, infinite when b completed no request at all."""
    return a / b if b else float("inf")


def verdicts(case: Case, ours: LoadResult, peer: LoadResult, bare: LoadResult) -> tuple[str, bool]:
    """The target cell for one case and whether its targets are met."""
    ok = ratio(ours.rps, peer.rps) >= case.min_vs_peer
    cell = f"≥{case.min_vs_peer:g}× pygeoapi {'met' if ok else 'MISSED'}"
    if case.name == BARE_CASE:
        bare_ok = ratio(ours.rps, bare.rps) >= BARE_TARGET
        cell += f"; ≥{BARE_TARGET:.0%} of bare {'met' if bare_ok else 'MISSED'}"
        ok = ok and bare_ok
    return cell, ok


def table(cases: list[Case], run: Run) -> tuple[str, bool]:
    """The Markdown results table and whether every target is met."""
    lines = ["| case | bytes | bordergeo req/s | p50 ms | p99 ms | uncached req/s | p50 ms "
             "| pygeoapi req/s | p50 ms | p99 ms | bare ASGI req/s | bordergeo / pygeoapi "
             "| uncached / pygeoapi | bordergeo / bare | target |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    all_ok = True
    for case in cases:
        ours, cold, peer, bare = (run.results[s][case.name] for s in ("bordergeo", "uncached", "pygeoapi", "bare"))
        cell, ok = verdicts(case, ours, peer, bare)
        all_ok = all_ok and ok
        lines.append(f"| {case.name} | {run.sizes[case.name]:,} | {ours.rps:,.0f} | {ours.p50_ms:.1f} | "
                     f"{ours.p99_ms:.1f} | {cold.rps:,.0f} | {cold.p50_ms:.1f} | {peer.rps:,.1f} | "
                     f"{peer.p50_ms:.0f} | {peer.p99_ms:.0f} | {bare.rps:,.0f} | {ratio(ours.rps, peer.rps):,.1f}× | "
                     f"{ratio(cold.rps, peer.rps):,.1f}× | {ratio(ours.rps, bare.rps):.0%} | {cell} |")
    return "\n".join(lines), all_ok


def arguments(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10, help="measured seconds per case and server")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections per case")
    p.add_argument("--soak-seconds", type=float, default=30)
    p.add_argument("--soak-connections", type=int, default=16)
    p.add_argument("--json", type=Path, help="also write the raw results here")
    p.add_argument("--check", action="store_true", help="exit 1 when a target of issue 3 is missed")
    args = p.parse_args(argv)
    args.data_dir = DataSettings().data_dir.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    args = arguments(argv)
    current = (args.data_dir / "current").resolve()
    cases, notes = build_cases(current)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not cases:
        print(f"no benchmark layer is built in {args.data_dir}: run `bordergeo build`", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bordergeo-bench-") as tmp:
        run = run_all(cases, args, current, Path(tmp))
    text, all_ok = table(cases, run)
    soak = run.soak
    tool = "wrk" if soak.tool == "wrk" else "a Python asyncio client (install wrk for truer numbers)"
    print(f"\n{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, load by {tool}, "
          f"{args.connections} connections × {args.seconds:g} s per case, one server worker each\n")
    print(text)
    print(f"\nsoak: {args.soak_connections} clients × {soak.seconds:.0f} s over all cases on bordergeo: "
          f"{soak.requests:,} requests, {soak.rps:,.0f} req/s, p99 {soak.p99_ms:.1f} ms, {soak.errors} errors")
    if args.json:
        raw = {k: {c: vars(r) for c, r in v.items()} for k, v in run.results.items()}
        args.json.write_text(json.dumps({"results": raw, "sizes": run.sizes, "soak": vars(soak)}, indent=1))
    if soak.errors:
        return 1
    return 1 if args.check and not all_ok else 0


if __name__ == "__main__":
    sys.exit(main())
