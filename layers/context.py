"""What a layer's build function receives: its verified sources, its dependencies, a place for figures."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from layers import sources

log = logging.getLogger("bordergeo.build")


@dataclass
class BuildContext:
    """Inputs and outputs of one layer build.

    ``source(file)`` returns the path of a verified source file; ``layer(id)`` the built GeoDataFrame of a
    declared dependency; ``stat(name, value)`` records a figure published in the manifest.
    """

    layer_id: str
    sources_dir: Path
    allowed_sources: tuple[str, ...]
    load_dependency: Callable[[str], gpd.GeoDataFrame]
    allowed_dependencies: tuple[str, ...]
    stats: dict[str, Any] = field(default_factory=dict)

    def source(self, file: str) -> Path:
        """Path of a declared source file of this layer (already sha256-verified by the build)."""
        if file not in self.allowed_sources:
            raise KeyError(f"layer {self.layer_id} does not declare source {file}")
        return self.sources_dir / file

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        """A built dependency of this layer."""
        if layer_id not in self.allowed_dependencies:
            raise KeyError(f"layer {self.layer_id} does not declare dependency {layer_id}")
        return self.load_dependency(layer_id)

    def stat(self, name: str, value: Any) -> None:
        """Record a figure (e.g. total length) for the manifest and the build log."""
        self.stats[name] = value
        log.info("  %s %s: %s", self.layer_id, name, value)


def declared(prefix: str) -> tuple[str, ...]:
    """Declared source files under a folder prefix, for a spec's ``sources`` tuple."""
    return sources.sources_under(prefix)
