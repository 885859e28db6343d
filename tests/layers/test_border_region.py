"""The La Paz Agreement border region: 100 km geodesic width, areas, population per country."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.buffer import geodesic_distance_km
from geo.measure import area_km2
from geo.ops import is_rfc7946_oriented
from layers.readers import dcw_rings

DCW_ENTITIES = ("MX", "USCA", "USAZ", "USNM", "USTX")
# measured on the build of 2026-12 (TIGER/IBWC boundary, 1,974.5 mi); tolerances leave room for small edits.
# On the former DCW line (1,860 mi): US 241,292 km², 8,690,798; MX 234,332 km², 8,337,490.
AREA_KM2 = {"US": 241_443.6, "MX": 234_364.5}
POPULATION = {"US": 8_702_957, "MX": 8_334_971}


@pytest.fixture(scope="module")
def region(layer):
    return layer("border-region").set_index("country", drop=False)


@pytest.fixture(scope="module")
def boundary_line(layer):
    return shapely.union_all(np.asarray(layer("boundary").geometry.values))


@pytest.fixture(scope="module")
def coasts(data_settings):
    """Every DCW ring of Mexico and the four US states as lines: coasts and the international border."""
    path = data_settings.sources_dir / "dcw" / "dcw-gmt.nc"
    rings = [r for code in DCW_ENTITIES for r in dcw_rings(path, code) if len(r) >= 2]
    return shapely.multilinestrings([shapely.linestrings(r) for r in rings])


def test_one_valid_multipolygon_per_country(region) -> None:
    assert sorted(region["country"]) == ["MX", "US"]
    for geom in region.geometry:
        assert geom.geom_type == "MultiPolygon" and geom.is_valid and is_rfc7946_oriented(geom)
    assert region.crs.to_epsg() == 4326
    assert region.loc["MX", "name_es"] == "Región fronteriza (Acuerdo de La Paz) – México"
    assert region.loc["US", "name"] == "Border region (La Paz Agreement) – United States"
    assert set(region["width_km"]) == {100.0}


@pytest.mark.parametrize("country", ["US", "MX"])
def test_inland_edge_is_100_km_from_the_boundary(region, boundary_line, coasts, country) -> None:
    """Points sampled along the region's outline, away from coasts and the border, lie 100 km ± 1% away."""
    parts = shapely.get_parts(region.loc[country, "geometry"])
    outline = shapely.get_exterior_ring(parts[np.argmax(shapely.area(parts))])
    samples = shapely.line_interpolate_point(outline, np.random.default_rng(7).random(300), normalized=True)
    # > ~1 km from any DCW coast or border, and from the boundary line the sides are split by
    inland = samples[(shapely.distance(samples, coasts) > 0.01) & (shapely.distance(samples, boundary_line) > 0.01)]
    assert len(inland) > 80
    km = np.array([geodesic_distance_km(p.x, p.y, boundary_line) for p in inland])
    assert km.min() > 99.0 and km.max() < 101.0
    assert np.abs(km - 100.0).max() < 0.2  # measured: 99.89..100.04 km


def test_region_stays_within_100_km(region, boundary_line) -> None:
    """Interior points of the region, far from its edge, are all nearer than 100 km."""
    rng = np.random.default_rng(3)
    for geom in region.geometry:
        west, south, east, north = geom.bounds
        lon, lat = rng.uniform(west, east, 400), rng.uniform(south, north, 400)
        inside = shapely.contains_xy(geom, lon, lat)
        assert inside.sum() > 40
        km = [geodesic_distance_km(x, y, boundary_line) for x, y in zip(lon[inside], lat[inside], strict=True)]
        assert max(km) < 100.0


def test_areas_are_geodesic(region) -> None:
    for country, expected in AREA_KM2.items():
        assert region.loc[country, "area_km2"] == pytest.approx(expected, rel=0.01)
        assert region.loc[country, "area_km2"] == pytest.approx(area_km2(region.loc[country, "geometry"]), abs=0.1)


def test_population_is_the_sum_of_the_population_layer(region, layer) -> None:
    units = layer("population")
    for country, expected in POPULATION.items():
        assert region.loc[country, "population"] == units.loc[units.country == country, "population_in_region"].sum()
        assert region.loc[country, "population"] == pytest.approx(expected, rel=0.03)
        assert region.loc[country, "n_units"] == (units.country == country).sum()
    assert 13_000_000 <= region["population"].sum() <= 18_000_000  # State Department: about 15 million


def test_states(region) -> None:
    assert region.loc["US", "n_states"] == 4
    assert region.loc["US", "states"] == "California, Arizona, New Mexico, Texas"
    assert region.loc["MX", "n_states"] == 6
    assert region.loc["MX", "states"].split(", ")[0] == "Baja California"
    assert region.loc["MX", "states"].split(", ")[-1] == "Tamaulipas"


def test_sides_meet_on_the_boundary_line(region, boundary_line, manifest) -> None:
    us, mx = region.loc["US", "geometry"], region.loc["MX", "geometry"]
    overlap = shapely.intersection(us, mx)
    assert overlap.area == 0.0  # they touch along the line, nothing more
    line = shapely.line_merge(boundary_line)
    points = shapely.line_interpolate_point(line, np.linspace(0.01, 0.99, 200), normalized=True)
    assert (shapely.distance(points, us) < 1e-9).all() and (shapely.distance(points, mx) < 1e-9).all()
    stats = manifest["layers"]["border-region"]["stats"]
    assert stats["population"] == region["population"].sum()
    assert stats["zone_area_km2_land_and_sea"] > region["area_km2"].sum()


def test_known_places_are_on_the_right_side(region) -> None:
    us, mx = region.loc["US", "geometry"], region.loc["MX", "geometry"]
    # (lon, lat): San Diego, Tucson (97 km), Tijuana, Monterrey (147 km: outside), Phoenix (188 km: outside)
    assert us.contains(shapely.Point(-117.16, 32.72)) and us.contains(shapely.Point(-110.93, 32.22))
    assert mx.contains(shapely.Point(-117.02, 32.52)) and not mx.contains(shapely.Point(-100.32, 25.67))
    assert not us.contains(shapely.Point(-112.07, 33.45))
