"""schemathesis fuzzes the running server from its own /openapi.json with every check: zero failures.

Bounded: a fixed seed, a fixed number of examples per operation and a time budget, so the run stays
within a few minutes on two shared cores. The JUnit report is parsed so a failure names the operation
and the check that failed.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 25
MAX_SECONDS = 240


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
    assert any(p.startswith("/collections/{") and p.endswith("/items") for p in paths), sorted(paths)


def test_schemathesis_all_checks_pass(api_url: str, tmp_path: Path) -> None:
    """Every operation in the OpenAPI document passes every schemathesis check."""
    junit = tmp_path / "junit.xml"
    command = [
        str(SCHEMATHESIS), "run", f"{api_url}/openapi.json",
        "--checks", "all",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", "20240611",
        "--workers", "2",
        "--max-time", str(MAX_SECONDS),
        "--request-timeout", "30",
        "--no-shrink",
        "--report", "junit", "--report-junit-path", str(junit),
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                          timeout=MAX_SECONDS + 180, check=False)
    tail = done.stdout[-6000:]
    assert junit.is_file(), f"no report; schemathesis exited {done.returncode}:\n{tail}\n{done.stderr[-2000:]}"
    found = failures(junit)
    assert not found, "schemathesis failures:\n" + "\n".join(found[:40]) + "\n\n" + tail
    assert done.returncode == 0, tail
    cases = len(list(ET.parse(junit).getroot().iter("testcase")))
    assert cases >= 5, f"only {cases} operations were tested:\n{tail}"
