"""schemathesis fuzzes the running server from its own /openapi.json with every check: zero failures.

Bounded: a fixed seed and a fixed number of examples per operation (about a minute here; ``--max-time``
is not used because it makes fuzzing repeat until the budget is spent). The JUnit report is parsed so a
failure names the operation and the check that failed.

One check is configured, on the items and process execution operations only: ``positive_data_acceptance``
also accepts 400 there (and 404 for an unknown port code or feature id given to a process), because OGC
API parameters carry rules OpenAPI 3.0 cannot state (a cql2-text ``filter`` must parse,
a bbox's lower corner must not exceed its upper one, latitudes lie within ±90 in the units of
``bbox-crs``), so schema-valid junk such as ``filter=îf`` is rightly refused. Every other check stays
strict, including ``negative_data_rejection``, ``not_a_server_error`` and the response schema and
content-type conformance of those 400s.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 30
#: the PostGIS backend answers through the same routes, parameters and encoders: fewer examples find its bugs
MAX_EXAMPLES_POSTGIS = 8
MAX_SECONDS = 600
CONFIG = """
[[operations]]
include-path-regex = "/items$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

[[operations]]
include-path-regex = "/execution$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]
"""


def failures(junit: Path) -> list[str]:
    """'operation: message' for every failed or errored test case in a JUnit report."""
    found = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        for bad in [*case.findall("failure"), *case.findall("error")]:
            text = (bad.get("message") or bad.text or "").strip().splitlines()
            found.append(f"{case.get('name')}: {text[0] if text else bad.tag}")
    return found


def test_openapi_document_is_served(api_url: str) -> None:
    """The service-desc target is an OpenAPI 3.0 document with the OGC paths."""
    doc = httpx.get(f"{api_url}/openapi.json").json()
    assert doc["openapi"].startswith("3.0")
    paths = set(doc["paths"])
    assert {"/", "/conformance", "/collections"} <= paths, sorted(paths)
    for cid in (c["id"] for c in httpx.get(f"{api_url}/collections").json()["collections"]):
        assert f"/collections/{cid}/items" in paths or "/collections/{collectionId}/items" in paths, cid


def test_schemathesis_all_checks_pass(api_url: str, backend: str | None, tmp_path: Path) -> None:
    """Every operation in the OpenAPI document passes every schemathesis check."""
    junit, config = tmp_path / "junit.xml", tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(SCHEMATHESIS), "--config-file", str(config), "run", f"{api_url}/openapi.json",
        "--checks", "all",
        "--max-examples", str(MAX_EXAMPLES if backend is None else MAX_EXAMPLES_POSTGIS),
        "--seed", "20240611",
        "--workers", "1",  # 2 workers tripped a hypothesis-internal race ("AST ... recursion depth")
        "--request-timeout", "30",
        "--no-shrink",
        "--report", "junit", "--report-junit-path", str(junit),
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=MAX_SECONDS,
                          check=False)
    tail = done.stdout[-6000:]
    assert junit.is_file(), f"no report; schemathesis exited {done.returncode}:\n{tail}\n{done.stderr[-2000:]}"
    found = failures(junit)
    assert not found, "schemathesis failures:\n" + "\n".join(found[:40]) + "\n\n" + tail
    assert done.returncode == 0, tail
    cases = len(list(ET.parse(junit).getroot().iter("testcase")))
    assert cases >= 5, f"only {cases} operations were tested:\n{tail}"
