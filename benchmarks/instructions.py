"""Instructions per request of one workload case, in process, counted by callgrind (a steady number on a
noisy shared machine, where req/s moves ±15 % from run to run).

    .venv/bin/python benchmarks/instructions.py paging [--data-dir DIR] [--requests 2400] [--repo PATH]

The app (response cache off, no analytics warm-up thread) answers each of the case's distinct URLs through
its ASGI interface, as uvicorn would call it, and callgrind counts the instructions of that loop only
(``--instr-atstart=no``, switched on and off around it with ``callgrind_control``). Startup, imports and the
first 50 warm-up requests are not counted. HTTP parsing and socket writes are not in it either: they are
what ``bench_peers.py`` measures around it. ``--repo`` measures another checkout with this script (an A/B of
two commits: run it once per checkout). Needs ``valgrind`` (Debian package); takes 2–4 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WARM = 50


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("case", help="a case of workload.py: pan, paging, filter or item")
    p.add_argument("--data-dir", type=Path, default=Path(os.environ.get("BORDERGEO_DATA_DIR", REPO / "data")))
    p.add_argument("--requests", type=int, default=2400)
    p.add_argument("--repo", type=Path, default=REPO, help="checkout whose api package is measured")
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)  # the run under callgrind
    args = p.parse_args(argv)
    if args.inside:  # the measured checkout's packages, workload.py's too
        sys.path.insert(0, str(args.repo.resolve()))
    from workload import CASES, workload

    build = (args.data_dir / "current").resolve()
    if args.case not in CASES:
        p.error(f"case: choose one of {', '.join(CASES)}")
    if not (build / "manifest.json").exists():
        print(f"instructions: no build in {args.data_dir}; run `bordergeo build` first", file=sys.stderr)
        return 2
    if args.inside:
        asyncio.run(_measure(args.data_dir, workload(build, args.case, args.requests)))
        return 0
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed (apt-get install -y valgrind)", file=sys.stderr)
        return 2
    argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
            sys.executable, __file__, args.case, "--inside", "--data-dir", str(args.data_dir),
            "--requests", str(args.requests), "--repo", str(args.repo)]
    print(f"counting {args.case} ({args.requests} requests) under callgrind, a few minutes...", flush=True)
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    found = re.search(r"Collected : (\d+)", done.stderr)
    answered = re.search(r"answered (\d+)", done.stdout)
    if done.returncode != 0 or found is None or answered is None:
        print(done.stdout[-2000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
        return 1
    n = int(answered[1])
    print(f"{args.case}: {int(found[1]) / n:,.0f} instructions per request ({n} requests, {args.repo})")
    return 0


async def _measure(data_dir: Path, urls: list[str]) -> None:
    from inprocess import asgi_get

    import api.processes
    from api.app import create_app
    from api.settings import ApiSettings
    from layers.settings import DataSettings

    api.processes.preload = lambda *a, **k: None  # its warm-up thread would run beside the counted loop
    app = create_app(ApiSettings(cache_bytes=0), DataSettings(data_dir=data_dir))
    async with app.router.lifespan_context(app):
        for url in urls[:WARM]:
            await asgi_get(app, url)
        _instrument(True)
        statuses = [await asgi_get(app, url) for url in urls]
        _instrument(False)
    bad = [u for u, s in zip(urls, statuses, strict=True) if s != 200]
    assert not bad, f"not 200: {bad[:3]}"
    print(f"answered {len(urls)}")


def _instrument(on: bool) -> None:
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], capture_output=True,
                   check=True)


if __name__ == "__main__":
    sys.exit(main())
