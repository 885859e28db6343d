"""The query parameters, each declared once, and their assembly into a Selection and an Output.

A :class:`Param` holds a parameter's name, description, JSON schema, parser and role (whether it
narrows the features, whether it pages); the allowed-name check (``check``), the OpenAPI parameters
(``api.openapi``), the page links (``api.features``) and the response cache's key all read these tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import shapely

from api.cql import LANGS, compile_filter
from api.crs import STORAGE, Crs, bbox_region, bbox_to_storage, crs_uris, parse_crs
from api.params import (
    DATETIME_PATTERN,
    INTEGER,
    Params,
    check_params,
    parse_bbox,
    parse_bool,
    parse_int,
    parse_names,
    parse_sortby,
    single,
    sortby_pattern,
)
from api.settings import ApiSettings
from api.source import Box, Interval, Output, Selection
from geo.errors import InvalidParameterError
from layers.spec import LayerSpec

Schema = dict[str, Any]


@dataclass(frozen=True)
class Env:
    """What a parameter's schema and parser may depend on: the settings and the collection's declaration."""

    settings: ApiSettings
    spec: LayerSpec | None = None

    @property
    def names(self) -> list[str]:
        """The collection's property names (none outside a collection)."""
        return self.spec.property_names if self.spec else []


@dataclass(frozen=True)
class Param:
    """One query parameter: declared once, read by the parser, OpenAPI, links and the cache."""

    name: str
    description: str
    schema: Callable[[Env], Schema]
    parse: Callable[[str, Env], Any]
    #: narrows which features are selected (a download with it is not the whole collection)
    selects: bool = False
    #: replaced by the next/prev links
    paging: bool = False
    #: a comma-separated list (OpenAPI ``style: form, explode: false``)
    array: bool = False

    def openapi(self, env: Env) -> Schema:
        """The OpenAPI 3.0 parameter object."""
        doc: Schema = {"name": self.name, "in": "query", "required": False, "description": self.description,
                       "schema": self.schema(env)}
        if self.array:
            doc.update(style="form", explode=False)
        return doc


def _crs_schema(env: Env) -> Schema:
    return {"type": "string", "enum": crs_uris()}


def _limit(raw: str, env: Env) -> int:
    # above the maximum is served as the maximum (OGC API Features Part 1, 7.15.2), with a next link
    if not INTEGER.fullmatch(raw):
        raise InvalidParameterError(f"limit: '{raw[:60]}' is not an integer")
    if int(raw) < 1:
        raise InvalidParameterError(f"limit: must be at least 1, got {raw[:30]}")
    return min(int(raw), env.settings.max_limit)


def _datetime(raw: str, env: Env) -> Interval:
    return parse_datetime(raw)


class _LimitParam(Param):
    """``limit``: its description states the server's maximum."""

    def openapi(self, env: Env) -> Schema:
        """The parameter object, with the maximum in words (larger values are served as the maximum)."""
        doc = super().openapi(env)
        doc["description"] = f"{self.description} The maximum is {env.settings.max_limit}."
        return doc


LIMIT = _LimitParam("limit", "Features per page; a larger limit is served as the maximum (see the next link).",
                    lambda e: {"type": "integer", "minimum": 1, "default": e.settings.default_limit}, _limit,
                    paging=True)
OFFSET = Param("offset", "Features to skip (see the next/prev links).",
               lambda e: {"type": "integer", "minimum": 0, "maximum": e.settings.max_offset, "default": 0},
               lambda raw, e: parse_int(raw, "offset", 0, e.settings.max_offset), paging=True)
