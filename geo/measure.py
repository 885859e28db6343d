"""Geodesic measures on the WGS84 ellipsoid (pyproj.Geod) and CRS helpers."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry.base import BaseGeometry

WGS84 = Geod(ellps="WGS84")
KM_PER_MILE = 1.609344
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def length_km(geom: BaseGeometry) -> float:
    """Geodesic length of a (multi)line in kilometres; geometry in lon/lat degrees."""
    return float(WGS84.geometry_length(geom)) / 1000.0


def area_km2(geom: BaseGeometry) -> float:
    """Geodesic area of a (multi)polygon in square kilometres; geometry in lon/lat degrees."""
    area, _ = WGS84.geometry_area_perimeter(geom)
    return abs(float(area)) / 1e6


def km_to_miles(km: float) -> float:
    """Convert kilometres to statute miles."""
    return km / KM_PER_MILE


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance between two lon/lat points in kilometres."""
    _, _, dist = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(dist) / 1000.0


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS84 UTM zone holding a lon/lat point (326xx north, 327xx south)."""
    zone = int((lon + 180.0) // 6.0) + 1
    return (32600 if lat >= 0 else 32700) + min(max(zone, 1), 60)


@lru_cache(maxsize=64)
def transformer(src: str, dst: str) -> Transformer:
    """A cached, always-xy transformer between two CRS given as any pyproj-readable string."""
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def nearest_point(lon: float, lat: float, geom: BaseGeometry) -> tuple[float, float]:
    """The point of ``geom`` nearest to a lon/lat point, as (lon, lat).

    Found in planar degrees after scaling longitude by cos(latitude): locally conformal, so exact enough for
    the short distances (a few km) this is used for.
    """
    scale = float(np.cos(np.radians(lat)))
    point = shapely.Point(lon * scale, lat)
    scaled = shapely.transform(geom, lambda xy: xy * np.array([scale, 1.0]))
    _, (x1, y1) = shapely.shortest_line(point, scaled).coords
    return x1 / scale, y1


def distance_to_km(lon: float, lat: float, geom: BaseGeometry) -> float:
    """Geodesic distance from a lon/lat point to the nearest point of a geometry, in kilometres."""
    x1, y1 = nearest_point(lon, lat, geom)
    return distance_km(lon, lat, x1, y1)
