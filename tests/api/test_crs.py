"""OGC API – Features Part 2: ``crs``, ``bbox-crs``, ``filter-crs`` and Content-Crs, checked against pyproj."""

from __future__ import annotations

import csv
import io
import sys

import numpy as np
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import shape

csv.field_size_limit(sys.maxsize)  # a boundary segment's WKT is larger than csv's 128 KiB default
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
PROJECTED = [3857, 32611, 32612, 32613, 32614]
ITEMS = "/collections/boundary/items"


def coordinates(body: dict) -> np.ndarray:
    """Every coordinate of every feature of a FeatureCollection (or a Feature), in order."""
    features = body["features"] if body["type"] == "FeatureCollection" else [body]
    return np.vstack([shapely.get_coordinates(shape(f["geometry"])) for f in features])


def to_crs(code: int, xy: np.ndarray) -> np.ndarray:
    """CRS84 coordinates in EPSG:``code``, x/y (easting/northing or lon/lat) order."""
    x, y = Transformer.from_crs("OGC:CRS84", f"EPSG:{code}", always_xy=True).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


@pytest.fixture(scope="module")
def crs84(client: TestClient) -> np.ndarray:
    """The boundary's coordinates as served by default."""
    r = client.get(ITEMS, params={"limit": 100})
    assert r.headers["content-crs"] == f"<{CRS84}>"
    return coordinates(r.json())


def test_epsg_4326_is_latitude_first(client: TestClient, crs84: np.ndarray) -> None:
    r = client.get(ITEMS, params={"limit": 100, "crs": f"{EPSG}4326"})
    assert r.status_code == 200 and r.headers["content-crs"] == f"<{EPSG}4326>"
    got = coordinates(r.json())
    np.testing.assert_allclose(got, crs84[:, ::-1], rtol=0, atol=1e-12)
    assert got[:, 0].min() > 25 and got[:, 1].max() < -97  # latitude, then longitude


def test_epsg_4269_is_latitude_first_too(client: TestClient, crs84: np.ndarray) -> None:
    got = coordinates(client.get(ITEMS, params={"limit": 100, "crs": f"{EPSG}4269"}).json())
    np.testing.assert_allclose(got, to_crs(4269, crs84)[:, ::-1], rtol=0, atol=1e-9)


@pytest.mark.parametrize("code", PROJECTED)
def test_projected_crs_match_pyproj(client: TestClient, crs84: np.ndarray, code: int) -> None:
    r = client.get(ITEMS, params={"limit": 100, "crs": f"{EPSG}{code}"})
    assert r.headers["content-crs"] == f"<{EPSG}{code}>"
    got = coordinates(r.json())
    np.testing.assert_allclose(got, to_crs(code, crs84), rtol=0, atol=1e-6)
    assert np.abs(got).max() > 1e5  # metres, not degrees


def test_web_mercator_numbers(client: TestClient) -> None:
    """The first vertex of CA-BC (Tijuana/San Ysidro, near -117.124, 32.529) in EPSG:3857."""
    one = client.get(f"{ITEMS}/CA-BC", params={"crs": f"{EPSG}3857"}).json()
    x, y = one["geometry"]["coordinates"][0]
    lon, lat = client.get(f"{ITEMS}/CA-BC").json()["geometry"]["coordinates"][0]
    assert x == pytest.approx(lon * 20037508.342789244 / 180, abs=1e-6)
    assert y == pytest.approx(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * 6378137.0, abs=1e-6)
    assert -13_040_000 < x < -13_030_000 and 3_830_000 < y < 3_840_000


def test_crs_on_every_collection(client: TestClient, served: list[str]) -> None:
    for cid in served:
        plain = client.get(f"/collections/{cid}/items", params={"limit": 3}).json()
        utm = client.get(f"/collections/{cid}/items", params={"limit": 3, "crs": f"{EPSG}32613"}).json()
        assert utm["numberMatched"] == plain["numberMatched"], cid
        np.testing.assert_allclose(coordinates(utm), to_crs(32613, coordinates(plain)), rtol=0, atol=1e-5)


