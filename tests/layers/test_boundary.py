"""The boundary layer (TIGER/Line 2023) against IBWC's figures, GDAL's own measure, the coast and DCW."""

from __future__ import annotations

import itertools
import re
import subprocess

import numpy as np
import pyogrio
import pytest
import shapely

from geo.buffer import geodesic_distance_km
from geo.measure import distance_km, distance_to_km, km_to_miles, length_km
from layers._dcw_edge import dcw_boundary
from layers.boundary import IBWC_MI, IBWC_TOTAL_MI, smooth

EXPECTED = ["CA-BC", "AZ-BC", "AZ-SON", "NM-SON", "NM-CHIH", "TX-CHIH", "TX-COAH", "TX-NL", "TX-TAMPS"]
TIGER = "tiger/tl_2023_us_internationalboundary.shp"
LAND = "natural_earth/ne_10m_land.json"


@pytest.fixture(scope="module")
def boundary(layer):
    return layer("boundary").sort_values("seq").reset_index(drop=True)


@pytest.fixture(scope="module")
def line(boundary) -> shapely.LineString:
    merged = shapely.line_merge(shapely.MultiLineString(list(boundary.geometry)))
    assert merged.geom_type == "LineString"
    return merged


def ogr_sql(path: str, sql: str) -> dict[str, float]:
    """Run a SQLite-dialect query with GDAL's ogrinfo (Spatialite's geodesic ST_Length): {label: value}."""
    out = subprocess.run(["ogrinfo", "-ro", "-q", "-dialect", "SQLite", "-sql", sql, path],
                         capture_output=True, text=True, check=True).stdout
    labels = re.findall(r"label \(String\) = (.*)", out) or ["all"]
    values = [float(v) for v in re.findall(r"mi \(Real\) = ([\d.]+)", out)]
    return dict(zip(labels, values, strict=True))


def test_segments_pacific_to_gulf(boundary) -> None:
    assert boundary["segment_id"].tolist() == EXPECTED
    assert boundary["seq"].tolist() == list(range(1, 10))
    assert boundary["kind"].tolist() == ["land", "Colorado River", "land", "land", "land"] + ["Rio Grande"] * 4
    assert set(boundary.loc[boundary.kind == "Rio Grande", "kind_es"]) == {"Río Bravo"}


def test_total_length_within_2_percent_of_ibwc(boundary, manifest) -> None:
    total_mi = km_to_miles(sum(length_km(g) for g in boundary.geometry))
    # the data README measured the TIGER line cut at the shores at "about 1,974 mi"
    assert total_mi == pytest.approx(1974.5, abs=0.5)
    assert abs(total_mi / IBWC_TOTAL_MI - 1) < 0.02
    assert boundary["length_mi"].sum() == pytest.approx(total_mi, abs=0.01)
    stats = manifest["layers"]["boundary"]["stats"]
    assert stats["length_mi"] == pytest.approx(total_mi, abs=0.05) and stats["ibwc_length_mi"] == 1954.0


def test_lengths_by_kind_beside_ibwc(boundary, manifest) -> None:
    by_kind = boundary.groupby("kind")["length_mi"].sum()
    assert by_kind["land"] == pytest.approx(676, rel=0.01)  # IBWC: 1,954 - 1,254 - 24; measured 674.1
    assert by_kind["Rio Grande"] == pytest.approx(1254, rel=0.02)  # measured 1,277.0 (+1.8 %)
    # IBWC's 24 is a whole number of miles (±0.5 mi is ±2 %); measured 23.4
    assert by_kind["Colorado River"] == pytest.approx(24, rel=0.04)
    stats = manifest["layers"]["boundary"]["stats"]
    assert stats["ibwc_length_mi_by_kind"] == IBWC_MI
    assert stats["length_mi_by_kind"] == pytest.approx({k: round(v, 1) for k, v in by_kind.items()}, abs=0.05)


def test_gdal_measures_the_same_lengths(boundary, data_settings) -> None:
    """Spatialite's geodesic ST_Length, run by GDAL's ogrinfo on the published GeoPackage, agrees per kind."""
    gdal = ogr_sql(str(data_settings.current / "bordergeo.gpkg"),
                   "SELECT kind AS label, SUM(ST_Length(geom, 1)) / 1609.344 AS mi FROM boundary GROUP BY kind")
    ours = boundary.groupby("kind")["length_mi"].sum()
    assert gdal == pytest.approx(ours.to_dict(), rel=1e-4)


