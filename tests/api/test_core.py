"""OGC API – Features Part 1: landing page, conformance, collections, items, paging, bbox, single items."""

from __future__ import annotations

from datetime import datetime

import httpx
import numpy as np
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from api.memory import MemorySource, load_sources
from api.settings import ApiSettings
from api.source import FeatureSource
from layers.registry import default_registry
from layers.settings import DataSettings

BOUNDARY_IDS = ["CA-BC", "AZ-BC", "AZ-SON", "NM-SON", "NM-CHIH", "TX-CHIH", "TX-COAH", "TX-NL", "TX-TAMPS"]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def same_value(served: object, stored: object) -> bool:
    """A served property equals the stored one (missing values are null)."""
    if stored is None or (isinstance(stored, float) and stored != stored):
        return served is None
    if isinstance(stored, float | np.floating):
        return served == pytest.approx(float(stored), rel=1e-15)
    if isinstance(stored, pd.Timestamp):  # a declared date: served as "YYYY-MM-DD"
        return served == f"{stored:%Y-%m-%d}" and stored == stored.normalize()
    return served == stored


def rels(doc: dict) -> dict[str, dict]:
    """The links of ``doc`` by rel (the first of each)."""
    out: dict[str, dict] = {}
    for link in doc["links"]:
        out.setdefault(link["rel"], link)
    return out


