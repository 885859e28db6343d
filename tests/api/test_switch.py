"""Build switching under load: a real uvicorn server, concurrent clients paging, a new build published in
the middle (by the ``current`` symlink, then by SIGHUP): zero errors, and no response mixes two builds."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from geo.io import read_json, replace_symlink, write_json
from layers.settings import DataSettings
from layers.store import BuildStore
from tests.api.conftest import free_port, start_server, stop_server, wait_ready

LAYERS = ("boundary", "ports", "cities")
CLIENTS = 6


def clone(source: BuildStore, data_dir: Path, build_id: str, hours: int, publish: bool = True) -> BuildStore:
    """A build ``build_id`` of LAYERS hard-linked from ``source``, published ``hours`` after the epoch of
    ``source`` (its manifest mtime, which is the served timeStamp)."""
    store = BuildStore(data_dir / "builds" / build_id)
    store.path.mkdir(parents=True)
    manifest = read_json(source.manifest_path)
    for lid in LAYERS:
        os.link(source.layer_path(lid), store.layer_path(lid))
    write_json(store.manifest_path, {"build_id": build_id,
                                     "layers": {lid: manifest["layers"][lid] for lid in LAYERS}})
    stamp = source.manifest_path.stat().st_mtime + hours * 3600
    os.utime(store.manifest_path, (stamp, stamp))
    if publish:
        replace_symlink(data_dir / "current", os.path.relpath(store.path, data_dir))
    return store


@dataclass
class Seen:
    """What one response said about its build."""

    client: int
    build: str
    stamp: str
    etag: str
    url: str


def page_through(base: str, client: int, stop: threading.Event, seen: list[Seen], errors: list[str]) -> None:
    """Page through cities (and a distinct bbox query per loop) until ``stop``; record each response."""
    with httpx.Client(base_url=base, timeout=30) as http:
        n = 0
        while not stop.is_set():
            n += 1
            url: str | None = f"/collections/cities/items?limit=200&bbox=-120,{20 + n % 7},-90,35"
            while url and not stop.is_set():
                r = http.get(url)
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {url}")
                    return
                body = r.json()
                seen.append(Seen(client, r.headers["x-build"], body["timeStamp"], r.headers["etag"], url))
                url = next((lk["href"] for lk in body["links"] if lk["rel"] == "next"), None)


@pytest.fixture()
def switching(data_settings: DataSettings, tmp_path: Path) -> Iterator[tuple[str, int, Path, BuildStore]]:
    """A server (polling every 0.2 s) on a data dir holding build A, cloned from the session build."""
    source = BuildStore.current(data_settings)
    assert source is not None
    clone(source, tmp_path, "A", 1)
    port = free_port()
    proc = start_server(tmp_path, port, env={"BORDERGEO_RELOAD_SECONDS": "0.2"})
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, f"{base}/conformance")
    yield base, proc.pid, tmp_path, source
    stop_server(proc)


def test_a_new_build_is_served_without_errors_or_mixing(switching: tuple[str, int, Path, BuildStore]) -> None:
    base, pid, data_dir, source = switching
    before = httpx.get(f"{base}/collections/cities/items?limit=5")
    assert before.headers["x-build"] == "A"
    stop, seen, errors = threading.Event(), [], []
    threads = [threading.Thread(target=page_through, args=(base, i, stop, seen, errors)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    clone(source, data_dir, "B", 2)  # published by the symlink: picked up by polling
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(s.build == "B" for s in seen[-CLIENTS * 2:]):
        time.sleep(0.1)
    time.sleep(1.0)
    clone(source, data_dir, "C", 3, publish=False)
    replace_symlink(data_dir / "current", os.path.relpath(data_dir / "builds" / "C", data_dir))
    os.kill(pid, signal.SIGHUP)  # also reload at once on SIGHUP
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(s.build == "C" for s in seen[-CLIENTS * 2:]):
        time.sleep(0.1)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert {s.build for s in seen} == {"A", "B", "C"}
    stamps = {s.build: {x.stamp for x in seen if x.build == s.build} for s in seen}
    assert all(len(v) == 1 for v in stamps.values()) and len({next(iter(v)) for v in stamps.values()}) == 3
    order = {"A": 0, "B": 1, "C": 2}
    for client in range(CLIENTS):  # each client sees builds in publication order, never back
        mine = [order[s.build] for s in seen if s.client == client]
        assert mine == sorted(mine), client
    by_url: dict[tuple[str, str], set[str]] = {}
    for s in seen:
        by_url.setdefault((s.url, s.build), set()).add(s.etag)
    assert all(len(tags) == 1 for tags in by_url.values())  # one ETag per URL and build ...
    urls = {u for u, _ in by_url}
    assert any(len({next(iter(by_url[(u, b)])) for b in "ABC" if (u, b) in by_url}) > 1 for u in urls)  # ... per build
    assert len(seen) > 100
    after = httpx.get(f"{base}/collections/cities/items?limit=5")
    assert after.headers["x-build"] == "C" and after.json()["numberMatched"] == before.json()["numberMatched"]
