"""The feature-source seam: everything routes, encoders, OpenAPI and downloads may ask of a served layer.

A backend implements :class:`FeatureSource` once per collection (``api.memory`` keeps a build in memory,
pre-serialized; a database backend runs queries). Requests are validated into a :class:`Selection`
(which features, in which order, which page) and an :class:`Output` (how to write them) before a source
sees them, so a source never parses a query parameter. The served collections of one build are a
:class:`Sources` mapping, held by the app as ``app.state.sources`` and replaced whole when the build changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from api.crs import STORAGE, Crs
from geo.errors import LayerNotFoundError
from layers.spec import LayerSpec

if TYPE_CHECKING:
    import geopandas as gpd
    import shapely

    from layers.store import BuildStore

Box = tuple[float, float, float, float]
#: a validated CQL2 filter in cql2-json form (the shape is documented in api/cql.py and the seam notes)
Filter = Mapping[str, Any]


@dataclass(frozen=True)
class Interval:
    """A closed time interval in UTC; None on a side means open (``..``). An instant has start == end."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class Selection:
    """Which features a request selects, in which order, and which page of them.

    ``boxes`` are CRS84 (lon/lat) boxes a feature must intersect (any of them: two when a bbox crosses the
    antimeridian). ``region``, when set, is the exact CRS84 area of a bbox given in a projected CRS (its
    envelope is in ``boxes``, for an index pre-filter). ``filter`` is validated cql2-json whose geometry
    literals are already in CRS84. ``datetime`` applies to the layer's ``spec.temporal`` property.
    ``sortby`` is (property, descending) pairs, nulls last. ``limit`` None means every feature (downloads).
    """

    boxes: tuple[Box, ...] = ()
    region: shapely.Geometry | None = None
    filter: Filter | None = None
    datetime: Interval | None = None
    sortby: tuple[tuple[str, bool], ...] = ()
    offset: int = 0
    limit: int | None = None

    @property
    def selects(self) -> bool:
        """True when something narrows the features (bbox, filter or datetime), paging aside."""
        return bool(self.boxes) or self.region is not None or self.filter is not None or self.datetime is not None

    def unpaged(self) -> Selection:
        """The same features, all of them (offset 0, no limit)."""
        return replace(self, offset=0, limit=None)


@dataclass(frozen=True)
class Output:
    """How features are written: CRS (with its axis order), properties (None: all declared), geometry."""

    crs: Crs = STORAGE
    properties: tuple[str, ...] | None = None
    geometry: bool = True

    @property
    def default(self) -> bool:
        """True when this is the storage form (CRS84, every property, with geometry)."""
        return self.crs.is_crs84 and self.properties is None and self.geometry


@dataclass(frozen=True)
class Record:
    """One feature as Python values: id, properties (dates as ``datetime.date``), geometry in ``Output.crs``."""

    id: Any
    properties: dict[str, Any]
    geometry: shapely.Geometry | None


@dataclass(frozen=True)
class Extent:
    """A collection's extent: CRS84 bbox, and the first and last value of its temporal property."""

    bbox: Box
    temporal: tuple[str, str] | None = None


@runtime_checkable
class FeatureSource(Protocol):
    """One served collection. Every method may raise only ``geo.errors`` domain errors for bad input.

    The methods that read features are coroutines, so a database backend awaits its queries without
    blocking the event loop (the in-memory backend simply never awaits).
    """

    @property
    def spec(self) -> LayerSpec:
        """The layer's declaration."""
        ...

    @property
    def entry(self) -> Mapping[str, Any]:
        """The layer's manifest entry (features, bbox, sources, stats, ...)."""
        ...

    @property
    def extent(self) -> Extent:
        """Spatial and temporal extent."""
        ...

    def __len__(self) -> int:
        """Number of features in the collection."""
        ...

    async def count(self, sel: Selection) -> int:
        """Number of features ``sel`` matches (paging ignored)."""
        ...

    async def features(self, sel: Selection, out: Output) -> tuple[int, list[bytes]]:
        """(matched, the page's GeoJSON Feature objects as bytes)."""
        ...

    async def records(self, sel: Selection, out: Output) -> tuple[int, list[Record]]:
        """(matched, the page as records) for HTML and CSV."""
        ...

    async def feature(self, feature_id: str, out: Output) -> bytes:
        """One GeoJSON Feature by id; ``FeatureNotFoundError`` if there is none."""
        ...

    async def record(self, feature_id: str, out: Output) -> Record:
        """One feature by id as a record; ``FeatureNotFoundError`` if there is none."""
        ...

    async def frame(self, sel: Selection, out: Output) -> gpd.GeoDataFrame:
        """Every feature ``sel`` matches (paging ignored) as a GeoDataFrame in ``out.crs`` (x = longitude)."""
        ...


class Sources(Mapping[str, FeatureSource]):
    """The collections of one build, in registry order, with the build's identity.

    ``build_id`` names the build, ``time_stamp`` (RFC 3339) and ``last_modified`` (HTTP date) say when it
    was published; ``store`` is its directory (None for a backend without one, e.g. a database).
    """

    def __init__(self, sources: Mapping[str, FeatureSource], build_id: str, built_at: datetime,
                 store: BuildStore | None = None) -> None:
        from email.utils import format_datetime

        self._sources = dict(sources)
        self.build_id = build_id
        self.built_at = built_at
        self.time_stamp = built_at.isoformat().replace("+00:00", "Z")
        self.last_modified = format_datetime(built_at, usegmt=True)
        self.store = store
        #: derived bytes worth keeping for the life of this build (e.g. whole-collection downloads)
        self.memo: dict[Any, Any] = {}

    def __getitem__(self, collection_id: str) -> FeatureSource:
        return self._sources[collection_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def get_source(self, collection_id: str) -> FeatureSource:
        """The collection ``collection_id``; LayerNotFoundError listing the served ids otherwise."""
        found = self._sources.get(collection_id)
        if found is None:
            shown = collection_id if len(collection_id) <= 60 else collection_id[:57] + "..."
            raise LayerNotFoundError(
                f"unknown collection '{shown}': choose one of {', '.join(self._sources) or '(none built)'}"
            )
        return found

    def with_role(self, role: str) -> list[FeatureSource]:
        """The served collections whose declaration plays ``role`` (e.g. ``"context"``)."""
        return [s for s in self._sources.values() if role in s.spec.roles]

    def artifact_dir(self, name: str) -> Path | None:
        """The build's artifact directory ``name`` (e.g. "maps"), None when the backend has no build directory."""
        return None if self.store is None else self.store.artifact_dir(name)
