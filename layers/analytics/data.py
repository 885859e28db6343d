"""The built layers the analytics read, loaded once from a build directory into arrays and indexes.

GeoPandas reads the GeoParquet files here, at load time; the functions that answer questions only touch
numpy arrays, shapely geometries, STRtrees and the geodesic indexes built below. Layers are found through
their declarations (the layer modules' ``SPEC``) and, for the per-month traffic collection, through the
``"traffic"`` role, so the analytics follow a renamed or replaced layer.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import DataDirError
from layers import border_region, boundary, cities, crossings, population, ports, watersheds
from layers.analytics.geodesy import WGS84, LineIndex, PointIndex
from layers.analytics.traffic import TrafficTable
from layers.registry import Registry, default_registry
from layers.settings import DataSettings

log = logging.getLogger("bordergeo.analytics")
#: the side of the boundary chain (oriented Pacific to Gulf) each country lies on
SIDE_COUNTRY = {-1: "US", 1: "MX", 0: None}


@dataclass(frozen=True)
class Table:
    """A layer as plain columns (numpy object/number arrays), shapely geometries and an STRtree."""

    columns: dict[str, np.ndarray]
    geoms: np.ndarray
    tree: shapely.STRtree

    def __len__(self) -> int:
        return len(self.geoms)

    def row(self, i: int, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
        """Row ``i`` as a dict of plain Python values."""
        return {n: _plain(self.columns[n][i]) for n in names}


@dataclass(frozen=True)
class BorderData:
    """Everything the analytics need from one build."""

    build_dir: Path
    boundary: Table
    line: LineIndex
    line_geom: BaseGeometry
    ports: Table
    port_index: PointIndex
    crossings: Table
    crossing_index: PointIndex
    units: Table
    unit_area_km2: np.ndarray
    places: Table
    basins: Table
    region: Table
    traffic: TrafficTable | None
    latest_full_year: int

    def port_row(self, code: str) -> int | None:
        """Position of the port ``code`` in the ports table, or None."""
        hits = np.flatnonzero(self.ports.columns[ports.SPEC.id_field] == code)
        return int(hits[0]) if len(hits) else None

    def crossing_row(self, crossing_id: str) -> int | None:
        """Position of the crossing ``crossing_id``, or None."""
        hits = np.flatnonzero(self.crossings.columns[crossings.SPEC.id_field] == crossing_id)
        return int(hits[0]) if len(hits) else None


def load(build_dir: Path | None = None, registry: Registry | None = None) -> BorderData:
    """Load (once per directory) the analytics data of ``build_dir`` (default: the current build)."""
    path = (build_dir or DataSettings().current).resolve()
    if not (path / "manifest.json").is_file():
        raise DataDirError(f"no build in {path}: run `bordergeo build`")
    registry = registry or default_registry()
    key = (path, id(registry))
    if key not in _LOADED:
        if len(_LOADED) >= 2:  # builds are immutable: keep the last two, as the build keeps two
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = _load(path, registry)
    return _LOADED[key]


_LOADED: dict[tuple[Path, int], BorderData] = {}


def _load(build_dir: Path, registry: Registry) -> BorderData:
    t0 = time.perf_counter()
    frames = {spec.id: _read(build_dir, spec.id) for spec in
              (boundary.SPEC, ports.SPEC, crossings.SPEC, population.SPEC, cities.SPEC, watersheds.SPEC,
               border_region.SPEC)}
    line_frame = frames[boundary.SPEC.id].sort_values("seq", ignore_index=True)
    line_table = _table(line_frame)
    chain = oriented_chain(list(line_table.geoms))
    units = _table(frames[population.SPEC.id])
    data = BorderData(
        build_dir=build_dir,
        boundary=line_table,
        line=LineIndex([coords for coords, _ in chain], [owner for _, owner in chain]),
        line_geom=shapely.union_all(line_table.geoms),
        ports=_table(frames[ports.SPEC.id]),
        port_index=_point_index(frames[ports.SPEC.id]),
        crossings=_table(frames[crossings.SPEC.id]),
        crossing_index=_point_index(frames[crossings.SPEC.id]),
        units=units,
        unit_area_km2=np.array([abs(WGS84.geometry_area_perimeter(g)[0]) / 1e6 for g in units.geoms]),
        places=_table(frames[cities.SPEC.id]),
        basins=_table(frames[watersheds.SPEC.id]),
        region=_table(frames[border_region.SPEC.id]),
        traffic=_traffic(build_dir, registry),
        latest_full_year=ports.LATEST_FULL_YEAR,
    )
    for tree_table in (data.units, data.basins, data.region):
        shapely.prepare(tree_table.geoms)
    log.debug("analytics: %s loaded in %.2f s", build_dir.name, time.perf_counter() - t0)
    return data


def _read(build_dir: Path, layer_id: str) -> gpd.GeoDataFrame:
    path = build_dir / f"{layer_id}.parquet"
    if not path.is_file():
        raise DataDirError(f"build {build_dir.name} has no layer '{layer_id}': run `bordergeo build {layer_id}`")
    return gpd.read_parquet(path)


def _table(frame: gpd.GeoDataFrame) -> Table:
    geoms = np.asarray(frame.geometry.values, dtype=object)
    columns = {str(c): frame[c].to_numpy() for c in frame.columns if c != frame.geometry.name}
    return Table(columns, geoms, shapely.STRtree(geoms))


def _point_index(frame: gpd.GeoDataFrame) -> PointIndex:
    geoms = np.asarray(frame.geometry.values)
    return PointIndex(shapely.get_x(geoms), shapely.get_y(geoms))


def _traffic(build_dir: Path, registry: Registry) -> TrafficTable | None:
    """The per-port, per-month traffic layer (role "traffic") of this build, if it has one."""
    specs = [s for s in registry.values() if "traffic" in getattr(s, "roles", ())]
    for spec in specs:
        path = build_dir / f"{spec.id}.parquet"
        if path.is_file():
            frame = pd.read_parquet(path, columns=None)
            return TrafficTable.from_frame(frame.drop(columns=["geometry"], errors="ignore"))
    return None


def oriented_chain(geoms: list[BaseGeometry]) -> list[tuple[np.ndarray, int]]:
    """The boundary's parts as one chain from its western (Pacific) end: (coordinates, feature index).

    Features come in ``seq`` order; each part is turned to start where the previous one ended, so the
    US lies on the left of the whole chain and Mexico on its right.
    """
    parts = [(np.asarray(part.coords)[:, :2], i) for i, g in enumerate(geoms)
             for part in getattr(g, "geoms", [g]) if not part.is_empty]
    if not parts:
        raise DataDirError("the boundary layer is empty")
    if len(parts) > 1:
        first, second = parts[0][0], parts[1][0]
        ends = (second[0], second[-1])
        if min(_gap(first[0], e) for e in ends) < min(_gap(first[-1], e) for e in ends):
            parts[0] = (first[::-1], parts[0][1])
    for k in range(1, len(parts)):
        prev_end, coords = parts[k - 1][0][-1], parts[k][0]
        if _gap(prev_end, coords[-1]) < _gap(prev_end, coords[0]):
            parts[k] = (coords[::-1], parts[k][1])
    if parts[0][0][0, 0] > parts[-1][0][-1, 0]:
        parts = [(c[::-1], i) for c, i in reversed(parts)]
    return parts


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(a - b)))


def _plain(value: Any) -> Any:
    """numpy scalars and NaN/NA as plain JSON-ready Python values."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and np.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value
