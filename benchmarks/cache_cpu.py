"""CPU cost of the response cache on distinct URLs, in process (robust to a busy machine: CPU time, not wall).

Drives the ASGI app directly (no sockets) with each workload case's distinct paths, once with the cache on
and once off, alternating rounds, and prints CPU ms per request (median of rounds), the difference, and the
bytes the cache holds afterwards.

    .venv/bin/python benchmarks/cache_cpu.py [--n 1500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from inprocess import asgi_get  # noqa: E402
from workload import CASES, workload  # noqa: E402

from api.app import create_app  # noqa: E402
from api.http import ResponseCache  # noqa: E402
from api.settings import ApiSettings  # noqa: E402
from layers.settings import DataSettings  # noqa: E402


async def _run(app: Any, paths: list[str]) -> float:
    """CPU seconds to answer every path once."""
    started = time.process_time()
    for path in paths:
        status = await asgi_get(app, path)
        assert status == 200, (status, path)
    return time.process_time() - started


async def main_async(args: argparse.Namespace) -> None:
    """Measure every case."""
    data = DataSettings(data_dir=args.data_dir)
    source = (args.data_dir / "current").resolve()
    apps = {name: create_app(ApiSettings(cache_bytes=size, reload_seconds=0), data)
            for name, size in (("on", 128 * 1024 * 1024), ("off", 0))}
    async with contextlib.AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        await _measure(apps, source, args)


async def _measure(apps: dict[str, Any], source: Path, args: argparse.Namespace) -> None:
    print(f"{'case':<8}{'paths':>7}{'on ms/req':>11}{'off ms/req':>11}{'on-off':>9}{'cache MB':>10}")
    for case in args.cases.split(","):
        # fresh paths for every run: no URL is asked twice of the same app, as on a distinct workload
        every = workload(source, case, args.n * args.rounds * 2)
        runs = iter(every[i : i + args.n] for i in range(0, len(every), args.n))
        times: dict[str, list[float]] = {"on": [], "off": []}
        for r in range(args.rounds):
            for name in ("on", "off") if r % 2 == 0 else ("off", "on"):
                paths = next(runs, [])
                if paths:
                    times[name].append(await _run(apps[name], paths) / len(paths) * 1e3)
        on, off = statistics.median(times["on"]), statistics.median(times["off"])
        cache = apps["on"].middleware_stack
        held = cache.bytes / 1e6 if isinstance(cache, ResponseCache) else 0.0
        print(f"{case:<8}{args.n:>7}{on:>11.3f}{off:>11.3f}{on - off:>+9.3f}{held:>10.1f}", flush=True)


def main() -> None:
    """Parse arguments and run."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=Path(os.environ.get("BORDERGEO_DATA_DIR", "data")))
    p.add_argument("--n", type=int, default=1500)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cases", default=",".join(CASES))
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
