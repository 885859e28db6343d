"""Counties and municipios of the border region: joins, Census 2020 figures, areal weighting."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from geo.errors import BuildError
from geo.measure import area_km2
from geo.ops import is_rfc7946_oriented
from layers import population
from layers.context import BuildContext

# measured on the build of 2026-11; tolerances leave room for small edits of the boundary layer
UNITS = {"US": 48, "MX": 98}
REGION_POPULATION = {"US": 8_690_798, "MX": 8_337_490}
MEXICALI_CENSO_2020 = 1_049_792  # INEGI Censo 2020, Mexicali before San Felipe was split from it


@pytest.fixture(scope="module")
def units(layer):
    return layer("population").set_index("code", drop=False)


def test_every_unit_joined(units) -> None:
    assert units.index.is_unique
    assert units.notna().all().all()
    assert (units["population"] > 0).all()
    assert set(units["state_code"]) == {"04", "06", "35", "48", "02", "05", "08", "19", "26", "28"}
    assert (units["code"].str[:2] == units["state_code"]).all()
    assert set(units.loc[units.country == "US", "state"]) == {"California", "Arizona", "New Mexico", "Texas"}


def test_unit_counts(units) -> None:
    for country, expected in UNITS.items():
        assert abs((units.country == country).sum() - expected) <= 3


@pytest.mark.parametrize(
    ("code", "name", "pop", "share"),
    [
        # Census Bureau ESTIMATESBASE2020 (Vintage 2024): 13 more than the decennial count 3,298,634
        ("06073", "San Diego County", 3_298_647, 0.97),
        ("48141", "El Paso County", 865_710, 1.0),
        ("04013", "Maricopa County", 4_425_315, 0.16),  # only its desert south is within 100 km
        ("02004", "Tijuana", 1_922_523, 1.0),  # INEGI Censo 2020
        ("08037", "Juárez", 1_512_450, 1.0),
        ("28032", "Reynosa", 704_767, 1.0),
    ],
)
def test_known_units(units, code, name, pop, share) -> None:
    row = units.loc[code]
    assert (row["name"], row["population"]) == (name, pop)
    assert row["share_in_region"] == pytest.approx(share, abs=0.01)
    # share is rounded to 1e-6: up to pop * 5e-7 people of difference, plus the rounding of the count
    assert abs(row["population_in_region"] - pop * row["share_in_region"]) <= pop * 5e-7 + 1


def test_san_felipe_split_keeps_the_census_total(units) -> None:
    """San Felipe (02007) was split from Mexicali after the Censo 2020, which counts its people in Mexicali."""
    san_felipe, mexicali = units.loc["02007", "population"], units.loc["02002", "population"]
    assert san_felipe + mexicali == MEXICALI_CENSO_2020
    assert san_felipe == 17_394  # GeoNames: San Felipe 16,702 + Ejido Plan Nacional Agrario 692
    assert "02006" not in units.index  # San Quintín lies wholly beyond 100 km


def test_areal_weighting(units) -> None:
    assert units["share_in_region"].between(0.0, 1.0, inclusive="right").all()
    expected = units["population"] * units["share_in_region"]  # share is published rounded to 1e-6
    assert (units["population_in_region"] - expected).abs().max() <= 5
    density = units["population"] / units["area_km2"]
    assert np.allclose(units["density_per_km2"], density, rtol=1e-4, atol=1e-3)
    assert (units["share_in_region"] >= 0.999).sum() > 60


def test_region_population(units, manifest) -> None:
    by_country = units.groupby("country")["population_in_region"].sum()
    for country, expected in REGION_POPULATION.items():
        assert by_country[country] == pytest.approx(expected, rel=0.03)
    assert 13_000_000 <= by_country.sum() <= 18_000_000  # State Department: "approximately 15 million"
    stats = manifest["layers"]["population"]["stats"]
    assert stats["region_population"] == by_country.sum()
    assert stats["units_by_country"] == {k: int(v) for k, v in units.groupby("country").size().items()}
    assert "areal weighting" in manifest["layers"]["population"]["method"]


def test_geometries(units) -> None:
    assert units.crs.to_epsg() == 4326
    assert all(g.is_valid and g.geom_type == "MultiPolygon" and is_rfc7946_oriented(g) for g in units.geometry)
    # published municipio outlines are simplified to ~50 m; areas were measured before: within 0.1%
    for code in ("02004", "08037", "06073"):
        assert area_km2(units.loc[code, "geometry"]) == pytest.approx(units.loc[code, "area_km2"], rel=1e-3)


def _sources(tmp_path: Path, mirror: Path, replace: dict[str, bytes]) -> Path:
    """A sources directory of links to the mirror, with some files replaced."""
    for file in population.SPEC.sources:
        target = tmp_path / file
        target.parent.mkdir(parents=True, exist_ok=True)
        if file in replace:
            target.write_bytes(replace[file])
        else:
            target.symlink_to(mirror / file)
    return tmp_path


def _context(sources_dir: Path) -> BuildContext:
    return BuildContext("population", sources_dir, population.SPEC.sources, lambda _: gpd.GeoDataFrame(), ())


def test_county_without_population_fails_naming_it(tmp_path, mirror) -> None:
    lines = (mirror / population.CENSUS).read_bytes().splitlines(keepends=True)
    kept = b"".join(line for line in lines if not line.startswith(b"050,4,9,06,073,"))
    assert len(kept) < sum(map(len, lines))
    ctx = _context(_sources(tmp_path, mirror, {population.CENSUS: kept}))
    with pytest.raises(BuildError, match="06073"):
        population.us_counties(ctx)


def test_municipio_without_population_fails_naming_it(tmp_path, mirror) -> None:
    records = json.loads((mirror / population.MUNICIPIOS).read_bytes())
    kept = [r for r in records if r["cve_completa"] != "02004"]
    ctx = _context(_sources(tmp_path, mirror, {population.MUNICIPIOS: json.dumps(kept).encode()}))
    with pytest.raises(BuildError, match="02004"):
        population.mx_municipios(ctx)
