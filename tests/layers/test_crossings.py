"""The curated crossings layer against the boundary, the ports and the BTS traffic of each port."""

from __future__ import annotations

from dataclasses import replace

import pytest
import shapely

from geo.errors import BuildError
from geo.measure import distance_km, distance_to_km
from layers._crossings_table import CROSSINGS, EXCLUDED, MAIN_CROSSING, crossing
from layers.crossings import _record

KINDS = ["pedestrian", "passenger_vehicle", "commercial", "rail"]


@pytest.fixture(scope="module")
def crossings(layer):
    return layer("crossings").set_index("crossing_id", drop=False)


@pytest.fixture(scope="module")
def ports(layer):
    return layer("ports").set_index("port_code", drop=False)


@pytest.fixture(scope="module")
def boundary(layer):
    return shapely.union_all(layer("boundary").geometry.to_numpy())


def test_count_and_unique_slug_ids(crossings) -> None:
    assert len(crossings) == len(CROSSINGS) == 46
    assert len(crossings) + len(EXCLUDED) <= 60  # the State Department counts 55 active crossings
    assert crossings["crossing_id"].is_unique
    assert crossings["crossing_id"].str.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*").all()
    assert set(MAIN_CROSSING.values()) <= set(crossings["crossing_id"])


def test_every_crossing_within_2_km_of_the_boundary(crossings, boundary) -> None:
    measured = {cid: distance_to_km(g.x, g.y, boundary) for cid, g in crossings.geometry.items()}
    assert max(measured.values()) < 2.0
    # on the TIGER (IBWC) line; on the former DCW line the largest was Bridge of the Americas, 1.43 km
    assert max(measured, key=measured.__getitem__) == "donna-rio-bravo"
    assert max(measured.values()) == pytest.approx(0.48, abs=0.01)
    for cid, km in measured.items():
        assert crossings.loc[cid, "distance_to_boundary_km"] == pytest.approx(km, abs=0.001)


def test_every_crossing_within_25_km_of_its_parent_port(crossings, ports) -> None:
    assert set(crossings["port_code"]) == set(ports["port_code"])  # every BTS port has a crossing
    for cid, g in crossings.geometry.items():
        port = ports.loc[crossings.loc[cid, "port_code"], "geometry"]
        km = distance_km(g.x, g.y, port.x, port.y)
        assert km < 25.0, cid
        assert crossings.loc[cid, "distance_to_port_km"] == pytest.approx(km, abs=0.001)
    assert crossings["distance_to_port_km"].idxmax() == "falcon-dam"  # Falcon Dam is a station of Roma
    assert crossings["distance_to_port_km"].max() == pytest.approx(22.8, abs=0.1)


def test_known_crossings_and_ports(crossings, ports) -> None:
    el_paso = crossings[crossings.port_code == "2402"]
    assert set(el_paso.index) == {"paso-del-norte", "stanton-street", "bridge-of-the-americas", "ysleta-zaragoza"}
    assert crossings.loc["paso-del-norte", "name_es"] == "Puente Internacional Paso del Norte"
    assert crossings.loc["paso-del-norte", "mx_city"] == "Ciudad Juárez"
    assert crossings.loc["world-trade", ["commercial", "pedestrian", "passenger_vehicle"]].tolist() == [
        True, False, False]
    assert crossings.loc["laredo-rail", "rail"] and crossings.loc["laredo-rail", "mx_state"] == "Tamaulipas"
    assert crossings.loc["boquillas", "port_name"] == "Boquillas"
    # Paso del Norte and Stanton Street, 450 m apart, both on the Rio Grande in downtown El Paso
    a, b = crossings.loc["paso-del-norte", "geometry"], crossings.loc["stanton-street", "geometry"]
    assert distance_km(a.x, a.y, b.x, b.y) == pytest.approx(0.41, abs=0.05)


def test_both_language_names_and_sources(crossings) -> None:
    for column in ("name", "name_es", "us_city", "mx_city", "us_state", "mx_state"):
        assert crossings[column].str.len().min() > 2, column
    assert crossings["source"].str.contains("coordinates:").all()
    assert set(crossings["us_state"]) == {"California", "Arizona", "New Mexico", "Texas"}


def test_kinds_agree_with_bts_traffic_of_the_parent_port(crossings, ports) -> None:
    assert crossings[KINDS].dtypes.astype(str).eq("bool").all()
    assert crossings[KINDS].any(axis=1).all()
    by_port = crossings.groupby("port_code")[KINDS].any()
    for code, kinds in by_port.iterrows():
        port = ports.loc[code]
        assert kinds["pedestrian"] == (port["pedestrians_2018"] > 0), code
        assert kinds["passenger_vehicle"] == (port["personal_vehicles_2018"] > 0), code
        assert not kinds["commercial"] or port["trucks_2018"] > 0, code
        assert not kinds["rail"] or port["trains_2018"] > 0, code
    # the one port whose trucks cross where we have no crossing: San Luis II (commercial) is not placed
    missing_trucks = {c for c, k in by_port.iterrows() if ports.loc[c, "trucks_2018"] > 0 and not k["commercial"]}
    assert missing_trucks == {"2608"}


def test_stats_in_manifest(manifest, crossings) -> None:
    stats = manifest["layers"]["crossings"]["stats"]
    assert stats["crossing_count"] == len(crossings) == 46
    assert stats["count_by_kind"] == {k: int(crossings[k].sum()) for k in KINDS}
    assert stats["count_by_kind"] == {"pedestrian": 36, "passenger_vehicle": 38, "commercial": 20, "rail": 3}
    assert stats["max_distance_to_boundary_km"]["crossing_id"] == "donna-rio-bravo"
    assert stats["max_distance_to_parent_port_km"]["crossing_id"] == "falcon-dam"
    assert len(stats["excluded"]) == len(EXCLUDED)


def test_build_rejects_a_crossing_off_the_boundary_or_far_from_its_port(boundary, ports) -> None:
    tucson = replace(crossing("nogales-deconcini"), crossing_id="tucson", lat=32.2217, lon=-110.9265)
    with pytest.raises(BuildError, match=r"crossing tucson .* 97\.23 km from the boundary"):
        _record(tucson, boundary, ports)
    # the Colombia Solidarity bridge is real and on the river, but 32 km from the Laredo port point
    colombia = replace(crossing("laredo-1"), crossing_id="colombia", lat=27.699716, lon=-99.745646)
    with pytest.raises(BuildError, match=r"colombia .* 32\.\d km from its parent port 2304"):
        _record(colombia, boundary, ports)
    orphan = replace(crossing("laredo-1"), crossing_id="orphan", port_code="2413")
    with pytest.raises(BuildError, match="parent port 2413 is not in the ports layer"):
        _record(orphan, boundary, ports)


def test_main_traffic_is_the_heaviest_kind(layer) -> None:
    crossings = layer("crossings")
    expected = [
        "rail" if r.rail else "commercial" if r.commercial else
        "passenger vehicles" if r.passenger_vehicle else "pedestrians only"
        for r in crossings.itertuples()
    ]
    assert crossings["main_traffic"].tolist() == expected
    counts = crossings["main_traffic"].value_counts().to_dict()
    assert counts["rail"] == 3 and counts["pedestrians only"] >= 3
    assert sum(counts.values()) == len(crossings)
