"""The boundary layer against IBWC's figures and known points on the line."""

from __future__ import annotations

import itertools

import pytest
import shapely

from geo.measure import distance_km, distance_to_km, km_to_miles, length_km
from layers.boundary import IBWC_TOTAL_MI

EXPECTED = ["CA-BC", "AZ-BC", "AZ-SON", "NM-SON", "NM-CHIH", "TX-CHIH", "TX-COAH", "TX-NL", "TX-TAMPS"]


@pytest.fixture(scope="module")
def boundary(layer):
    return layer("boundary").sort_values("seq").reset_index(drop=True)


def test_segments_pacific_to_gulf(boundary) -> None:
    assert boundary["segment_id"].tolist() == EXPECTED
    assert boundary["seq"].tolist() == list(range(1, 10))
    assert boundary["kind"].tolist() == ["land", "Colorado River", "land", "land", "land"] + ["Rio Grande"] * 4
    assert set(boundary.loc[boundary.kind == "Rio Grande", "kind_es"]) == {"Río Bravo"}


def test_total_length_within_6_percent_of_ibwc(boundary, manifest) -> None:
    total_mi = km_to_miles(sum(length_km(g) for g in boundary.geometry))
    assert total_mi == pytest.approx(1859.9, abs=0.1)
    assert abs(total_mi / IBWC_TOTAL_MI - 1) < 0.06
    assert boundary["length_mi"].sum() == pytest.approx(total_mi, abs=0.01)
    stats = manifest["layers"]["boundary"]["stats"]
    assert stats["length_mi"] == pytest.approx(total_mi, abs=0.05) and stats["ibwc_length_mi"] == 1954.0


def test_lengths_by_kind_against_ibwc(boundary) -> None:
    by_kind = boundary.groupby("kind")["length_mi"].sum()
    assert by_kind["land"] == pytest.approx(676, rel=0.01)  # IBWC: 1,954 - 1,254 - 24
    assert by_kind["Rio Grande"] == pytest.approx(1254, rel=0.08)  # 1:1M smooths the meanders
    assert by_kind["Colorado River"] == pytest.approx(24, rel=0.12)


def test_line_is_continuous_end_to_end(boundary) -> None:
    geoms = list(boundary.geometry)
    for a, b in itertools.pairwise(geoms):
        assert a.coords[-1] == b.coords[0]
    merged = shapely.line_merge(shapely.MultiLineString(geoms))
    assert merged.geom_type == "LineString"
    assert merged.is_simple and all(g.is_simple for g in geoms)


@pytest.mark.parametrize(
    ("name", "lon", "lat", "where"),
    [
        # IBWC Monument 258 at the Pacific (32°32′04″N 117°07′29″W) and the Rio Grande mouth (25°57′22″N 97°08′43″W)
        ("Pacific terminus", -117.1247, 32.5344, "start"),
        ("Rio Grande mouth", -97.1453, 25.9561, "end"),
    ],
)
def test_ends_at_the_ocean_and_the_gulf(boundary, name: str, lon: float, lat: float, where: str) -> None:
    line = shapely.line_merge(shapely.MultiLineString(list(boundary.geometry)))
    x, y = line.coords[0] if where == "start" else line.coords[-1]
    assert distance_km(x, y, lon, lat) < 2.0, name


@pytest.mark.parametrize(
    ("segment", "lon", "lat"),
    [
        ("NM-CHIH", -106.5283, 31.7836),  # Monument 1, where the land boundary meets the Rio Grande (El Paso)
        ("TX-CHIH", -106.5283, 31.7836),
        ("AZ-BC", -114.7196, 32.7186),  # the land boundary meets the Colorado River
    ],
)
def test_segment_ends_at_known_turning_points(boundary, segment: str, lon: float, lat: float) -> None:
    geom = boundary.set_index("segment_id").geometry[segment]
    ends = [geom.coords[0], geom.coords[-1]]
    assert min(distance_km(x, y, lon, lat) for x, y in ends) < 3.0


def test_sonora_gives_way_to_chihuahua_west_of_antelope_wells(boundary) -> None:
    # Antelope Wells, NM (-108.53) faces El Berrendo, Chihuahua; the bootheel's west edge is at -109.05
    x, _ = boundary.set_index("segment_id").geometry["NM-SON"].coords[-1]
    assert -109.05 < x < -108.53


def test_ports_of_known_cities_lie_on_the_line(boundary) -> None:
    line = shapely.union_all(list(boundary.geometry))
    # San Ysidro port of entry, and the Gateway International Bridge in Brownsville
    assert distance_to_km(-117.0297, 32.5422, line) < 1.0
    assert distance_to_km(-97.4962, 25.9007, line) < 1.0