def test_landing_page_links_what_qgis_and_gdal_need(http: httpx.Client, server: str) -> None:
    r = http.get("/", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    links = rels(r.json())
    assert links["self"]["href"] == f"{server}/"
    assert links["data"]["href"] == f"{server}/collections"
    assert links["conformance"]["href"] == f"{server}/conformance"
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert links["service-doc"]["type"] == "text/html"
    assert any(lk["rel"] == "alternate" and lk["title"] == "Maps" and lk["href"] == f"{server}/maps/"
               for lk in r.json()["links"])
    desc = http.get(links["service-desc"]["href"], headers={"Accept": links["service-desc"]["type"]})
    assert desc.status_code == 200
    assert desc.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert desc.json()["openapi"] == "3.0.3"
    assert http.get(links["service-doc"]["href"]).headers["content-type"].startswith("text/html")


def test_conformance_declares_parts_1_2_3(client: TestClient) -> None:
    body = client.get("/conformance").json()
    spec = "http://www.opengis.net/spec/"
    for needed in ("ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson",
                   "ogcapi-features-1/1.0/conf/html", "ogcapi-features-1/1.0/conf/oas30",
                   "ogcapi-features-2/1.0/conf/crs", "ogcapi-features-3/1.0/conf/filter",
                   "ogcapi-features-3/1.0/conf/features-filter", "ogcapi-features-3/1.0/conf/queryables",
                   "cql2/1.0/conf/cql2-text", "cql2/1.0/conf/cql2-json"):
        assert spec + needed in body["conformsTo"]


def test_collections_match_the_manifest(client: TestClient, manifest: dict, served: list[str]) -> None:
    body = client.get("/collections").json()
    assert [c["id"] for c in body["collections"]] == served
    registry = default_registry()
    for coll in body["collections"]:
        entry, spec = manifest["layers"][coll["id"]], registry[coll["id"]]
        assert coll["extent"]["spatial"] == {"bbox": [entry["bbox"]], "crs": CRS84}
        assert coll["title"] == spec.title and coll["description"] == spec.description
        assert coll["license"] == spec.licence and coll["attribution"] == spec.attribution
        assert coll["storageCrs"] == CRS84 and coll["crs"][0] == CRS84
        assert "http://www.opengis.net/def/crs/EPSG/0/4326" in coll["crs"] and len(coll["crs"]) == 8
        kinds = {(lk["rel"], lk["type"]) for lk in coll["links"]}
        assert ("items", "application/geo+json") in kinds
        assert ("http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json") in kinds
        assert ("license", "text/html") in kinds
        assert client.get(f"/collections/{coll['id']}").json() == coll


def test_every_collection_serves_exactly_its_built_features(all_features: dict, served: list[str], layer) -> None:
    registry = default_registry()
    for cid in served:
        gdf, spec = layer(cid), registry[cid]
        body = all_features[cid]
        assert body["numberMatched"] == len(gdf), cid
        assert [f["id"] for f in body["features"]] == gdf[spec.id_field].tolist(), cid
        first, row = body["features"][0], gdf.iloc[0]
        assert list(first["properties"]) == spec.property_names
        for name in spec.property_names:
            assert same_value(first["properties"][name], row[name]), (cid, name)
        assert shape(first["geometry"]).equals_exact(row.geometry, 1e-12), cid


def test_boundary_has_its_nine_segments(client: TestClient) -> None:
    body = client.get("/collections/boundary/items", params={"limit": 100}).json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == 9 and body["numberReturned"] == 9
    assert [f["id"] for f in body["features"]] == BOUNDARY_IDS
    assert [f["properties"]["seq"] for f in body["features"]] == list(range(1, 10))
    assert sum(f["properties"]["kind"] == "Rio Grande" for f in body["features"]) == 4
    assert body["features"][0]["geometry"]["type"] == "LineString"
    assert datetime.fromisoformat(body["timeStamp"].replace("Z", "+00:00")).year >= 2024
    assert "next" not in rels(body) and "prev" not in rels(body)


def test_default_limit_is_ten(client: TestClient, served: list[str], manifest: dict) -> None:
    for cid in served:
        body = client.get(f"/collections/{cid}/items").json()
        assert body["numberReturned"] == min(10, manifest["layers"][cid]["features"]), cid


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 9])
def test_paging_by_next_links_visits_every_feature_once(client: TestClient, limit: int) -> None:
    url: str | None = f"/collections/boundary/items?limit={limit}"
    seen: list[str] = []
    pages = 0
    while url:
        body = client.get(url).json()
        assert body["numberMatched"] == 9
        seen += [f["id"] for f in body["features"]]
        pages += 1
        links = rels(body)
        assert ("prev" in links) == (pages > 1)
        url = links["next"]["href"] if "next" in links else None
        assert url is None or links["next"]["type"] == "application/geo+json"
    assert seen == BOUNDARY_IDS
    assert pages == -(-9 // limit)  # no extra page after an exactly full last page


def test_offset_pages_and_prev_links(client: TestClient) -> None:
    body = client.get("/collections/boundary/items", params={"limit": 3, "offset": 3}).json()
    assert [f["id"] for f in body["features"]] == BOUNDARY_IDS[3:6]
    links = rels(body)
    assert "offset=6" in links["next"]["href"] and "offset=0" in links["prev"]["href"]
    past = client.get("/collections/boundary/items", params={"limit": 3, "offset": 50}).json()
    assert past["numberReturned"] == 0 and past["numberMatched"] == 9 and past["features"] == []
    assert "next" not in rels(past) and "offset=6" in rels(past)["prev"]["href"]


def test_items_in_every_collection_follow_next_over_http(http: httpx.Client, served: list[str]) -> None:
    for cid in served:
        url: str | None = f"/collections/{cid}/items?limit=250"
        total, matched = 0, -1
        while url:
            body = http.get(url).json()
            matched = body["numberMatched"]
            total += body["numberReturned"]
            url = rels(body).get("next", {}).get("href")
        assert total == matched, cid


def test_bbox_selects_intersecting_features(client: TestClient, layer) -> None:
    gdf = layer("boundary")
    for box in [(-115.0, 31.0, -108.0, 33.0), (-106.6, 31.7, -106.4, 31.8), (-100.0, 25.0, -97.0, 28.0)]:
        body = client.get("/collections/boundary/items", params={"bbox": ",".join(map(str, box))}).json()
        expected = gdf[gdf.intersects(shapely.box(*box))]["segment_id"].tolist()
        assert [f["id"] for f in body["features"]] == expected
        assert body["numberMatched"] == len(expected)
    gulf = client.get("/collections/boundary/items", params={"bbox": "-100,25,-97,28"}).json()
    assert [f["id"] for f in gulf["features"]] == ["TX-COAH", "TX-NL", "TX-TAMPS"]
    far = client.get("/collections/boundary/items", params={"bbox": "0,0,1,1"}).json()
    assert far["numberMatched"] == 0


def test_bbox_is_exact_not_just_envelopes(client: TestClient, served: list[str], layer) -> None:
    """A box inside a feature's envelope but off its geometry must not match it."""
    for cid in served:
        gdf = layer(cid)
        x0, y0, x1, y1 = gdf.total_bounds
        box = (x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
        bbox = ",".join(str(float(v)) for v in box)
        body = client.get(f"/collections/{cid}/items", params={"bbox": bbox, "limit": 10_000})
        expected = int(gdf.intersects(shapely.box(*box)).sum())
        assert body.json()["numberMatched"] == expected, cid


def test_bbox_six_numbers_and_antimeridian(client: TestClient, layer) -> None:
    six = client.get("/collections/boundary/items", params={"bbox": "-100,25,-1000,-97,28,1000"}).json()
    assert six["numberMatched"] == 3
    gdf = layer("boundary")
    across = client.get("/collections/boundary/items", params={"bbox": "100,20,-110,40"}).json()
    expected = gdf[gdf.intersects(shapely.box(-180, 20, -110, 40))]["segment_id"].tolist()
    assert [f["id"] for f in across["features"]] == expected and len(expected) >= 3


def test_single_items_equal_the_pages(client: TestClient, all_features: dict, served: list[str]) -> None:
    for cid in served:
        features = all_features[cid]["features"]
        for feature in (features[0], features[-1]):
            r = client.get(f"/collections/{cid}/items/{feature['id']}")
            assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
            one = r.json()
            links = rels(one)
            assert links["collection"]["href"].endswith(f"/collections/{cid}")
            assert {k: one[k] for k in ("type", "id", "geometry", "properties")} == feature


def test_boundary_items_one_by_one(client: TestClient, layer) -> None:
    gdf = layer("boundary").set_index("segment_id")
    for fid in BOUNDARY_IDS:
        one = client.get(f"/collections/boundary/items/{fid}").json()
        assert one["id"] == fid and one["properties"]["segment_id"] == fid
        coords = np.array(one["geometry"]["coordinates"])
        assert np.array_equal(coords, shapely.get_coordinates(gdf.loc[fid].geometry))


def test_openapi_declares_limits_and_every_collection(client: TestClient, served: list[str]) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.0")
    limit = doc["components"]["parameters"]["limit"]["schema"]
    # a limit above the maximum is served as the maximum (OGC Part 1, 7.15.2): the schema has no maximum
    assert limit == {"type": "integer", "minimum": 1, "default": 10}
    assert "10000" in doc["components"]["parameters"]["limit"]["description"]
    for cid in served:
        op = doc["paths"][f"/collections/{cid}/items"]["get"]
        assert {"200", "400", "404", "406"} <= set(op["responses"])
        assert set(op["responses"]["200"]["content"]) == {
            "application/geo+json", "application/json", "text/html", "text/csv",
            "application/geopackage+sqlite3", "application/flatgeobuf"}
        assert f"/collections/{cid}/items/{{featureId}}" in doc["paths"]
        assert f"/collections/{cid}/queryables" in doc["paths"]


def test_memory_sources_hold_plain_structures(data_settings: DataSettings, served: list[str]) -> None:
    sources = load_sources(data_settings)
    assert list(sources) == served
    boundary = sources.get_source("boundary")
    assert isinstance(boundary, MemorySource) and isinstance(boundary, FeatureSource)
    assert boundary.ids == BOUNDARY_IDS and boundary.bounds.shape == (9, 4)
    assert isinstance(boundary.props[0]["seq"], int) and isinstance(boundary.props[0]["length_km"], float)
    assert boundary.geom_json[0].startswith(b'{"type":"LineString","coordinates":[[')


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORDERGEO_MAX_LIMIT", "500")
    monkeypatch.setenv("BORDERGEO_CORS_ORIGINS", "https://a.example, https://b.example/")
    settings = ApiSettings()
    assert settings.max_limit == 500 and settings.port == 8000
    assert settings.origins == ("https://a.example", "https://b.example")
