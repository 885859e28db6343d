"""Start the servers under test on loopback, wait until they answer, and stop them by process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running server: its name, base URL and process id (the leader of its own process group)."""

    name: str
    url: str
    pid: int


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 180.0) -> None:
    """Poll ``url`` until it answers 200; fail with the server log if it dies or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url}: no answer after {seconds:.0f} s:\n{log.read_text()[-3000:]}")


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the processes of process group ``pgid`` (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ..., utime (11), stime (12)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_idle(pgid: int, seconds: float = 120.0, busy: float = 0.05) -> None:
    """Wait until a started server is idle (below ``busy`` of a core over a second): a server still warming
    up in the background (loading, precomputing) would otherwise be measured while it works for itself."""
    deadline = time.monotonic() + seconds
    before = group_cpu_seconds(pgid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = group_cpu_seconds(pgid)
        if now - before < busy:
            return
        before = now


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group we started (server and its workers), SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@contextmanager
def running(
    name: str, argv: Sequence[str], port: int, log_dir: Path, env: Mapping[str, str] | None = None,
    ready_seconds: float = 180.0,
) -> Iterator[Server]:
    """Run ``argv`` in its own session (so one signal reaches its workers); yield once it answers."""
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
                                env={**os.environ, **(env or {})}, start_new_session=True)
    url = f"http://{HOST}:{port}"
    try:
        wait_ready(url + "/", proc, log, ready_seconds)
        wait_idle(proc.pid)
        yield Server(name, url, proc.pid)
    finally:
        stop(proc)


def bordergeo_argv(data_dir: Path, port: int, workers: int = 1) -> list[str]:
    """``bordergeo serve`` of the build as it is (the cases were derived from it) with ``workers`` workers."""
    exe = Path(sys.executable).with_name("bordergeo")
    return [str(exe), "-q", "serve", "--no-build", "--data-dir", str(data_dir), "--host", HOST,
            "--port", str(port), "--workers", str(workers)]


def pygeoapi_argv(venv: Path, port: int) -> list[str]:
    """pygeoapi's Flask app under gunicorn with one sync worker (its documented deployment)."""
    return [str(venv / "bin" / "gunicorn"), "pygeoapi.flask_app:APP", "-b", f"{HOST}:{port}", "-w", "1",
            "--log-level", "warning"]


def bare_argv(bodies: Path, port: int) -> list[str]:
    """The bare ASGI app that replays recorded response bytes (uvicorn, one worker)."""
    return [sys.executable, str(HERE / "bare_asgi.py"), str(bodies), str(port)]
