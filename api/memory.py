"""The in-memory backend: a build loaded once into plain Python structures (no GeoPandas per request).

For each layer: its declaration, its manifest entry, and its features as ids, per-feature bounds (numpy,
for bbox pre-filtering), property dicts, shapely geometries, and the GeoJSON of ids, properties and
geometries serialized once with orjson, so an items page is a join of ready-made bytes. Geometries in
other CRSs are serialized on first use and kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from api.crs import Crs, from_storage
from api.filter import evaluate, typed_column
from api.source import Extent, Output, Record, Selection, Sources
from geo.errors import DataDirError, FeatureNotFoundError
from layers.registry import Registry, default_registry
from layers.settings import DataSettings
from layers.spec import LayerSpec
from layers.store import BuildStore

log = logging.getLogger("bordergeo.api")

MAX_ID_LENGTH = 256


@dataclass
class MemorySource:
    """One served layer held in memory (implements :class:`api.source.FeatureSource`)."""

    spec: LayerSpec
    entry: dict[str, Any]
    ids: list[Any]
    index: dict[str, int]
    bounds: np.ndarray
    geoms: np.ndarray
    props: list[dict[str, Any]]
    columns: dict[str, np.ndarray]
    id_json: list[bytes]
    props_json: list[bytes]
    geom_json: list[bytes]
    _geom_cache: dict[str, list[bytes | None]] = field(default_factory=dict, repr=False)
    #: whole GeoJSON Feature objects in the default output, written on first use (pages join them as they are)
    _default_json: list[bytes] = field(default_factory=list, repr=False)
    _frames: dict[Output, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        """The collection id (the layer id)."""
        return self.spec.id

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def extent(self) -> Extent:
        """The manifest's bbox and the first and last date of the temporal property."""
        bbox = tuple(float(v) for v in self.entry["bbox"])
        temporal = None
        if self.spec.temporal is not None:
            values = [v for v in self.columns[self.spec.temporal] if v is not None]
            if values:
                temporal = (min(values).isoformat(), max(values).isoformat())
        return Extent((bbox[0], bbox[1], bbox[2], bbox[3]), temporal)

    # -- selection -------------------------------------------------------------------------------------
    def positions(self, sel: Selection) -> Sequence[int]:
        """Positions of the features ``sel`` matches, in sortby (else storage) order, unpaged."""
        mask: np.ndarray | None = None
        if sel.boxes:
            mask = self._in_boxes(sel)
        if sel.datetime is not None and self.spec.temporal is not None:
            mask = _and(mask, self._in_interval(sel))
        if sel.filter is not None:
            mask = _and(mask, evaluate(sel.filter, self, mask))
        positions: Sequence[int] = range(len(self)) if mask is None else [int(i) for i in np.flatnonzero(mask)]
        if sel.sortby:
            positions = self._sorted(list(positions), sel.sortby)
        return positions

    def _page(self, sel: Selection) -> tuple[int, Sequence[int]]:
        """(matched, the positions of the page): a range when nothing selects or sorts."""
        positions = self.positions(sel)
        end = None if sel.limit is None else sel.offset + sel.limit
        return len(positions), positions[sel.offset : end]

    async def count(self, sel: Selection) -> int:
        """Number of features ``sel`` matches."""
        if not sel.selects:
            return len(self)
        return len(self.positions(replace(sel, sortby=())))

    async def features(self, sel: Selection, out: Output) -> tuple[int, list[bytes]]:
        """(matched, the page's GeoJSON features)."""
        matched, page = self._page(sel)
        return matched, self.features_json(page, out)

    async def records(self, sel: Selection, out: Output) -> tuple[int, list[Record]]:
        """(matched, the page as records)."""
        matched, page = self._page(sel)
        return matched, self._records(page, out)

    async def feature(self, feature_id: str, out: Output) -> bytes:
        """One GeoJSON feature by id."""
        return self.features_json([self.locate(feature_id)], out)[0]

    async def record(self, feature_id: str, out: Output) -> Record:
        """One feature by id as a record."""
        return self._records([self.locate(feature_id)], out)[0]

    async def frame(self, sel: Selection, out: Output) -> gpd.GeoDataFrame:
        """Every matching feature as a GeoDataFrame in ``out.crs`` (x = longitude); the whole layer is kept."""
        whole = not sel.selects and not sel.sortby
        if whole and out in self._frames:
            return self._frames[out]
        frame = self._frame(list(self.positions(sel.unpaged())), out)
        if whole:
            self._frames[out] = frame
        return frame

    # -- helpers ---------------------------------------------------------------------------------------
    def locate(self, feature_id: str) -> int:
        """Position of the feature whose id reads ``feature_id``; FeatureNotFoundError otherwise."""
        pos = self.index.get(feature_id) if len(feature_id) <= MAX_ID_LENGTH else None
        if pos is None:
            shown = feature_id if len(feature_id) <= 60 else feature_id[:57] + "..."
            raise FeatureNotFoundError(f"collection '{self.id}' has no feature with id '{shown}'")
        return pos

    def _in_boxes(self, sel: Selection) -> np.ndarray:
        """Features whose geometry intersects any box (bounds pre-filter, then exact test)."""
        mask = np.zeros(len(self), dtype=bool)
        b = self.bounds
        for x0, y0, x1, y1 in sel.boxes:
            near = (b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0) & ~mask
            if sel.region is None:  # a geometry whose bounds lie inside the box intersects it: no exact test
                inside = near & (b[:, 0] >= x0) & (b[:, 2] <= x1) & (b[:, 1] >= y0) & (b[:, 3] <= y1)
                mask |= inside
                near &= ~inside
            idx = np.flatnonzero(near)
            if len(idx):
                area = sel.region if sel.region is not None else shapely.box(x0, y0, x1, y1)
                shapely.prepare(area)  # the one box tested against many geometries
                hit = shapely.intersects(area, self.geoms[idx])
                mask[idx[hit]] = True
        return mask

    @property
    def types(self) -> dict[str, str]:
        """Declared type of each property (for the filter evaluator)."""
        return {p.name: p.type for p in self.spec.properties}

    def _in_interval(self, sel: Selection) -> np.ndarray:
        """Features whose day (the temporal property) intersects ``sel.datetime``; nulls never do."""
        assert sel.datetime is not None and self.spec.temporal is not None
        days, null = typed_column(self, self.spec.temporal)
        mask = ~null
        if sel.datetime.start is not None:  # a day intersects the interval if it ends after the start
            mask &= days >= _seconds(sel.datetime.start).astype("datetime64[D]").astype("datetime64[s]")
        if sel.datetime.end is not None:
            mask &= days <= _seconds(sel.datetime.end)
        return mask

    def _sorted(self, positions: list[int], keys: tuple[tuple[str, bool], ...]) -> list[int]:
        """Stable multi-key sort; nulls last whatever the direction."""
        props = self.props
        for name, descending in reversed(keys):
            present = [i for i in positions if props[i][name] is not None]
            missing = [i for i in positions if props[i][name] is None]
            present.sort(key=lambda i: props[i][name], reverse=descending)
            positions = present + missing
        return positions

    def geometry_json(self, positions: Sequence[int], crs: Crs) -> list[bytes]:
        """GeoJSON geometries of the features at ``positions`` in ``crs`` (serialized once, then kept)."""
        if crs.is_crs84:
            return [self.geom_json[i] for i in positions]
        cache = self._geom_cache.setdefault(crs.uri, [None] * len(self.ids))
        missing = [i for i in positions if cache[i] is None]
        if missing:
            for i, text in zip(missing, shapely.to_geojson(from_storage(self.geoms[missing], crs)), strict=True):
                cache[i] = text.encode()
        return [cache[i] or b"null" for i in positions]

    def features_json(self, positions: Sequence[int], out: Output) -> list[bytes]:
        """GeoJSON Feature objects at ``positions`` written as ``out`` says."""
        if out.default:
            return self._default_features(positions)
        return self._features_json(positions, out)

    def _default_features(self, positions: Sequence[int]) -> list[bytes]:
        kept = self._default_json
        if not kept:  # every feature at once: a few MB at most, and pages then take slices of it
            kept.extend(self._features_json(range(len(self.ids)), Output()))
        if isinstance(positions, range) and positions.step == 1:  # a page of everything
            return kept[positions.start:positions.stop]
        return [kept[i] for i in positions]

    def _features_json(self, positions: Sequence[int], out: Output) -> list[bytes]:
        geoms = self.geometry_json(positions, out.crs) if out.geometry else [b"null"] * len(positions)
        if out.properties is None:
            props = [self.props_json[i] for i in positions]
        else:
            props = [orjson.dumps({n: self.props[i][n] for n in out.properties}) for i in positions]
        return [
            b'{"type":"Feature","id":%b,"geometry":%b,"properties":%b}' % (self.id_json[i], g, p)
            for i, g, p in zip(positions, geoms, props, strict=True)
        ]

    def _records(self, positions: Sequence[int], out: Output) -> list[Record]:
        names = out.properties if out.properties is not None else self.spec.property_names
        geoms: list[Any] = [None] * len(positions)
        if out.geometry and positions:
            geoms = list(from_storage(self.geoms[positions], out.crs))
        return [Record(self.ids[i], {n: self.props[i][n] for n in names}, g)
                for i, g in zip(positions, geoms, strict=True)]

    def _frame(self, positions: list[int], out: Output) -> gpd.GeoDataFrame:
        cols = out.properties if out.properties is not None else self.spec.property_names
        data: dict[str, Any] = {c: [self.props[i][c] for i in positions] for c in cols}
        # file formats keep x = longitude even for EPSG:4326 (GDAL's traditional GIS order)
        xy = replace(out.crs, lat_first=False)
        code = "EPSG:4326" if out.crs.is_crs84 else out.crs.code  # the same numbers; the code GIS software expects
        frame = gpd.GeoDataFrame(data, geometry=list(from_storage(self.geoms[positions], xy)), crs=code)
        for prop in self.spec.properties:
            if prop.name not in data:
                continue
            if prop.type in ("integer", "number") and frame[prop.name].isna().any():
                frame[prop.name] = frame[prop.name].astype("float64")
            elif prop.type == "date":
                frame[prop.name] = pd.to_datetime(frame[prop.name])
        return frame


