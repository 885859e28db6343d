"""Seeded workloads of distinct request paths, as real clients send them (issue 12), for any OGC API server.

Four cases, each a list of ``n`` distinct paths derived from a build (so every server under test gets the
same requests):

- ``pan``: QGIS-like panning and zooming: random bboxes 0.05° to 8° wide (log-uniform) over population,
  cities, rivers, watersheds and boundary, ``limit=1000``;
- ``paging``: random offsets into cities, limits 10 to 200;
- ``filter``: random CQL2 text filters on cities and population: a numeric threshold taken from the
  layer's own values, optionally ANDed with a text prefix (LIKE) or an equality on a categorical column;
- ``item``: random single features of cities, population, rivers, watersheds, ports and port-traffic.

The paths use only what OGC API – Features Part 1 and 3 define, so tipg and pygeoapi serve them too.
``python benchmarks/workload.py pan --n 5`` prints a sample.
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path
from urllib.parse import quote

import geopandas as gpd

from layers.registry import default_registry
from layers.store import BuildStore

PAN_LAYERS = ("population", "cities", "rivers", "watersheds", "boundary")
FILTER_LAYERS = ("cities", "population")
ITEM_LAYERS = ("cities", "population", "rivers", "watersheds", "ports", "port-traffic")
CASES = ("pan", "paging", "filter", "item")


def workload(build: Path, case: str, n: int = 2000, seed: int = 12) -> list[str]:
    """``n`` distinct paths of ``case`` for the build in ``build`` (same seed, same paths)."""
    rng = random.Random(f"{seed}:{case}")
    store = BuildStore(build)
    make = {"pan": _pan, "paging": _paging, "filter": _filter, "item": _item}[case]
    out: dict[str, None] = {}
    attempts = 0
    while len(out) < n and attempts < n * 20:
        attempts += 1
        out[make(store, rng)] = None
    return list(out)


_frames: dict[tuple[Path, str], gpd.GeoDataFrame] = {}
_values: dict[tuple[Path, str, str], list[object]] = {}


def _frame(store: BuildStore, layer_id: str) -> gpd.GeoDataFrame:
    key = (store.path, layer_id)
    if key not in _frames:
        _frames[key] = gpd.read_parquet(store.layer_path(layer_id))
    return _frames[key]


def _choice(store: BuildStore, layer_id: str, column: str, rng: random.Random) -> object:
    key = (store.path, layer_id, column)
    if key not in _values:
        _values[key] = _frame(store, layer_id)[column].dropna().tolist()
    return rng.choice(_values[key])


def _pan(store: BuildStore, rng: random.Random) -> str:
    layer_id = rng.choice([lid for lid in PAN_LAYERS if store.layer_path(lid).is_file()])
    minx, miny, maxx, maxy = _frame(store, layer_id).total_bounds
    width = 10 ** rng.uniform(math.log10(0.05), math.log10(8.0))
    height = width * rng.uniform(0.5, 0.8)  # a map window, wider than tall
    cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
    box = (cx - width / 2, max(-90.0, cy - height / 2), cx + width / 2, min(90.0, cy + height / 2))
    bbox = ",".join(f"{v:.4f}" for v in box)
    return f"/collections/{layer_id}/items?bbox={bbox}&limit=1000"


def _paging(store: BuildStore, rng: random.Random) -> str:
    count, limit = len(_frame(store, "cities")), rng.randrange(10, 201)
    return f"/collections/cities/items?offset={rng.randrange(0, max(1, count - limit))}&limit={limit}"


def _filter(store: BuildStore, rng: random.Random) -> str:
    layer_id = rng.choice(FILTER_LAYERS)
    spec = default_registry()[layer_id]
    gdf = _frame(store, layer_id)
    numeric = [p.name for p in spec.properties if p.type in ("integer", "number") and p.name != spec.id_field]
    text = [p.name for p in spec.properties if p.type == "string" and p.name != spec.id_field]
    column = rng.choice(numeric)
    threshold = gdf[column].dropna().quantile(rng.uniform(0.05, 0.95))
    op = rng.choice([">", ">=", "<", "<="])
    clause = f"{column} {op} {round(float(threshold), 2)}"
    kind = rng.random()
    if kind < 0.4:
        name = rng.choice(text)
        word = str(_choice(store, layer_id, name, rng))[:2].replace("'", "''")
        clause += f" AND {name} LIKE '{word}%'"
    elif kind < 0.7:
        name = rng.choice(text)
        value = str(_choice(store, layer_id, name, rng)).replace("'", "''")
        clause += f" AND {name} = '{value}'"
    return f"/collections/{layer_id}/items?filter={quote(clause)}&limit=100"


def _item(store: BuildStore, rng: random.Random) -> str:
    layer_id = rng.choice([lid for lid in ITEM_LAYERS if store.layer_path(lid).is_file()])
    feature_id = _choice(store, layer_id, default_registry()[layer_id].id_field, rng)
    return f"/collections/{layer_id}/items/{quote(str(feature_id), safe='')}"


def main() -> None:
    """Print a sample of a case's paths."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("case", choices=CASES)
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--data-dir", type=Path, default=Path("data"))
    args = p.parse_args()
    for path in workload((args.data_dir / "current").resolve(), args.case, args.n, args.seed):
        print(path)


if __name__ == "__main__":
    main()
