"""The watersheds layer: basin areas per country, boundary lengths, 1944 Treaty figures, and its readers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.errors import SourceError
from geo.measure import area_km2, km_to_miles
from geo.ops import is_rfc7946_oriented
from layers.readers import dcw_polygon, dcw_rings
from layers.watersheds import ACRE_FOOT_M3, mexico_side, read_wswc_polygon

# Areas the WSWC outlines are published with (data README): Rio Grande about 598,000 km², Colorado about
# 667,000 km². Measured geodesic: 598,011.7 and 666,554.0 km²; the Pecos 114,710.5 km² of which 709 km²
# lie outside the Rio Grande outline and are clipped away (113,001 + 709 = 114,710).
KNOWN_AREA_KM2 = {"rio-grande": 598_000.0, "colorado": 667_000.0}
US_STATES_IN = {"rio-grande": ("USCO", "USNM", "USTX"),
                "colorado": ("USWY", "USCO", "USUT", "USNV", "USAZ", "USNM", "USCA")}


@pytest.fixture(scope="module")
def basins(layer) -> gpd.GeoDataFrame:
    return layer("watersheds").set_index("basin_id")


def test_three_basins_with_the_pecos_nested(basins) -> None:
    assert sorted(basins.index) == ["colorado", "pecos", "rio-grande"]
    assert basins["parent_basin"].fillna("-").to_dict() == {"rio-grande": "-", "colorado": "-", "pecos": "rio-grande"}
    assert basins.loc["rio-grande", "name_es"] == "Cuenca del Río Bravo / Río Grande"
    assert basins.loc["colorado", "name_es"] == "Cuenca del Río Colorado"
    pecos, rio_grande = basins.geometry["pecos"], basins.geometry["rio-grande"]
    assert area_km2(pecos.difference(rio_grande)) < 0.01


@pytest.mark.parametrize(("basin_id", "known"), KNOWN_AREA_KM2.items())
def test_area_matches_the_published_figure(basins, basin_id: str, known: float) -> None:
    row = basins.loc[basin_id]
    assert row["area_km2"] == pytest.approx(known, rel=0.001)
    assert row["area_km2"] == pytest.approx(area_km2(row.geometry), abs=0.1)


def test_pecos_area(basins, manifest) -> None:
    assert basins.loc["pecos", "area_km2"] == pytest.approx(114_001, abs=5)
    assert manifest["layers"]["watersheds"]["stats"]["pecos_trimmed_to_parent_km2"] == pytest.approx(709, abs=5)


@pytest.mark.parametrize(("basin_id", "share_mx"), [("rio-grande", 0.426), ("colorado", 0.0243), ("pecos", 0.0)])
def test_country_split_sums_to_the_total(basins, basin_id: str, share_mx: float) -> None:
    row = basins.loc[basin_id]
    assert row["area_km2_us"] + row["area_km2_mx"] == pytest.approx(row["area_km2"], abs=0.2)
    assert row["share_mx"] == pytest.approx(share_mx, abs=0.001)
    assert row["share_mx"] == pytest.approx(row["area_km2_mx"] / row["area_km2"], abs=1e-4)


@pytest.mark.parametrize("basin_id", ["rio-grande", "colorado"])
def test_country_split_agrees_with_dcw_polygons(basins, layer, data_settings, basin_id: str) -> None:
    """Mexican part within 0.5 % of the DCW Mexico polygon's; the US part inside the DCW US states.

    The split follows the TIGER line, which lies a median 120 m from DCW's: over the ~600 km of boundary
    in the Colorado basin that moves ~70 km² (0.4 % of its Mexican part; 0.03 % of the Rio Grande's).
    """
    dcw = data_settings.sources_dir / "dcw" / "dcw-gmt.nc"
    basin = basins.geometry[basin_id]
    # Only the mainland ring matters here; repairing it in the basin's box alone keeps this test fast.
    mainland = shapely.Polygon(max(dcw_rings(dcw, "MX"), key=len))
    mexico = shapely.make_valid(shapely.clip_by_rect(mainland, *basin.bounds))
    assert basins.loc[basin_id, "area_km2_mx"] == pytest.approx(area_km2(basin.intersection(mexico)), rel=0.005)
    states = shapely.union_all([dcw_polygon(dcw, code) for code in US_STATES_IN[basin_id]])
    us_part = basin.difference(mexico_side(layer("boundary")))
    assert area_km2(us_part.intersection(states)) / area_km2(us_part) > 0.999


@pytest.mark.parametrize(("basin_id", "kind"), [("rio-grande", "Rio Grande"), ("colorado", "Colorado River")])
def test_boundary_length_formed_by_each_river(basins, layer, basin_id: str, kind: str) -> None:
    boundary = layer("boundary")
    expected_km = boundary.loc[boundary["kind"] == kind, "length_km"].sum()
    row = basins.loc[basin_id]
    assert row["boundary_length_km"] == pytest.approx(expected_km, abs=0.01)
    assert row["boundary_length_mi"] == pytest.approx(km_to_miles(row["boundary_length_km"]), abs=0.01)
    assert basins.loc["pecos", "boundary_length_km"] == 0.0


def test_boundary_lengths_against_ibwc(basins) -> None:
    # IBWC: the Rio Grande forms 1,254 mi of the boundary and the Colorado 24 mi (TIGER, cut at the shores)
    assert basins.loc["rio-grande", "boundary_length_mi"] == pytest.approx(1277.0, abs=0.5)
    assert basins.loc["rio-grande", "boundary_length_mi"] == pytest.approx(1254, rel=0.02)
    assert basins.loc["colorado", "boundary_length_mi"] == pytest.approx(24, rel=0.04)


def test_treaty_figures(basins) -> None:
    colorado, rio_grande, pecos = (basins.loc[b] for b in ("colorado", "rio-grande", "pecos"))
    assert colorado["treaty_article"] == "Article 10"
    assert colorado["treaty_allotment_acre_feet_per_year"] == 1_500_000
    assert colorado["treaty_allotment_m3_per_year"] == 1_850_234_000
    assert colorado["treaty_allotment_recipient"] == "Mexico"
    assert rio_grande["treaty_article"] == "Article 4"
    assert rio_grande["treaty_allotment_acre_feet_per_year"] == 350_000
    assert rio_grande["treaty_allotment_m3_per_year"] == 431_721_000
    assert rio_grande["treaty_allotment_recipient"] == "United States"
    assert "1,750,000 acre-feet per cycle" in rio_grande["treaty_summary"]
    for tributary in ("Conchos", "San Diego", "San Rodrigo", "Escondido", "Salado", "Arroyo de las Vacas"):
        assert tributary in rio_grande["treaty_summary"]
    assert np.isnan(pecos["treaty_allotment_acre_feet_per_year"]) and "Pecos" in pecos["treaty_summary"]


@pytest.mark.parametrize("basin_id", ["colorado", "rio-grande"])
def test_treaty_cubic_metres_are_the_acre_feet_converted(basins, basin_id: str) -> None:
    row = basins.loc[basin_id]
    converted = row["treaty_allotment_acre_feet_per_year"] * ACRE_FOOT_M3
    assert row["treaty_allotment_m3_per_year"] == pytest.approx(converted, abs=1000)  # treaty rounds to 1,000 m³


def test_geometries(basins) -> None:
    assert basins.crs.to_epsg() == 4326
    assert set(basins.geom_type) == {"MultiPolygon"}
    assert basins.is_valid.all()
    assert all(is_rfc7946_oriented(g) for g in basins.geometry)


def test_manifest_records_areas_and_lengths(manifest, basins) -> None:
    stats = manifest["layers"]["watersheds"]["stats"]
    for basin_id in ("rio-grande", "colorado", "pecos"):
        row = basins.loc[basin_id]
        recorded = stats[f"{basin_id}_area_km2"]
        assert (recorded["total"], recorded["us"], recorded["mx"]) == (row.area_km2, row.area_km2_us, row.area_km2_mx)
        assert stats[f"{basin_id}_boundary_length_mi"] == row["boundary_length_mi"]


def _write(path: Path, polygons: list[list[list[tuple[float, float]]]]) -> Path:
    """A WestDAAT-style C# file with the given polygons (each a list of rings)."""
    lines = ["public static class X {"]
    for rings in polygons:
        lines.append("Geometry = new Polygon(new List<LineString> {")
        for ring in rings:
            lines.append("new LineString(new List<IPosition> {")
            lines += [f"new Position(longitude:{x},latitude:{y})," for x, y in ring]
            lines.append("}),")
        lines.append("})")
    path.write_text("\ufeff" + "\n".join([*lines, "}"]), encoding="utf-8")
    return path


def test_reader_reads_holes_and_several_polygons(tmp_path: Path) -> None:
    outer = [(0, 0), (4, 0), (4, 4), (0, 4), (0, 0)]
    hole = [(1, 1), (1, 2), (2, 2), (2, 1), (1, 1)]
    other = [(10, 10), (11, 10), (11, 11), (10, 11), (10, 10)]
    geom = read_wswc_polygon(_write(tmp_path / "b.cs", [[outer, hole], [other]]))
    assert geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(16 - 1 + 1)


def test_reader_rejects_a_file_without_positions(tmp_path: Path) -> None:
    path = tmp_path / "empty.cs"
    path.write_text("namespace X { }", encoding="utf-8")
    with pytest.raises(SourceError, match=r"empty\.cs"):
        read_wswc_polygon(path)


def test_reader_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"missing\.cs"):
        read_wswc_polygon(tmp_path / "missing.cs")


def test_mexico_side_is_south_of_the_line() -> None:
    line = gpd.GeoDataFrame({"seq": [2, 1]}, geometry=[shapely.LineString([(0, 1), (2, 0)]),
                                                        shapely.LineString([(-2, 0), (0, 1)])], crs=4326)
    south = mexico_side(line)
    assert south.contains(shapely.Point(0, 0)) and not south.contains(shapely.Point(0, 2))
    assert south.contains(shapely.Point(-2.5, -1)) and south.contains(shapely.Point(2.5, -1))
