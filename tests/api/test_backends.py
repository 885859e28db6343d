"""The same request gives the same features from the in-memory backend and from PostGIS.

Two in-process apps serve the session build, one from memory and one from the PostGIS database it was
loaded into; every request below goes to both and the answers are compared: status, numberMatched, the
ids in order, properties exactly, geometries (byte for byte in CRS84, to a millimetre after a transform).
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from api.app import create_app
from api.settings import ApiSettings
from layers.settings import DataSettings

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
SEED = 12


@pytest.fixture(scope="module")
def both(data_settings: DataSettings, pg_dsn: str) -> Iterator[tuple[TestClient, TestClient]]:
    """(in-memory client, PostGIS client) of the same build, response caches off."""
    settings = {"cache_bytes": 0}
    with TestClient(create_app(ApiSettings(**settings), data_settings)) as memory, \
            TestClient(create_app(ApiSettings(backend=pg_dsn, **settings), data_settings)) as postgis:
        yield memory, postgis


def compare(both: tuple[TestClient, TestClient], path: str, params: dict[str, Any] | None = None,
            tolerance: float = 0.0, status: int = 200) -> dict[str, Any]:
    """GET ``path`` from both backends; assert ``status`` and the same features; return the in-memory body."""
    memory, postgis = (c.get(path, params=params) for c in both)
    where = f"{path}?{urlencode(params or {})}"
    assert memory.status_code == postgis.status_code == status, (where, memory.text[:300], postgis.text[:300])
    if memory.status_code != 200:
        assert memory.json()["code"] == postgis.json()["code"], where
        return dict(memory.json())
    a, b = memory.json(), postgis.json()
    features_a = a["features"] if a["type"] == "FeatureCollection" else [a]
    features_b = b["features"] if b["type"] == "FeatureCollection" else [b]
    if a["type"] == "FeatureCollection":
        assert (a["numberMatched"], a["numberReturned"]) == (b["numberMatched"], b["numberReturned"]), where
    assert [f["id"] for f in features_a] == [f["id"] for f in features_b], where
    for fa, fb in zip(features_a, features_b, strict=True):
        assert fa["properties"] == fb["properties"], (where, fa["id"])
        assert list(fa["properties"]) == list(fb["properties"]), (where, "property order")
        same_geometry(fa["geometry"], fb["geometry"], tolerance, where)
    if tolerance == 0.0 and a["type"] == "FeatureCollection":  # the default form: the very same bytes
        assert memory.content.split(b'"links"')[0] == postgis.content.split(b'"links"')[0], where
    return dict(a)


def same_geometry(a: dict[str, Any] | None, b: dict[str, Any] | None, tolerance: float, where: str) -> None:
    if a is None or b is None:
        assert a is b, where
        return
    assert a["type"] == b["type"], where
    ca, cb = shapely.get_coordinates(shape(a)), shapely.get_coordinates(shape(b))
    assert ca.shape == cb.shape, where
    assert np.abs(ca - cb).max(initial=0.0) <= tolerance, where


def random_boxes(layer: Any, layer_id: str, n: int, rng: random.Random) -> list[str]:
    """``n`` bboxes 0.05°-8° wide over the layer's extent."""
    x0, y0, x1, y1 = layer(layer_id).total_bounds
    out = []
    for _ in range(n):
        w = 10 ** rng.uniform(np.log10(0.05), np.log10(8))
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        out.append(",".join(f"{v:.4f}" for v in (cx - w / 2, cy - w / 4, cx + w / 2, cy + w / 4)))
    return out


@pytest.mark.parametrize("layer_id", ["population", "cities", "rivers", "watersheds", "boundary"])
def test_random_bboxes(both: tuple[TestClient, TestClient], layer: Any, layer_id: str) -> None:
    rng = random.Random(f"{SEED}-{layer_id}")
    matched = [compare(both, f"/collections/{layer_id}/items", {"bbox": box, "limit": 1000})["numberMatched"]
               for box in random_boxes(layer, layer_id, 12, rng)]
    assert any(matched) and not all(m == len(layer(layer_id)) for m in matched)


def test_paging_sorting_properties(both: tuple[TestClient, TestClient]) -> None:
    rng = random.Random(SEED)
    for offset in [0, 1, 99, 600, 612, 613, 700, *(rng.randrange(0, 613) for _ in range(5))]:
        compare(both, "/collections/cities/items", {"offset": offset, "limit": 50})
    for sortby in ["-population", "+name", "country,-population", "-state,name", "region_side,-name_ascii"]:
        compare(both, "/collections/cities/items", {"sortby": sortby, "limit": 200, "offset": 7})
    compare(both, "/collections/rivers/items", {"sortby": "-scalerank,name", "limit": 100})  # nulls last
    compare(both, "/collections/rivers/items", {"sortby": "name_es", "limit": 100})
    compare(both, "/collections/ports/items", {"properties": "name,trucks_2018", "limit": 30})
    compare(both, "/collections/ports/items", {"properties": "", "limit": 30}, status=400)
    compare(both, "/collections/ports/items", {"skipGeometry": "true", "limit": 30})


