"""The project's own manifest of source files, and the fetch step that copies or downloads them.

Every file is verified against the sha256 declared in ``sources.json`` whether it comes from a mirror
directory or from its origin URL; nothing unverified is ever left at its final path.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from geo.errors import SourceError
from geo.io import read_json, sha256_file

log = logging.getLogger("bordergeo.fetch")


@dataclass(frozen=True)
class Source:
    """One declared source file: where it lives under the sources dir, its origin, checksum and licence."""

    file: str
    url: str
    sha256: str
    bytes: int
    licence: str
    extract: str | None = None


@lru_cache(maxsize=1)
def manifest() -> dict[str, Source]:
    """All declared sources, keyed by their relative file path."""
    with resources.as_file(resources.files("layers") / "sources.json") as path:
        entries = read_json(path)["sources"]
    return {e["file"]: Source(**e) for e in entries}


def source(file: str) -> Source:
    """The declaration of one source file (SourceError if it is not declared)."""
    try:
        return manifest()[file]
    except KeyError:
        raise SourceError(f"source '{file}' is not declared in layers/sources.json") from None


def sources_under(prefix: str) -> tuple[str, ...]:
    """Declared files whose path starts with ``prefix`` (e.g. a folder of per-municipio files)."""
    return tuple(sorted(f for f in manifest() if f.startswith(prefix)))


def verify(path: Path, src: Source) -> None:
    """Raise SourceError unless ``path`` exists and has the declared sha256."""
    if not path.is_file():
        raise SourceError(f"source file {path} is missing: run `bordergeo fetch` (with --mirror DIR offline)")
    digest = sha256_file(path)
    if digest != src.sha256:
        raise SourceError(
            f"source file {path} is corrupt (sha256 {digest[:12]}…, expected {src.sha256[:12]}…): "
            "run `bordergeo fetch` to replace it"
        )


def fetch(dest: Path, mirror: Path | None, files: Iterable[str] | None = None) -> tuple[int, int]:
    """Copy each declared source from ``mirror`` (or download it) into ``dest``; return (fetched, kept).

    Every file is tried; when some fail, one SourceError lists them all (the others are fetched).
    """
    wanted = [source(f) for f in files] if files is not None else list(manifest().values())
    if mirror is not None and not mirror.is_dir():
        raise SourceError(f"mirror directory {mirror} does not exist: pass --mirror DIR or set BORDERGEO_MIRROR")
    fetched = kept = read = 0
    failures: list[str] = []
    total = len(wanted)
    for i, src in enumerate(wanted, 1):
        target = dest / src.file
        if target.is_file() and sha256_file(target) == src.sha256:
            kept += 1
            continue
        origin = str(mirror / src.file) if mirror else src.url
        try:
            n = _fetch_one(src, target, mirror)
        except SourceError as exc:
            log.warning("[%d/%d] %s <- %s: FAILED", i, total, src.file, origin)
            failures.append(str(exc))
            continue
        fetched += 1
        read += n
        log.info("[%d/%d] %s <- %s: %s read, sha256 ok", i, total, src.file, origin, _size(n))
    log.info("fetch: %d fetched (%s read), %d already present and verified, %d failed, in %s",
             fetched, _size(read), kept, len(failures), dest)
    if len(failures) == 1:
        raise SourceError(failures[0])
    if failures:
        listed = "\n  ".join(failures)
        raise SourceError(f"{len(failures)} of {total} source files could not be fetched:\n  {listed}")
    return fetched, kept


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def _fetch_one(src: Source, target: Path, mirror: Path | None) -> int:
    """Fetch one file through a temporary file beside ``target``; return the bytes read from its origin."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise SourceError(f"cannot write to {target.parent}: {exc.strerror}; set BORDERGEO_DATA_DIR") from exc
    tmp = Path(tmp_name)
    try:
        with open(fd, "wb") as out:
            if mirror is not None:
                n, digest = _copy_from_mirror(mirror, src, out)
            else:
                n, data = _download(src)
                out.write(data)
                digest = hashlib.sha256(data).hexdigest()
        if digest != src.sha256:
            raise SourceError(_mismatch(src, mirror, digest, n))
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _mismatch(src: Source, mirror: Path | None, digest: str, n: int) -> str:
    """What a checksum mismatch means, and what to do, for a mirror copy or a download."""
    got = f"sha256 {digest[:12]}…, expected {src.sha256[:12]}…; {n:,} bytes read, {src.bytes:,} declared"
    if mirror is not None:
        return (f"the mirror's copy {mirror / src.file} is corrupt ({got}): the mirror itself is damaged or "
                f"out of date; restore that file in the mirror from {src.url}, or download it from its origin "
                "with `bordergeo fetch --no-mirror`")
    return (f"{src.file} downloaded from {src.url} does not match layers/sources.json ({got}): the origin "
            "changed or the download was cut short; try again, or fetch from a mirror with --mirror DIR")


def _copy_from_mirror(mirror: Path, src: Source, out: io.BufferedWriter) -> tuple[int, str]:
    """Copy one file from the mirror, hashing as it goes; return (bytes read, sha256)."""
    path = mirror / src.file
    if not path.is_file():
        raise SourceError(
            f"{src.file} is not in the mirror {mirror}: the mirror is incomplete; add it there from {src.url}, "
            "or download it from its origin with `bordergeo fetch --no-mirror`"
        )
    digest = hashlib.sha256()
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
            n += len(chunk)
    return n, digest.hexdigest()


def _download(src: Source) -> tuple[int, bytes]:
    if src.extract and src.extract.startswith("manual"):
        raise SourceError(f"{src.file} cannot be downloaded as-is ({src.extract})")
    try:
        with urllib.request.urlopen(src.url, timeout=60) as resp:
            data: bytes = resp.read()
    except OSError as exc:
        raise SourceError(
            f"download of {src.file} from {src.url} failed ({exc}): offline, use --mirror DIR"
        ) from exc
    return len(data), _extract(src, data)


def _extract(src: Source, data: bytes) -> bytes:
    if not src.extract:
        return data
    kind, _, member = src.extract.partition(":")
    if kind == "tar":
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            fh = tar.extractfile(member)
            if fh is None:
                raise SourceError(f"{member} not found in {src.url}")
            return fh.read()
    if kind == "7z":
        import py7zr

        with tempfile.TemporaryDirectory() as tmp, py7zr.SevenZipFile(io.BytesIO(data)) as archive:
            archive.extract(path=tmp, targets=[member])
            return (Path(tmp) / member).read_bytes()
    raise SourceError(f"unknown extract rule {src.extract!r} for {src.file}")
