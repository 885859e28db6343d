"""Time the analytics on the current build: 10,000 points through border_distance and where, on one core.

Points are drawn reproducibly (seed 2026) in two sets: within 100 km of the boundary (Geod.fwd from random
boundary points, random azimuths and distances) and uniformly over 118°W–96°W, 24°N–35°N (up to ~500 km
away). Each case is run ``--repeat`` times; the best wall time and its CPU time are reported. Set
BORDERGEO_DATA_DIR to choose the build. Run with one thread: ``OMP_NUM_THREADS=1 taskset -c 0 ...``.

    .venv/bin/python benchmarks/bench_analytics.py [--points 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")  # one core: no BLAS threads

import numpy as np  # noqa: E402

from layers.analytics import border_distance, load, population_within, where  # noqa: E402
from layers.analytics.geodesy import WGS84  # noqa: E402


def point_sets(data: Any, n: int) -> dict[str, list[list[float]]]:
    """The two reproducible point sets."""
    rng = np.random.default_rng(2026)
    line = data.line
    i = rng.integers(0, len(line.az), n)
    lon, lat, _ = WGS84.fwd(line.start[i, 0], line.start[i, 1], rng.uniform(0, 360, n), rng.uniform(0, 100e3, n))
    box = np.column_stack([rng.uniform(-118, -96, n), rng.uniform(24, 35, n)])
    return {"within 100 km": np.column_stack([lon, lat]).tolist(), "118-96W, 24-35N": box.tolist()}


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best (wall, cpu) seconds over ``repeat`` runs."""
    best = (np.inf, np.inf)
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        run = (time.perf_counter() - wall, time.process_time() - cpu)
        best = min(best, run)
    return best


def main() -> None:
    """Print one line per case: points, function, best wall and CPU seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    wall, cpu = time.perf_counter(), time.process_time()
    data = load()
    print(f"load (indexes, areas) {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU; "
          f"{len(data.line.az):,} boundary pieces")
    for name, points in point_sets(data, args.points).items():
        for label, fn in (("border_distance", border_distance), ("where", where)):
            w, c = timed(lambda fn=fn, points=points: fn(data, points), args.repeat)
            print(f"{args.points:,} points {name:>15}  {label:<16} {w:6.3f} s wall  {c:6.3f} s CPU")
    for km in (10, 25, 100):
        w, c = timed(lambda km=km: population_within(data, km, around="boundary"), 1)
        print(f"population_within {km:>3} km of the boundary     {w:6.3f} s wall  {c:6.3f} s CPU (first call)")


if __name__ == "__main__":
    main()
