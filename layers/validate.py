"""Checks every built layer must pass before it is published."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import BuildError
from geo.ops import is_rfc7946_oriented
from layers.spec import DTYPES, ROLES, LayerSpec, Prop

ALLOWED_GEOMS = {
    "Point": {"Point"},
    "LineString": {"LineString"},
    "MultiLineString": {"LineString", "MultiLineString"},
    "Polygon": {"Polygon"},
    "MultiPolygon": {"Polygon", "MultiPolygon"},
}


def validate(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> None:
    """Raise BuildError naming every way ``gdf`` breaks ``spec``'s declaration."""
    problems = _schema_problems(spec, gdf) or _geometry_problems(spec, gdf)
    if problems:
        raise BuildError(f"layer {spec.id} failed validation: " + "; ".join(problems[:5]))


def _schema_problems(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> list[str]:
    problems = declaration_problems(spec)
    if len(gdf) == 0:
        return [*problems, "no features"]
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        problems.append(f"CRS is {gdf.crs}, expected EPSG:4326")
    expected = [*spec.property_names, "geometry"]
    if list(gdf.columns) != expected:
        return [*problems, f"columns {list(gdf.columns)} differ from the declared {expected}"]
    for prop in spec.properties:
        problems.extend(_property_problems(prop, gdf[prop.name]))
    ids = gdf[spec.id_field]
    if ids.duplicated().any():
        problems.append(f"duplicate ids in {spec.id_field}: {sorted(ids[ids.duplicated()].astype(str))[:5]}")
    return problems


def _property_problems(prop: Prop, col: pd.Series) -> list[str]:
    problems = []
    if str(col.dtype) not in DTYPES[prop.type]:
        return [f"property {prop.name} has dtype {col.dtype}, declared {prop.type}"]
    if not prop.nullable and col.isna().any():
        problems.append(f"property {prop.name} has {int(col.isna().sum())} nulls")
    if prop.enum and not set(col.dropna()).issubset(prop.enum):
        problems.append(f"property {prop.name} has values outside {prop.enum}")
    if prop.type == "date" and pd.api.types.is_datetime64_any_dtype(col):
        values = col.dropna()
        # a date is a whole day: a time of day would shift it, or split it, in other clients
        if (values != values.dt.normalize()).any():
            problems.append(f"date property {prop.name} has values that are not at midnight")
    return problems


def declaration_problems(spec: LayerSpec) -> list[str]:
    """What is wrong with the declaration itself (unknown roles, a temporal property that is not a date)."""
    problems = []
    if not spec.roles <= ROLES:
        problems.append(f"unknown roles {sorted(spec.roles - ROLES)}; known: {sorted(ROLES)}")
    if spec.temporal is not None and spec.temporal not in [p.name for p in spec.properties if p.type == "date"]:
        problems.append(f"temporal '{spec.temporal}' is not a declared date property")
    if not 0 <= spec.min_zoom <= spec.max_zoom <= 24:
        problems.append(f"zooms {spec.min_zoom}..{spec.max_zoom} are not 0 <= min_zoom <= max_zoom <= 24")
    return problems


def _geometry_problems(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> list[str]:
    geoms = np.asarray(gdf.geometry.values)
    problems = []
    if shapely.is_missing(geoms).any() or shapely.is_empty(geoms).any():
        problems.append("null or empty geometries")
        return problems
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        problems.append(f"{int(bad.sum())} invalid geometries: {shapely.is_valid_reason(geoms[bad][0])}")
    types = set(shapely.get_type_id(geoms).tolist())
    names = {shapely.GeometryType(t).name.title().replace("string", "String") for t in types}
    # "MULTILINESTRING".title() gives "Multilinestring", which the first replace turns into "MultilineString"
    names = {n.replace("MultilineString", "MultiLineString").replace("Multipolygon", "MultiPolygon")
             .replace("Linestring", "LineString") for n in names}
    if not names <= ALLOWED_GEOMS[spec.geometry_type]:
        problems.append(f"geometry types {sorted(names)} where {spec.geometry_type} is declared")
    if spec.geometry_type in ("Polygon", "MultiPolygon"):
        misoriented = sum(not is_rfc7946_oriented(g) for g in geoms)
        if misoriented:
            problems.append(f"{misoriented} polygons not in RFC 7946 orientation")
    return problems
