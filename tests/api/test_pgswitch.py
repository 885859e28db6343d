"""Two ``bordergeo serve --backend`` replicas on one database switch builds under load, without an error.

Build A is loaded and served by two real servers; while clients page through both, build B is loaded.
Every answer must be 200 and say which build answered (``X-Build``); each client's answers move from A to B
once and never back (two clients of one replica may see theirs in either order: a request is answered by the
build it started on), and both replicas must be on B within a few seconds (``NOTIFY``; their polling is set
far slower).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from api.app import create_app
from api.pgserve import PgSources, _follow, open_pool
from api.settings import ApiSettings
from layers.pgload import load, schema_for
from layers.settings import DataSettings
from tests.api.conftest import free_port, start_server, stop_server, wait_ready
from tests.pgcluster import Cluster, clone_build

A, B = "20990101T000001-1", "20990101T000002-1"


def test_replicas_switch_builds_under_load(fresh_dsn: str, data_settings: DataSettings, tmp_path: Path) -> None:
    first = DataSettings(data_dir=clone_build(data_settings.current, tmp_path, A))
    second = DataSettings(data_dir=clone_build(data_settings.current, tmp_path, B))
    load(fresh_dsn, first)
    env = {"BORDERGEO_BACKEND_POLL_SECONDS": "60", "BORDERGEO_CACHE_BYTES": "0"}
    ports = [free_port(), free_port()]
    procs = [start_server(tmp_path / "nowhere", port, "--backend", fresh_dsn, env=env) for port in ports]
    clients = [(port, k) for port in ports for k in range(2)]
    seen: dict[tuple[int, int], list[tuple[int, str | None]]] = {client: [] for client in clients}
    stop = threading.Event()

    def hammer(port: int, k: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            offset = 0
            while not stop.is_set():
                r = client.get("/collections/cities/items", params={"limit": 20, "offset": offset % 600})
                seen[port, k].append((r.status_code, r.headers.get("x-build")))
                offset += 20

    try:
        for proc, port in zip(procs, ports, strict=True):
            wait_ready(proc, f"http://127.0.0.1:{port}/conformance")
        threads = [threading.Thread(target=hammer, args=client) for client in clients]
        for t in threads:
            t.start()
        time.sleep(1.0)
        load(fresh_dsn, second)
        switched_at = time.monotonic()  # the load has committed: the replicas are told now
        deadline = switched_at + 10
        while not all(s and s[-1][1] == B for s in seen.values()):
            assert time.monotonic() < deadline, {p: s[-3:] for p, s in seen.items()}
            time.sleep(0.1)
        took = time.monotonic() - switched_at
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        maps = httpx.get(f"http://127.0.0.1:{ports[0]}/maps/", timeout=30)
    finally:
        stop.set()
        for proc in procs:
            stop_server(proc)
    assert took < 5, f"replicas took {took:.1f} s to serve the new build"
    assert maps.status_code == 200 and "<html" in maps.text.lower()  # the artifacts came from the database
    for client, answers in seen.items():
        assert {status for status, _ in answers} == {200}, client
        builds = [build for _, build in answers]
        assert builds[0] == A and builds[-1] == B, client
        first_b = builds.index(B)
        assert set(builds[:first_b]) == {A} and set(builds[first_b:]) == {B}, f"client {client} went back to A"
        assert first_b >= 5 and len(builds) - first_b >= 5  # the switch happened under load


def test_a_vanished_build_is_a_503_not_a_500(fresh_dsn: str, postgres: Cluster, data_settings: DataSettings,
                                            tmp_path: Path) -> None:
    """A server still on a build someone dropped answers 503 (retry) with the OGC body, and stays up."""
    first = DataSettings(data_dir=clone_build(data_settings.current, tmp_path, A))
    load(fresh_dsn, first)
    settings = ApiSettings(backend=fresh_dsn, cache_bytes=0, backend_poll_seconds=60)
    with TestClient(create_app(settings, first)) as client:
        assert client.get("/collections/ports/items").status_code == 200
        postgres.psql(f"DROP SCHEMA {schema_for(A)} CASCADE", database=fresh_dsn.rsplit("/", 1)[1])
        for path in ("/collections/ports/items", "/collections/ports/items/2504"):
            r = client.get(path)
            assert r.status_code == 503 and r.json()["code"] == "ServiceUnavailable", r.text
        assert client.get("/conformance").status_code == 200


def test_polling_finds_a_new_build_without_notifications(fresh_dsn: str, data_settings: DataSettings,
                                                         tmp_path: Path) -> None:
    """On a read replica NOTIFY never arrives: the pointer is polled and the new build swapped in."""
    load(fresh_dsn, DataSettings(data_dir=clone_build(data_settings.current, tmp_path, A)))
    second = DataSettings(data_dir=clone_build(data_settings.current, tmp_path, B))
    installed: list[str] = []

    def install(sources: PgSources) -> None:
        installed.append(sources.build_id)
        sources.discard()  # its local copy of the build files

    async def run() -> None:
        pool = await open_pool(fresh_dsn, size=2)
        never = asyncio.Event()  # no listener: only polling can notice
        task = asyncio.create_task(_follow(pool, A, install, never, 0.2, None))
        try:
            await asyncio.to_thread(load, fresh_dsn, second)
            for _ in range(100):
                if installed:
                    break
                await asyncio.sleep(0.1)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await pool.close()

    asyncio.run(run())
    assert installed == [B]
