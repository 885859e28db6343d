"""Does the response cache cost anything on distinct URLs? bordergeo with its cache on and off, same workload.

For each case of ``workload.py`` (enough distinct paths that a run never repeats one, except ``item``,
whose ids run out), one bordergeo server per variant (``--cache-bytes`` on, 0 off) is driven by wrk with 8
keep-alive connections; printed: requests/s, p50, p99, errors and the server's resident memory after the
case. ``--old DIR`` adds the same two variants for another source tree (e.g. ``git archive`` of an older
commit), run with ``PYTHONPATH=DIR``, to compare before/after. A few seconds per case (CPU is shared).

    .venv/bin/python benchmarks/cache_check.py --seconds 5 [--old /tmp/bordergeo-old]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load import drive  # noqa: E402
from servers import REPO, free_port, running  # noqa: E402
from workload import CASES, workload  # noqa: E402

LAYERS = ("population", "cities", "rivers", "watersheds", "boundary", "ports")


def bench_data(source: Path, folder: Path) -> Path:
    """A data dir whose build hard-links the benchmark layers of ``source`` (old code reads it as well)."""
    import json

    build = folder / "builds" / "bench"
    build.mkdir(parents=True)
    manifest = json.loads((source / "manifest.json").read_text())
    for lid in LAYERS:
        os.link(source / f"{lid}.parquet", build / f"{lid}.parquet")
    (build / "manifest.json").write_text(json.dumps(
        {"build_id": manifest["build_id"], "layers": {lid: manifest["layers"][lid] for lid in LAYERS}}))
    (folder / "current").symlink_to(os.path.relpath(build, folder))
    return folder


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` (MB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    """Run every case against every variant and print one line each."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=Path(os.environ.get("BORDERGEO_DATA_DIR", "data")))
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--cache-bytes", type=int, default=128 * 1024 * 1024)
    p.add_argument("--old", type=Path, help="another source tree to compare (run with PYTHONPATH)")
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--repeat", type=int, default=1, help="rounds, variants in alternating order (shared CPU)")
    args = p.parse_args()
    source = (args.data_dir / "current").resolve()
    exe = Path(sys.executable).parent / "bordergeo"
    cases = args.cases.split(",")
    variants = [(name, tree, cache) for name, tree in [("new", None)] + ([("old", args.old)] if args.old else [])
                for cache in (args.cache_bytes, 0)]
    with tempfile.TemporaryDirectory() as tmp:
        data = bench_data(source, Path(tmp) / "data")
        built = (data / "current").resolve()  # only the benchmark layers: item ids of other layers would 404
        paths = {case: workload(built, case, max(2000, int(args.seconds * 4000))) for case in cases}
        print(f"{'variant':<14}{'case':<8}{'paths':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'RSS MB':>9}")
        for round_ in range(args.repeat):
            for name, tree, cache in variants[::-1] if round_ % 2 else variants:
                port = free_port()
                env = {"BORDERGEO_CACHE_BYTES": str(cache), "BORDERGEO_DATA_DIR": str(data)}
                if tree is not None:
                    env["PYTHONPATH"] = str(tree)
                argv = [str(exe), "-q", "serve", "--no-build", "--port", str(port)]
                label = f"{name} cache {'on' if cache else 'off'}"
                with running(label.replace(" ", "-"), argv, port, Path(tmp), env=env) as server:
                    print(f"{label:<14}{'(idle)':<8}{'':>7}{'':>9}{'':>9}{'':>9}{'':>8}{rss_mb(server.pid):>9.0f}")
                    for case in cases:
                        r = drive(server.url, paths[case], args.connections, args.seconds, Path(tmp))
                        print(f"{label:<14}{case:<8}{len(paths[case]):>7}{r.rps:>9.0f}{r.p50_ms:>9.2f}"
                              f"{r.p99_ms:>9.2f}{r.errors:>8}{rss_mb(server.pid):>9.0f}", flush=True)


if __name__ == "__main__":
    os.chdir(REPO)
    main()
