"""CQL2 -> SQL on the real PostGIS database, checked against pandas/shapely on the same GeoParquet files."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

import asyncpg
import cql2
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from api.crs import SUPPORTED
from api.pgsql import Params, compile_where
from geo.errors import InvalidParameterError
from layers.pgload import quote_ident, schema_for
from layers.registry import default_registry
from layers.spec import LayerSpec, Prop


def ids_where(dsn: str, build_id: str, layer_id: str, node: Any, crs_uri: str | None = None) -> list[Any]:
    """Ids of the features of ``layer_id`` selected by the cql2-json ``node``, in storage order."""
    spec = default_registry()[layer_id]
    params = Params()
    crs = SUPPORTED[crs_uri] if crs_uri else SUPPORTED["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
    where = compile_where(node, spec, params, crs)
    sql = (f"SELECT {quote_ident(spec.id_field)} FROM {quote_ident(schema_for(build_id))}.{quote_ident(layer_id)} "
           f"WHERE {where} ORDER BY _ord")

    async def run() -> list[Any]:
        conn = await asyncpg.connect(dsn)
        try:
            return [r[0] for r in await conn.fetch(sql, *params.values)]
        finally:
            await conn.close()

    return asyncio.run(run())


def text(expr: str) -> Any:
    """cql2-text parsed by the cql2 package to its JSON form."""
    return cql2.parse_text(expr).to_json()


def fold(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", value) if unicodedata.category(c) != "Mn")


Ref = Callable[[gpd.GeoDataFrame], "pd.Series[bool]"]
BOX = shapely.box(-107, 31, -106, 32)
CASES: list[tuple[str, str, Ref]] = [
    ("cities", "population > 100000", lambda g: g.population > 100000),
    ("cities", "population >= 100000 AND country = 'MX'", lambda g: (g.population >= 100000) & (g.country == "MX")),
    ("cities", "name LIKE 'San %'", lambda g: g["name"].str.startswith("San ")),
    ("cities", "name LIKE '_uerto%'", lambda g: g["name"].str.match(r"^.uerto")),
    ("cities", "CASEI(name) LIKE CASEI('SAN%')", lambda g: g["name"].str.lower().str.startswith("san")),
    ("cities", "ACCENTI(CASEI(name)) LIKE '%juarez%'",
     lambda g: g["name"].map(lambda s: "juarez" in fold(s.lower()))),
    ("cities", "ACCENTI(name) <> name", lambda g: g["name"].map(fold) != g["name"]),
    ("cities", "name = 'Nogales' OR name = 'Tijuana'", lambda g: g["name"].isin(["Nogales", "Tijuana"])),
    ("cities", "name > 'Y'", lambda g: g["name"] > "Y"),  # code-point order, as Python compares
    ("cities", "population BETWEEN 50000 AND 60000", lambda g: g.population.between(50000, 60000)),
    ("cities", "NOT (population BETWEEN 500 AND 600000)", lambda g: ~g.population.between(500, 600000)),
    ("cities", "population / 0 > 1 OR population * 2 + 1 > 3000001",
     lambda g: g.population * 2 + 1 > 3000001),  # division by zero is null, so only the right side selects
    ("cities", "S_INTERSECTS(geometry, BBOX(-107,31,-106,32))", lambda g: g.intersects(BOX)),
    ("cities", "NOT S_INTERSECTS(geometry, BBOX(-107,31,-106,32)) AND population > 200000",
     lambda g: ~g.intersects(BOX) & (g.population > 200000)),
    ("cities", "S_WITHIN(geometry, POLYGON((-107 31, -106 31, -106 32, -107 31)))",
     lambda g: g.within(shapely.Polygon([(-107, 31), (-106, 31), (-106, 32)]))),
    ("ports", "state_code IN ('TX', 'AZ')", lambda g: g.state_code.isin(["TX", "AZ"])),
    ("ports", "state_code NOT IN ('TX', 'AZ')", lambda g: ~g.state_code.isin(["TX", "AZ"])),
    ("ports", "NOT (NOT (state_code = 'CA'))", lambda g: g.state_code == "CA"),
    ("ports", "NOT (state_code = 'CA' AND trucks_2018 = 0)",
     lambda g: ~((g.state_code == "CA") & (g.trucks_2018 == 0))),
    ("ports", "TRUE", lambda g: g.state_code.notna()),
    ("ports", "FALSE OR name = 'San Ysidro'", lambda g: g["name"] == "San Ysidro"),
    ("crossings", "rail = TRUE AND commercial", lambda g: g.rail & g.commercial),
    ("boundary", "length_km * 1000 > 200000", lambda g: g.length_km * 1000 > 200000),
    ("boundary", "S_CROSSES(geometry, LINESTRING(-106.5 31.5, -106.5 32))",
     lambda g: g.crosses(shapely.LineString([(-106.5, 31.5), (-106.5, 32)]))),
    # three-valued logic on a nullable property: NOT of unknown is unknown, never true
    ("rivers", "NOT (name_es = 'Río Bravo')", lambda g: g.name_es.notna() & (g.name_es != "Río Bravo")),
    ("rivers", "name_es <> 'Río Bravo'", lambda g: g.name_es.notna() & (g.name_es != "Río Bravo")),
    ("rivers", "name_es IS NULL", lambda g: g.name_es.isna()),
    ("rivers", "NOT (name_es IS NULL)", lambda g: g.name_es.notna()),
    ("rivers", "scalerank BETWEEN 3 AND 6 OR name_es LIKE '%o'",
     lambda g: g.scalerank.between(3, 6) | g.name_es.fillna("").str.endswith("o")),
    ("rivers", "NOT (scalerank < 5)", lambda g: g.scalerank.notna() & ~(g.scalerank < 5)),
    ("watersheds", "treaty_article = 'it''s' OR parent_basin IS NOT NULL", lambda g: g.parent_basin.notna()),
]


@pytest.mark.parametrize(("layer_id", "expr", "reference"), CASES, ids=[c[1] for c in CASES])
def test_selects_what_pandas_selects(pg_dsn: str, manifest: dict, layer, layer_id: str, expr: str,
                                     reference: Ref) -> None:
    gdf = layer(layer_id)
    expected = list(gdf.loc[reference(gdf).fillna(False).astype(bool).values, default_registry()[layer_id].id_field])
    assert ids_where(pg_dsn, manifest["build_id"], layer_id, text(expr)) == expected


def test_some_cases_select_something(layer) -> None:
    """The matrix is not vacuous: most cases select some but not all features."""
    partial = [expr for lid, expr, ref in CASES if 0 < int(ref(layer(lid)).fillna(False).sum()) < len(layer(lid))]
    assert len(partial) >= len(CASES) - 6


def test_cql2_json_forms(pg_dsn: str, manifest: dict, layer) -> None:
    cities = layer("cities")
    big = list(cities.geonameid[cities.population.between(100000, 200000)])
    between = {"op": "between", "args": [{"property": "population"}, 100000, 200000]}
    assert ids_where(pg_dsn, manifest["build_id"], "cities", between) == big
    like = {"op": "like", "args": [{"op": "casei", "args": [{"property": "name"}]}, {"op": "casei", "args": ["SAN%"]}]}
    assert ids_where(pg_dsn, manifest["build_id"], "cities", like) == \
        list(cities.geonameid[cities["name"].str.lower().str.startswith("san")])
    inside = {"op": "in", "args": [{"property": "geonameid"}, big[:3]]}
    assert ids_where(pg_dsn, manifest["build_id"], "cities", inside) == big[:3]
    accent = {"op": "=", "args": [{"op": "accenti", "args": [{"property": "name"}]},
                                  {"op": "accenti", "args": ["Ciudad Juárez"]}]}
    assert ids_where(pg_dsn, manifest["build_id"], "cities", accent) == \
        list(cities.geonameid[cities["name"].map(fold) == "Ciudad Juarez"])


def test_geometry_literal_in_filter_crs(pg_dsn: str, manifest: dict, layer) -> None:
    """A box given in EPSG:3857 selects by its true outline, converted to storage."""
    cities = layer("cities")
    x0, y0, x1, y1 = cities.to_crs(3857).total_bounds
    mid = (x0 + x1) / 2
    node = {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [x0 - 1, y0 - 1, mid, y1 + 1]}]}
    got = ids_where(pg_dsn, manifest["build_id"], "cities", node, "http://www.opengis.net/def/crs/EPSG/0/3857")
    assert got == list(cities.geonameid[cities.to_crs(3857).geometry.x <= mid])


def test_client_text_is_never_part_of_the_statement(pg_dsn: str, manifest: dict) -> None:
    hostile = "x'); DROP TABLE cities; --"
    node = text(f"name = '{hostile.replace(chr(39), chr(39) * 2)}'")
    params = Params()
    where = compile_where(node, default_registry()["cities"], params)
    assert hostile not in where and "DROP" not in where and params.values == [hostile]
    assert ids_where(pg_dsn, manifest["build_id"], "cities", node) == []
    assert len(ids_where(pg_dsn, manifest["build_id"], "cities", True)) > 0  # the table is still there


@pytest.mark.parametrize(("node", "message"), [
    ({"op": "=", "args": [{"property": 'name"; DROP TABLE cities; --'}, "x"]}, "unknown property"),
    ({"op": "=", "args": [{"property": "population"}, "many"]}, "'population' is a integer and cannot be compared"),
    ({"op": "=", "args": [{"property": "name"}, 3]}, "'name' is a string and cannot be compared"),
    ({"op": "like", "args": [{"property": "population"}, "1%"]}, "LIKE compares text"),
    ({"op": "=", "args": [{"property": "geometry"}, "x"]}, "geometry can only be used in spatial functions"),
    ({"op": "s_intersects", "args": [{"property": "name"}, {"bbox": [0, 0, 1, 1]}]}, "'name' is not a geometry"),
    ({"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [0, 0, 1]}]}, "4 or 6 numbers"),
    ({"op": "t_before", "args": [{"property": "name"}, {"date": "2010-01-01"}]}, "name is not a date"),
    ({"op": "a_contains", "args": [{"property": "name"}, ["x"]]}, "operator 'a_contains' is not supported"),
    ({"op": "upper", "args": [{"property": "name"}]}, "operator 'upper' is not supported"),
    ({"op": "=", "args": [{"op": "upper", "args": [{"property": "name"}]}, "X"]}, "unknown function upper()"),
    ({"op": "=", "args": [{"property": "name"}, {"date": "2010-13-45"}]}, "not a valid DATE"),
    ({"op": "in", "args": [{"property": "name"}, []]}, "non-empty list"),
    ({"op": "not", "args": []}, "NOT takes 1 argument"),
    ({"op": "and", "args": [True]}, "AND needs at least two"),
    ({"op": "+", "args": [{"property": "name"}, 1]}, "operator '+' is not supported"),
    ({"op": ">", "args": [{"op": "+", "args": [{"property": "name"}, 1]}, 1]}, "arithmetic needs numbers"),
    ("name", "not a condition"),
    (None, "not a condition"),
])
def test_invalid_filters_are_400_before_any_sql(node: Any, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        compile_where(node, default_registry()["cities"], Params())


def test_deep_nesting_is_refused() -> None:
    node: Any = {"op": "=", "args": [{"property": "name"}, "x"]}
    for _ in range(100):
        node = {"op": "not", "args": [node]}
    with pytest.raises(InvalidParameterError, match="nested more than"):
        compile_where(node, default_registry()["cities"], Params())


DAYS = [date(2010, 1, 1), None, date(2010, 1, 31), date(2011, 6, 15), date(2009, 12, 31)]


@pytest.fixture(scope="module")
def dated(pg_dsn: str) -> tuple[str, LayerSpec]:
    """A small table with a nullable date column (the layout the loader writes), and its declaration."""
    spec = LayerSpec(id="dated", title="dated", description="", geometry_type="Point", id_field="fid",
                     properties=(Prop("fid", "integer", ""), Prop("day", "date", "", nullable=True)), sources=(),
                     licence="", attribution="", build=lambda ctx: None)  # type: ignore[arg-type,return-value]

    async def create() -> None:
        conn = await asyncpg.connect(pg_dsn)
        try:
            await conn.execute("DROP SCHEMA IF EXISTS t_dated CASCADE; CREATE SCHEMA t_dated; "
                               "CREATE TABLE t_dated.dated (_ord int, fid bigint, day date, geom geometry)")
            await conn.executemany("INSERT INTO t_dated.dated VALUES ($1, $2, $3, 'POINT(0 0)')",
                                   [(i, i + 1, d) for i, d in enumerate(DAYS)])
        finally:
            await conn.close()

    asyncio.run(create())
    return pg_dsn, spec


def dated_ids(dated: tuple[str, LayerSpec], node: Any) -> list[int]:
    dsn, spec = dated
    params = Params()
    sql = f"SELECT fid FROM t_dated.dated WHERE {compile_where(node, spec, params)} ORDER BY _ord"

    async def run() -> list[int]:
        conn = await asyncpg.connect(dsn, server_settings={"timezone": "UTC"})
        try:
            return [r[0] for r in await conn.fetch(sql, *params.values)]
        finally:
            await conn.close()

    return asyncio.run(run())


def where_days(test: Callable[[date], bool]) -> list[int]:
    return [i + 1 for i, d in enumerate(DAYS) if d is not None and test(d)]


@pytest.mark.parametrize(("expr", "test"), [
    ("day = DATE('2010-01-31')", lambda d: d == date(2010, 1, 31)),
    ("day > DATE('2010-01-01')", lambda d: d > date(2010, 1, 1)),
    ("NOT (day > DATE('2010-01-01'))", lambda d: d <= date(2010, 1, 1)),  # the null day stays out
    ("day >= TIMESTAMP('2010-01-31T00:00:00Z')", lambda d: d >= date(2010, 1, 31)),
    ("day > TIMESTAMP('2010-01-30T12:00:00Z')", lambda d: d >= date(2010, 1, 31)),  # a day is its midnight
    ("day BETWEEN DATE('2010-01-01') AND DATE('2010-12-31')", lambda d: d.year == 2010),
    ("T_BEFORE(day, DATE('2010-01-01'))", lambda d: d < date(2010, 1, 1)),
    ("T_AFTER(day, INTERVAL('2009-01-01', '2010-01-31'))", lambda d: d > date(2010, 1, 31)),
    ("T_DURING(day, INTERVAL('2010-01-01', '..'))", lambda d: d >= date(2010, 1, 1)),
    ("T_INTERSECTS(day, INTERVAL('..', '2010-01-01'))", lambda d: d <= date(2010, 1, 1)),
    ("T_DISJOINT(day, INTERVAL('2010-01-01', '2010-12-31'))", lambda d: d.year != 2010),
    ("T_EQUALS(day, DATE('2011-06-15'))", lambda d: d == date(2011, 6, 15)),
])
def test_dates_and_timestamps(dated: tuple[str, LayerSpec], expr: str, test: Callable[[date], bool]) -> None:
    assert dated_ids(dated, text(expr)) == where_days(test)


def test_null_dates(dated: tuple[str, LayerSpec]) -> None:
    assert dated_ids(dated, text("day IS NULL")) == [2]
    assert dated_ids(dated, text("NOT (day IS NULL) AND NOT (day = DATE('2010-01-01'))")) == [3, 4, 5]