@pytest.mark.parametrize(("bbox_crs", "bbox"), [
    (f"{EPSG}4326", "25,-100,28,-97"),
    (f"{EPSG}4269", "25,-100,28,-97"),
    (CRS84, "-100,25,-97,28"),
])
def test_bbox_crs_geographic(client: TestClient, bbox_crs: str, bbox: str) -> None:
    body = client.get(ITEMS, params={"bbox": bbox, "bbox-crs": bbox_crs}).json()
    assert [f["id"] for f in body["features"]] == ["TX-COAH", "TX-NL", "TX-TAMPS"]


def test_bbox_crs_web_mercator_equals_the_same_box_in_degrees(client: TestClient) -> None:
    (x0, y0), (x1, y1) = to_crs(3857, np.array([[-115.0, 31.0], [-108.0, 33.0]]))
    merc = client.get(ITEMS, params={"bbox": f"{x0},{y0},{x1},{y1}", "bbox-crs": f"{EPSG}3857"}).json()
    deg = client.get(ITEMS, params={"bbox": "-115,31,-108,33"}).json()
    assert [f["id"] for f in merc["features"]] == [f["id"] for f in deg["features"]]
    assert merc["numberMatched"] == 5


def test_bbox_crs_utm(client: TestClient, layer) -> None:
    """A 100 km square in UTM 14N around Laredo/Nuevo Laredo, compared with shapely on the stored layer."""
    box = (400_000.0, 3_000_000.0, 500_000.0, 3_100_000.0)
    body = client.get(ITEMS, params={"bbox": ",".join(map(str, box)), "bbox-crs": f"{EPSG}32614"}).json()
    back = Transformer.from_crs("EPSG:32614", "OGC:CRS84", always_xy=True)
    ring = shapely.segmentize(shapely.box(*box), 5000).exterior.coords
    lon, lat = back.transform(*np.array(ring).T)
    outline = shapely.Polygon(np.column_stack([lon, lat]))
    gdf = layer("boundary")
    expected = gdf[gdf.intersects(shapely.box(*outline.bounds))]["segment_id"].tolist()
    assert [f["id"] for f in body["features"]] == expected and "TX-NL" in expected


def test_filter_crs_converts_geometry_literals(client: TestClient) -> None:
    (x0, y0), (x1, y1) = to_crs(3857, np.array([[-100.0, 25.0], [-97.0, 28.0]]))
    ring = f"{x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}"
    params = {"filter": f"S_INTERSECTS(geometry, POLYGON(({ring})))", "filter-crs": f"{EPSG}3857"}
    body = client.get(ITEMS, params=params).json()
    assert [f["id"] for f in body["features"]] == ["TX-COAH", "TX-NL", "TX-TAMPS"]


def test_item_and_csv_in_another_crs(client: TestClient) -> None:
    one = client.get(f"{ITEMS}/TX-NL", params={"crs": f"{EPSG}32614"})
    assert one.headers["content-crs"] == f"<{EPSG}32614>"
    rows = list(csv.DictReader(io.StringIO(client.get(ITEMS, params={"f": "csv", "crs": f"{EPSG}32614"}).text)))
    nl = next(r for r in rows if r["segment_id"] == "TX-NL")
    assert shapely.from_wkt(nl["wkt"]).equals_exact(shape(one.json()["geometry"]), 1e-6)


def test_download_in_another_crs_keeps_x_as_longitude(client: TestClient) -> None:
    for crs, epsg in ((f"{EPSG}3857", 3857), (f"{EPSG}4326", 4326)):
        r = client.get(ITEMS, params={"f": "gpkg", "crs": crs})
        gdf = pyogrio.read_dataframe(io.BytesIO(r.content))
        assert gdf.crs.to_epsg() == epsg and len(gdf) == 9
        x0 = gdf.total_bounds[0]
        assert (x0 < -1e7) if epsg == 3857 else (-118 < x0 < -117)
