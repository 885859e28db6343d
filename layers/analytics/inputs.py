"""Validation of the analytics inputs, shared by the Python functions, the CLI and the processes.

Every failure is an ``InvalidParameterError`` (400, one-line CLI error) or, for an id that names nothing,
an ``UnknownFeatureError`` (404), each with a message that says what was wrong and what is accepted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidParameterError, NotFoundError

MAX_POINTS = 10_000
MIN_KM, MAX_KM = 0.1, 300.0
MAX_VERTICES = 50_000
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")


class UnknownFeatureError(NotFoundError):
    """A feature id or port code that no layer of the build holds."""


def points_array(value: Any, name: str = "points") -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) arrays from ``[[lon, lat], ...]``, a GeoJSON Point/MultiPoint, Feature or FeatureCollection."""
    pairs = _pairs(value, name)
    if not pairs:
        raise InvalidParameterError(f"{name}: no points given")
    if len(pairs) > MAX_POINTS:
        raise InvalidParameterError(f"{name}: {len(pairs)} points; at most {MAX_POINTS:,} per request")
    coords = np.array([_coordinate(p, name, i) for i, p in enumerate(pairs)], dtype=np.float64)
    return coords[:, 0], coords[:, 1]


def _pairs(value: Any, name: str) -> list[Any]:
    if isinstance(value, dict):
        kind = value.get("type")
        if kind == "Point":
            return [value.get("coordinates")]
        if kind == "MultiPoint":
            return _list(value.get("coordinates"), name)
        if kind == "Feature":
            return _pairs(value.get("geometry"), name)
        if kind == "FeatureCollection":
            return [p for f in _list(value.get("features"), name) for p in _pairs(f, name)]
        raise InvalidParameterError(
            f"{name}: GeoJSON type {_show(kind)} is not accepted; give Point, MultiPoint, Feature, "
            "FeatureCollection or a list of [lon, lat] pairs")
    return _list(value, name)


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidParameterError(f"{name}: expected a list of [lon, lat] pairs, got {type(value).__name__}")
    return value


def _coordinate(pair: Any, name: str, i: int) -> tuple[float, float]:
    if not isinstance(pair, list | tuple) or len(pair) not in (2, 3):
        raise InvalidParameterError(f"{name}[{i}]: expected [lon, lat], got {_show(pair)}")
    lon, lat = (_number(v, f"{name}[{i}]") for v in pair[:2])
    check_lon_lat(lon, lat, f"{name}[{i}]")
    return lon, lat


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidParameterError(f"{where}: {_show(value)} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidParameterError(f"{where}: {number} is not a finite number")
    return number


def check_lon_lat(lon: float, lat: float, where: str) -> None:
    """400 unless -180 <= lon <= 180 and -90 <= lat <= 90 (both finite)."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidParameterError(f"{where}: coordinates must be finite numbers, got ({lon}, {lat})")
    if not -180.0 <= lon <= 180.0:
        raise InvalidParameterError(f"{where}: longitude {lon} is outside [-180, 180] (order is lon, lat)")
    if not -90.0 <= lat <= 90.0:
        raise InvalidParameterError(f"{where}: latitude {lat} is outside [-90, 90] (order is lon, lat)")


def check_km(km: Any, name: str = "distance_km") -> float:
    """A distance in km within [MIN_KM, MAX_KM]."""
    value = _number(km, name)
    if not MIN_KM <= value <= MAX_KM:
        raise InvalidParameterError(f"{name}: {value:g} km is out of range [{MIN_KM:g}, {MAX_KM:g}]")
    return value


def geometry(value: Any, name: str = "geometry") -> BaseGeometry:
    """A valid lon/lat shapely geometry from a GeoJSON geometry (or Feature) object."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in GEOMETRY_TYPES:
        kind = value.get("type") if isinstance(value, dict) else type(value).__name__
        raise InvalidParameterError(f"{name}: expected a GeoJSON geometry ({', '.join(GEOMETRY_TYPES)}), "
                                    f"got {_show(kind)}")
    try:
        geom = shapely.from_geojson(orjson.dumps(value))
    except (shapely.errors.GEOSException, ValueError, TypeError, orjson.JSONEncodeError) as exc:
        raise InvalidParameterError(f"{name}: invalid GeoJSON {value['type']}: {str(exc)[:120]}") from None
    coords = shapely.get_coordinates(geom)
    if geom.is_empty or not len(coords):
        raise InvalidParameterError(f"{name}: the geometry is empty")
    if len(coords) > MAX_VERTICES:
        raise InvalidParameterError(f"{name}: {len(coords):,} vertices; at most {MAX_VERTICES:,}")
    bad = ~np.isfinite(coords).all(axis=1) | (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    if bad.any():
        lon, lat = coords[int(np.argmax(bad))]
        check_lon_lat(float(lon), float(lat), name)
    valid: BaseGeometry = geom if geom.is_valid else shapely.make_valid(geom)
    return valid


def parse_json(text: str | bytes, name: str) -> Any:
    """JSON text as Python values; 400 naming ``name`` when it is not JSON."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidParameterError(f"{name}: not valid JSON ({str(exc).split(':')[0]})") from None


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "..."


def unknown(kind: str, value: str, known: Sequence[str]) -> UnknownFeatureError:
    """The 404 error for an unknown id, listing a few of the known ones."""
    shown = ", ".join(list(known)[:12]) + (", ..." if len(known) > 12 else "")
    return UnknownFeatureError(f"no {kind} '{_show(value)[1:-1] if isinstance(value, str) else value}': "
                               f"known ids include {shown}")


def check_reach(reach_m: np.ndarray, name: str = "points") -> None:
    """400 when a point lies farther from the boundary than the analytics answer for (3,000 km)."""
    from layers.analytics.geodesy import MAX_REACH_M

    far = np.flatnonzero(reach_m > MAX_REACH_M)
    if len(far):
        raise InvalidParameterError(
            f"{name}[{far[0]}] lies {reach_m[far[0]] / 1000:,.0f} km from the US–Mexico boundary; the analytics "
            f"answer within {MAX_REACH_M / 1000:,.0f} km of it")
