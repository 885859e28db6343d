"""Render the HTML maps into a build directory (the ``bordergeo.artifacts`` hook). Stub: being written."""

from __future__ import annotations

from pathlib import Path


def render_into(build_dir: Path) -> None:
    """Write ``build_dir/maps/`` (not written yet: does nothing)."""
