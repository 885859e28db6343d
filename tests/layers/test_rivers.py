"""The rivers layer: the main stems' lengths and positions against the boundary, names, basins, merging."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.measure import distance_to_km, km_to_miles, length_km
from layers.rivers import BASIN_BUFFER_DEG, merge_lines

MANGLED = ("Ro ", "Rio Bravo", "Sextn", "Purificacin", "Pesqueria", "Jose")


@pytest.fixture(scope="module")
def rivers(layer) -> gpd.GeoDataFrame:
    return layer("rivers").set_index("river_id")


@pytest.fixture(scope="module")
def boundary(layer) -> gpd.GeoDataFrame:
    return layer("boundary")


@pytest.mark.parametrize(
    ("river_id", "basin_id", "country"),
    [
        ("rio-grande", "rio-grande", "both"), ("colorado", "colorado", "both"), ("pecos", "pecos", "US"),
        ("conchos", "rio-grande", "MX"), ("gila", "colorado", "US"), ("san-juan", "colorado", "US"),
        ("san-juan-rio-grande", "rio-grande", "MX"), ("salado", "rio-grande", "MX"),
        ("little-colorado", "colorado", "US"), ("green", "colorado", "US"), ("devils", "rio-grande", "US"),
        ("san-pedro-colorado", "colorado", "US"), ("santa-cruz", "colorado", "both"),
        ("chama", "rio-grande", "US"), ("hardy", "colorado", "MX"),
    ],
)
def test_named_rivers_in_their_basins(rivers, river_id: str, basin_id: str, country: str) -> None:
    assert rivers.loc[river_id, "basin_id"] == basin_id
    assert rivers.loc[river_id, "country"] == country


def test_the_two_san_juans_are_distinct(rivers) -> None:
    san_juans = rivers[rivers["name"] == "San Juan"]
    assert dict(zip(san_juans.index, san_juans["basin_id"], strict=True)) == {
        "san-juan": "colorado", "san-juan-rio-grande": "rio-grande"}
    assert san_juans.geometry.iloc[0].distance(san_juans.geometry.iloc[1]) > 10  # degrees apart


def test_rio_grande_length(rivers) -> None:
    # Natural Earth 1:10m measures 2,424 km, 79 % of the 3,051 km (1,896 mi) usually published: at this
    # scale the meanders are gone (the brief guessed 2,500-3,100 km; this data is below that).
    km = rivers.loc["rio-grande", "length_km"]
    assert km == pytest.approx(2424.2, abs=1.0)
    assert 0.75 < km / 3051 < 0.85


def test_colorado_and_pecos_lengths(rivers) -> None:
    # Published: Colorado 2,330 km, Pecos 1,490 km; Natural Earth 1:10m keeps 81 % and 71 % of them.
    assert rivers.loc["colorado", "length_km"] == pytest.approx(1884.1, abs=1.0)
    assert rivers.loc["pecos", "length_km"] == pytest.approx(1061.6, abs=1.0)
    assert 0.75 < rivers.loc["colorado", "length_km"] / 2330 < 0.85


def test_rio_grande_is_one_line_from_colorado_to_the_gulf(rivers) -> None:
    geom = rivers.geometry["rio-grande"]
    assert len(geom.geoms) == 1
    (x0, y0), (x1, y1) = geom.geoms[0].coords[0], geom.geoms[0].coords[-1]
    north, south = ((x0, y0), (x1, y1)) if y0 > y1 else ((x1, y1), (x0, y0))
    assert north[1] > 37.5  # San Juan Mountains, Colorado
    assert distance_to_km(*south, shapely.Point(-97.1453, 25.9561)) < 10  # mouth (IBWC)


def test_rio_grande_follows_the_boundary(rivers, boundary) -> None:
    """Points every km along the boundary's Rio Grande segments lie a median 0.8 km from the NE river."""
    river = rivers.geometry["rio-grande"]
    distances = []
    for line in boundary.loc[boundary["kind"] == "Rio Grande"].geometry:
        steps = np.linspace(0, 1, max(int(length_km(line)), 2))
        points = shapely.line_interpolate_point(line, steps, normalized=True)
        distances += [distance_to_km(p.x, p.y, river) for p in points]
    assert len(distances) > 1800
    assert np.median(distances) < 1.5  # measured 0.81 km
    assert np.percentile(distances, 90) < 2.5  # measured 1.78 km
    assert max(distances) < 5.0  # measured 4.03 km