FILTERS: list[tuple[Any, ...]] = [
    ("cities", "population > 100000 AND country = 'MX'"),
    ("cities", "CASEI(name) LIKE 'san%'"),
    ("cities", "ACCENTI(name) <> name"),
    ("cities", "name IN ('Nogales', 'Tijuana', 'Yuma')"),
    ("cities", "NOT (population BETWEEN 1000 AND 500000)"),
    ("cities", "population / 0 > 1 OR population * 2 > 500000"),
    ("cities", "S_INTERSECTS(geometry, BBOX(-107, 31, -106, 32))"),
    ("cities", "S_DWITHIN(geometry, POINT(-106.4 31.7), 1, kilometers)", 400),  # unsupported in both
    ("rivers", "NOT (name_es = 'Río Bravo')"),
    ("rivers", "name_es IS NULL OR scalerank < 4"),
    ("rivers", "NOT (NOT (scalerank >= 5))"),
    ("ports", "state_code = 'TX' AND NOT (trucks_2018 = 0 AND pedestrians_2018 = 0)"),
    ("ports", "name LIKE 'San%' OR TRUE"),
    ("ports", "FALSE"),
    ("crossings", "rail = TRUE OR commercial = FALSE"),
    ("boundary", "S_CROSSES(geometry, LINESTRING(-106.5 31.5, -106.5 32))"),
    ("watersheds", "parent_basin IS NOT NULL"),
    ("population", "population_in_region > 100000 AND S_WITHIN(geometry, BBOX(-118, 30, -105, 34))"),
    ("population", "no_such_property = 1", 400),
]


@pytest.mark.parametrize("case", FILTERS, ids=[f[1][:40] for f in FILTERS])
def test_filters(both: tuple[TestClient, TestClient], case: tuple[Any, ...]) -> None:
    layer_id, expr, *status = case
    compare(both, f"/collections/{layer_id}/items", {"filter": expr, "limit": 1000},
            status=status[0] if status else 200)


def test_cql2_json_and_filter_crs(both: tuple[TestClient, TestClient]) -> None:
    between = '{"op":"between","args":[{"property":"population"},100000,900000]}'
    compare(both, "/collections/cities/items", {"filter": between, "filter-lang": "cql2-json", "limit": 100})
    box = "S_INTERSECTS(geometry, BBOX(-12000000, 3500000, -11500000, 3800000))"
    compare(both, "/collections/cities/items", {"filter": box, "filter-crs": EPSG + "3857", "limit": 100})


def test_projected_bbox_crs_and_output_crs(both: tuple[TestClient, TestClient]) -> None:
    compare(both, "/collections/cities/items", {"bbox": "-12000000,3500000,-11500000,3800000",
                                                "bbox-crs": EPSG + "3857", "limit": 1000})
    compare(both, "/collections/population/items", {"bbox": "400000,3400000,700000,3600000",
                                                    "bbox-crs": EPSG + "32612", "limit": 1000})
    compare(both, "/collections/ports/items", {"crs": EPSG + "4326", "limit": 30}, tolerance=1e-9)
    compare(both, "/collections/boundary/items", {"crs": EPSG + "3857"}, tolerance=1e-3)
    compare(both, "/collections/watersheds/items/colorado", {"crs": EPSG + "32612"}, tolerance=1e-3)


def test_single_items(both: tuple[TestClient, TestClient], layer: Any) -> None:
    from layers.registry import default_registry

    rng = random.Random(SEED)
    for layer_id in ("ports", "cities", "crossings", "rivers", "border-region"):
        ids = list(layer(layer_id)[default_registry()[layer_id].id_field])
        for fid in rng.sample(ids, min(4, len(ids))):
            compare(both, f"/collections/{layer_id}/items/{fid}")
    for missing in ("/collections/cities/items/0", "/collections/cities/items/0123", "/collections/ports/items/x"):
        compare(both, missing, status=404)


def test_csv_and_downloads(both: tuple[TestClient, TestClient]) -> None:
    memory, postgis = both
    query = {"f": "csv", "filter": "population > 50000", "sortby": "-population", "limit": 100}
    a, b = (c.get("/collections/cities/items", params=query) for c in both)
    assert a.status_code == b.status_code == 200 and a.text == b.text
    query = {"f": "gpkg", "bbox": "-110,31,-105,33", "crs": EPSG + "3857"}
    files = [pyogrio.read_dataframe(io.BytesIO(c.get("/collections/population/items", params=query).content))
             for c in (memory, postgis)]
    assert files[0].drop(columns="geometry").equals(files[1].drop(columns="geometry"))
    assert shapely.equals_exact(files[0].geometry.values, files[1].geometry.values, 1e-3).all()
    assert len(files[0]) > 0