def test_only_the_offshore_ends_are_cut(boundary, data_settings) -> None:
    """The raw TIGER line (GDAL's measure) is the layer plus its two stretches out to the 3-mile limits."""
    raw = ogr_sql(str(data_settings.sources_dir / TIGER),
                  "SELECT SUM(ST_Length(geometry, 1)) / 1609.344 AS mi "
                  "FROM tl_2023_us_internationalboundary WHERE IBTYPE = 'M'")["all"]
    cut = raw - boundary["length_mi"].sum()
    assert 2 * 3.0 < cut < 2 * 3.0 + 3.0  # measured 7.9 mi: 3 nautical-ish miles out at each shore, plus beaches


def test_line_ends_on_the_natural_earth_coastline(line, data_settings) -> None:
    land = pyogrio.read_dataframe(data_settings.sources_dir / LAND, bbox=(-118, 25, -96, 33))
    coast = shapely.union_all(land.geometry.to_numpy()).boundary
    for x, y in (line.coords[0], line.coords[-1]):
        assert shapely.distance(shapely.Point(x, y), coast) < 1e-9
    inside = shapely.line_interpolate_point(line, np.linspace(0.001, 0.999, 50), normalized=True)
    assert shapely.union_all(land.geometry.to_numpy()).contains(inside).all()


def test_line_is_continuous_and_simple_end_to_end(boundary, line) -> None:
    geoms = list(boundary.geometry)
    for a, b in itertools.pairwise(geoms):
        assert a.coords[-1] == b.coords[0]
    assert line.is_simple and all(g.is_simple and g.is_valid for g in geoms)
    assert len(line.coords) > 30_000  # planning scale: vertices a median 43 m apart


@pytest.mark.parametrize(
    ("name", "lon", "lat", "where", "km"),
    [
        # IBWC Monument 258 at the Pacific (32°32′04″N 117°07′29″W): measured 0.08 km
        ("Pacific terminus", -117.1247, 32.5344, "start", 0.3),
        # the Rio Grande mouth (25°57′22″N 97°08′43″W): measured 0.42 km (Natural Earth's 1:10m shore)
        ("Rio Grande mouth", -97.1453, 25.9561, "end", 1.0),
    ],
)
def test_ends_at_the_ocean_and_the_gulf(line, name: str, lon: float, lat: float, where: str, km: float) -> None:
    x, y = line.coords[0] if where == "start" else line.coords[-1]
    assert distance_km(x, y, lon, lat) < km, name


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
    assert min(distance_km(x, y, lon, lat) for x, y in ends) < 0.2  # measured 0.02-0.04 km


def test_sonora_gives_way_to_chihuahua_west_of_antelope_wells(boundary) -> None:
    # Antelope Wells, NM (-108.53) faces El Berrendo, Chihuahua; the bootheel's west edge is at -109.05
    x, _ = boundary.set_index("segment_id").geometry["NM-SON"].coords[-1]
    assert -109.05 < x < -108.53


def test_ports_of_known_cities_lie_on_the_line(line) -> None:
    # San Ysidro port of entry, and the Gateway International Bridge in Brownsville
    assert distance_to_km(-117.0297, 32.5422, line) < 1.0
    assert distance_to_km(-97.4962, 25.9007, line) < 1.0


def test_dcw_crosscheck_is_recorded_and_plausible(manifest, line, data_settings) -> None:
    """The stats' DCW distances agree with an independent sample measured in azimuthal equidistant projections."""
    check = manifest["layers"]["boundary"]["stats"]["dcw_crosscheck"]
    assert check["samples"] > 30_000
    assert 0.05 < check["median_km"] < 0.3  # issue 8: "a median 125 m"
    assert check["median_km"] <= check["p90_km"] <= check["p99_km"] <= check["max_km"] < 2.0  # "up to 1.4 km"
    assert check["dcw_length_mi"] == pytest.approx(1859.9, abs=0.5)  # the former layer's figure
    dcw = dcw_boundary(data_settings.sources_dir / "dcw/dcw-gmt.nc")
    points = shapely.line_interpolate_point(line, np.random.default_rng(8).random(300), normalized=True)
    km = np.array([geodesic_distance_km(p.x, p.y, dcw) for p in points])
    assert np.median(km) == pytest.approx(check["median_km"], rel=0.25)
    assert km.max() <= check["max_km"] + 0.01


def test_smooth_merges_runs_shorter_than_2_km() -> None:
    labels = ["A"] * 10 + ["B"] * 3 + ["A"] * 10 + ["C"] * 30
    assert smooth(labels, np.full(len(labels), 0.5)) == ["A"] * 23 + ["C"] * 30  # B: 1.5 km
    assert smooth(["B"] * 2 + ["A"] * 10, np.full(12, 0.5)) == ["A"] * 12  # a short first run joins the next
    assert smooth(["A"] * 3 + ["B"] * 3, np.full(6, 1.0)) == ["A"] * 3 + ["B"] * 3  # 3 km runs stay
