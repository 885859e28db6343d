"""Render the HTML maps into a build directory (the ``bordergeo.artifacts`` hook of every build)."""

from __future__ import annotations

from pathlib import Path

from maps.render import render_maps

MAPS_DIR = "maps"
#: what the renderer writes into a build (and nothing else does): unchanged maps are hard-linked from the
#: current build instead of being rendered again (see layers.artifacts)
OUTPUTS = (MAPS_DIR,)


def render_into(build_dir: Path) -> None:
    """Write ``build_dir/maps/`` (index, overview, a page per layer and per port, assets) for every layer built."""
    render_maps(build_dir, build_dir / MAPS_DIR)
