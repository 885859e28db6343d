"""The OGC ``datetime`` parameter and CQL2 dates on the real ``port-traffic`` collection (temporal "month"),
checked against the built GeoParquet read with pandas."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient

ITEMS = "/collections/port-traffic/items"
SAN_YSIDRO = "2504"


@pytest.fixture(scope="module")
def traffic(layer) -> pd.DataFrame:
    """The built layer, months as timestamps."""
    return pd.DataFrame(layer("port-traffic").drop(columns="geometry"))


def matched(client: TestClient, **params: str) -> dict:
    r = client.get(ITEMS, params={"limit": "1000", **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_san_ysidro_in_2018_is_twelve_months(client: TestClient, traffic: pd.DataFrame) -> None:
    body = matched(client, datetime="2018-01-01/2018-12-31", filter=f"port_code = '{SAN_YSIDRO}'")
    assert body["numberMatched"] == 12 == body["numberReturned"]
    assert [f["properties"]["month"] for f in body["features"]] == [f"2018-{m:02d}-01" for m in range(1, 13)]
    ref = traffic[(traffic.port_code == SAN_YSIDRO) & (traffic.month.dt.year == 2018)]
    assert sum(f["properties"]["people"] for f in body["features"]) == int(ref["people"].sum())


@pytest.mark.parametrize(("value", "months"), [
    ("2019-01-01/..", ["2019-01-01", "2019-02-01", "2019-03-01"]),
    ("2019-01-15/", ["2019-02-01", "2019-03-01"]),  # the January feature's day is before the start
    ("../1996-03-31", ["1996-01-01", "1996-02-01", "1996-03-01"]),
    ("/1996-02-01T00:00:00Z", ["1996-01-01", "1996-02-01"]),
    ("2005-07-01", ["2005-07-01"]),
])
def test_open_intervals_and_instants(client: TestClient, value: str, months: list[str]) -> None:
    body = matched(client, datetime=value, filter=f"port_code = '{SAN_YSIDRO}'")
    assert [f["properties"]["month"] for f in body["features"]] == months


def test_datetime_alone_counts_every_port(client: TestClient, traffic: pd.DataFrame) -> None:
    body = matched(client, datetime="2018-06-01", limit="1")
    assert body["numberMatched"] == int((traffic.month == "2018-06-01").sum()) == traffic.port_code.nunique()


@pytest.mark.parametrize("expr", [
    "month >= DATE('2010-01-01')",
    json.dumps({"op": ">=", "args": [{"property": "month"}, {"date": "2010-01-01"}]}),
    "T_INTERSECTS(month, INTERVAL('2010-01-01', '..'))",
    "T_DURING(month, INTERVAL('2010-01-01', '2100-01-01'))",
    "NOT (T_BEFORE(month, DATE('2010-01-01')))",
])
def test_cql2_dates(client: TestClient, traffic: pd.DataFrame, expr: str) -> None:
    lang = "cql2-json" if expr.startswith("{") else "cql2-text"
    body = matched(client, filter=expr, **{"filter-lang": lang, "limit": "1"})
    assert body["numberMatched"] == int((traffic.month >= "2010-01-01").sum())


def test_cql2_interval_and_port(client: TestClient) -> None:
    text = f"T_INTERSECTS(month, INTERVAL('2018-01-01', '2018-12-31')) AND port_code = '{SAN_YSIDRO}'"
    assert matched(client, filter=text)["numberMatched"] == 12


def test_extent_item_and_queryables(client: TestClient, traffic: pd.DataFrame) -> None:
    extent = client.get("/collections/port-traffic").json()["extent"]
    assert extent["temporal"]["interval"] == [[f"{traffic.month.min():%Y-%m-%d}", f"{traffic.month.max():%Y-%m-%d}"]]
    item = client.get(f"{ITEMS}/{SAN_YSIDRO}-2018-01").json()
    assert item["properties"]["month"] == "2018-01-01" and item["properties"]["port_code"] == SAN_YSIDRO
    month = client.get("/collections/port-traffic/queryables").json()["properties"]["month"]
    assert month["type"] == "string" and month["format"] == "date"
