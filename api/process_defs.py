"""The four analytics processes declared once: id, description, inputs and outputs as JSON Schema, runner.

The runners are the ``layers.analytics`` functions themselves (the CLI calls the same ones); the
schemas state the same limits those functions enforce (they read the same constants).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from layers.analytics import (
    MAX_KM,
    MAX_POINTS,
    MIN_KM,
    BorderData,
    border_distance,
    population_within,
    port_profile,
    where,
)

Schema = dict[str, Any]

# OpenAPI 3.0 schema objects (the dialect of OGC API – Processes 1.0): no prefixItems, nullable not null
_PAIR: Schema = {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "number", "minimum": -180,
                                                                         "maximum": 180},
                 "description": "[longitude, latitude]; the latitude must lie within ±90; a third number (a "
                                "height) is ignored"}
POINTS: Schema = {"oneOf": [
    {"type": "array", "minItems": 1, "maxItems": MAX_POINTS, "items": _PAIR,
     "description": f"[lon, lat] pairs (WGS84 degrees), at most {MAX_POINTS:,}"},
    {"type": "object", "required": ["type", "coordinates"], "format": "geojson-geometry",
     "properties": {"type": {"enum": ["Point", "MultiPoint"]}, "coordinates": {"type": "array"}},
     "description": "a GeoJSON Point or MultiPoint"},
]}
GEOMETRY: Schema = {"type": "object", "required": ["type", "coordinates"], "format": "geojson-geometry",
                    "properties": {"type": {"enum": ["Point", "MultiPoint", "LineString", "MultiLineString",
                                                     "Polygon", "MultiPolygon"]},
                                   "coordinates": {"type": "array"}}}
_KM_VALUE: Schema = {"type": "number", "minimum": MIN_KM, "maximum": MAX_KM}
_SEGMENT_FIELDS = ("segment_id", "name", "kind", "kind_es", "us_state", "mx_state")
_SEGMENT: Schema = {"type": "object", "properties": {k: {"type": "string"} for k in _SEGMENT_FIELDS}}
_COUNTS: Schema = {"type": "object", "properties": {k: {"type": "integer"} for k in ("US", "MX", "total")}}


@dataclass(frozen=True)
class Input:
    """One process input: title, description, JSON Schema, whether it must be given."""

    title: str
    description: str
    schema: Schema
    required: bool = True

    def doc(self) -> Schema:
        """The OGC process-description input object."""
        return {"title": self.title, "description": self.description, "schema": self.schema,
                "minOccurs": 1 if self.required else 0, "maxOccurs": 1}


@dataclass(frozen=True)
class Process:
    """An OGC API – Processes process run synchronously on the loaded analytics data."""

    id: str
    title: str
    description: str
    inputs: dict[str, Input]
    output: Schema
    run: Callable[[BorderData, dict[str, Any]], Any]
    example: dict[str, Any]
    keywords: tuple[str, ...] = field(default=())

    def summary(self) -> Schema:
        """The process summary of the process list."""
        return {"id": self.id, "title": self.title, "description": self.description, "version": "1.0.0",
                "keywords": list(self.keywords), "jobControlOptions": ["sync-execute"],
                "outputTransmission": ["value"]}


def _points_output(props: Schema) -> Schema:
    return {"title": "result", "description": "one object per input point, in input order",
            "schema": {"type": "array", "items": {"type": "object", "properties": {
                "lon": {"type": "number"}, "lat": {"type": "number"}, **props}}}}


PROCESSES: dict[str, Process] = {p.id: p for p in (
    Process(
        "border-distance", "Distance to the border / Distancia a la frontera",
        "For each point: the geodesic distance (WGS84, pyproj.Geod, exact to the millimetre against the "
        "boundary layer) to the US–Mexico boundary in km and miles, the side (US or MX), the nearest boundary "
        "point and its segment (states; land, Rio Grande / Río Bravo or Colorado River), and the nearest "
        "crossing and port of entry with their geodesic distances and the port's latest full-year traffic.",
        {"points": Input("Points", "Where to measure from", POINTS)},
        _points_output({
            "distance_km": {"type": "number"}, "distance_mi": {"type": "number"},
            "side": {"type": "string", "nullable": True, "enum": ["US", "MX", None]},
            "nearest_boundary_point": {"type": "object"}, "segment": _SEGMENT,
            "nearest_crossing": {"type": "object"}, "nearest_port": {"type": "object"}}),
        lambda data, i: border_distance(data, i["points"]),
        {"points": [[-106.4850, 31.7587], [-117.0382, 32.5149]]},
        ("distance", "geodesic", "nearest crossing"),
    ),
    Process(
        "population-within", "People within reach / Población a distancia",
        "The population within a geodesic distance (0.1–300 km) of a point, line or polygon (GeoJSON) or of a "
        "named feature ('boundary', a port code, a crossing id), per country, by two methods side by side: "
        "areal weighting of the counties and municipios (Census 2020 / Censo 2020), and GeoNames places.",
        {"distance_km": Input("Distance (km)", f"Geodesic distance, {MIN_KM:g} to {MAX_KM:g} km", _KM_VALUE),
         "around": Input("Named feature", "'boundary', a port code (e.g. '2504') or a crossing id "
                         "(e.g. 'paso-del-norte'); give this or geometry", {"type": "string", "minLength": 1},
                         required=False),
         "geometry": Input("Geometry", "A GeoJSON geometry (WGS84 lon/lat); give this or around", GEOMETRY,
                           required=False)},
        {"title": "result", "schema": {"type": "object", "properties": {
            "distance_km": {"type": "number"}, "areal_weighting": _COUNTS, "geonames": _COUNTS,
            "zone_area_km2": {"type": "number"}, "within_region": {"type": "boolean"},
            "method": {"type": "string"}}}},
        lambda data, i: population_within(data, i["distance_km"], i.get("around"), i.get("geometry")),
        {"distance_km": 25, "around": "boundary"},
        ("population", "población", "buffer", "areal weighting", "GeoNames"),
    ),
    Process(
        "where", "Where is it? / ¿Dónde está?",
        "For each point: country, state, county or municipio (with its Census 2020 / Censo 2020 population), "
        "the river basins holding it (Rio Grande, Pecos, Colorado), whether it lies in the La Paz Agreement "
        "border region, and its geodesic distance to the boundary.",
        {"points": Input("Points", "The places to look up", POINTS)},
        _points_output({
            "country": {"type": "string", "nullable": True}, "state": {"type": "string", "nullable": True},
            "unit": {"type": "object", "nullable": True}, "basins": {"type": "array"},
            "in_border_region": {"type": "boolean"}, "distance_to_boundary_km": {"type": "number"}}),
        lambda data, i: where(data, i["points"]),
        {"points": [[-106.4850, 31.7587], [-114.6244, 32.6927]]},
        ("geocoding", "county", "municipio", "basin", "cuenca"),
    ),
    Process(
        "port-profile", "Port profile / Perfil del puerto",
        "For a CBP port code: yearly inbound totals per BTS measure (every full year of the data), the trend, "
        "the busiest month, the port's share of the border's traffic, its crossings, and the population "
        "within 25 km on each side.",
        {"port_code": Input("Port code", "CBP port code, e.g. '2504' (San Ysidro)", {"type": "string",
                                                                                    "minLength": 1})},
        {"title": "result", "schema": {"type": "object", "properties": {
            "port_code": {"type": "string"}, "years": {"type": "array"}, "trend": {"type": "object", "nullable": True},
            "busiest_month": {"type": "object", "nullable": True}, "share_of_border": {"type": "object"},
            "crossings": {"type": "array"}, "population_within_25km": {"type": "object"}}}},
        lambda data, i: port_profile(data, i["port_code"]),
        {"port_code": "2504"},
        ("port of entry", "traffic", "BTS", "trend"),
    ),
)}