def _and(mask: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    return other if mask is None else mask & other


def _seconds(moment: datetime) -> np.datetime64:
    """A UTC datetime as numpy seconds (naive, as the typed columns are)."""
    return np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "s")


def load_sources(data: DataSettings, registry: Registry | None = None) -> Sources:
    """The current build of ``data``, in memory; DataDirError when nothing has been built."""
    store = BuildStore.current(data)
    if store is None:
        raise DataDirError(f"no build in {data.data_dir}: run `bordergeo build` (or `bordergeo serve`)")
    return load_build(store, registry)


def load_build(store: BuildStore, registry: Registry | None = None) -> Sources:
    """The build in ``store``, in memory (layers whose build lacks a declared property are skipped)."""
    t0 = time.perf_counter()
    manifest = store.manifest()
    if manifest is None:
        raise DataDirError(f"{store.path} holds no manifest: not a published build")
    registry = registry or default_registry()
    sources: dict[str, MemorySource] = {}
    for layer_id in registry:
        entry = manifest["layers"].get(layer_id)
        path = store.layer_path(layer_id)
        if entry is None or not path.is_file():
            continue
        try:
            sources[layer_id] = _load_source(registry[layer_id], entry, path)
        except KeyError as exc:  # the layer's declaration changed since this build: serving it would lie
            log.warning("skipping layer %s: its build lacks declared property %s; run `bordergeo build`",
                        layer_id, exc)
    for layer_id in manifest["layers"]:
        if layer_id not in sources:
            log.warning("skipping layer %s: not declared or no GeoParquet in %s", layer_id, store.path)
    log.info("sources: build %s, %d collections, %d features, loaded in %.2f s", manifest["build_id"],
             len(sources), sum(len(s) for s in sources.values()), time.perf_counter() - t0)
    return Sources(sources, str(manifest["build_id"]), store.built_at, store)


