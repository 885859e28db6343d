"""Output directories of the maps and sheets commands: refuse what is not ours to replace, publish whole."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from geo.errors import DataDirError


def check_replaceable(out_dir: Path, marker: str, what: str) -> None:
    """Refuse to replace a file, or a directory with someone else's files in it (ours hold ``marker``); refuse an
    unwritable parent. ``what`` names the output in the message ("maps", "sheets")."""
    if out_dir.is_file():
        raise DataDirError(f"cannot write {what} to {out_dir}: it is a file")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / marker).is_file():
        raise DataDirError(f"cannot write {what} to {out_dir}: it holds other files; choose an empty or new directory")
    parent = out_dir.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise DataDirError(f"cannot write {what} to {out_dir}: {parent} is not a writable directory")


def publish(tmp: Path, out_dir: Path) -> None:
    """Move the finished directory ``tmp`` into place (the old one, if any, is removed afterwards)."""
    if not out_dir.exists():
        tmp.rename(out_dir)
        return
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
