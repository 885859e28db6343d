"""Response bodies: GeoJSON assembled from pre-serialized feature bytes, CSV, GeoPackage and FlatGeobuf.

A GeoJSON page is never a ``json.dumps`` of dicts: it is the join of the features' ready-made bytes with
a small header and the links, so a 100-feature page costs microseconds.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pyogrio
import shapely

from api.source import Record
from layers.spec import LayerSpec

DRIVERS = {"gpkg": ("GPKG", "gpkg"), "fgb": ("FlatGeobuf", "fgb")}


def feature_collection(features: list[bytes], matched: int, links: list[dict[str, Any]], stamp: str) -> bytes:
    """A GeoJSON FeatureCollection with the OGC paging members."""
    return b'{"type":"FeatureCollection","features":[%b],"numberMatched":%d,"numberReturned":%d,' \
        b'"timeStamp":"%b","links":%b}' % (b",".join(features), matched, len(features), stamp.encode(),
                                            orjson.dumps(links))


def single_feature(feature: bytes, links: list[dict[str, Any]]) -> bytes:
    """One GeoJSON Feature with its links appended."""
    return feature[:-1] + b',"links":' + orjson.dumps(links) + b"}"


def to_csv(records: Sequence[Record], names: Sequence[str], geometry: bool) -> bytes:
    """CSV of the records: the ``names`` properties, then the geometry as WKT (in the records' CRS and axis order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*names, "wkt"] if geometry else list(names))
    wkts: list[str] = []
    if geometry and records:
        wkts = list(shapely.to_wkt(np.asarray([r.geometry for r in records], dtype=object), rounding_precision=-1))
    for k, rec in enumerate(records):
        row = ["" if rec.properties[c] is None else rec.properties[c] for c in names]
        writer.writerow([*row, wkts[k]] if geometry else row)
    return out.getvalue().encode()


def write_frame(frame: gpd.GeoDataFrame, fmt: str, spec: LayerSpec) -> bytes:
    """``frame`` written as a GeoPackage or FlatGeobuf file with one layer named after the collection."""
    driver, _ = DRIVERS[fmt]
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL notes the in-memory file lacks an extension
        pyogrio.write_dataframe(frame, buffer, driver=driver, layer=spec.id,
                                geometry_type=_geometry_type(frame, spec) if len(frame) else "Unknown")
    return buffer.getvalue()


def _geometry_type(frame: gpd.GeoDataFrame, spec: LayerSpec) -> str:
    """The declared geometry type, promoted to Multi* when the features mix single and multi parts."""
    kinds = set(frame.geometry.geom_type)
    declared: str = spec.geometry_type
    return f"Multi{declared}" if any(k.startswith("Multi") for k in kinds) and not declared.startswith("Multi") \
        else declared


def filename(spec: LayerSpec, fmt: str) -> str:
    """The download's file name: the collection id and the format's extension."""
    return f"{spec.id}.{DRIVERS[fmt][1] if fmt in DRIVERS else fmt}"
