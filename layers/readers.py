"""Readers for the source formats that need more than ``geopandas.read_file``.

- DCW-GMT netCDF-4 (read with h5py, masking and scaling off): per country/state two uint16 arrays; 65535 in
  the lon array starts a ring, otherwise ``lon = min + value / scale`` (0..360, minus 360 west of Greenwich).
- INEGI municipio polygons (AGEM GeoJSON, lon/lat on ITRF2008, EPSG:6365, which equals WGS84 at this scale).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import h5py
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import SourceError
from geo.ops import polygonal

RING_START = 65535

#: Mexican border states: INEGI code -> (name, abbreviation)
MX_STATES = {
    "02": ("Baja California", "BC"),
    "26": ("Sonora", "SON"),
    "08": ("Chihuahua", "CHIH"),
    "05": ("Coahuila de Zaragoza", "COAH"),
    "19": ("Nuevo León", "NL"),
    "28": ("Tamaulipas", "TAMPS"),
}
#: US border states: DCW code -> (name, postal code, FIPS)
US_STATES = {
    "USCA": ("California", "CA", "06"),
    "USAZ": ("Arizona", "AZ", "04"),
    "USNM": ("New Mexico", "NM", "35"),
    "USTX": ("Texas", "TX", "48"),
}


def dcw_rings(path: Path, code: str) -> list[np.ndarray]:
    """The rings of one DCW entity (e.g. ``MX``, ``USTX``) as (n, 2) lon/lat arrays."""
    try:
        with h5py.File(path, "r") as nc:
            lon_var, lat_var = nc[f"{code}_lon"], nc[f"{code}_lat"]
            raw_lon = lon_var[:].astype(np.int64)
            raw_lat = lat_var[:].astype(np.int64)
            lon = float(lon_var.attrs["min"][0]) + raw_lon / float(lon_var.attrs["scale"][0])
            lat = float(lat_var.attrs["min"][0]) + raw_lat / float(lat_var.attrs["scale"][0])
    except (OSError, KeyError) as exc:
        raise SourceError(f"cannot read {code} from {path}: {exc}") from exc
    lon = np.where(lon > 180.0, lon - 360.0, lon)
    starts = [*np.flatnonzero(raw_lon == RING_START).tolist(), len(raw_lon)]
    return [np.column_stack([lon[s + 1 : e], lat[s + 1 : e]]) for s, e in itertools.pairwise(starts)]


def dcw_polygon(path: Path, code: str) -> BaseGeometry:
    """The (multi)polygon of one DCW entity: every ring is an outer ring (islands included)."""
    polys = [shapely.make_valid(shapely.Polygon(r)) for r in dcw_rings(path, code) if len(r) >= 4]
    return shapely.union_all([polygonal(p) for p in polys])


def inegi_municipios(paths: Iterable[Path]) -> gpd.GeoDataFrame:
    """Municipio polygons from INEGI AGEM GeoJSON files: cvegeo, name, state_code, geometry (EPSG:4326)."""
    frames = []
    for path in paths:
        try:
            frames.append(pyogrio.read_dataframe(path, columns=["cvegeo", "nom_agem"]))
        except Exception as exc:  # pyogrio raises several DataSourceError types
            raise SourceError(f"cannot read municipios from {path}: {exc}") from exc
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry")
    gdf = gdf.set_crs(4326, allow_override=True)
    gdf = gdf.rename(columns={"nom_agem": "name"})
    gdf["state_code"] = gdf["cvegeo"].str[:2]
    return gdf.dissolve(by="cvegeo", as_index=False, aggfunc="first")[["cvegeo", "name", "state_code", "geometry"]]


def tiger_boundary(shp: Path, ibtype: str = "M") -> shapely.LineString:
    """The TIGER/Line international boundary with one neighbour (``M`` = Mexico) as one line in EPSG:4326.
    TIGER is NAD83 (EPSG:4269); PROJ's NAD83 -> WGS84 transformation is the null one (under 2 m here).
    """
    try:
        gdf = pyogrio.read_dataframe(shp, columns=["IBTYPE"])
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise SourceError(f"cannot read the TIGER boundary from {shp}: {exc}") from exc
    if gdf.crs is None or gdf.crs.to_epsg() != 4269:
        raise SourceError(f"{shp}: expected NAD83 (EPSG:4269), found {gdf.crs}")
    pieces = gdf[gdf["IBTYPE"] == ibtype].to_crs(4326)
    merged = shapely.line_merge(shapely.union_all(pieces.geometry.to_numpy()))
    if not isinstance(merged, shapely.LineString):
        raise SourceError(f"{shp}: the IBTYPE {ibtype} pieces do not join into one line ({merged.geom_type})")
    return merged


def census_states(zip_path: Path, fips: Iterable[str]) -> gpd.GeoDataFrame:
    """States of a Census cartographic boundary zip (e.g. cb_2018_us_state_500k): STATEFP, STUSPS, NAME."""
    wanted = sorted(fips)
    try:
        gdf = pyogrio.read_dataframe(f"/vsizip/{zip_path}", columns=["STATEFP", "STUSPS", "NAME"])
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise SourceError(f"cannot read the US states from {zip_path}: {exc}") from exc
    found = gdf[gdf["STATEFP"].isin(wanted)].to_crs(4326).sort_values("STATEFP", ignore_index=True)
    if sorted(found["STATEFP"]) != wanted:
        raise SourceError(f"{zip_path}: states {wanted} expected, found {sorted(found['STATEFP'])}")
    return found


def natural_earth_land(path: Path, bbox: tuple[float, float, float, float]) -> BaseGeometry:
    """Natural Earth land inside ``bbox`` (lon/lat) as one polygonal geometry: its edges are the coastline."""
    try:
        gdf = pyogrio.read_dataframe(path, bbox=bbox, columns=[])
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise SourceError(f"cannot read land polygons from {path}: {exc}") from exc
    if gdf.empty:
        raise SourceError(f"{path}: no land polygon in {bbox}")
    return shapely.union_all(shapely.clip_by_rect(gdf.geometry.to_numpy(), *bbox))