BBOX = Param("bbox", "minx,miny,maxx,maxy, or 6 numbers with heights, in bbox-crs axis order. The lower corner "
             "must not exceed the upper one, except longitudes across the antimeridian; geographic values must "
             "be valid longitudes and latitudes. A projected bbox-crs selects by the rectangle in that CRS.",
             lambda e: {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
             lambda raw, e: raw, selects=True, array=True)
BBOX_CRS = Param("bbox-crs", "CRS of bbox (default CRS84); a URI or a safe CURIE such as [EPSG:3857].",
                 _crs_schema, lambda raw, e: parse_crs(raw, "bbox-crs"))
CRS = Param("crs", "CRS of the returned geometries (default CRS84); EPSG:4326 and EPSG:4269 are latitude-first.",
            _crs_schema, lambda raw, e: parse_crs(raw, "crs"))
DATETIME = Param("datetime", "RFC 3339 instant or interval (start/end, '..' or empty for an open end) on the "
                 "layer's date property; layers without one ignore it.",
                 lambda e: {"type": "string", "pattern": DATETIME_PATTERN}, _datetime, selects=True)
FILTER = Param("filter", "CQL2 filter on the queryables (see filter-lang).", lambda e: {"type": "string"},
               lambda raw, e: raw, selects=True)
FILTER_LANG = Param("filter-lang", "Language of filter.",
                    lambda e: {"type": "string", "enum": list(LANGS), "default": "cql2-text"},
                    lambda raw, e: _filter_lang(raw))
FILTER_CRS = Param("filter-crs", "CRS of geometry literals in filter (default CRS84).", _crs_schema,
                   lambda raw, e: parse_crs(raw, "filter-crs"))
SORTBY = Param("sortby", "Comma-separated property names, each optionally prefixed by + (ascending, the default) "
               "or - (descending). Nulls sort last.",
               lambda e: {"type": "string", "pattern": sortby_pattern(e.names)},
               lambda raw, e: tuple(parse_sortby(raw, e.names)))
PROPERTIES = Param("properties", "Comma-separated names of the properties to include.",
                   lambda e: {"type": "array", "minItems": 1, "items": {"type": "string", "enum": e.names}},
                   lambda raw, e: tuple(parse_names(raw, "properties", e.names)), array=True)
SKIP_GEOMETRY = Param("skipGeometry", "Leave geometries out (null).", lambda e: {"type": "boolean", "default": False},
                      lambda raw, e: parse_bool(raw, "skipGeometry"))

#: the parameters of /collections/{id}/items and of /collections/{id}/items/{featureId} (besides ``f``)
ITEMS: tuple[Param, ...] = (LIMIT, OFFSET, BBOX, BBOX_CRS, CRS, DATETIME, FILTER, FILTER_LANG, FILTER_CRS, SORTBY,
                            PROPERTIES, SKIP_GEOMETRY)
ITEM: tuple[Param, ...] = (CRS, PROPERTIES, SKIP_GEOMETRY)
SELECTING = tuple(p.name for p in ITEMS if p.selects)
PAGING = tuple(p.name for p in ITEMS if p.paging)


def check(params: Params, declared: Sequence[Param]) -> None:
    """400 for a parameter the operation does not declare (``f`` is always allowed), repeated, or too long."""
    check_params(params, ["f", *(p.name for p in declared)])


def parse(params: Params, declared: Sequence[Param], env: Env) -> dict[str, Any]:
    """The parsed value of each given parameter of ``declared``, by name (first bad one: 400)."""
    values: dict[str, Any] = {}
    for p in declared:
        if p.name in params:  # most requests give two or three of a dozen
            raw = single(params, p.name)
            if raw is not None:
                values[p.name] = p.parse(raw, env)
    return values


def items_query(params: Params, spec: LayerSpec, settings: ApiSettings) -> tuple[Selection, Output]:
    """The Selection and Output of an items request (parameters checked by :func:`check` first)."""
    v = parse(params, ITEMS, Env(settings, spec))
    boxes: tuple[Box, ...] = ()
    region = None
    if "bbox" in v:
        bbox_crs: Crs = v.get("bbox-crs", STORAGE)
        boxes, region = bbox_selection(parse_bbox(v["bbox"], bbox_crs), bbox_crs)
    tree = None
    if "filter" in v and v["filter"].strip():  # an empty filter selects everything
        tree = compile_filter(v["filter"], v.get("filter-lang", "cql2-text"), spec, v.get("filter-crs", STORAGE))
    selection = Selection(
        boxes=boxes,
        region=region,
        filter=None if tree is True else tree if isinstance(tree, dict) else _never(tree),
        datetime=v.get("datetime") if spec.temporal is not None else None,
        sortby=v.get("sortby", ()),
        offset=v.get("offset", 0),
        limit=v.get("limit", settings.default_limit),
    )
    return selection, output(v)


def output(values: dict[str, Any]) -> Output:
    """The Output of parsed ``crs``, ``properties`` and ``skipGeometry`` values."""
    return Output(values.get("crs", STORAGE), values.get("properties"), not values.get("skipGeometry", False))


def _never(tree: Any) -> dict[str, Any] | None:
    """``FALSE`` as a filter: kept as a condition every backend evaluates to no features."""
    return {"op": "not", "args": [True]} if tree is False else None


def _filter_lang(raw: str) -> str:
    if raw not in LANGS:
        raise InvalidParameterError(f"filter-lang: '{raw[:40]}' is not supported; use one of {', '.join(LANGS)}")
    return raw


def bbox_selection(nums: tuple[float, ...], crs: Crs) -> tuple[tuple[Box, ...], shapely.Geometry | None]:
    """A parsed bbox as CRS84 boxes (two across the antimeridian), and the exact region of a projected one."""
    dim = len(nums) // 2
    a0, a1, b0, b1 = nums[0], nums[1], nums[dim], nums[dim + 1]
    if not crs.geographic:
        region = bbox_region((a0, a1, b0, b1), crs)
        x0, y0, x1, y1 = (float(v) for v in shapely.bounds(region))
        return ((x0, y0, x1, y1),), region
    lon_lo, lon_hi = (a1, b1) if crs.lat_first else (a0, b0)
    spans = [(lon_lo, lon_hi)] if lon_lo <= lon_hi else [(lon_lo, 180.0), (-180.0, lon_hi)]
    out = []
    for lo, hi in spans:
        corners = (a0, lo, b0, hi) if crs.lat_first else (lo, a1, hi, b1)
        out.append(bbox_to_storage(corners, crs))
    return tuple(out), None


_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T.*)?")


def parse_datetime(value: str) -> Interval:
    """An RFC 3339 instant, or an interval of two (``..`` or empty for an open end), as a UTC Interval."""
    if not re.search(DATETIME_PATTERN, value):  # search, like JSON Schema validators: "$" allows a final newline
        raise InvalidParameterError(f"datetime: '{value[:60]}' is not an RFC 3339 instant or interval")
    text = value.rstrip("\n")
    if "/" not in text:
        return Interval(_instant(text, False), _instant(text, True))
    lo, hi = text.split("/")
    start: datetime | None
    end: datetime | None
    start = None if lo in ("", "..") else _instant(lo, False)
    end = None if hi in ("", "..") else _instant(hi, True)
    if start is None and end is None:
        raise InvalidParameterError("datetime: an interval needs at least one end ('../..' selects nothing)")
    if start is not None and end is not None and start > end:
        raise InvalidParameterError(f"datetime: the interval ends before it starts ({lo} > {hi})")
    return Interval(start, end)


def _instant(text: str, end_of_day: bool) -> datetime:
    """A date (its first or last second) or a timestamp, in UTC."""
    try:
        if "T" not in text:
            day = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return day.replace(hour=23, minute=59, second=59) if end_of_day else day
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise InvalidParameterError(f"datetime: '{text[:40]}' is not a valid date or timestamp") from None
