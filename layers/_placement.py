"""Where a curated crossing goes on the map: its cited point, or a point the build computes from the data.

Used by the crossings layer and by the ports layer (a port sits at its main crossing). No coordinate is
typed in for the computed placements (see ``layers/_crossings_table.py``):

- "cited": the coordinates the row cites, as they are.
- "facility_to_line": the cited point marks a port facility set back from the line; the crossing goes to
  the nearest point of the boundary line (the offset is published beside it).
- "railroad_crossing": the point where a Natural Earth railroad crosses the boundary line, the one nearest
  to the crossing named in ``near`` (within ``MAX_RAIL_KM`` of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import BuildError
from geo.measure import distance_km, nearest_point
from layers._crossings_table import Crossing, crossing

PLACEMENTS = ("cited", "facility_to_line", "railroad_crossing")
RAILROADS = "natural_earth/ne_10m_railroads_north_america.json"
#: a computed point farther than this from what it was computed from is an error, not a placement
MAX_FACILITY_KM = 1.0
MAX_RAIL_KM = 3.0


@dataclass(frozen=True)
class Placed:
    """A crossing's point, how it was found, and how far it lies from the cited coordinates (None: none cited)."""

    lon: float
    lat: float
    method: str
    offset_km: float | None


def railroad_crossings(railroads: Path, line: BaseGeometry) -> np.ndarray:
    """The points (an (n, 2) lon/lat array) where Natural Earth railroads cross ``line``."""
    rails = gpd.read_file(railroads).to_crs(4326)
    near = rails[rails.intersects(line)]
    points = [shapely.get_coordinates(g.intersection(line)) for g in near.geometry]
    return np.concatenate(points) if points else np.empty((0, 2))


def place(c: Crossing, line: BaseGeometry, rail_points: np.ndarray | None = None) -> Placed:
    """The point of crossing ``c`` on the map (BuildError when its placement cannot be computed)."""
    if c.placement not in PLACEMENTS:
        raise BuildError(f"crossing {c.crossing_id}: placement {c.placement!r} is not one of {PLACEMENTS}")
    if c.placement == "railroad_crossing":
        return _on_railroad(c, rail_points if rail_points is not None else np.empty((0, 2)))
    if c.lon is None or c.lat is None:
        raise BuildError(f"crossing {c.crossing_id}: placement {c.placement!r} needs cited coordinates")
    if c.placement == "cited":
        return Placed(c.lon, c.lat, "cited", 0.0)
    lon, lat = nearest_point(c.lon, c.lat, line)
    offset = distance_km(c.lon, c.lat, lon, lat)
    if offset > MAX_FACILITY_KM:
        raise BuildError(f"crossing {c.crossing_id}: its facility lies {offset:.2f} km from the boundary "
                         f"(limit {MAX_FACILITY_KM} km for 'facility_to_line'): check the cited coordinates")
    return Placed(lon, lat, "facility_to_line", offset)


def _on_railroad(c: Crossing, points: np.ndarray) -> Placed:
    ref = crossing(c.near) if c.near else None
    if ref is None or ref.lon is None or ref.lat is None:
        raise BuildError(f"crossing {c.crossing_id}: 'railroad_crossing' needs `near`, a crossing with coordinates")
    dists = [distance_km(ref.lon, ref.lat, float(x), float(y)) for x, y in points]
    if not dists or min(dists) > MAX_RAIL_KM:
        raise BuildError(f"crossing {c.crossing_id}: no Natural Earth railroad crosses the boundary within "
                         f"{MAX_RAIL_KM:.0f} km of {ref.crossing_id}")
    x, y = points[int(np.argmin(dists))]
    return Placed(float(x), float(y), "railroad_crossing", None)
