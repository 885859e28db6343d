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
        ("rio-grande", "rio-grande", "US"), ("colorado", "colorado", "both"), ("pecos", "pecos", "US"),
        ("rio-grande-boundary", "rio-grande", "both"), ("colorado-boundary", "colorado", "both"),
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
    # The boundary stretch (TIGER/IBWC, El Paso to the Gulf) keeps the meanders: with the 1:10m part above
    # El Paso the river measures 2,950 km, 97 % of the 3,051 km (1,896 mi) usually published (1:10m alone: 79 %).
    upper, border = rivers.loc["rio-grande", "length_km"], rivers.loc["rio-grande-boundary", "length_km"]
    assert upper == pytest.approx(895.2, abs=1.0)
    assert border == pytest.approx(1277.0 * 1.609344, abs=1.0)  # the boundary's Rio Grande, 1,277.0 mi
    assert 0.95 < (upper + border) / 3051 < 1.0


def test_colorado_and_pecos_lengths(rivers) -> None:
    # Published: Colorado 2,330 km, Pecos 1,490 km; here 81 % and 71 % of them.
    colorado = rivers.loc["colorado", "length_km"] + rivers.loc["colorado-boundary", "length_km"]
    assert colorado == pytest.approx(1896.0, abs=1.0)
    assert rivers.loc["pecos", "length_km"] == pytest.approx(1061.6, abs=1.0)
    assert 0.75 < colorado / 2330 < 0.85


@pytest.mark.parametrize(("river_id", "kind"), [("rio-grande", "Rio Grande"), ("colorado", "Colorado River")])
def test_the_stretch_that_forms_the_boundary_is_the_boundary_line(rivers, boundary, river_id, kind) -> None:
    """Same coordinates as the boundary layer's segments of that kind, vertex for vertex, and flagged."""
    segments = boundary[boundary["kind"] == kind].sort_values("seq").geometry
    line = np.vstack([np.asarray(g.coords)[1 if k else 0 :] for k, g in enumerate(segments)])
    stretch = rivers.loc[f"{river_id}-boundary"]
    assert bool(stretch["forms_boundary"]) and len(stretch.geometry.geoms) == 1
    assert np.array_equal(np.asarray(stretch.geometry.geoms[0].coords), line)
    assert stretch["length_km"] == pytest.approx(segments.map(length_km).sum(), abs=0.01)
    assert rivers.loc[~rivers.index.str.endswith("-boundary"), "forms_boundary"].eq(False).all()


@pytest.mark.parametrize(("river_id", "kind"), [("rio-grande", "Rio Grande"), ("colorado", "Colorado River")])
def test_a_map_shows_one_line_along_the_boundary(rivers, boundary, river_id, kind) -> None:
    """The 1:10m parts of the river stop at the stretch's ends: none of them runs beside the boundary."""
    border = shapely.union_all(list(boundary[boundary["kind"] == kind].geometry))
    stretch = rivers.geometry[f"{river_id}-boundary"].geoms[0]
    parts = list(rivers.geometry[river_id].geoms)
    assert parts[0].coords[-1] == stretch.coords[0]  # upstream part ends where the stretch begins
    beside = shapely.intersection(rivers.geometry[river_id], border.buffer(0.02))  # ~2 km either side
    assert length_km(beside) < 6.0  # only where the parts meet the stretch (was ~2,000 km for the Rio Grande)


def test_rio_grande_runs_from_colorado_to_the_gulf(rivers, boundary) -> None:
    upper = rivers.geometry["rio-grande"].geoms[0]
    assert len(rivers.geometry["rio-grande"].geoms) == 1  # the 1:10m tail past the shore is dropped
    assert max(upper.coords[0][1], upper.coords[-1][1]) > 37.5  # San Juan Mountains, Colorado
    end = rivers.geometry["rio-grande-boundary"].geoms[0].coords[-1]
    assert end == boundary.sort_values("seq").geometry.iloc[-1].coords[-1]  # the boundary's end at the Gulf
    assert distance_to_km(*end, shapely.Point(-97.1453, 25.9561)) < 1  # mouth (IBWC)


@pytest.mark.parametrize("river_id", ["pecos", "devils", "conchos", "san-rodrigo", "el-caballo"])
def test_tributaries_join_the_boundary_stretch(rivers, river_id: str) -> None:
    stretch = rivers.geometry["rio-grande-boundary"]
    ends = [shapely.Point(p.coords[i]) for p in rivers.geometry[river_id].geoms for i in (0, -1)]
    assert min(stretch.distance(e) for e in ends) < 1e-9


def test_colorado_reaches_the_boundary_and_goes_on_into_mexico(rivers) -> None:
    stretch = rivers.geometry["colorado-boundary"].geoms[0]
    parts = list(rivers.geometry["colorado"].geoms)
    assert parts[1].coords[0] == stretch.coords[-1]  # the part in Mexico starts where the boundary leaves it
    assert parts[1].coords[-1][1] < 32.2  # towards the delta
    assert rivers.loc["colorado-boundary", "length_mi"] == pytest.approx(23.4, abs=0.1)  # IBWC: 24 mi


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
    assert rivers.index.is_unique and len(rivers) == 66
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
