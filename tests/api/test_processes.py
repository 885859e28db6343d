"""OGC API – Processes: list, descriptions, synchronous execution on the real build, errors, the HTML form in
headless Chromium against the real server."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from layers.analytics import border_distance, load, population_within, port_profile, where
from layers.settings import DataSettings

IDS = ["border-distance", "population-within", "where", "port-profile"]
OUTPUT = Path(__file__).resolve().parents[1] / "output"
CHROMIUM = "/usr/bin/chromium"


def test_process_list_and_descriptions(client: TestClient) -> None:
    body = client.get("/processes").json()
    assert [p["id"] for p in body["processes"]] == IDS
    for p in body["processes"]:
        assert p["jobControlOptions"] == ["sync-execute"]
        doc = client.get(f"/processes/{p['id']}").json()
        assert doc["outputs"]["result"]["schema"]
        assert all("schema" in i and i["maxOccurs"] == 1 for i in doc["inputs"].values())
        rels = {link["rel"] for link in doc["links"]}
        assert "http://www.opengis.net/def/rel/ogc/1.0/execute" in rels
    assert client.get("/processes/where").json()["inputs"]["points"]["schema"]["oneOf"][0]["maxItems"] == 10_000


def test_landing_conformance_and_openapi_list_the_processes(client: TestClient) -> None:
    links = client.get("/").json()["links"]
    assert any(link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/processes" for link in links)
    conforms = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core" in conforms
    paths = client.get("/openapi.json").json()["paths"]
    for pid in IDS:
        assert "post" in paths[f"/processes/{pid}/execution"] and "get" in paths[f"/processes/{pid}"]


def test_execution_is_the_python_function(client: TestClient, data_settings: DataSettings) -> None:
    data = load(data_settings.current)
    points = [[-106.48642, 31.75872], [-117.00371, 32.5027]]
    cases = [
        ("border-distance", {"points": points}, border_distance(data, points)),
        ("where", {"points": {"type": "MultiPoint", "coordinates": points}}, where(data, points)),
        ("population-within", {"distance_km": 10, "around": "boundary"}, population_within(data, 10, "boundary")),
        ("port-profile", {"port_code": "2402"}, port_profile(data, "2402")),
    ]
    for pid, inputs, expected in cases:
        r = client.post(f"/processes/{pid}/execution", json={"inputs": inputs})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json" and r.json() == expected
    doc = client.post("/processes/where/execution", json={"inputs": {"points": points}, "response": "document"})
    assert doc.json() == {"result": where(data, points)}


def test_geojson_geometry_input(client: TestClient) -> None:
    line = {"type": "LineString", "coordinates": [[-106.6, 31.8], [-106.3, 31.7]]}
    r = client.post("/processes/population-within/execution", json={"inputs": {"distance_km": 5, "geometry": line}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["geometry_type"] == "LineString" and body["geonames"]["total"] > 1_000_000  # El Paso, Juárez


@pytest.mark.parametrize(("path", "body", "status", "needle"), [
    ("/processes/nope/execution", {"inputs": {}}, 404, "no process 'nope'"),
    ("/processes/where/execution", b"{not json", 400, "not valid JSON"),
    ("/processes/where/execution", [1, 2], 400, "expected a JSON object"),
    ("/processes/where/execution", {"inputs": {}}, 400, "'points' is required"),
    ("/processes/where/execution", {"inputs": {"points": [[1, 2]], "extra": 1}}, 400, "unknown input 'extra'"),
    ("/processes/where/execution", {"inputs": {"points": [[1, 2]]}, "response": "x"}, 400, "response"),
    ("/processes/where/execution", {"inputs": {"points": [[181, 2]]}}, 400, "longitude 181"),
    ("/processes/where/execution", b'{"inputs": {"points": [[NaN, 2]]}}', 400, "not valid JSON"),
    ("/processes/where/execution", b'{"inputs": {"points": [[1e400, 2]]}}', 400, ""),
    ("/processes/border-distance/execution", {"inputs": {"points": [[-106, 31]] * 10_001}}, 400, "at most 10,000"),
    ("/processes/border-distance/execution", {"inputs": {"points": {"type": "LineString", "coordinates": []}}},
     400, "not accepted"),
    ("/processes/population-within/execution", {"inputs": {"distance_km": 0}}, 400, "out of range"),
    ("/processes/population-within/execution", {"inputs": {"distance_km": 10}}, 400, "exactly one"),
    ("/processes/population-within/execution", {"inputs": {"distance_km": 10, "around": "boundary", "geometry": None}},
     400, "null is not a value"),
    ("/processes/population-within/execution", {"inputs": {"distance_km": 10, "around": "x"}}, 404, "no feature"),
    ("/processes/population-within/execution",
     {"inputs": {"distance_km": 10, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}}},
     400, "invalid GeoJSON"),
    ("/processes/port-profile/execution", {"inputs": {"port_code": "0000"}}, 404, "no port '0000'"),
    ("/processes/port-profile/execution", {"inputs": {"port_code": 2504}}, 400, "port code"),
])
def test_bad_execution_requests(client: TestClient, path: str, body, status: int, needle: str) -> None:
    kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
    r = client.post(path, **kwargs)
    assert r.status_code == status, r.text
    err = r.json()
    assert set(err) == {"code", "description"} and needle in err["description"]


def test_unknown_process_and_methods(client: TestClient) -> None:
    assert client.get("/processes/nope").status_code == 404
    assert client.get("/processes/where/execution").status_code == 405
    assert client.get("/processes?f=xml").status_code == 406
    assert client.get("/processes?foo=1").status_code == 400


def test_html_pages(client: TestClient) -> None:
    page = client.get("/processes?f=html")
    assert page.status_code == 200 and "Distance to the border" in page.text
    form = client.get("/processes/border-distance?f=html")
    assert form.status_code == 200 and 'id="execute"' in form.text
    assert "/processes/border-distance/execution" in form.text


def test_html_form_runs_the_process_in_chromium(api_url: str) -> None:
    """Headless Chromium opens the form page of the real server, executes, and shows the JSON result."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "chromium is not installed (apt-get install chromium)"
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{api_url}/processes/population-within?f=html")
        page.click("#execute button")
        page.wait_for_selector("#execute[data-status]", timeout=60_000)
        status = page.get_attribute("#execute", "data-status")
        result = page.inner_text("#result")
        page.screenshot(path=str(OUTPUT / "process-population-within.png"), full_page=True)
        browser.close()
    assert errors == [] and status == "200"
    expected = httpx.post(f"{api_url}/processes/population-within/execution",
                          json={"inputs": {"distance_km": 25, "around": "boundary"}}).json()
    assert f'"total": {expected["areal_weighting"]["total"]}' in result
