"""Standard CQL2 (text and JSON) on the tiny synthetic catalog: NOT, nested NOT, quotes, booleans, NULL
three-valued logic, dates and timestamps, the cql2-json forms, and parse errors that say where and what.

Expected ids are read off the table in tests/api/synthetic.py by hand (storage order: TIJ MXL CJS ONL NOG).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

ITEMS = "/collections/places/items"
ALL = ["TIJ", "MXL", "CJS", "ONL", "NOG"]


def ids(tiny: TestClient, expr: str | dict[str, Any]) -> list[str]:
    """Ids a filter selects (text, or JSON when ``expr`` is a dict), every page followed."""
    params = {"filter": expr} if isinstance(expr, str) else {"filter": json.dumps(expr), "filter-lang": "cql2-json"}
    out: list[str] = []
    url: str | None = ITEMS
    query: dict[str, str] | None = params
    while url:
        r = tiny.get(url, params=query)
        assert r.status_code == 200, r.text
        out += [f["id"] for f in r.json()["features"]]
        url = next((lk["href"] for lk in r.json()["links"] if lk["rel"] == "next"), None)
        query = None
    return out


def prop(name: str) -> dict[str, str]:
    return {"property": name}


#: (cql2-text, the same in cql2-json, expected ids)
PAIRS: list[tuple[str, dict[str, Any] | bool, list[str]]] = [
    ("NOT (pop = 0 AND capital = false)",
     {"op": "not", "args": [{"op": "and", "args": [{"op": "=", "args": [prop("pop"), 0]},
                                                   {"op": "=", "args": [prop("capital"), False]}]}]},
     ["TIJ", "MXL", "CJS", "NOG"]),
    ("NOT (NOT (capital = TRUE))",
     {"op": "not", "args": [{"op": "not", "args": [{"op": "=", "args": [prop("capital"), True]}]}]}, ["MXL"]),
    ("name = 'O''Neill''s Crossing'", {"op": "=", "args": [prop("name"), "O'Neill's Crossing"]}, ["ONL"]),
    ("TRUE", True, ALL),
    ("FALSE", False, []),
    ("capital = FALSE AND TRUE", {"op": "and", "args": [{"op": "=", "args": [prop("capital"), False]}, True]},
     ["TIJ", "CJS", "ONL", "NOG"]),
    # three-valued logic: comparisons with NULL are unknown, NOT unknown is unknown
    ("NOT (name_es = 'Tijuana')", {"op": "not", "args": [{"op": "=", "args": [prop("name_es"), "Tijuana"]}]},
     ["CJS", "ONL", "NOG"]),
    ("name_es <> 'Tijuana'", {"op": "<>", "args": [prop("name_es"), "Tijuana"]}, ["CJS", "ONL", "NOG"]),
    ("NOT (area > 100)", {"op": "not", "args": [{"op": ">", "args": [prop("area"), 100]}]}, ["ONL"]),
    ("area > 100 OR capital = TRUE",
     {"op": "or", "args": [{"op": ">", "args": [prop("area"), 100]}, {"op": "=", "args": [prop("capital"), True]}]},
     ["TIJ", "MXL", "CJS"]),
    ("NOT (area > 100 OR capital = TRUE)",
     {"op": "not", "args": [{"op": "or", "args": [{"op": ">", "args": [prop("area"), 100]},
                                                  {"op": "=", "args": [prop("capital"), True]}]}]}, ["ONL"]),
    ("area IS NULL", {"op": "isNull", "args": [prop("area")]}, ["MXL", "NOG"]),
    ("area IS NOT NULL", {"op": "not", "args": [{"op": "isNull", "args": [prop("area")]}]}, ["TIJ", "CJS", "ONL"]),
    ("name_es NOT IN ('Tijuana')", {"op": "not", "args": [{"op": "in", "args": [prop("name_es"), ["Tijuana"]]}]},
     ["CJS", "ONL", "NOG"]),
    ("name_es NOT LIKE 'C%'", {"op": "not", "args": [{"op": "like", "args": [prop("name_es"), "C%"]}]},
     ["TIJ", "NOG"]),
    # the cql2-json forms of between, like, in, casei, accenti
    ("pop BETWEEN 250000 AND 1600000", {"op": "between", "args": [prop("pop"), 250000, 1600000]},
     ["MXL", "CJS", "NOG"]),
    ("pop NOT BETWEEN 250000 AND 1600000",
     {"op": "not", "args": [{"op": "between", "args": [prop("pop"), 250000, 1600000]}]}, ["TIJ", "ONL"]),
    ("code IN ('TIJ', 'NOG', 'XXX')", {"op": "in", "args": [prop("code"), ["TIJ", "NOG", "XXX"]]}, ["TIJ", "NOG"]),
    ("name LIKE '%s'", {"op": "like", "args": [prop("name"), "%s"]}, ["NOG"]),
    ("CASEI(name) LIKE casei('%JUÁREZ')",
     {"op": "like", "args": [{"op": "casei", "args": [prop("name")]}, {"op": "casei", "args": ["%JUÁREZ"]}]},
     ["CJS"]),
    ("CASEI(code) = casei('tij')",
     {"op": "=", "args": [{"op": "casei", "args": [prop("code")]}, {"op": "casei", "args": ["tij"]}]}, ["TIJ"]),
    ("ACCENTI(name) = accenti('Ciudad Juarez')",
     {"op": "=", "args": [{"op": "accenti", "args": [prop("name")]}, {"op": "accenti", "args": ["Ciudad Juarez"]}]},
     ["CJS"]),
    ("ACCENTI(CASEI(name)) LIKE accenti(casei('%JUAREZ'))",
     {"op": "like", "args": [{"op": "accenti", "args": [{"op": "casei", "args": [prop("name")]}]},
                             {"op": "accenti", "args": [{"op": "casei", "args": ["%JUAREZ"]}]}]}, ["CJS"]),
    # dates and timestamps
    ("founded >= DATE('2000-01-01')", {"op": ">=", "args": [prop("founded"), {"date": "2000-01-01"}]}, ["ONL"]),
    ("NOT (founded < DATE('1900-01-01'))",
     {"op": "not", "args": [{"op": "<", "args": [prop("founded"), {"date": "1900-01-01"}]}]}, ["MXL", "ONL"]),
    ("founded = TIMESTAMP('1903-03-14T00:00:00Z')",
     {"op": "=", "args": [prop("founded"), {"timestamp": "1903-03-14T00:00:00Z"}]}, ["MXL"]),
    ("founded > TIMESTAMP('1903-03-14T00:00:00Z')",
     {"op": ">", "args": [prop("founded"), {"timestamp": "1903-03-14T00:00:00Z"}]}, ["ONL"]),
    ("founded BETWEEN DATE('1800-01-01') AND DATE('1950-01-01')",
     {"op": "between", "args": [prop("founded"), {"date": "1800-01-01"}, {"date": "1950-01-01"}]}, ["TIJ", "MXL"]),
    ("T_INTERSECTS(founded, INTERVAL('1880-01-01', '1905-12-31'))",
     {"op": "t_intersects", "args": [prop("founded"), {"interval": ["1880-01-01", "1905-12-31"]}]}, ["TIJ", "MXL"]),
    ("T_DURING(founded, INTERVAL('2000-01-01', '..'))",
     {"op": "t_during", "args": [prop("founded"), {"interval": ["2000-01-01", ".."]}]}, ["ONL"]),
    ("T_BEFORE(founded, DATE('1700-01-01'))", {"op": "t_before", "args": [prop("founded"), {"date": "1700-01-01"}]},
     ["CJS"]),
    ("T_AFTER(founded, DATE('1900-01-01'))", {"op": "t_after", "args": [prop("founded"), {"date": "1900-01-01"}]},
     ["MXL", "ONL"]),
    # arithmetic and spatial
    ("pop / area > 3000", {"op": ">", "args": [{"op": "/", "args": [prop("pop"), prop("area")]}, 3000]},
     ["CJS"]),
    ("S_INTERSECTS(geometry, BBOX(-118, 32, -110, 33))",
     {"op": "s_intersects", "args": [prop("geometry"), {"bbox": [-118, 32, -110, 33]}]}, ["TIJ", "MXL"]),
    ("S_WITHIN(geometry, POLYGON((-107 31, -97 25, -97 32, -107 32, -107 31)))",
     {"op": "s_within", "args": [prop("geometry"), {"type": "Polygon", "coordinates": [
         [[-107, 31], [-97, 25], [-97, 32], [-107, 32], [-107, 31]]]}]}, ["CJS", "ONL"]),
]


@pytest.mark.parametrize(("text", "expr", "expected"), PAIRS, ids=[p[0] for p in PAIRS])
def test_text_and_json_agree(tiny: TestClient, text: str, expr: dict[str, Any] | bool, expected: list[str]) -> None:
    assert ids(tiny, text) == expected
    as_json = json.dumps(expr)
    r = tiny.get(ITEMS, params={"filter": as_json, "filter-lang": "cql2-json", "limit": 3})
    assert r.status_code == 200, r.text
    assert r.json()["numberMatched"] == len(expected)
    if isinstance(expr, dict):
        assert ids(tiny, expr) == expected


@pytest.mark.parametrize(("text", "where", "what"), [
    ("pop >", "column 6", "expected"),
    ("pop > 1 AND", "column 12", "expected"),
    ("name = 'unterminated", "column", "expected"),
    ("(pop > 1", "column 9", "expected"),
    ("pop >> 1", "column 6", 'found "> 1", expected a geometry, a property name, a number, NOT'),
])
def test_parse_errors_say_where_and_what(tiny: TestClient, text: str, where: str, what: str) -> None:
    r = tiny.get(ITEMS, params={"filter": text})
    assert r.status_code == 400 and r.json()["code"] == "InvalidParameterValue"
    description = r.json()["description"]
    assert where in description and what in description, description


@pytest.mark.parametrize(("expr", "words"), [
    ("founded = '2010-01-01'", "DATE('YYYY-MM-DD')"),
    ("pop = 'many'", "is a number"),
    ("nosuch = 1", "unknown property 'nosuch'"),
    ("founded = DATE('2010-13-01')", "not a YYYY-MM-DD date"),
    ("name = NULL", "IS NULL"),
    ("LOWER(name) = 'x'", "CASEI"),
    ("A_CONTAINS(name, ('x'))", "no array"),
    ({"op": "between", "args": [{"property": "pop"}, 1]}, "BETWEEN takes 3"),
    ({"op": "in", "args": [{"property": "pop"}, []]}, "non-empty list"),
    ({"op": "frobnicate", "args": []}, "FROBNICATE() is not supported"),
    ({"op": "=", "args": [{"property": "pop"}]}, "= takes 2"),
])
def test_bad_filters_name_the_problem(tiny: TestClient, expr: str | dict[str, Any], words: str) -> None:
    params = {"filter": expr} if isinstance(expr, str) else {"filter": json.dumps(expr), "filter-lang": "cql2-json"}
    r = tiny.get(ITEMS, params=params)
    assert r.status_code == 400, r.text
    assert words in r.json()["description"], r.json()["description"]


def test_dates_are_served_as_iso_strings_and_queryables_say_date(tiny: TestClient) -> None:
    feature = tiny.get(f"{ITEMS}/TIJ").json()
    assert feature["properties"]["founded"] == "1889-07-11"
    assert tiny.get(f"{ITEMS}/NOG").json()["properties"]["founded"] is None
    founded = tiny.get("/collections/places/queryables").json()["properties"]["founded"]
    assert founded["type"] == ["string", "null"] and founded["format"] == "date"
    csv = tiny.get(ITEMS, params={"f": "csv", "properties": "code,founded", "skipGeometry": "true"}).text
    assert csv.splitlines()[:2] == ["code,founded", "TIJ,1889-07-11"]