def _load_source(spec: LayerSpec, entry: dict[str, Any], path: Path) -> MemorySource:
    gdf = gpd.read_parquet(path)
    names = spec.property_names
    missing = [n for n in names if n not in gdf.columns]
    if missing:
        raise KeyError(", ".join(missing))
    columns = {p.name: _python_values(gdf[p.name], p.type == "date") for p in spec.properties}
    props = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    if not names:
        props = [{} for _ in range(len(gdf))]
    ids = list(columns[spec.id_field]) if spec.id_field in columns else list(range(1, len(gdf) + 1))
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    return MemorySource(
        spec=spec,
        entry=entry,
        ids=ids,
        index={str(v): i for i, v in enumerate(ids)},
        bounds=shapely.bounds(geoms),
        geoms=geoms,
        props=props,
        columns={k: np.asarray(v, dtype=object) for k, v in columns.items()},
        id_json=[orjson.dumps(v) for v in ids],
        props_json=[orjson.dumps(p) for p in props],
        geom_json=[text.encode() for text in shapely.to_geojson(geoms)],
    )


def _python_values(series: pd.Series, is_date: bool) -> list[Any]:
    """Column values as plain Python scalars (dates as ``datetime.date``), missing values as None."""
    if is_date and not series.empty and pd.api.types.is_datetime64_any_dtype(series):
        days = pd.to_datetime(series).dt.date
        return [None if pd.isna(v) else v for v in days.tolist()]
    return list(series.astype(object).where(series.notna(), None).tolist())


def sources_of(mapping: Mapping[str, MemorySource], build_id: str, built_at: datetime) -> Sources:
    """A :class:`Sources` of ready ``mapping`` (tests and tools that build sources themselves)."""
    return Sources(mapping, build_id, built_at)
