"""The port-traffic layer against the BTS CSV, re-read here with the csv module (not with the layer's code)."""

from __future__ import annotations

import csv
import sqlite3
from collections import defaultdict

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.errors import BuildError
from layers.registry import default_registry
from layers.validate import validate

#: BTS measure name -> property (the contract's stems, written out here rather than imported)
STEMS = {
    "Bus Passengers": "bus_passengers", "Buses": "buses", "Pedestrians": "pedestrians",
    "Personal Vehicle Passengers": "personal_vehicle_passengers", "Personal Vehicles": "personal_vehicles",
    "Rail Containers Empty": "rail_containers_empty", "Rail Containers Full": "rail_containers_full",
    "Train Passengers": "train_passengers", "Trains": "trains", "Truck Containers Empty": "truck_containers_empty",
    "Truck Containers Full": "truck_containers_full", "Trucks": "trucks",
}
PEOPLE = ("pedestrians", "personal_vehicle_passengers", "bus_passengers", "train_passengers")
MONTHS = (2019 - 1996) * 12 + 3  # 1996-01 .. 2019-03


@pytest.fixture(scope="module")
def traffic(layer) -> gpd.GeoDataFrame:
    return layer("port-traffic")


@pytest.fixture(scope="module")
def bts(data_settings) -> dict[tuple[str, str, str], int]:
    """(port code, YYYY-MM, property) -> summed value, straight from the CSV."""
    sums: dict[tuple[str, str, str], int] = defaultdict(int)
    path = data_settings.sources_dir / "bts/border_crossing_entry_data_us_mexico.csv"
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Border"] == "US-Mexico Border":
                month = f"{row['Date'][6:10]}-{row['Date'][0:2]}"
                sums[(row["Port Code"], month, STEMS[row["Measure"]])] += int(row["Value"])
    return sums


def test_one_feature_per_port_and_month(traffic, layer) -> None:
    ports = set(layer("ports")["port_code"])
    assert len(ports) == 27 and len(traffic) == 27 * MONTHS == 7533
    assert traffic["traffic_id"].is_unique
    assert (traffic["traffic_id"] == traffic["port_code"] + "-" + traffic["month"].dt.strftime("%Y-%m")).all()
    assert set(traffic["port_code"]) == ports
    assert traffic.groupby("port_code").size().eq(MONTHS).all()
    assert traffic["month"].min() == pd.Timestamp("1996-01-01") and traffic["month"].max() == pd.Timestamp("2019-03-01")
    assert (traffic["month"].dt.day == 1).all() and (traffic["month"] == traffic["month"].dt.normalize()).all()


def test_san_ysidro_2018_is_twelve_features(traffic) -> None:
    rows = traffic[(traffic["port_code"] == "2504") & (traffic["month"].dt.year == 2018)]
    assert len(rows) == 12
    assert list(rows["month"].dt.month) == list(range(1, 13))


def test_totals_per_port_and_year_equal_the_bts_csv(traffic, bts) -> None:
    expected: dict[tuple[str, str, str], int] = defaultdict(int)
    for (port, month, stem), value in bts.items():
        expected[(port, month[:4], stem)] += value
    years = traffic.assign(year=traffic["month"].dt.strftime("%Y"))
    got = years.groupby(["port_code", "year"])[list(STEMS.values())].sum()
    checked = 0
    for (port, year), row in got.iterrows():
        for stem in STEMS.values():
            assert int(row[stem]) == expected.get((port, year, stem), 0), (port, year, stem)
            checked += 1
    assert checked == 27 * 24 * 12
    assert {(p, y) for p, y, _ in expected} <= set(got.index)


def test_every_month_equals_the_csv_and_missing_months_are_zero(traffic, bts) -> None:
    for row in traffic.itertuples(index=False):
        month = row.month.strftime("%Y-%m")
        for stem in STEMS.values():
            assert getattr(row, stem) == bts.get((row.port_code, month, stem), 0)
    cbx_2016 = traffic[(traffic["port_code"] == "2582") & (traffic["month"].dt.year == 2016)]
    assert len(cbx_2016) == 12 and int(cbx_2016[list(STEMS.values())].to_numpy().sum()) == 0  # reported from 2017-10


def test_people_is_the_sum_of_the_people_measures(traffic, bts) -> None:
    assert (traffic["people"] == traffic[list(PEOPLE)].sum(axis=1)).all()
    san_ysidro_2018 = sum(v for (p, m, s), v in bts.items() if p == "2504" and m.startswith("2018") and s in PEOPLE)
    rows = traffic[(traffic["port_code"] == "2504") & (traffic["month"].dt.year == 2018)]
    assert int(rows["people"].sum()) == san_ysidro_2018


def test_geometry_is_the_ports_point(traffic, layer) -> None:
    ports = layer("ports").set_index("port_code")
    for code, rows in traffic.groupby("port_code"):
        assert shapely.equals_exact(rows.geometry.to_numpy(), ports.geometry[code], 0).all()
        assert set(rows["port_name"]) == {ports.loc[code, "name"]}


def test_declared_temporal_and_role() -> None:
    spec = default_registry()["port-traffic"]
    assert spec.temporal == "month" and spec.prop("month").type == "date"
    assert spec.prop("month").json_schema() == {
        "title": "month", "description": spec.prop("month").description, "type": "string", "format": "date"}
    assert [s.id for s in default_registry().with_role("traffic")] == ["port-traffic"]


def test_geopackage_stores_month_as_a_date(data_settings) -> None:
    with sqlite3.connect(data_settings.current / "bordergeo.gpkg") as db:
        columns = {name: kind for _, name, kind, *_ in db.execute('PRAGMA table_info("port-traffic")')}
        first = db.execute('SELECT month FROM "port-traffic" WHERE traffic_id = ?', ("2504-2018-01",)).fetchone()
    assert columns["month"] == "DATE" and first == ("2018-01-01",)


def test_validation_rejects_a_date_with_a_time_of_day(traffic) -> None:
    spec = default_registry()["port-traffic"]
    bad = traffic.copy()
    bad.loc[0, "month"] = pd.Timestamp("1996-01-01 12:00")
    with pytest.raises(BuildError, match="not at midnight"):
        validate(spec, bad)
