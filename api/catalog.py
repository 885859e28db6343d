"""The served build, loaded once at startup into plain Python structures (no GeoPandas per request).

For each layer of the current build: its declaration (LayerSpec), its manifest entry, and its features as
ids, per-feature bounds (numpy, for bbox pre-filtering), property dicts, shapely geometries, and the
GeoJSON of ids, properties and geometries serialized once with orjson, so an items page is a join of
ready-made bytes. Geometries in other CRSs are serialized on first use and kept.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from api.crs import Crs, from_storage
from geo.errors import DataDirError, FeatureNotFoundError, LayerNotFoundError
from layers.build import load_manifest
from layers.registry import Registry, default_registry
from layers.settings import DataSettings
from layers.spec import LayerSpec

log = logging.getLogger("bordergeo.api")

MAX_ID_LENGTH = 256


@dataclass
class Collection:
    """One served layer: declaration, manifest entry and pre-serialized features."""

    spec: LayerSpec
    entry: dict[str, Any]
    ids: list[Any]
    index: dict[str, int]
    bounds: np.ndarray
    geoms: np.ndarray
    props: list[dict[str, Any]]
    id_json: list[bytes]
    props_json: list[bytes]
    geom_json: list[bytes]
    _geom_cache: dict[str, list[bytes | None]] = field(default_factory=dict, repr=False)
    downloads: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        """The collection id (the layer id)."""
        return self.spec.id

    def __len__(self) -> int:
        return len(self.ids)

    def locate(self, feature_id: str) -> int:
        """Position of the feature whose id reads ``feature_id``; FeatureNotFoundError otherwise."""
        pos = self.index.get(feature_id) if len(feature_id) <= MAX_ID_LENGTH else None
        if pos is None:
            shown = feature_id if len(feature_id) <= 60 else feature_id[:57] + "..."
            raise FeatureNotFoundError(f"collection '{self.id}' has no feature with id '{shown}'")
        return pos

    def geometry_json(self, positions: list[int], crs: Crs) -> list[bytes]:
        """GeoJSON geometries of the features at ``positions`` in ``crs`` (serialized once, then kept)."""
        if crs.is_crs84:
            return [self.geom_json[i] for i in positions]
        cache = self._geom_cache.setdefault(crs.uri, [None] * len(self.ids))
        missing = [i for i in positions if cache[i] is None]
        if missing:
            for i, text in zip(missing, shapely.to_geojson(from_storage(self.geoms[missing], crs)), strict=True):
                cache[i] = text.encode()
        return [cache[i] or b"null" for i in positions]

    def features_json(
        self, positions: list[int], crs: Crs, names: list[str] | None = None, geometry: bool = True
    ) -> list[bytes]:
        """GeoJSON Feature objects at ``positions``; ``names`` selects properties (None: all)."""
        geoms = self.geometry_json(positions, crs) if geometry else [b"null"] * len(positions)
        if names is None:
            props = [self.props_json[i] for i in positions]
        else:
            props = [orjson.dumps({n: self.props[i][n] for n in names}) for i in positions]
        return [
            b'{"type":"Feature","id":%b,"geometry":%b,"properties":%b}' % (self.id_json[i], g, p)
            for i, g, p in zip(positions, geoms, props, strict=True)
        ]


@dataclass(frozen=True)
class Catalog:
    """Everything the service serves: the build's collections (registry order) and its maps."""

    build_id: str
    build_dir: Path
    built_at: str
    last_modified: str
    collections: dict[str, Collection]

    @property
    def maps_dir(self) -> Path:
        """Where the maps renderer wrote this build's HTML maps (may not exist)."""
        return self.build_dir / "maps"

    def get(self, collection_id: str) -> Collection:
        """The collection ``collection_id``; LayerNotFoundError listing the served ids otherwise."""
        found = self.collections.get(collection_id)
        if found is None:
            shown = collection_id if len(collection_id) <= 60 else collection_id[:57] + "..."
            raise LayerNotFoundError(
                f"unknown collection '{shown}': choose one of {', '.join(self.collections) or '(none built)'}"
            )
        return found


def load_catalog(data: DataSettings, registry: Registry | None = None) -> Catalog:
    """Load the current build of ``data``; DataDirError when nothing has been built."""
    t0 = time.perf_counter()
    manifest = load_manifest(data)
    if manifest is None:
        raise DataDirError(f"no build in {data.data_dir}: run `bordergeo build` (or `bordergeo serve`)")
    build_dir = data.current.resolve()
    registry = registry or default_registry()
    collections: dict[str, Collection] = {}
    for layer_id, entry in manifest["layers"].items():
        path = build_dir / f"{layer_id}.parquet"
        if layer_id not in registry or not path.is_file():
            log.warning("skipping layer %s: not declared or no GeoParquet in %s", layer_id, build_dir)
            continue
        try:
            collections[layer_id] = _load_collection(registry[layer_id], entry, path)
        except KeyError as exc:  # the layer's declaration changed since this build: serving it would lie
            log.warning("skipping layer %s: its build lacks declared property %s; run `bordergeo build`",
                        layer_id, exc)
    ordered = {lid: collections[lid] for lid in registry if lid in collections}
    built = datetime.fromtimestamp((build_dir / "manifest.json").stat().st_mtime, UTC).replace(microsecond=0)
    log.info("catalog: build %s, %d collections, %d features, loaded in %.2f s", manifest["build_id"],
             len(ordered), sum(len(c) for c in ordered.values()), time.perf_counter() - t0)
    return Catalog(
        build_id=str(manifest["build_id"]),
        build_dir=build_dir,
        built_at=built.isoformat().replace("+00:00", "Z"),
        last_modified=format_datetime(built, usegmt=True),
        collections=ordered,
    )


def _load_collection(spec: LayerSpec, entry: dict[str, Any], path: Path) -> Collection:
    gdf = gpd.read_parquet(path)
    names = spec.property_names
    missing = [n for n in names if n not in gdf.columns]
    if missing:
        raise KeyError(", ".join(missing))
    columns = {name: _python_values(gdf[name]) for name in names}
    props = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    if not names:
        props = [{} for _ in range(len(gdf))]
    ids = columns[spec.id_field] if spec.id_field in columns else list(range(1, len(gdf) + 1))
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    return Collection(
        spec=spec,
        entry=entry,
        ids=ids,
        index={str(v): i for i, v in enumerate(ids)},
        bounds=shapely.bounds(geoms),
        geoms=geoms,
        props=props,
        id_json=[orjson.dumps(v) for v in ids],
        props_json=[orjson.dumps(p) for p in props],
        geom_json=[text.encode() for text in shapely.to_geojson(geoms)],
    )


def _python_values(series: pd.Series) -> list[Any]:
    """Column values as plain Python scalars, missing values (NaN, NA) as None."""
    return list(series.astype(object).where(series.notna(), None).tolist())
