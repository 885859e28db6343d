"""People within D km of a point, line, polygon or named feature: areal weighting and GeoNames places.

The zone is geodesic: around a single point it is the geodesic circle itself (``Geod.fwd`` every half
degree of azimuth); around anything else it is ``geo.buffer.geodesic_buffer`` (each UTM zone's piece
buffered in its own projection). Places are counted by their exact geodesic distance to the geometry,
not by the zone polygon. Both populations come from the build's layers, which cover the La Paz border
region (counties and municipios touching it, places inside it): a zone reaching farther out than 100 km
from the boundary is only partly covered, and the result says so.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.buffer import geodesic_buffer
from geo.errors import InvalidParameterError
from layers.analytics.data import BorderData
from layers.analytics.geodesy import WGS84, LineIndex, geodesic_circle
from layers.analytics.inputs import check_km, check_reach, geometry, unknown
from layers.population import BUFFER_KM

COUNTRIES = ("US", "MX")
METHOD = (
    "Zone: every point within the distance (geodesic, WGS84) of the geometry. Areal weighting: each "
    "county's (Census 2020) or municipio's (Censo 2020) population times the share of its area inside the "
    "zone (geodesic areas; people assumed evenly spread over each unit; a unit wholly inside counts whole). "
    "GeoNames: the summed population of the GeoNames places (500+ people, mixed census years) whose "
    "geodesic distance to the geometry is within the distance. The layers cover the La Paz border region "
    f"(units touching it, places inside it, {BUFFER_KM:g} km either side): beyond it they count nothing."
)


def population_within(data: BorderData, km: Any, around: str | None = None, geojson: Any = None) -> dict[str, Any]:
    """Population within ``km`` (0.1-300) of a named feature (``around``: "boundary", a port code or a
    crossing id) or of a GeoJSON geometry, per country, by areal weighting and by GeoNames places."""
    km = check_km(km)
    if (around is None) == (geojson is None):
        raise InvalidParameterError("give exactly one of 'around' (a feature id) or 'geometry' (GeoJSON)")
    if around is not None:
        key = (data.build_dir, around, km)
        if key not in _NAMED:  # named zones recur (the boundary at 10, 25, 100 km): keep their answers
            if len(_NAMED) >= 64:
                _NAMED.pop(next(iter(_NAMED)))
            _NAMED[key] = _within(data, km, around, named_geometry(data, around))
        return copy.deepcopy(_NAMED[key])
    geom = geometry(geojson)
    coords = shapely.get_coordinates(geom)
    check_reach(data.line.reach_m(coords[:, 0], coords[:, 1]), "geometry vertex")
    try:
        return _within(data, km, None, geom)
    except shapely.errors.GEOSException as exc:  # e.g. a polygon that make_valid could not mend
        raise InvalidParameterError(f"geometry: cannot buffer it ({str(exc)[:100]})") from None


_NAMED: dict[tuple[Path, str, float], dict[str, Any]] = {}


def named_geometry(data: BorderData, feature_id: str) -> BaseGeometry:
    """The geometry of "boundary", a port code or a crossing id (404 for anything else)."""
    if feature_id == "boundary":
        return data.line_geom
    row = data.port_row(feature_id)
    if row is not None:
        return data.ports.geoms[row]
    row = data.crossing_row(feature_id)
    if row is not None:
        return data.crossings.geoms[row]
    known = ["boundary", *map(str, data.ports.columns["port_code"]), *map(str, data.crossings.columns["crossing_id"])]
    raise unknown("feature (boundary, port code or crossing id)", feature_id, known)


def _within(data: BorderData, km: float, label: str | None, geom: BaseGeometry) -> dict[str, Any]:
    zone = zone_polygon(geom, km)
    areal = areal_weighting(data, zone)
    places = places_within(data, geom, km, label == "boundary")
    reach = _reach(data, zone)
    return {
        "distance_km": km,
        "around": label,
        "geometry_type": geom.geom_type,
        "areal_weighting": areal,
        "geonames": places,
        "zone_area_km2": round(abs(WGS84.geometry_area_perimeter(zone)[0]) / 1e6, 1),
        "zone_max_distance_to_boundary_km": reach,
        "within_region": reach <= BUFFER_KM + 0.5,
        "method": METHOD,
    }


@lru_cache(maxsize=32)
def zone_polygon(geom: BaseGeometry, km: float) -> BaseGeometry:
    """Every lon/lat point within ``km`` (geodesic) of ``geom`` (cached: geometries are immutable)."""
    if isinstance(geom, shapely.Point):
        return shapely.Polygon(geodesic_circle(geom.x, geom.y, km * 1000.0))
    zone = geodesic_buffer(geom, km)
    return zone if geom.geom_type not in ("Polygon", "MultiPolygon") else shapely.union(zone, geom)


def areal_weighting(data: BorderData, zone: BaseGeometry) -> dict[str, Any]:
    """Areal-weighted population of the units touching ``zone``, per country."""
    shapely.prepare(zone)
    hits = data.units.tree.query(zone, predicate="intersects")
    geoms = data.units.geoms[hits]
    whole = shapely.contains(zone, geoms)
    share = np.ones(len(hits))
    partial = np.flatnonzero(~whole)
    if len(partial):
        cut = shapely.intersection(geoms[partial], zone)
        share[partial] = [abs(WGS84.geometry_area_perimeter(g)[0]) / 1e6 for g in cut]
        share[partial] = np.clip(share[partial] / data.unit_area_km2[hits[partial]], 0.0, 1.0)
    people = data.units.columns["population"][hits].astype(np.float64) * share
    country = data.units.columns["country"][hits]
    by = {c: round(float(people[country == c].sum())) for c in COUNTRIES}
    return {**by, "total": sum(by.values()), "units": int((share > 0).sum()), "units_whole": int(whole.sum())}


def places_within(data: BorderData, geom: BaseGeometry, km: float, is_boundary: bool = False) -> dict[str, Any]:
    """GeoNames population of the places within ``km`` (exact geodesic distance) of ``geom``, per country."""
    lon, lat = shapely.get_x(data.places.geoms), shapely.get_y(data.places.geoms)
    dist = distances_m(geom, lon, lat, data.line if is_boundary else None)
    inside = dist <= km * 1000.0
    pop = data.places.columns["population"]
    country = data.places.columns["country"]
    by = {c: int(pop[inside & (country == c)].sum()) for c in COUNTRIES}
    return {**by, "total": sum(by.values()), "places": int(inside.sum())}


def distances_m(geom: BaseGeometry, lon: np.ndarray, lat: np.ndarray, index: LineIndex | None = None) -> np.ndarray:
    """Exact geodesic distance (m) from each lon/lat point to ``geom`` (0 inside a polygon)."""
    if index is None:
        index = _line_index(geom)
    dist = index.nearest(lon, lat).distance_m if index is not None else np.full(len(lon), np.inf)
    parts = [g for g in getattr(geom, "geoms", [geom])]
    points = [p for p in parts if p.geom_type == "Point"]
    for p in points:
        _, _, d = WGS84.inv(np.full(len(lon), p.x), np.full(len(lon), p.y), lon, lat)
        dist = np.minimum(dist, d)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        dist = np.where(shapely.contains_xy(geom, lon, lat), 0.0, dist)
    return np.asarray(dist)


def _line_index(geom: BaseGeometry) -> LineIndex | None:
    """A geodesic index of the lines (or polygon outlines) of ``geom``; None for points only."""
    outline = geom.boundary if geom.geom_type in ("Polygon", "MultiPolygon") else geom
    lines = [np.asarray(g.coords)[:, :2] for g in getattr(outline, "geoms", [outline])
             if g.geom_type in ("LineString", "LinearRing") and len(g.coords) >= 2]
    return LineIndex(lines) if lines else None


def _reach(data: BorderData, zone: BaseGeometry) -> float:
    """Largest geodesic distance (km) from the boundary of any vertex of the zone's outline."""
    coords = shapely.get_coordinates(zone)
    return round(float(data.line.nearest(coords[:, 0], coords[:, 1]).distance_m.max()) / 1000.0, 3)
