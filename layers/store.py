"""The one owner of the build directory layout: the build writes through it, the API and the maps read.

Layout of one build directory (``<data>/builds/<build-id>/``, published as ``<data>/current``)::

    manifest.json            build id and one entry per layer (written last but one: see build.py)
    <layer>.parquet          one GeoParquet per layer (EPSG:4326, declared columns + geometry)
    bordergeo.gpkg           every layer in one GeoPackage
    bordergeo.pmtiles        the vector tiles of every layer (written by the tiles artifact)
    tables/<name>.parquet    extra (non-spatial) tables a layer build or artifact keeps beside the layers
    <artifact>/              what an artifact renderer wrote, e.g. ``maps/``

A published build is self-contained: nothing reads ``sources/`` after the build.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geo.io import read_json
from layers.registry import Registry
from layers.settings import DataSettings

MANIFEST = "manifest.json"
GPKG = "bordergeo.gpkg"
PMTILES = "bordergeo.pmtiles"
TABLES = "tables"


@dataclass(frozen=True)
class BuildStore:
    """One build directory (a published build, or the staging directory of one being written)."""

    path: Path

    @classmethod
    def current(cls, settings: DataSettings) -> BuildStore | None:
        """The published build of ``settings`` (its resolved directory), or None when nothing is built."""
        link = settings.current
        if not (link / MANIFEST).is_file():
            return None
        return cls(link.resolve())

    @property
    def manifest_path(self) -> Path:
        """``manifest.json``."""
        return self.path / MANIFEST

    def manifest(self) -> dict[str, Any] | None:
        """The build's manifest, or None while it is not written (a build in progress)."""
        return read_json(self.manifest_path) if self.manifest_path.is_file() else None

    @property
    def build_id(self) -> str | None:
        """The manifest's build id (None before the manifest is written)."""
        found = self.manifest()
        return None if found is None else str(found.get("build_id", self.path.name))

    @property
    def built_at(self) -> datetime:
        """When the build was published (the manifest's modification time, UTC, whole seconds)."""
        return datetime.fromtimestamp(self.manifest_path.stat().st_mtime, UTC).replace(microsecond=0)

    def layer_path(self, layer_id: str) -> Path:
        """The GeoParquet of ``layer_id``."""
        return self.path / f"{layer_id}.parquet"

    def layer_ids(self, registry: Registry) -> list[str]:
        """Declared layers that have a GeoParquet here, in registry order."""
        return [lid for lid in registry if self.layer_path(lid).is_file()]

    @property
    def gpkg_path(self) -> Path:
        """The GeoPackage of every layer."""
        return self.path / GPKG

    @property
    def pmtiles_path(self) -> Path:
        """The PMTiles archive of every layer's vector tiles."""
        return self.path / PMTILES

    def table_path(self, name: str) -> Path:
        """An extra table (Parquet) kept with the build, e.g. ``table_path("port-traffic-monthly")``."""
        return self.path / TABLES / f"{name}.parquet"

    def artifact_dir(self, name: str) -> Path:
        """The directory an artifact renderer writes into (e.g. ``artifact_dir("maps")``; may not exist)."""
        return self.path / name
