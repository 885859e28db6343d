"""The ports layer against the BTS table (re-read here with the csv module) and the boundary."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import shapely

from geo.errors import BuildError, SourceError
from geo.measure import distance_km, distance_to_km
from layers._crossings_table import MAIN_CROSSING, crossing
from layers.ports import BTS, MEASURES, _place, monthly_traffic

CODES = {
    "2301", "2302", "2303", "2304", "2305", "2307", "2309", "2310", "2402", "2403", "2404", "2406", "2408",
    "2410", "2502", "2503", "2504", "2505", "2506", "2507", "2582", "2601", "2602", "2603", "2604", "2606",
    "2608",
}


@pytest.fixture(scope="module")
def ports(layer):
    return layer("ports").set_index("port_code", drop=False)


@pytest.fixture(scope="module")
def bts_csv(data_settings) -> Path:
    return data_settings.sources_dir / BTS


@pytest.fixture(scope="module")
def bts_rows(bts_csv) -> list[dict[str, str]]:
    with bts_csv.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _month(date: str) -> str:
    return f"{date[6:10]}-{date[0:2]}"


def _sum(rows: list[dict[str, str]], port: str, measure: str, year: str | None = None) -> int:
    return sum(
        int(r["Value"]) for r in rows
        if r["Port Code"] == port and r["Measure"] == measure and (year is None or r["Date"][6:10] == year)
    )


def test_one_point_per_bts_port_code(ports, bts_rows) -> None:
    assert set(ports["port_code"]) == CODES == {r["Port Code"] for r in bts_rows}
    assert len(ports) == 27 and ports["port_code"].is_unique
    assert ports.loc["2504", "name"] == "San Ysidro" and ports.loc["2504", "state_code"] == "CA"
    assert ports.loc["2582", "name"] == "Cross Border Xpress"


def test_every_port_at_its_main_crossing_within_500_m_of_the_line(ports, layer) -> None:
    boundary = shapely.union_all(layer("boundary").geometry.to_numpy())
    crossings = layer("crossings").set_index("crossing_id")
    measured = {code: distance_to_km(g.x, g.y, boundary) for code, g in ports.geometry.items()}
    assert max(measured.values()) < 0.5
    assert max(measured, key=measured.__getitem__) == "2408"  # Santa Teresa's port gate, 225 m from the line
    for code, km in measured.items():
        assert ports.loc[code, "distance_to_boundary_km"] == pytest.approx(km, abs=0.001)
        assert ports.loc[code, "main_crossing_id"] == MAIN_CROSSING[code]
        assert ports.loc[code, "geometry"].equals_exact(crossings.loc[MAIN_CROSSING[code], "geometry"], 1e-12), code
    assert set(ports["location_source"]) == {"main_crossing"}


def test_bts_locations_lie_near_the_port_points(ports, bts_rows) -> None:
    # BTS marked the crossing to 2 decimals before 2017-04: its point is within ~1.6 km of ours
    early = {r["Port Code"]: r["Location"] for r in bts_rows if _month(r["Date"]) < "2017-04"}
    assert set(early) == CODES - {"2582"}  # Cross Border Xpress is only reported from 2017-10
    for code, text in early.items():
        lon, lat = map(float, re.findall(r"-?\d+\.?\d*", text))
        g = ports.loc[code, "geometry"]
        assert distance_km(g.x, g.y, lon, lat) < 1.6, code


def test_san_ysidro_busiest_by_pedestrians_and_people_2018(ports) -> None:
    assert ports["pedestrians_2018"].idxmax() == "2504"
    assert ports["people_2018"].idxmax() == "2504"
    assert ports.loc["2504", "pedestrians_2018"] == 9_435_611
    assert ports["trucks_2018"].idxmax() == "2304"  # Laredo


def test_traffic_matches_the_csv(ports, bts_rows) -> None:
    # personal vehicle passengers entering at San Ysidro in 2018, summed from the raw rows
    assert ports.loc["2504", "personal_vehicle_passengers_2018"] == _sum(
        bts_rows, "2504", "Personal Vehicle Passengers", "2018")
    assert ports.loc["2504", "personal_vehicle_passengers_2018"] == 25_182_134
    for code in ("2304", "2402", "2604", "2410"):
        for label, stem in MEASURES.items():
            assert ports.loc[code, f"{stem}_2018"] == _sum(bts_rows, code, label, "2018"), (code, stem)
            assert ports.loc[code, f"{stem}_total"] == _sum(bts_rows, code, label), (code, stem)


def test_people_2018_is_the_sum_of_people_measures(ports, manifest) -> None:
    parts = ["pedestrians_2018", "personal_vehicle_passengers_2018", "bus_passengers_2018", "train_passengers_2018"]
    assert (ports["people_2018"] == ports[parts].sum(axis=1)).all()
    stats = manifest["layers"]["ports"]["stats"]
    assert stats["port_count"] == 27
    assert stats["people_2018_total"] == int(ports["people_2018"].sum()) == 192_913_686
    assert stats["max_distance_to_boundary_km"] == {"port_code": "2408", "km": 0.225}


def test_months_covered(ports, bts_rows) -> None:
    months = defaultdict(set)
    for r in bts_rows:
        months[r["Port Code"]].add(_month(r["Date"]))
    for code in CODES:
        assert ports.loc[code, "months"] == len(months[code])
        assert ports.loc[code, "first_month"] == min(months[code])
        assert ports.loc[code, "last_month"] == max(months[code]) == "2019-03"
    assert (ports.loc["2504", "first_month"], ports.loc["2504", "months"]) == ("1996-01", 279)
    assert (ports.loc["2582", "first_month"], ports.loc["2582", "months"]) == ("2017-10", 18)
    assert ports.loc["2410", "first_month"] == "2015-01"  # Boquillas reopened in 2013


def test_both_language_names(ports) -> None:
    assert ports["name"].str.len().min() > 2 and ports["name_es"].str.startswith("Cruce fronterizo ").all()
    assert ports.loc["2504", "mx_city"] == "Tijuana"
    assert ports.loc["2504", "name_es"] == "Cruce fronterizo Tijuana–San Ysidro"
    assert ports.loc["2402", "mx_city"] == "Ciudad Juárez" and ports.loc["2402", "mx_state"] == "Chihuahua"
    assert ports.loc["2604", "name_es"] == "Cruce fronterizo Nogales"
    assert set(ports["state_code"]) == {"CA", "AZ", "NM", "TX"}


def test_monthly_traffic_shape_and_totals(bts_csv, bts_rows, ports) -> None:
    monthly = monthly_traffic(bts_csv)
    assert list(monthly.columns) == ["port_code", "month", "measure", "value"]
    assert str(monthly["value"].dtype) == "int64"
    keys = Counter((r["Port Code"], _month(r["Date"]), r["Measure"]) for r in bts_rows)
    assert len(monthly) == len(keys)
    assert monthly["month"].str.fullmatch(r"(199[6-9]|20[01]\d)-(0[1-9]|1[0-2])").all()
    assert set(monthly["measure"]) == set(MEASURES.values())
    assert int(monthly["value"].sum()) == sum(int(r["Value"]) for r in bts_rows)
    pedestrians = monthly[(monthly.port_code == "2504") & (monthly.measure == "pedestrians")]
    assert int(pedestrians.loc[pedestrians.month.str.startswith("2018"), "value"].sum()) == ports.loc[
        "2504", "pedestrians_2018"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Port Name,State\nX,Y\n", "cannot read BTS crossings"),
        ("Port Name,State,Port Code,Border,Date,Measure,Value,Location\n"
         "San Ysidro,California,2504,US-Mexico Border,2018-01-01,Pedestrians,5,POINT (-117.03 32.54)\n",
         "malformed BTS record"),
        ("Port Name,State,Port Code,Border,Date,Measure,Value,Location\n"
         "San Ysidro,California,2504,US-Mexico Border,01/01/2018 12:00:00 AM,Camels,5,POINT (-117.03 32.54)\n",
         "malformed BTS record"),
    ],
)
def test_monthly_traffic_rejects_bad_input(tmp_path, content: str, message: str) -> None:
    bad = tmp_path / "bts.csv"
    bad.write_text(content)
    with pytest.raises(SourceError, match=message):
        monthly_traffic(bad)
    with pytest.raises(SourceError, match="cannot read"):
        monthly_traffic(tmp_path / "missing.csv")


def test_placement_is_the_main_crossing_and_refuses_ports_without_one(layer) -> None:
    boundary = shapely.union_all(layer("boundary").geometry.to_numpy())
    lon, lat, km = _place("2504", "San Ysidro", boundary)
    assert (lon, lat) == (crossing("san-ysidro").lon, crossing("san-ysidro").lat) and km < 0.3
    lon, lat, km = _place("2507", "Calexico East", boundary)  # its facility point is moved onto the line
    assert km < 0.001 and (lon, lat) != (crossing("calexico-east").lon, crossing("calexico-east").lat)
    with pytest.raises(BuildError, match=r"port 9999 .* no main crossing"):
        _place("9999", "Nowhere", boundary)
