"""The items query: parameters parsed once into an ItemsQuery, then features selected, sorted and paged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from api.catalog import Collection
from api.cql import LANGS, Pred, compile_filter
from api.crs import STORAGE, Crs, bbox_to_storage, parse_crs
from api.params import (
    Params,
    check_datetime,
    parse_bbox,
    parse_bool,
    parse_int,
    parse_names,
    parse_sortby,
    single,
)
from api.settings import ApiSettings
from geo.errors import InvalidParameterError

ITEMS_PARAMS = (
    "f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "filter-crs",
    "sortby", "properties", "skipGeometry",
)
ITEM_PARAMS = ("f", "crs", "properties", "skipGeometry")
#: parameters that choose which features a download holds (paging ones are ignored for downloads)
SELECTING = ("bbox", "filter", "datetime")

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class ItemsQuery:
    """A parsed items request."""

    limit: int
    offset: int
    boxes: tuple[Box, ...]
    crs: Crs
    predicate: Pred | None
    sortby: tuple[tuple[str, bool], ...]
    properties: list[str] | None
    skip_geometry: bool


def parse_items(params: Params, coll: Collection, settings: ApiSettings) -> ItemsQuery:
    """Validate the items parameters of ``coll``; InvalidParameterError (400) on the first bad one."""
    names = coll.spec.property_names
    limit = settings.default_limit
    if (raw := single(params, "limit")) is not None:
        limit = parse_int(raw, "limit", 1, settings.max_limit)
    offset = parse_int(raw, "offset", 0, settings.max_offset) if (raw := single(params, "offset")) is not None else 0
    bbox_crs = parse_crs(raw, "bbox-crs") if (raw := single(params, "bbox-crs")) is not None else STORAGE
    boxes = bbox_boxes(parse_bbox(raw, bbox_crs), bbox_crs) if (raw := single(params, "bbox")) is not None else ()
    if (raw := single(params, "datetime")) is not None:
        check_datetime(raw)
    predicate = None
    if (raw := single(params, "filter")) is not None and raw.strip():  # an empty filter selects everything
        lang = single(params, "filter-lang") or "cql2-text"
        fcrs = parse_crs(c, "filter-crs") if (c := single(params, "filter-crs")) is not None else STORAGE
        predicate = compile_filter(raw, lang, coll.spec, fcrs)
    else:
        _check_filter_companions(params)
    return ItemsQuery(
        limit=limit,
        offset=offset,
        boxes=boxes,
        crs=parse_crs(raw, "crs") if (raw := single(params, "crs")) is not None else STORAGE,
        predicate=predicate,
        sortby=tuple(parse_sortby(raw, names)) if (raw := single(params, "sortby")) is not None else (),
        properties=parse_names(raw, "properties", names) if (raw := single(params, "properties")) is not None else None,
        skip_geometry=parse_bool(raw, "skipGeometry") if (raw := single(params, "skipGeometry")) is not None else False,
    )


def _check_filter_companions(params: Params) -> None:
    """filter-lang and filter-crs are checked even without a filter, so a typo is not ignored."""
    lang = single(params, "filter-lang")
    if lang is not None and lang not in LANGS:
        raise InvalidParameterError(f"filter-lang: '{lang[:40]}' is not supported; use one of {', '.join(LANGS)}")
    if (c := single(params, "filter-crs")) is not None:
        parse_crs(c, "filter-crs")


def bbox_boxes(nums: tuple[float, ...], crs: Crs) -> tuple[Box, ...]:
    """A parsed bbox as CRS84 boxes: two when it crosses the antimeridian, else one."""
    dim = len(nums) // 2
    a0, a1, b0, b1 = nums[0], nums[1], nums[dim], nums[dim + 1]
    if not crs.geographic:
        return (bbox_to_storage((a0, a1, b0, b1), crs),)
    lon_lo, lon_hi = (a1, b1) if crs.lat_first else (a0, b0)
    spans = [(lon_lo, lon_hi)] if lon_lo <= lon_hi else [(lon_lo, 180.0), (-180.0, lon_hi)]
    out = []
    for lo, hi in spans:
        corners = (a0, lo, b0, hi) if crs.lat_first else (lo, a1, hi, b1)
        out.append(bbox_to_storage(corners, crs))
    return tuple(out)


def select(coll: Collection, query: ItemsQuery) -> Sequence[int]:
    """Positions of the features matching bbox and filter, in sortby (else storage) order."""
    positions: Sequence[int] = range(len(coll))
    if query.boxes:
        positions = _in_boxes(coll, query.boxes)
    if query.predicate is not None:
        pred, props, geoms = query.predicate, coll.props, coll.geoms
        positions = [i for i in positions if pred(props[i], geoms[i])]
    if query.sortby:
        positions = _sorted(coll, list(positions), query.sortby)
    return positions


def _in_boxes(coll: Collection, boxes: tuple[Box, ...]) -> list[int]:
    """Features whose geometry intersects any box (bounds pre-filter, then exact test)."""
    mask = np.zeros(len(coll), dtype=bool)
    b = coll.bounds
    for x0, y0, x1, y1 in boxes:
        near = (b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0) & ~mask
        idx = np.flatnonzero(near)
        if len(idx):
            hit = shapely.intersects(coll.geoms[idx], shapely.box(x0, y0, x1, y1))
            mask[idx[hit]] = True
    return [int(i) for i in np.flatnonzero(mask)]


def _sorted(coll: Collection, positions: list[int], keys: tuple[tuple[str, bool], ...]) -> list[int]:
    """Stable multi-key sort; nulls last whatever the direction."""
    props = coll.props
    for name, descending in reversed(keys):
        present = [i for i in positions if props[i][name] is not None]
        missing = [i for i in positions if props[i][name] is None]
        present.sort(key=lambda i: props[i][name], reverse=descending)
        positions = present + missing
    return positions
