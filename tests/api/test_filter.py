"""OGC API – Features Part 3: CQL2 text and JSON filters, queryables, sortby and properties."""

from __future__ import annotations

import json

import pytest
import shapely
from fastapi.testclient import TestClient

from layers.registry import default_registry

ITEMS = "/collections/boundary/items"
RIO_GRANDE = ["TX-CHIH", "TX-COAH", "TX-NL", "TX-TAMPS"]


def ids(client: TestClient, **params: str) -> list[str]:
    """Feature ids of a boundary query (all pages)."""
    r = client.get(ITEMS, params={"limit": "100", **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["numberMatched"] == body["numberReturned"]
    return [f["id"] for f in body["features"]]


def test_queryables_are_the_declared_properties(client: TestClient, served: list[str]) -> None:
    registry = default_registry()
    for cid in served:
        r = client.get(f"/collections/{cid}/queryables")
        assert r.status_code == 200 and r.headers["content-type"] == "application/schema+json"
        schema = r.json()
        spec = registry[cid]
        assert schema["type"] == "object" and schema["$schema"].startswith("https://json-schema.org/")
        assert list(schema["properties"]) == [*spec.property_names, "geometry"]
        for prop in spec.properties:
            assert schema["properties"][prop.name] == prop.json_schema()
        assert schema["properties"]["geometry"]["format"] == f"geometry-{spec.geometry_type.lower()}"


def test_boundary_queryables_advertise_the_kind_enum(client: TestClient) -> None:
    kind = client.get("/collections/boundary/queryables").json()["properties"]["kind"]
    assert kind["type"] == "string" and kind["enum"] == ["land", "Rio Grande", "Colorado River"]


@pytest.mark.parametrize(("text", "expected"), [
    ("kind='Rio Grande'", RIO_GRANDE),
    ("kind = 'land'", ["CA-BC", "AZ-SON", "NM-SON", "NM-CHIH"]),
    ("kind <> 'land' AND us_state_code = 'AZ'", ["AZ-BC"]),
    ("NOT (kind = 'land') OR seq = 1", ["CA-BC", "AZ-BC", *RIO_GRANDE]),
    ("seq BETWEEN 4 AND 6", ["NM-SON", "NM-CHIH", "TX-CHIH"]),
    ("seq NOT BETWEEN 2 AND 8", ["CA-BC", "TX-TAMPS"]),
    ("segment_id IN ('TX-NL', 'CA-BC', 'XX')", ["CA-BC", "TX-NL"]),
    ("segment_id NOT IN ('TX-NL', 'CA-BC')", ["AZ-BC", "AZ-SON", "NM-SON", "NM-CHIH", "TX-CHIH", "TX-COAH",
                                               "TX-TAMPS"]),
    ("segment_id LIKE 'TX-%'", RIO_GRANDE),
    ("segment_id LIKE '__-BC'", ["CA-BC", "AZ-BC"]),
    ("segment_id NOT LIKE '%-%H'", ["CA-BC", "AZ-BC", "AZ-SON", "NM-SON", "TX-NL", "TX-TAMPS"]),
    ("CASEI(kind) = casei('RIO GRANDE')", RIO_GRANDE),
    ("ACCENTI(kind_es) = accenti('Rio Bravo')", RIO_GRANDE),
    ("length_km > 500", ["AZ-SON", "TX-CHIH", "TX-COAH", "TX-TAMPS"]),
    ("length_km * 1000 < 30000", ["NM-SON", "TX-NL"]),
    ("length_mi >= length_km / 1.609344 - 0.01 AND length_mi <= length_km / 1.609344 + 0.01",
     ["CA-BC", "AZ-BC", "AZ-SON", "NM-SON", "NM-CHIH", "TX-CHIH", "TX-COAH", "TX-NL", "TX-TAMPS"]),
    ("kind IS NULL", []),
    ("kind IS NOT NULL AND seq < 3", ["CA-BC", "AZ-BC"]),
    ("S_INTERSECTS(geometry, BBOX(-100, 25, -97, 28))", ["TX-COAH", "TX-NL", "TX-TAMPS"]),
    ("S_INTERSECTS(geometry, POINT(-106.5 31.75)) OR seq = 9", ["TX-TAMPS"]),
    ("S_INTERSECTS(geometry, POLYGON((-106.6 31.7, -106.4 31.7, -106.4 31.8, -106.6 31.8, -106.6 31.7)))",
     ["NM-CHIH", "TX-CHIH"]),
    ("S_WITHIN(geometry, BBOX(-100, 25, -97, 28))", ["TX-NL", "TX-TAMPS"]),
    ("S_DISJOINT(geometry, BBOX(-100, 25, -97, 28)) AND kind = 'Rio Grande'", ["TX-CHIH"]),
])
def test_cql2_text(client: TestClient, text: str, expected: list[str]) -> None:
    assert ids(client, filter=text) == expected
    assert ids(client, filter=text, **{"filter-lang": "cql2-text"}) == expected


@pytest.mark.parametrize(("expr", "expected"), [
    ({"op": "=", "args": [{"property": "kind"}, "Rio Grande"]}, RIO_GRANDE),
    ({"op": "and", "args": [{"op": ">", "args": [{"property": "length_km"}, 500]},
                            {"op": "like", "args": [{"property": "segment_id"}, "TX%"]}]},
     ["TX-CHIH", "TX-COAH", "TX-TAMPS"]),
    ({"op": "in", "args": [{"property": "seq"}, [1, 9]]}, ["CA-BC", "TX-TAMPS"]),
    ({"op": "between", "args": [{"property": "seq"}, [4, 6]]}, ["NM-SON", "NM-CHIH", "TX-CHIH"]),
    ({"op": "not", "args": [{"op": "isNull", "args": [{"property": "kind"}]}]},
     ["CA-BC", "AZ-BC", "AZ-SON", "NM-SON", "NM-CHIH", "TX-CHIH", "TX-COAH", "TX-NL", "TX-TAMPS"]),
    ({"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [-100, 25, -97, 28]}]},
     ["TX-COAH", "TX-NL", "TX-TAMPS"]),
    ({"op": "s_intersects", "args": [{"property": "geometry"},
                                     {"type": "Polygon", "coordinates": [[[-106.6, 31.7], [-106.4, 31.7],
                                                                          [-106.4, 31.8], [-106.6, 31.8],
                                                                          [-106.6, 31.7]]]}]},
     ["NM-CHIH", "TX-CHIH"]),
])
def test_cql2_json(client: TestClient, expr: dict, expected: list[str]) -> None:
    assert ids(client, filter=json.dumps(expr), **{"filter-lang": "cql2-json"}) == expected


def test_filter_with_paging_keeps_the_filter_in_links(client: TestClient) -> None:
    body = client.get(ITEMS, params={"filter": "kind='Rio Grande'", "limit": 3}).json()
    assert body["numberMatched"] == 4 and body["numberReturned"] == 3
    nxt = next(lk["href"] for lk in body["links"] if lk["rel"] == "next")
    rest = client.get(nxt).json()
    assert [f["id"] for f in body["features"] + rest["features"]] == RIO_GRANDE
    assert not any(lk["rel"] == "next" for lk in rest["links"])


def test_every_collection_filters_on_its_id_field(client: TestClient, served: list[str], manifest: dict) -> None:
    registry = default_registry()
    for cid in served:
        spec = registry[cid]
        body = client.get(f"/collections/{cid}/items",
                          params={"filter": f"{spec.id_field} IS NOT NULL", "limit": 1}).json()
        assert body["numberMatched"] == manifest["layers"][cid]["features"], cid


def test_sortby(client: TestClient, layer) -> None:
    gdf = layer("boundary")
    assert ids(client, sortby="-length_km") == gdf.sort_values("length_km", ascending=False)["segment_id"].tolist()
    assert ids(client, sortby="+segment_id") == sorted(gdf["segment_id"])
    assert ids(client, sortby="segment_id") == sorted(gdf["segment_id"])
    by_kind = ids(client, sortby="kind,-seq")
    assert by_kind[:2] == ["AZ-BC", "TX-TAMPS"]  # 'Colorado River' < 'Rio Grande' < 'land'
    expected = gdf.sort_values(["kind", "seq"], ascending=[True, False], kind="stable")["segment_id"].tolist()
    assert by_kind == expected


def test_sortby_every_property_of_every_collection(client: TestClient, served: list[str]) -> None:
    registry = default_registry()
    for cid in served:
        for name in registry[cid].property_names:
            for sign in ("", "-"):
                r = client.get(f"/collections/{cid}/items", params={"sortby": f"{sign}{name}", "limit": 5})
                assert r.status_code == 200, (cid, name, r.text)
                values = [f["properties"][name] for f in r.json()["features"]]
                present = [v for v in values if v is not None]
                assert present == sorted(present, reverse=sign == "-"), (cid, name)


def test_properties_selects_members(client: TestClient) -> None:
    body = client.get(ITEMS, params={"properties": "seq,kind", "limit": 2}).json()
    assert [f["properties"] for f in body["features"]] == [{"seq": 1, "kind": "land"},
                                                           {"seq": 2, "kind": "Colorado River"}]
    one = client.get(f"{ITEMS}/TX-NL", params={"properties": "length_km"}).json()
    assert list(one["properties"]) == ["length_km"] and one["geometry"]["type"] == "LineString"
    bare = client.get(ITEMS, params={"skipGeometry": "true", "limit": 1}).json()
    assert bare["features"][0]["geometry"] is None and bare["features"][0]["properties"]["seq"] == 1


def test_sortby_filter_bbox_and_properties_together(client: TestClient, layer) -> None:
    body = client.get(ITEMS, params={"bbox": "-110,25,-97,33", "filter": "kind = 'Rio Grande'",
                                     "sortby": "-length_km", "properties": "length_km", "limit": 2}).json()
    gdf = layer("boundary")
    rio = gdf[(gdf["kind"] == "Rio Grande") & gdf.intersects(shapely.box(-110, 25, -97, 33))]
    assert body["numberMatched"] == len(rio) == 4
    longest = rio.sort_values("length_km", ascending=False)["segment_id"][:2].tolist()
    assert [f["id"] for f in body["features"]] == longest
    assert all(list(f["properties"]) == ["length_km"] for f in body["features"])
