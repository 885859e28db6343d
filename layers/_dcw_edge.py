"""The Digital Chart of the World boundary (about 1:1M), kept as an independent cross-check of the layer.

The DCW line is the edge the DCW Mexico polygon shares with the California, Arizona, New Mexico and Texas
polygons (vertices within ``SHARED_TOLERANCE_DEG`` of a US state outline). It was the boundary layer until
the TIGER/Line 2023 line replaced it; DCW and TIGER were digitized independently, so the distances between
the two lines say how far a 1:1M line strays from the planning-scale one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from geo.buffer import distance_km_utm
from geo.errors import BuildError
from geo.measure import WGS84, km_to_miles, length_km
from geo.ops import drop_loops, near_outlines
from layers.readers import US_STATES, dcw_polygon, dcw_rings

DCW = "dcw/dcw-gmt.nc"
SHARED_TOLERANCE_DEG = 0.002  # ~200 m: DCW quantizes each entity on its own grid (~30-50 m)
STEP_KM = 0.1  # the cross-check samples the line every 100 m


def dcw_boundary(path: Path) -> shapely.LineString:
    """The DCW US–Mexico edge, ordered Pacific to Gulf."""
    us_states = [dcw_polygon(path, code) for code in US_STATES]
    mexico = max(dcw_rings(path, "MX"), key=len)
    idx = np.flatnonzero(near_outlines(shapely.points(mexico), us_states, SHARED_TOLERANCE_DEG))
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    longest = max(runs, key=len)
    if len(longest) < 1000:
        raise BuildError(f"{DCW}: no shared US-Mexico edge found (longest run {len(longest)} vertices)")
    coords = drop_loops(mexico[longest])  # quantization makes the ring touch itself near the river mouth
    return shapely.LineString(coords if coords[0, 0] < coords[-1, 0] else coords[::-1])


def points_every(coords: np.ndarray, step_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of points every ``step_km`` (geodesic, interpolated per segment) along a vertex path."""
    _, _, metres = WGS84.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    along = np.concatenate([[0.0], np.cumsum(metres) / 1000.0])
    at = np.linspace(0.0, along[-1], max(int(along[-1] / step_km), 1) + 1)
    return np.interp(at, along, coords[:, 0]), np.interp(at, along, coords[:, 1])


def crosscheck(line: shapely.LineString, dcw: shapely.LineString) -> dict[str, float]:
    """Distances (km) from points every ``STEP_KM`` along ``line`` to the DCW line: median, p99, max."""
    lon, lat = points_every(np.asarray(line.coords), STEP_KM)
    km = distance_km_utm(lon, lat, dcw)
    return {
        "samples": len(km),
        "median_km": round(float(np.median(km)), 3),
        "p90_km": round(float(np.percentile(km, 90)), 3),
        "p99_km": round(float(np.percentile(km, 99)), 3),
        "max_km": round(float(km.max()), 3),
        "dcw_length_mi": round(km_to_miles(length_km(dcw)), 1),
    }
