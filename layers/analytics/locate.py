"""Per-point answers: geodesic distance to the boundary and nearest crossing/port; where a point lies."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from geo.measure import KM_PER_MILE
from layers.analytics.data import SIDE_COUNTRY, BorderData, Table
from layers.analytics.inputs import check_reach, points_array
from layers.ports import MEASURES

SEGMENT_FIELDS = ("segment_id", "name", "kind", "kind_es", "us_state", "mx_state")
CROSSING_FIELDS = ("crossing_id", "name", "name_es", "port_code")
PORT_FIELDS = ("port_code", "name", "name_es")
BASIN_FIELDS = ("basin_id", "name", "name_es", "parent_basin")


def border_distance(data: BorderData, points: Any) -> list[dict[str, Any]]:
    """For each point: geodesic distance to the boundary, side, nearest boundary point and segment,
    nearest crossing and port (geodesic km) and the port's latest full-year traffic.

    ``points``: ``[[lon, lat], ...]`` or a GeoJSON Point / MultiPoint / Feature / FeatureCollection.
    """
    lon, lat = points_array(points)
    check_reach(data.line.reach_m(lon, lat))
    near = data.line.nearest(lon, lat)
    crossing, crossing_m = data.crossing_index.nearest(lon, lat)
    port, port_m = data.port_index.nearest(lon, lat)
    segments = [data.boundary.row(i, SEGMENT_FIELDS) for i in range(len(data.boundary))]
    crossings = [data.crossings.row(i, CROSSING_FIELDS) for i in range(len(data.crossings))]
    ports = [{**data.ports.row(i, PORT_FIELDS), "traffic": _port_traffic(data, i)} for i in range(len(data.ports))]
    km, foot_lon, foot_lat = near.distance_m / 1000.0, near.lon, near.lat
    out = []
    for i in range(len(lon)):
        out.append({
            "lon": float(lon[i]), "lat": float(lat[i]),
            "distance_km": round(float(km[i]), 6),
            "distance_mi": round(float(km[i]) / KM_PER_MILE, 6),
            "side": SIDE_COUNTRY[int(near.side[i])],
            "nearest_boundary_point": {"lon": round(float(foot_lon[i]), 7), "lat": round(float(foot_lat[i]), 7)},
            "segment": segments[near.line[i]],
            "nearest_crossing": {**crossings[crossing[i]], "distance_km": round(float(crossing_m[i]) / 1000.0, 6)},
            "nearest_port": {**ports[port[i]], "distance_km": round(float(port_m[i]) / 1000.0, 6)},
        })
    return out


def _port_traffic(data: BorderData, row: int) -> dict[str, Any]:
    """The port's inbound traffic in the latest full year of the BTS data (ports layer)."""
    year = data.latest_full_year
    names = [f"people_{year}", *(f"{stem}_{year}" for stem in MEASURES.values())]
    values = data.ports.row(row, names)
    return {"year": year, **{name.rsplit("_", 1)[0]: value for name, value in values.items()}}


def where(data: BorderData, points: Any) -> list[dict[str, Any]]:
    """For each point: country, state, county or municipio (with population), basins, whether inside the
    La Paz border region, and the geodesic distance to the boundary."""
    lon, lat = points_array(points)
    check_reach(data.line.reach_m(lon, lat))
    geoms = np.asarray(shapely.points(lon, lat))
    unit = _holder(data.units, geoms, lon, lat)
    region = _holder(data.region, geoms, lon, lat)
    b_pts, b_idx = _hits(data.basins, geoms, lon, lat)
    near = data.line.nearest(lon, lat)
    basins: list[list[dict[str, Any]]] = [[] for _ in range(len(lon))]
    for p, b in zip(b_pts.tolist(), b_idx.tolist(), strict=True):
        basins[p].append(data.basins.row(b, BASIN_FIELDS))
    out = []
    for i in range(len(lon)):
        out.append({
            "lon": float(lon[i]), "lat": float(lat[i]),
            **_unit(data, int(unit[i]), int(region[i])),
            "basins": basins[i],
            "in_border_region": bool(region[i] >= 0),
            "distance_to_boundary_km": round(float(near.distance_m[i]) / 1000.0, 6),
            "side": SIDE_COUNTRY[int(near.side[i])],
        })
    return out


def _hits(table: Table, geoms: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(point, polygon) pairs where the polygon holds the point (bounding boxes first, then prepared tests)."""
    pts, idx = table.tree.query(geoms)
    inside = shapely.contains_xy(table.geoms[idx], lon[pts], lat[pts])  # far faster than predicate= here
    order = np.lexsort((idx[inside], pts[inside]))
    return pts[inside][order], idx[inside][order]


def _holder(table: Table, geoms: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Index of the polygon holding each point (the first, on a shared edge), -1 when none does."""
    pts, idx = _hits(table, geoms, lon, lat)
    out = np.full(len(geoms), -1)
    out[pts[::-1]] = idx[::-1]  # reversed so the first hit of each point wins
    return out


def _unit(data: BorderData, unit: int, region: int) -> dict[str, Any]:
    if unit < 0:
        country = data.region.columns["country"][region] if region >= 0 else None
        return {"country": None if country is None else str(country), "state": None, "state_code": None,
                "unit": None}
    row = data.units.row(unit, ("country", "state", "state_code", "code", "name", "population"))
    kind = "county" if row["country"] == "US" else "municipio"
    return {
        "country": row["country"], "state": row["state"], "state_code": row["state_code"],
        "unit": {"code": row["code"], "name": row["name"], "kind": kind, "population": row["population"]},
    }
