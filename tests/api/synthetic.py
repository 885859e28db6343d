"""A tiny synthetic build (two layers, a handful of features) for router, parameter and HTTP-front tests.

Written with the same store layout the real build uses (``layers.store``), so the app loads it as it
loads a real one. Values are chosen to exercise the awkward cases: nulls, quotes, accents, dates.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from geo.io import replace_symlink, write_json
from layers.registry import Registry
from layers.settings import DataSettings
from layers.spec import LayerSpec, Prop
from layers.store import BuildStore


def _not_built(ctx: Any) -> gpd.GeoDataFrame:
    raise NotImplementedError("synthetic layers are written by tests/api/synthetic.py")


PLACES = LayerSpec(
    id="places", title="Places / Lugares", description="Five synthetic places.", geometry_type="Point",
    id_field="code",
    properties=(
        Prop("code", "string", "Id"),
        Prop("name", "string", "Name"),
        Prop("name_es", "string", "Spanish name", nullable=True),
        Prop("pop", "integer", "Population"),
        Prop("area", "number", "Area", nullable=True, unit="km2"),
        Prop("capital", "boolean", "State capital"),
        Prop("founded", "date", "Founding date", nullable=True),
    ),
    sources=(), licence="CC0-1.0", attribution="bordergeo tests", build=_not_built, title_field="name",
    temporal="founded", roles=frozenset({"feature-pages"}),
)
EDGE = LayerSpec(
    id="edge", title="Edge", description="Two synthetic boundary segments.", geometry_type="LineString",
    id_field="seg", properties=(Prop("seg", "string", "Segment id"), Prop("km", "number", "Length")),
    sources=(), licence="CC0-1.0", attribution="bordergeo tests", build=_not_built, roles=frozenset({"context"}),
)
REGISTRY = Registry((PLACES, EDGE))

#: (code, name, name_es, pop, area, capital, founded, lon, lat)
PLACE_ROWS: list[tuple[Any, ...]] = [
    ("TIJ", "Tijuana", "Tijuana", 1_810_000, 637.0, False, date(1889, 7, 11), -117.02, 32.52),
    ("MXL", "Mexicali", None, 1_050_000, None, True, date(1903, 3, 14), -115.47, 32.62),
    ("CJS", "Ciudad Juárez", "Ciudad Juárez", 1_500_000, 321.2, False, date(1659, 12, 8), -106.42, 31.69),
    ("ONL", "O'Neill's Crossing", "Cruce O'Neill", 0, 1.5, False, date(2010, 1, 1), -97.5, 25.9),
    ("NOG", "Nogales", "Heroica Nogales", 264_000, None, False, None, -110.94, 31.31),
]
EDGE_ROWS = [("W", 1000.0, [(-117.1, 32.5), (-108.2, 31.3)]), ("E", 2000.0, [(-108.2, 31.3), (-97.1, 25.9)])]


def places_frame() -> gpd.GeoDataFrame:
    """The places as the build would store them (dates as datetime64 at midnight UTC)."""
    cols = ["code", "name", "name_es", "pop", "area", "capital", "founded"]
    df = pd.DataFrame([r[:7] for r in PLACE_ROWS], columns=cols)
    df["founded"] = pd.to_datetime(df["founded"])
    df["area"] = df["area"].astype("float64")
    return gpd.GeoDataFrame(df, geometry=[Point(r[7], r[8]) for r in PLACE_ROWS], crs="EPSG:4326")


def edge_frame() -> gpd.GeoDataFrame:
    """The two boundary segments."""
    df = pd.DataFrame([r[:2] for r in EDGE_ROWS], columns=["seg", "km"])
    return gpd.GeoDataFrame(df, geometry=[LineString(r[2]) for r in EDGE_ROWS], crs="EPSG:4326")


def write_build(data_dir: Path, build_id: str, places: gpd.GeoDataFrame | None = None,
                publish: bool = True) -> BuildStore:
    """Write a build ``build_id`` of both layers under ``data_dir`` and (``publish``) point ``current`` at it."""
    settings = DataSettings(data_dir=data_dir)
    store = BuildStore(settings.builds_dir / build_id)
    store.path.mkdir(parents=True)
    layers: dict[str, Any] = {}
    for spec, gdf in ((PLACES, places if places is not None else places_frame()), (EDGE, edge_frame())):
        gdf.to_parquet(store.layer_path(spec.id), index=False)
        layers[spec.id] = {"id": spec.id, "features": len(gdf), "bbox": [float(v) for v in gdf.total_bounds],
                           "sources": [], "stats": {}}
    write_json(store.manifest_path, {"build_id": build_id, "layers": layers})
    if publish:
        replace_symlink(settings.current, os.path.relpath(store.path, data_dir))
    return store
