"""A throwaway PostgreSQL + PostGIS cluster on 127.0.0.1 for the tests and the benchmark (never a service).

``start()`` runs ``initdb`` and ``pg_ctl start`` in a fresh temporary directory (as the ``postgres`` user
when run as root: PostgreSQL refuses to run as root), creates the database ``bordergeo`` with PostGIS,
and returns a :class:`Cluster`; ``stop()`` stops it by ``pg_ctl``, falling back to the postmaster's pid,
and removes the directory. About 3-6 s on two cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DATABASE = "bordergeo"
#: settings for a disposable cluster: durability off (a crash loses nothing we need), few resources
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c shared_buffers=64MB -c max_connections=60 -c timezone=UTC -c jit=off"
)


@dataclass(frozen=True)
class Cluster:
    """A running throwaway cluster: its directory, port and the DSN of its PostGIS database."""

    root: Path
    port: int
    bindir: Path

    @property
    def dsn(self) -> str:
        """``postgresql://`` URL of the ``bordergeo`` database (trust auth, user postgres)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def datadir(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    def psql(self, sql: str, database: str = DATABASE) -> str:
        """Run ``sql`` with psql (unaligned, tuples only) and return its output."""
        argv = [str(self.bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", str(self.port), "-U", "postgres", "-d", database, "-c", sql]
        return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60).stdout


def clone_build(current: Path, root: Path, build_id: str) -> Path:
    """A data directory under ``root`` whose current build is ``current``'s layers under another build id."""
    target = root / build_id / "builds" / build_id
    target.mkdir(parents=True)
    for parquet in current.resolve().glob("*.parquet"):
        os.link(parquet, target / parquet.name)
    for folder in (p for p in current.resolve().iterdir() if p.is_dir()):  # artifacts such as maps/
        shutil.copytree(folder, target / folder.name, copy_function=os.link)
    manifest = json.loads((current / "manifest.json").read_text())
    manifest["build_id"] = build_id
    (target / "manifest.json").write_text(json.dumps(manifest))
    (root / build_id / "current").symlink_to(f"builds/{build_id}")
    return root / build_id


def bindir() -> Path:
    """The newest installed PostgreSQL server binaries (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL is not installed: run `make system-deps` (postgresql-15-postgis-3)")
    return Path(initdb).parent


def _as_owner(argv: list[str]) -> list[str]:
    """``argv`` run as the postgres user when we are root (initdb and postgres refuse root)."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start() -> Cluster:
    """Create and start a cluster in a new temporary directory, with the ``bordergeo`` PostGIS database."""
    root = Path(tempfile.mkdtemp(prefix="bordergeo-pg-"))
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
    cluster = Cluster(root, _free_port(), bindir())
    try:
        subprocess.run(_as_owner([str(cluster.bindir / "initdb"), "-D", str(cluster.datadir), "--auth=trust",
                                  "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        options = f"{SERVER_OPTIONS} -p {cluster.port} -k {root}"
        subprocess.run(_as_owner([str(cluster.bindir / "pg_ctl"), "-D", str(cluster.datadir), "-o", options,
                                  "-l", str(root / "server.log"), "-w", "-t", "60", "start"]),
                       check=True, capture_output=True, timeout=90)
        cluster.psql(f"CREATE DATABASE {DATABASE}", database="postgres")
        cluster.psql("CREATE EXTENSION postgis")
    except BaseException as exc:
        log = root / "server.log"
        stop(cluster)
        if isinstance(exc, subprocess.CalledProcessError):
            detail = (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
            tail = log.read_text()[-2000:] if log.is_file() else ""
            raise RuntimeError(f"could not start PostgreSQL: {detail}\n{tail}") from exc
        raise
    return cluster


def stop(cluster: Cluster) -> None:
    """Stop the cluster (fast shutdown, then its postmaster pid by signal) and remove its directory."""
    pidfile = cluster.datadir / "postmaster.pid"
    pid = int(pidfile.read_text().split()[0]) if pidfile.is_file() else None
    if pid is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(_as_owner([str(cluster.bindir / "pg_ctl"), "-D", str(cluster.datadir), "-m", "fast",
                                      "-w", "-t", "30", "stop"]), capture_output=True, timeout=60)
        _kill(pid)
    shutil.rmtree(cluster.root, ignore_errors=True)


def _kill(pid: int) -> None:
    """SIGQUIT (immediate shutdown), then SIGKILL, to a postmaster that is still alive."""
    try:
        if b"postgres" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return  # gone, and the pid belongs to someone else now
    except OSError:
        return
    for sig in (signal.SIGQUIT, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
