"""GDAL's OAPIF driver (through pyogrio) reads every served collection completely and exactly.

What GDAL reads is compared with the built GeoParquet the server publishes: same count, same ids, every
geometry equal within 1e-7 degrees (vertex by vertex), and every declared property equal.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import httpx
import pyogrio
import shapely

from layers.registry import default_registry

TOLERANCE = 1e-7  # degrees, about 1 cm


def served_collections(api_url: str) -> list[str]:
    """The collection ids the running server lists at /collections."""
    body = httpx.get(f"{api_url}/collections", headers={"Accept": "application/json"}).json()
    return [c["id"] for c in body["collections"]]


def same_value(a: Any, b: Any) -> bool:
    """Property equality as a GIS client sees it: nulls alike, floats to 1e-9 relative, else as text."""
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if isinstance(a, float) or isinstance(b, float):
        return b is not None and math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return str(a) == str(b)


def test_gdal_lists_every_collection(api_url: str, manifest: dict[str, Any]) -> None:
    """GDAL's layer list is the server's collection list, which is every built layer."""
    listed = {str(name) for name, _ in pyogrio.list_layers(f"OAPIF:{api_url}")}
    assert listed == set(served_collections(api_url)) == set(manifest["layers"])


def test_gdal_reads_every_collection_exactly(
    api_url: str, layer: Any, manifest: dict[str, Any]
) -> None:
    """Every collection read through OAPIF equals the built layer: count, ids, geometries, properties."""
    checked = 0
    for cid in served_collections(api_url):
        spec = default_registry()[cid]
        built: gpd.GeoDataFrame = layer(cid)
        got = pyogrio.read_dataframe(f"OAPIF:{api_url}", layer=cid)
        assert len(got) == len(built) == manifest["layers"][cid]["features"], cid
        assert got[spec.id_field].astype(str).is_unique, cid
        got = got.set_index(got[spec.id_field].astype(str))
        built = built.set_index(built[spec.id_field].astype(str))
        assert set(got.index) == set(built.index), cid
        got = got.loc[built.index]
        exact = shapely.equals_exact(got.geometry.values, built.geometry.values, tolerance=TOLERANCE)
        bad = list(built.index[~exact])
        assert not bad, f"{cid}: {len(bad)} geometries differ by more than {TOLERANCE} deg, e.g. {bad[:5]}"
        for prop in spec.property_names:
            differ = [i for i in built.index if not same_value(built.at[i, prop], got.at[i, prop])]
            assert not differ, f"{cid}.{prop} differs for {differ[:5]}"
        checked += 1
    assert checked == len(manifest["layers"])


def test_gdal_bbox_reaches_the_server(api_url: str, layer: Any) -> None:
    """A spatial filter through GDAL (sent to the server as bbox=) returns what intersects the box."""
    for cid in served_collections(api_url):
        built = layer(cid)
        minx, miny, maxx, maxy = built.total_bounds
        box = (minx, miny, (minx + maxx) / 2, maxy)  # the western half of the layer
        expected = int(built.intersects(shapely.box(*box)).sum())
        got = pyogrio.read_dataframe(f"OAPIF:{api_url}", layer=cid, bbox=box)
        # GDAL filters again client-side on envelopes, so exact-intersect server results pass through
        assert len(got) == expected, cid
        assert 0 < expected <= len(built), cid
