"""What the four basemap layers (land, US and Mexican states, railroads) share: the map region and display detail.

Basemap layers are background, not data: they are cut to ``REGION`` (the box every map of the project
shows, the two river basins and the border region with a margin) and simplified once at build time to a
detail a web map needs (``TOLERANCE``), so that API collections, tiles and maps stay light.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.ops import polygonal, rfc7946, to_multipolygon

#: lon/lat box of the map region: the basins (-117.0..-97.1, 24.8..43.5) and the border region, plus a margin
REGION = (-122.0, 21.5, -93.0, 44.5)
#: display simplification, degrees (~200 m: finer than state lines drawn at zoom 12 need)
TOLERANCE = 0.002
ROLE = "basemap"


def region_box() -> shapely.Polygon:
    """The map region as a polygon."""
    return shapely.box(*REGION)


def clip_polygons(geoms: gpd.GeoSeries, coverage: bool = False) -> gpd.GeoSeries:
    """Polygons cut to the region, simplified (as a coverage when they share edges), as valid MultiPolygons."""
    arr = shapely.intersection(np.asarray(geoms.array, dtype=object), region_box())
    arr = np.array([polygonal(shapely.make_valid(g)) for g in arr], dtype=object)
    if coverage:
        # shared edges are simplified once, so neighbouring states keep meeting exactly
        arr = shapely.coverage_simplify(arr, TOLERANCE)
    else:
        arr = shapely.simplify(arr, TOLERANCE, preserve_topology=True)
    out = gpd.GeoSeries([to_multipolygon(polygonal(shapely.make_valid(g))) for g in arr], index=geoms.index,
                        crs=4326)
    return rfc7946(out)


def clip_lines(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Lines cut to the region and simplified; empty results stay empty (callers drop them)."""
    arr = shapely.intersection(np.asarray(geoms.array, dtype=object), region_box())
    arr = shapely.simplify(arr, TOLERANCE, preserve_topology=True)
    return gpd.GeoSeries(arr, index=geoms.index, crs=4326)


def touches_edge(geoms: gpd.GeoSeries) -> np.ndarray:
    """True where a geometry was cut by the region's edge (it reaches the box's boundary)."""
    edge = region_box().exterior
    return np.asarray(shapely.distance(np.asarray(geoms.array, dtype=object), edge) < 1e-9)