def test_colorado_reaches_the_boundary(rivers, boundary) -> None:
    river = rivers.geometry["colorado"]
    segment = shapely.union_all(list(boundary.loc[boundary["kind"] == "Colorado River"].geometry))
    assert river.intersects(segment)
    # 31 km of the river run within ~2 km of the 34.8 km of boundary it forms
    assert length_km(river.intersection(segment.buffer(0.02))) > 25
    assert river.geoms[0].coords[-1][1] < 32.2  # and it goes on into Mexico, towards the delta


def test_spanish_names_with_accents(rivers) -> None:
    assert rivers.loc["rio-grande", "name"] == "Rio Grande"
    assert rivers.loc["rio-grande", "name_es"] == "Río Bravo del Norte"
    assert rivers.loc["colorado", "name_es"] == "Río Colorado"
    assert rivers.loc["conchos", "name_es"] == "Río Conchos"
    assert rivers.loc["pesqueria", "name"] == "Pesquería"
    assert rivers.loc["san-jose", "name_es"] == "Río San José"
    mexican = rivers[rivers["country"] == "MX"]
    assert mexican["name_es"].notna().all()
    for text in [*mexican["name"], *rivers["name_es"].dropna()]:
        assert not any(bad in text for bad in MANGLED), text


def test_rivers_outside_the_basins_are_left_out(rivers) -> None:
    # The Wind (Wyoming) grazes the Colorado outline and the Sextín drains to the Nazas: < 50 % inside
    assert "wind" not in rivers.index and "sextin" not in rivers.index
    assert "arroyo-sin-nombre" not in rivers.index


def test_rivers_lie_in_their_basin(rivers, layer) -> None:
    basins = layer("watersheds").set_index("basin_id")
    for river_id, row in rivers.iterrows():
        parent = basins.loc[row["basin_id"], "parent_basin"]
        top = row["basin_id"] if pd.isna(parent) else parent
        region = basins.geometry[top].buffer(BASIN_BUFFER_DEG + 1e-6)
        assert region.covers(row.geometry), river_id


def test_lengths_and_schema(rivers) -> None:
    assert rivers.crs.to_epsg() == 4326
    assert set(rivers.geom_type) == {"MultiLineString"} and rivers.is_valid.all()
    assert rivers.index.is_unique and len(rivers) == 64
    measured = np.array([length_km(g) for g in rivers.geometry])
    assert np.allclose(rivers["length_km"], measured, atol=0.001)
    assert np.allclose(rivers["length_mi"], [km_to_miles(k) for k in rivers["length_km"]], atol=0.001)
    assert rivers.loc["rio-grande", "scalerank"] == 4
    assert rivers.loc["conchos", "source_layer"] == (
        "ne_10m_rivers_lake_centerlines.json, ne_10m_rivers_north_america.json")


def test_manifest_records_lengths(manifest, rivers) -> None:
    stats = manifest["layers"]["rivers"]["stats"]
    assert stats["rivers"] == len(rivers)
    assert stats["rio-grande_length_km"] == rivers.loc["rio-grande", "length_km"]


def test_merge_lines_snaps_small_gaps_only() -> None:
    a = shapely.LineString([(0, 0), (1, 0)])
    b = shapely.LineString([(1.001, 0), (2, 0)])  # ~100 m gap: joined
    c = shapely.LineString([(2.1, 0), (3, 0)])  # ~10 km gap: kept apart
    merged = merge_lines([a, b, c])
    assert len(merged.geoms) == 2
    assert merged.geoms[0].length == pytest.approx(2.0, abs=0.002) or merged.geoms[1].length == pytest.approx(2.0)


def test_merge_lines_reverses_pieces_as_needed() -> None:
    a = shapely.LineString([(0, 0), (1, 0)])
    b = shapely.LineString([(2, 0), (1, 0.0001)])  # drawn the other way round
    merged = merge_lines([a, b])
    assert len(merged.geoms) == 1 and merged.length == pytest.approx(2.0, abs=0.001)
