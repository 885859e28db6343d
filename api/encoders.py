"""Response bodies: GeoJSON assembled from pre-serialized feature bytes, CSV, GeoPackage and FlatGeobuf.

A GeoJSON page is never a ``json.dumps`` of dicts: it is the join of the features' ready-made bytes with
a small header and the links, so a 100-feature page costs microseconds.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import geopandas as gpd
import orjson
import pyogrio
import shapely

from api.catalog import Collection
from api.crs import Crs, from_storage

DRIVERS = {"gpkg": ("GPKG", "gpkg"), "fgb": ("FlatGeobuf", "fgb")}


def feature_collection(features: list[bytes], matched: int, links: list[dict[str, Any]], stamp: str) -> bytes:
    """A GeoJSON FeatureCollection with the OGC paging members."""
    return b'{"type":"FeatureCollection","features":[%b],"numberMatched":%d,"numberReturned":%d,' \
        b'"timeStamp":"%b","links":%b}' % (b",".join(features), matched, len(features), stamp.encode(),
                                            orjson.dumps(links))


def single_feature(feature: bytes, links: list[dict[str, Any]]) -> bytes:
    """One GeoJSON Feature with its links appended."""
    return feature[:-1] + b',"links":' + orjson.dumps(links) + b"}"


def to_csv(coll: Collection, positions: Sequence[int], names: list[str] | None, crs: Crs, geometry: bool) -> bytes:
    """CSV of the features: the selected properties, then the geometry as WKT in ``crs`` (axis order)."""
    cols = names if names is not None else coll.spec.property_names
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*cols, "wkt"] if geometry else cols)
    pos = list(positions)
    wkts: list[str] = []
    if geometry and pos:
        wkts = list(shapely.to_wkt(from_storage(coll.geoms[pos], crs), rounding_precision=-1))
    for k, i in enumerate(pos):
        row = ["" if coll.props[i][c] is None else coll.props[i][c] for c in cols]
        writer.writerow([*row, wkts[k]] if geometry else row)
    return out.getvalue().encode()


def download_frame(coll: Collection, positions: Sequence[int], crs: Crs, names: list[str] | None) -> gpd.GeoDataFrame:
    """The features at ``positions`` as a GeoDataFrame in ``crs`` (for GeoPackage/FlatGeobuf files)."""
    pos = list(positions)
    cols = names if names is not None else coll.spec.property_names
    data = {c: [coll.props[i][c] for i in pos] for c in cols}
    # file formats keep x = longitude even for EPSG:4326 (GDAL's traditional GIS order)
    xy = replace(crs, lat_first=False)
    code = "EPSG:4326" if crs.is_crs84 else crs.code  # the same numbers; the code GIS software expects
    frame = gpd.GeoDataFrame(data, geometry=list(from_storage(coll.geoms[pos], xy)), crs=code)
    for prop in coll.spec.properties:
        if prop.name in data and prop.type in ("integer", "number") and frame[prop.name].isna().any():
            frame[prop.name] = frame[prop.name].astype("float64")
    return frame


def write_frame(frame: gpd.GeoDataFrame, fmt: str, coll: Collection) -> bytes:
    """``frame`` written as a GeoPackage or FlatGeobuf file with one layer named after the collection."""
    driver, _ = DRIVERS[fmt]
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL notes the in-memory file lacks an extension
        pyogrio.write_dataframe(frame, buffer, driver=driver, layer=coll.id,
                                geometry_type=_geometry_type(coll) if len(frame) else "Unknown")
    return buffer.getvalue()


def _geometry_type(coll: Collection) -> str:
    """The declared geometry type, promoted to Multi* when the features mix single and multi parts."""
    kinds = {g.geom_type for g in coll.geoms}
    declared: str = coll.spec.geometry_type
    return f"Multi{declared}" if any(k.startswith("Multi") for k in kinds) and not declared.startswith("Multi") \
        else declared


def filename(coll: Collection, fmt: str) -> str:
    """The download's file name, e.g. ``boundary.gpkg``."""
    return f"{coll.id}.{DRIVERS[fmt][1] if fmt in DRIVERS else fmt}"
