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
