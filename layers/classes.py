"""The data-driven parts of a layer's ``Style``: choropleth classes, category colours, symbol sizes.

The Folium maps (maps/symbology.py) and the MapLibre styles (layers/mapstyle.py) both read these, so a
class break, a category colour or a proportional symbol is the same on every map of a build:

- ``style.choropleth`` names a numeric property classed with mapclassify (``style.scheme``,
  ``style.classes``) and filled from ``style.ramp``;
- ``style.by`` names a property whose values pick colours from ``style.palette`` (or :data:`CATEGORICAL`);
- ``style.size_by`` names a numeric property that scales point symbols by area (radius ~ sqrt(value)).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd

from layers.spec import LayerSpec
from layers.store import BuildStore

CATEGORICAL = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
               "#bcbd22", "#17becf")  # Tableau 10, when a layer gives ``by`` without a palette
NO_DATA = "#bdbdbd"
OTHER = "#9e9e9e"
MIN_RADIUS = 3.0  # px: the smallest proportional symbol that can still be clicked


@dataclass(frozen=True)
class Classes:
    """Choropleth classes of one numeric property: class ``i`` holds ``lows[i] <= v <= highs[i]``.

    ``starts[i]`` is the smallest value actually in class ``i`` (``starts[0] == lows[0]``): a renderer that
    steps at ``v >= starts[i]`` (MapLibre ``step``) puts every feature in the same class as mapclassify.
    """

    prop: str
    scheme: str
    lows: tuple[float, ...]
    highs: tuple[float, ...]
    starts: tuple[float, ...]
    colours: tuple[str, ...]

    def colour_of(self, value: float) -> str:
        """The fill of ``value`` (NO_DATA for a missing or non-finite value)."""
        if value is None or not math.isfinite(value):
            return NO_DATA
        i = int(np.searchsorted(np.asarray(self.starts), value, side="right")) - 1
        return self.colours[max(i, 0)]


@dataclass(frozen=True)
class SizeScale:
    """Proportional symbols: ``radius(v) = max(MIN_RADIUS, max_radius * sqrt(v / max_value))``."""

    prop: str
    max_value: float
    max_radius: float

    def radius(self, value: float) -> float:
        """Symbol radius of ``value``, px."""
        if value is None or not math.isfinite(value) or value <= 0 or self.max_value <= 0:
            return MIN_RADIUS
        return max(MIN_RADIUS, self.max_radius * math.sqrt(value / self.max_value))


@dataclass(frozen=True)
class Scales:
    """Everything about a layer's symbols that depends on its data (empty for a constant style)."""

    classes: Classes | None = None
    categories: tuple[tuple[str, str], ...] = ()
    size: SizeScale | None = None


def max_radius(spec: LayerSpec) -> float:
    """The radius of the layer's biggest point symbol, px."""
    return 4.0 * spec.style.radius if spec.style.size_by else spec.style.radius


def ramp(spec: LayerSpec, k: int) -> tuple[str, ...]:
    """``k`` colours spread over the layer's sequential ramp, light to dark."""
    colours = spec.style.ramp
    idx = np.linspace(0, len(colours) - 1, k).round().astype(int)
    return tuple(colours[i] for i in idx)


def classify(spec: LayerSpec, values: pd.Series) -> Classes | None:
    """The choropleth classes of ``values`` (the layer's ``style.choropleth`` column); None if it has none."""
    prop = spec.style.choropleth
    if not prop:
        return None
    y = values.to_numpy(dtype=float, na_value=np.nan)
    y = y[np.isfinite(y)]
    k = min(spec.style.classes, len(np.unique(y)))
    if k < 2:
        lo = float(y.min()) if len(y) else 0.0
        hi = float(y.max()) if len(y) else 0.0
        return Classes(prop, "single", (lo,), (hi,), (lo,), (spec.style.ramp[-1],))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Numba not installed")  # pure Python is fast enough for ~1,000 units
        classifier = mapclassify.classify(y, spec.style.scheme, k=k)
    highs = tuple(float(b) for b in classifier.bins)
    lows = (float(y.min()), *highs[:-1])
    yb = np.asarray(classifier.yb)
    starts = tuple(float(y[yb == i].min()) if (yb == i).any() else lows[i] for i in range(len(highs)))
    return Classes(prop, str(classifier.name), lows, highs, starts, ramp(spec, len(highs)))


def categories(spec: LayerSpec, values: pd.Series) -> tuple[tuple[str, str], ...]:
    """(value, colour) of the layer's ``style.by`` property: the declared palette, or one for the data."""
    if spec.style.palette:
        return spec.style.palette
    present = sorted({str(v) for v in pd.unique(values.dropna())})
    return tuple(zip(present, CATEGORICAL, strict=False))


def size_scale(spec: LayerSpec, values: pd.Series) -> SizeScale | None:
    """The proportional-symbol scale of a point layer's ``style.size_by`` values (None if it has none)."""
    prop = spec.style.size_by
    if spec.geometry_type != "Point" or not prop:
        return None
    y = values.to_numpy(dtype=float, na_value=np.nan)
    vmax = float(np.nanmax(y)) if np.isfinite(y).any() else 0.0
    return SizeScale(prop, max(vmax, 0.0), max_radius(spec))


def scales(spec: LayerSpec, frame: pd.DataFrame) -> Scales:
    """The data-driven scales of ``spec`` computed from its features ``frame``."""
    style = spec.style
    return Scales(
        classes=classify(spec, frame[style.choropleth]) if style.choropleth else None,
        categories=categories(spec, frame[style.by]) if style.by else (),
        size=size_scale(spec, frame[style.size_by]) if style.size_by else None,
    )


def styled_columns(spec: LayerSpec) -> list[str]:
    """The properties a layer's symbols depend on."""
    style = spec.style
    return list(dict.fromkeys(c for c in (style.choropleth, style.by, style.size_by) if c))


def build_scales(store: BuildStore, specs: Iterable[LayerSpec]) -> Mapping[str, Scales]:
    """The scales of every layer of a build (read from its GeoParquet, only the styled columns)."""
    out: dict[str, Scales] = {}
    for spec in specs:
        path = store.layer_path(spec.id)
        columns = styled_columns(spec)
        if not path.is_file():
            continue
        out[spec.id] = scales(spec, pd.read_parquet(path, columns=columns)) if columns else Scales()
    return out
