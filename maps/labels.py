"""Map labels from the declarations: ``Style.label`` names the property, ``label_min_zoom`` the first zoom.

Bigger features are labelled first and from further out: when a layer sizes its points by a property
(cities by population), a feature gets its label ``ZOOMS_PER_DECADE`` zooms later per tenfold less of it
than the biggest. In the browser ``bordergeo.labels`` places them by priority and drops any that would
overlap one already placed, so more labels appear as you zoom in and none collide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import polylabel

from layers.spec import LayerSpec
from maps.i18n import Lang
from maps.symbology import display_names, kind_of

ZOOMS_PER_DECADE = 2.0
MAX_LABEL_ZOOM = 13


def label_group(
    spec: LayerSpec, gdf: gpd.GeoDataFrame, lang: Lang, rows: Sequence[int] | None = None,
    radii: Sequence[float] | None = None,
) -> dict[str, Any] | None:
    """The labels of a layer (``rows`` only, when given) for ``bordergeo.labels``; None if it declares none.

    ``radii`` (px, per feature of ``gdf``) moves each point's label clear of its symbol.
    """
    style = spec.style
    if not style.label or gdf.empty:
        return None
    priority = _priority(spec, gdf)
    zooms = _zooms(spec, priority)
    same = style.label == spec.title_field
    names = display_names(spec, gdf, lang) if same else gdf[style.label].astype(str).tolist()
    picked = list(range(len(gdf))) if rows is None else list(rows)
    anchors = _anchors(gdf.geometry.iloc[picked])
    items = []
    for i, p in zip(picked, anchors, strict=True):
        if names[i]:
            radius = float(radii[i]) if radii is not None else 0.0
            items.append((-float(priority[i]), [round(p.y, 5), round(p.x, 5), names[i], zooms[i], round(radius, 1)]))
    items.sort(key=lambda item: item[0])
    kind = {"circle": "point", "line": "line", "fill": "area"}[kind_of(spec)]
    return {"id": spec.id, "kind": kind, "items": [item for _, item in items]}


def _anchors(geoms: gpd.GeoSeries) -> list[shapely.Point]:
    """Where each label goes: the point itself, a line's midpoint, a point well inside a polygon."""
    out = []
    for g in geoms:
        if g.geom_type == "Point":
            out.append(g)
        elif "LineString" in g.geom_type:
            longest = max(getattr(g, "geoms", [g]), key=lambda part: part.length)
            out.append(longest.interpolate(0.5, normalized=True))
        else:
            biggest = max(getattr(g, "geoms", [g]), key=lambda part: part.area)
            out.append(polylabel(biggest, tolerance=0.05))
    return out


def _priority(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Bigger first: the sizing property, else area or length (in square or plain degrees)."""
    if spec.style.size_by:
        return np.nan_to_num(gdf[spec.style.size_by].to_numpy(dtype=float), nan=0.0)
    # shapely on the raw array: degrees are fine for ranking features of one layer, and geopandas' CRS
    # warning check walks the call stack on every call (seconds over a few hundred pages)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    if kind_of(spec) == "fill":
        return np.asarray(shapely.area(geoms), dtype=float)
    if kind_of(spec) == "line":
        return np.asarray(shapely.length(geoms), dtype=float)
    return np.zeros(len(gdf))


def _zooms(spec: LayerSpec, priority: np.ndarray) -> list[int]:
    """The zoom from which each feature may be labelled."""
    base = spec.style.label_min_zoom
    if not spec.style.size_by or len(priority) == 0 or priority.max() <= 0:
        return [base] * len(priority)
    top = float(priority.max())
    return [min(MAX_LABEL_ZOOM, base + math.floor(ZOOMS_PER_DECADE * math.log10(top / p))) if p > 0 else MAX_LABEL_ZOOM
            for p in priority]
