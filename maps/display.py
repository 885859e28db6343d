"""Geometry and properties prepared for display: simplified, rounded, as a GeoJSON FeatureCollection.

Polygons are simplified as a coverage (``shapely.coverage_simplify``): every edge two polygons share is
simplified once, so neighbouring counties keep meeting exactly (no slivers, no gaps). Rounding to
``PRECISION`` decimals (about 1 m) maps identical shared vertices to identical output, so it keeps that.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from layers.spec import LayerSpec

PRECISION = 5  # decimal degrees: ~1 m, far below what a web map shows


def simplify(geoms: gpd.GeoSeries, tolerance: float) -> gpd.GeoSeries:
    """``geoms`` simplified for display at ``tolerance`` degrees; polygons keep their shared edges."""
    if tolerance <= 0 or geoms.empty:
        return geoms
    arr = np.asarray(geoms.array, dtype=object)
    kinds = set(shapely.get_type_id(arr).tolist())
    if kinds <= {3, 6}:  # Polygon, MultiPolygon
        # Visvalingam-Whyatt's tolerance is the side of the smallest kept triangle's area
        out = shapely.coverage_simplify(arr, tolerance)
    elif kinds <= {1, 2, 5}:  # LineString, LinearRing, MultiLineString
        out = shapely.simplify(arr, tolerance, preserve_topology=True)
    else:
        return geoms
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)


def rounded(geoms: gpd.GeoSeries, precision: int = PRECISION) -> gpd.GeoSeries:
    """Coordinates rounded to ``precision`` decimals (smaller HTML; identical vertices stay identical)."""
    arr = shapely.transform(np.asarray(geoms.array, dtype=object), lambda xy: np.round(xy, precision))
    return gpd.GeoSeries(arr, index=geoms.index, crs=geoms.crs)


def json_value(value: Any) -> Any:
    """A property value as plain JSON (numpy scalars unwrapped, NaN/NA as null)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | datetime.date):  # dates are written as "YYYY-MM-DD"
        return value.strftime("%Y-%m-%d")
    return value


def feature_collection(spec: LayerSpec, gdf: gpd.GeoDataFrame, tolerance: float) -> dict[str, Any]:
    """The layer as a GeoJSON FeatureCollection: declared properties, ids from ``id_field``, display geometry."""
    geoms = rounded(simplify(gdf.geometry, tolerance))
    names = spec.property_names
    features = []
    for record, geom in zip(gdf[names].to_dict("records"), geoms, strict=True):
        props = {name: json_value(record[name]) for name in names}
        features.append(
            {"type": "Feature", "id": str(props[spec.id_field]), "properties": props, "geometry": mapping(geom)}
        )
    return {"type": "FeatureCollection", "features": features}
