"""The benchmark cases (issue 3), derived from the built layers so every server gets identical requests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import shapely

from layers.registry import default_registry

LAYERS = ("cities", "population", "ports", "watersheds")


@dataclass(frozen=True)
class Case:
    """One request target, the layer it needs, and the speed-up over pygeoapi the issue asks for."""

    name: str
    layer: str
    path: str
    min_vs_peer: float
    #: features the answer must hold (1 for a single item), checked on every server before measuring
    features: int


def _load(current: Path, layer_id: str) -> gpd.GeoDataFrame:
    return gpd.read_parquet(current / f"{layer_id}.parquet")


def population_bbox(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """A box a quarter of the layer's width and height, centred on the median feature (a dense area)."""
    minx, miny, maxx, maxy = gdf.total_bounds
    points = shapely.point_on_surface(gdf.geometry.values)
    cx, cy = float(np.median(shapely.get_x(points))), float(np.median(shapely.get_y(points)))
    dx, dy = (maxx - minx) / 8, (maxy - miny) / 8
    return (round(cx - dx, 4), round(cy - dy, 4), round(cx + dx, 4), round(cy + dy, 4))


def build_cases(current: Path) -> tuple[list[Case], list[str]]:
    """The cases whose layers are built, and a note for each layer that is not (its cases are skipped)."""
    built = {lid for lid in LAYERS if (current / f"{lid}.parquet").is_file()}
    notes = [f"{lid}: not built, its cases are skipped" for lid in LAYERS if lid not in built]
    cases: list[Case] = []
    if "cities" in built:
        n = len(_load(current, "cities"))
        cases += [Case("cities items limit=100", "cities", "/collections/cities/items?limit=100", 20, min(100, n)),
                  Case("cities items limit=1000", "cities", "/collections/cities/items?limit=1000", 20,
                       min(1000, n))]
    if "population" in built:
        gdf = _load(current, "population")
        box = population_bbox(gdf)
        inside = int(gdf.intersects(shapely.box(*box)).sum())
        bbox = ",".join(str(v) for v in box)
        cases.append(Case(f"population bbox ({inside} features)", "population",
                          f"/collections/population/items?bbox={bbox}&limit=1000", 20, min(inside, 1000)))
    if "ports" in built:
        gdf = _load(current, "ports")
        first = gdf[default_registry()["ports"].id_field].iloc[0]
        cases += [Case(f"ports items (all {len(gdf)})", "ports", "/collections/ports/items?limit=1000", 2,
                       min(len(gdf), 1000)),
                  Case("one port", "ports", f"/collections/ports/items/{quote(str(first), safe='')}", 2, 1)]
    if "watersheds" in built:
        gdf = _load(current, "watersheds")
        sizes = shapely.get_num_coordinates(gdf.geometry.values)
        row = int(np.argmax(sizes))
        fid = gdf[default_registry()["watersheds"].id_field].iloc[row]
        cases.append(Case(f"largest watershed ({int(sizes[row]):,} vertices)", "watersheds",
                          f"/collections/watersheds/items/{quote(str(fid), safe='')}", 2, 1))
    return cases, notes
