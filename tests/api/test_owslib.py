"""OWSLib (the Python OGC client) talks to the service as-is: conformance, collections, items, one item.

OWSLib sends ``Accept: */*`` and URL-encodes bbox commas, and does not follow ``next`` links: the server
must default to JSON and honour limit/offset exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from owslib.ogcapi.features import Features

from layers.registry import default_registry

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"


@pytest.fixture(scope="module")
def features(api_url: str) -> Features:
    """An OWSLib client on the running server."""
    return Features(api_url)


@pytest.fixture(scope="module")
def collection_ids(features: Features) -> list[str]:
    """The collections OWSLib finds."""
    return [c["id"] for c in features.collections()["collections"]]


def test_conformance(features: Features) -> None:
    """Core and GeoJSON conformance classes are declared."""
    conforms = features.conformance()["conformsTo"]
    assert CORE in conforms
    assert GEOJSON in conforms


def test_collections_are_the_built_layers(
    features: Features, collection_ids: list[str], manifest: dict[str, Any]
) -> None:
    """Every built layer is a collection, with its title and a CRS84 extent equal to the built bbox."""
    assert sorted(collection_ids) == sorted(manifest["layers"])
    for cid in collection_ids:
        meta = features.collection(cid)
        entry = manifest["layers"][cid]
        assert meta["id"] == cid
        assert meta["title"] == entry["title"]
        extent = meta["extent"]["spatial"]["bbox"][0]
        assert extent == pytest.approx(entry["bbox"], abs=1e-6), cid
        assert any(link["rel"] == "items" for link in meta["links"]), cid


def test_items_limit_and_offset_page_exactly(features: Features, collection_ids: list[str], layer: Any) -> None:
    """limit/offset pages tile the collection: numberMatched, numberReturned, no gaps or repeats."""
    for cid in collection_ids:
        total = len(layer(cid))
        size = max(1, min(100, total // 3))
        seen: list[str] = []
        for offset in range(0, total, size):
            page = features.collection_items(cid, limit=size, offset=offset)
            assert page["type"] == "FeatureCollection"
            assert page["numberMatched"] == total, cid
            assert page["numberReturned"] == len(page["features"]) == min(size, total - offset), cid
            seen.extend(str(f["id"]) for f in page["features"])
            if len(seen) >= 3 * size:  # three pages prove the arithmetic; skip the rest of big layers
                break
        assert len(seen) == len(set(seen)), f"{cid}: repeated features across pages"
        past = features.collection_items(cid, limit=size, offset=total)
        assert past["numberReturned"] == len(past["features"]) == 0, cid


def test_items_bbox(features: Features, collection_ids: list[str], layer: Any) -> None:
    """A bbox (URL-encoded by OWSLib) selects exactly the features that intersect it."""
    for cid in collection_ids:
        built = layer(cid)
        minx, miny, maxx, maxy = (float(v) for v in built.total_bounds)
        box = [minx, miny, (minx + maxx) / 2, maxy]
        inside = built[built.intersects(shapely.box(minx, miny, box[2], maxy))]
        id_field = default_registry()[cid].id_field
        page = features.collection_items(cid, bbox=box, limit=1000)
        assert page["numberMatched"] == len(inside) > 0, cid
        if len(inside) <= 1000:
            assert sorted(str(f["id"]) for f in page["features"]) == sorted(inside[id_field].astype(str)), cid


def test_single_item(features: Features, collection_ids: list[str], layer: Any) -> None:
    """Each collection's first and last features come back by id with their declared properties."""
    for cid in collection_ids:
        built = layer(cid)
        spec = default_registry()[cid]
        for pos in (0, len(built) - 1):
            row = built.iloc[pos]
            fid = str(row[spec.id_field])
            item = features.collection_item(cid, fid)
            assert item["type"] == "Feature"
            assert str(item["id"]) == fid
            assert set(item["properties"]) >= set(spec.property_names), cid
            got = shapely.geometry.shape(item["geometry"])
            assert shapely.equals_exact(got, row.geometry, tolerance=1e-7), f"{cid}/{fid}"
