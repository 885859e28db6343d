"""Bounded HTTP load: wrk when installed (truest numbers on two cores), else a small asyncio client.

Both hold a fixed number of keep-alive connections for a fixed duration and report requests/s, the 50th
and 99th latency percentiles, and errors (socket errors, timeouts and non-2xx answers).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass(frozen=True)
class LoadResult:
    """What one bounded run measured."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str


def wrk_lua(paths: list[str], folder: Path) -> Path:
    """A wrk script that cycles through ``paths`` (the mixed soak)."""
    quoted = ", ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    script = folder / "cycle.lua"
    script.write_text(
        f"local paths = {{{quoted}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n"
    )
    return script


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * UNITS[unit]


def parse_wrk(out: str) -> LoadResult:
    """Requests/s, p50, p99 and errors from wrk's ``--latency`` report."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if done is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = (sum(int(g) for g in sock.groups()) if sock else 0) + (int(non2xx.group(1)) if non2xx else 0)
    requests, seconds = int(done.group(1)), _ms(done.group(2) + done.group(3)) / 1e3
    return LoadResult(requests, seconds, requests / seconds, _ms(p50.group(1)) if p50 else float("nan"),
                      _ms(p99.group(1)) if p99 else float("nan"), errors, "wrk")


def run_wrk(url: str, connections: int, seconds: float, timeout: float, script: Path | None) -> LoadResult:
    """One wrk run (one thread: the server gets the other core)."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", f"--timeout={int(timeout)}s",
            "--latency"]
    if script is not None:
        argv += ["-s", str(script)]
    done = subprocess.run([*argv, url], capture_output=True, text=True, check=True,
                          timeout=seconds + timeout + 60)
    return parse_wrk(done.stdout)


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bool]:
    """Send one GET and read its whole answer; (status, server closes the connection)."""
    writer.write(request)
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower().split("\r\n")
    status = int(head[0].split()[1])
    fields = dict(line.split(":", 1) for line in head[1:] if ":" in line)
    if fields.get("transfer-encoding", "").strip() == "chunked":
        while size := int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    else:
        await reader.readexactly(int(fields.get("content-length", "0")))
    return status, fields.get("connection", "").strip() == "close"


async def _client(url: str, paths: list[str], until: float, timeout: float, out: list[float]) -> int:
    """One connection's loop until ``until``; appends latencies (ms) to ``out``, returns its errors."""
    parts, errors, i = urlsplit(url), 0, 0
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while time.monotonic() < until:
        path, i = paths[i % len(paths)], i + 1
        request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: */*\r\n\r\n".encode()
        started = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection(parts.hostname, parts.port)
            status, close = await asyncio.wait_for(_one(*conn, request), timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            errors, close, status = errors + 1, True, 200
        else:
            out.append((time.perf_counter() - started) * 1e3)
            errors += status >= 300
        if close and conn is not None:
            conn[1].close()
            conn = None
    if conn is not None:
        conn[1].close()
    return errors


def run_python(url: str, paths: list[str], connections: int, seconds: float, timeout: float) -> LoadResult:
    """The asyncio fallback when wrk is not installed (slower: its own CPU cost lowers the ceiling)."""

    async def main() -> tuple[list[float], int, float]:
        latencies: list[float] = []
        started = time.monotonic()
        until = started + seconds
        errs = await asyncio.gather(*(_client(url, paths, until, timeout, latencies) for _ in range(connections)))
        return latencies, sum(errs), time.monotonic() - started

    latencies, errors, elapsed = asyncio.run(main())
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

    return LoadResult(len(latencies), elapsed, len(latencies) / elapsed, pct(0.50), pct(0.99), errors, "python")


def drive(base: str, paths: list[str], connections: int, seconds: float, folder: Path,
          timeout: float = 30.0) -> LoadResult:
    """Load ``base`` + ``paths`` (cycled) with ``connections`` clients for ``seconds``."""
    if shutil.which("wrk"):
        script = wrk_lua(paths, folder) if len(paths) > 1 else None
        return run_wrk(base + paths[0], connections, seconds, timeout, script)
    return run_python(base, paths, connections, seconds, timeout)
