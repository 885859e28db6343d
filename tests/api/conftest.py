"""API fixtures: the real server (``bordergeo serve`` under uvicorn, on a free loopback port) and an
in-process client, both serving the session build of ``data_settings`` (tests/conftest.py).

Both are parametrized by ``backend``: the in-memory build, and the same build loaded into the session's
PostGIS cluster (``bordergeo serve --backend postgresql://...``), so every API test runs against both.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from layers.registry import default_registry
from layers.settings import DataSettings

READY_SECONDS = 120


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, port: int, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``bordergeo serve --no-build`` in a subprocess (its own process group, so it can be stopped by pid)."""
    exe = Path(sys.executable).parent / "bordergeo"
    cmd = [str(exe), "-q", "serve", "--no-build", "--data-dir", str(data_dir), "--port", str(port), *extra]
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(proc: subprocess.Popen[bytes], url: str) -> None:
    """Poll ``url`` until it answers 200; fail with the server's output if it dies or times out."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"server exited with {proc.returncode}:\n{out[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise AssertionError(f"server not ready after {READY_SECONDS} s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server by its pid (SIGTERM, then SIGKILL)."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
    if proc.stdout:
        proc.stdout.close()


BACKENDS = ("memory", "postgis")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str | None:
    """The backend under test: None for the in-memory build, else the DSN of the loaded PostGIS database."""
    return None if request.param == "memory" else str(request.getfixturevalue("pg_dsn"))


@pytest.fixture(scope="session")
def server(data_settings: DataSettings, backend: str | None) -> Iterator[str]:
    """Base URL of a real uvicorn server (one worker) serving the session build from ``backend``."""
    port = free_port()
    proc = start_server(data_settings.data_dir, port, *(("--backend", backend) if backend else ()))
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, f"{base}/conformance")
    yield base
    stop_server(proc)


@pytest.fixture(scope="session")
def memory_server(data_settings: DataSettings) -> Iterator[str]:
    """One real uvicorn server on the in-memory build for the browser and QGIS tests (they share its warm tiles)."""
    port = free_port()
    proc = start_server(data_settings.data_dir, port)
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, f"{base}/conformance")
    yield base
    stop_server(proc)


@pytest.fixture(scope="session")
def api_url(server: str) -> str:
    """The real server's base URL (the name the client tests use)."""
    return server


@pytest.fixture(scope="session")
def http(server: str) -> Iterator[httpx.Client]:
    """An httpx client for the real server (no compression asked, so bodies compare byte for byte)."""
    with httpx.Client(base_url=server, timeout=60, headers={"Accept-Encoding": "identity"}) as client:
        yield client


@pytest.fixture(scope="session")
def client(data_settings: DataSettings, backend: str | None) -> Iterator[TestClient]:
    """An in-process client of the app (lifespan run) on ``backend``, for fast tests."""
    with TestClient(create_app(ApiSettings(backend=backend), data_settings)) as tc:
        yield tc


@pytest.fixture(scope="session")
def served(manifest: dict) -> list[str]:
    """Ids of the collections the service must serve: the built layers, in registry order."""
    return [lid for lid in default_registry() if lid in manifest["layers"]]


@pytest.fixture(scope="session")
def all_features(client: TestClient) -> dict[str, dict]:
    """Every collection's features as served (one request each, at the maximum page size)."""
    out = {}
    for cid in client.get("/collections").json()["collections"]:
        body = client.get(f"/collections/{cid['id']}/items", params={"limit": 10_000}).json()
        assert body["numberReturned"] == body["numberMatched"]
        out[cid["id"]] = body
    return out


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> DataSettings:
    """A data directory holding the tiny synthetic build of tests/api/synthetic.py."""
    from tests.api.synthetic import write_build

    data_dir = tmp_path_factory.mktemp("tiny")
    write_build(data_dir, "tiny-1")
    return DataSettings(data_dir=data_dir)


@pytest.fixture(scope="session")
def tiny(tiny_data: DataSettings) -> Iterator[TestClient]:
    """An in-process client of a fresh app serving the synthetic build (max_limit 3, to test paging)."""
    from tests.api.synthetic import REGISTRY

    with TestClient(create_app(ApiSettings(max_limit=3, cache_bytes=0), tiny_data, REGISTRY)) as tc:
        yield tc
