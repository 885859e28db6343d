"""The reservoirs layer: the international dams straddle the boundary, the big reservoirs sit in their basins."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.measure import area_km2
from geo.ops import is_rfc7946_oriented


@pytest.fixture(scope="module")
def reservoirs(layer) -> gpd.GeoDataFrame:
    return layer("reservoirs").set_index("reservoir_id")


@pytest.mark.parametrize(
    ("reservoir_id", "name_es", "share_mx"),
    # measured with the TIGER (IBWC) line; with the former DCW line 0.205 and 0.432
    [("amistad", "Presa La Amistad", 0.217), ("falcon", "Presa Falcón", 0.450)],
)
def test_international_dams_straddle_the_border(reservoirs, layer, reservoir_id: str, name_es: str,
                                                share_mx: float) -> None:
    row = reservoirs.loc[reservoir_id]
    boundary = layer("boundary")
    rio_grande = shapely.union_all(list(boundary.loc[boundary["kind"] == "Rio Grande"].geometry))
    assert row.geometry.intersects(rio_grande)
    assert row["country"] == "both" and row["basin_id"] == "rio-grande"
    assert row["name_es"] == name_es
    assert row["share_mx"] == pytest.approx(share_mx, abs=0.002)


@pytest.mark.parametrize(
    ("reservoir_id", "basin_id", "country", "area"),
    [
        # Natural Earth 1:10m polygon areas (geodesic), measured
        ("mead", "colorado", "US", 786.8), ("powell", "colorado", "US", 841.6),
        ("havasu", "colorado", "US", 77.5), ("mohave", "colorado", "US", 81.0),
        ("elephant-butte", "rio-grande", "US", 57.9), ("caballo", "rio-grande", "US", 50.0),
        ("boquilla", "rio-grande", "MX", 88.6), ("marte-r-gomez", "rio-grande", "MX", 194.9),
        ("amistad", "rio-grande", "both", 250.7), ("falcon", "rio-grande", "both", 466.8),
        ("brantley", "pecos", "US", 55.5), ("red-bluff", "pecos", "US", 49.7),
    ],
)
def test_reservoirs_in_their_basins(reservoirs, reservoir_id: str, basin_id: str, country: str,
                                    area: float) -> None:
    row = reservoirs.loc[reservoir_id]
    assert (row["basin_id"], row["country"]) == (basin_id, country)
    assert row["area_km2"] == pytest.approx(area, abs=0.1)


def test_reservoirs_lie_in_their_basin(reservoirs, layer) -> None:
    basins = layer("watersheds").set_index("basin_id")
    for reservoir_id, row in reservoirs.iterrows():
        inside = area_km2(row.geometry.intersection(basins.geometry[row["basin_id"]]))
        assert inside > 0.5 * row["area_km2"], reservoir_id


def test_names(reservoirs) -> None:
    assert reservoirs.loc["marte-r-gomez", "name"] == "Presa Marte R. Gómez"
    assert reservoirs.loc["boquilla", "name_es"] == "Presa La Boquilla"
    assert reservoirs.loc["mead", "name"] == "Lake Mead" and reservoirs["name_es"].isna().sum() == 11


def test_country_agrees_with_share(reservoirs) -> None:
    expected = np.where(reservoirs["share_mx"] == 0, "US", np.where(reservoirs["share_mx"] == 1, "MX", "both"))
    assert reservoirs["country"].tolist() == expected.tolist()


def test_areas_and_geometries(reservoirs) -> None:
    assert reservoirs.crs.to_epsg() == 4326
    assert len(reservoirs) == 15 and reservoirs.index.is_unique
    assert set(reservoirs.geom_type) == {"MultiPolygon"} and reservoirs.is_valid.all()
    assert all(is_rfc7946_oriented(g) for g in reservoirs.geometry)
    assert np.allclose(reservoirs["area_km2"], [area_km2(g) for g in reservoirs.geometry], atol=0.01)
    assert set(reservoirs["featurecla"]) == {"Reservoir", "Lake", "Alkaline Lake"}


def test_manifest_lists_the_international_reservoirs(manifest) -> None:
    assert set(manifest["layers"]["reservoirs"]["stats"]["international"]) == {"amistad", "falcon"}
