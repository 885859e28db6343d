"""The layers of one build directory, paired with their declarations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from geo.errors import DataDirError, LayerNotFoundError
from layers import sources
from layers.registry import Registry, default_registry
from layers.spec import LayerSpec
from layers.store import BuildStore


@dataclass(frozen=True)
class Layer:
    """A built layer: its declaration and its features (EPSG:4326)."""

    spec: LayerSpec
    gdf: gpd.GeoDataFrame

    @property
    def id(self) -> str:
        """The layer id."""
        return self.spec.id

    def source_links(self) -> list[tuple[str, str, str]]:
        """(file, url, licence) of each declared source file."""
        links = []
        for file in self.spec.sources:
            src = sources.source(file)
            links.append((file, src.url, src.licence))
        return links


#: roles of layers that feed charts rather than being drawn (the per-port, per-month traffic)
NOT_DRAWN = frozenset({"traffic"})


@dataclass(frozen=True)
class Build:
    """The built layers of a build directory, in registry order."""

    path: Path
    layers: dict[str, Layer]
    build_id: str | None  # None while the build itself renders (its manifest is written afterwards)

    @property
    def label(self) -> str:
        """'build <id>' or, during the build, 'this build'."""
        return f"build {self.build_id}" if self.build_id else "this build"

    def get(self, layer_id: str) -> Layer | None:
        """The layer ``layer_id`` if it is built."""
        return self.layers.get(layer_id)

    @property
    def map_layers(self) -> dict[str, Layer]:
        """The built layers drawn on maps (registry order): all but those with a role in ``NOT_DRAWN``."""
        return {lid: layer for lid, layer in self.layers.items() if not layer.spec.roles & NOT_DRAWN}

    def with_role(self, role: str) -> list[Layer]:
        """The built layers declaring ``role`` (e.g. "traffic"), in registry order."""
        return [layer for layer in self.layers.values() if role in layer.spec.roles]


def built_ids(build_dir: Path, registry: Registry) -> list[str]:
    """Ids of declared layers that have a GeoParquet file in ``build_dir``, in registry order."""
    return BuildStore(build_dir).layer_ids(registry)


def load_build(build_dir: Path, layer_ids: list[str] | None = None, registry: Registry | None = None) -> Build:
    """Read the requested layers (all built ones by default) of ``build_dir``; clear errors for bad ids."""
    registry = registry or default_registry()
    if not build_dir.is_dir():
        raise DataDirError(f"no build at {build_dir}: run `bordergeo build` first")
    available = built_ids(build_dir, registry)
    wanted = available if not layer_ids else list(dict.fromkeys(layer_ids))
    for lid in wanted:
        registry.get_spec(lid)  # LayerNotFoundError for ids nobody declared
        if lid not in available:
            raise LayerNotFoundError(
                f"layer '{lid}' is not in the build at {build_dir} (built: {', '.join(available) or 'none'})"
            )
    if not wanted:
        raise DataDirError(f"the build at {build_dir} holds no layers: run `bordergeo build` first")
    ordered = [lid for lid in registry if lid in wanted]
    store = BuildStore(build_dir)
    layers = {lid: Layer(registry[lid], gpd.read_parquet(store.layer_path(lid))) for lid in ordered}
    # resolved: <data>/current is a symlink, and the data dir (sources) is two levels above the real build
    # (during a build the manifest is written after the maps: build_id None)
    return Build(build_dir.resolve(), layers, store.build_id)
