"""Strict parsing of query parameters and of the Accept header (every failure is a 400 or 406).

The rules here are the ones the OpenAPI document declares (api/openapi.py reads the same patterns), so
a request the document calls valid is accepted and one it calls invalid is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from api.crs import Crs
from api.errors import NotAcceptableError, UnknownParameterError
from geo.errors import InvalidParameterError

INTEGER = re.compile(r"-?[0-9]{1,30}")
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
#: RFC 3339 instant, or an interval of two instants or open ends ("..", "")
_INSTANT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?"
DATETIME_PATTERN = rf"^({_INSTANT}|({_INSTANT}|\.\.)?/({_INSTANT}|\.\.)?)$"
_DATETIME = re.compile(DATETIME_PATTERN)
MAX_VALUE_LENGTH = 8192

Params = Mapping[str, list[str]]


@dataclass(frozen=True)
class Format:
    """A representation the service can produce: its ``f`` value and media types (preferred first)."""

    name: str
    media_types: tuple[str, ...]


GEOJSON = Format("json", ("application/geo+json", "application/json"))
JSON = Format("json", ("application/json",))
HTML = Format("html", ("text/html",))
CSV = Format("csv", ("text/csv",))
GPKG = Format("gpkg", ("application/geopackage+sqlite3",))
FGB = Format("fgb", ("application/flatgeobuf",))
SCHEMA = Format("json", ("application/schema+json", "application/json"))
OPENAPI = Format("json", ("application/vnd.oai.openapi+json;version=3.0", "application/json"))


def check_params(params: Params, allowed: Sequence[str]) -> None:
    """400 for a parameter the operation does not define, given twice, or absurdly long."""
    for name, values in params.items():
        if name not in allowed:
            shown = name if len(name) <= 40 else name[:37] + "..."
            raise UnknownParameterError(
                f"unknown query parameter '{shown}'; this operation accepts: {', '.join(allowed)}"
            )
        if len(values) > 1:
            raise InvalidParameterError(f"{name}: given {len(values)} times; give it once")
        if len(values[0]) > MAX_VALUE_LENGTH:
            raise InvalidParameterError(f"{name}: value longer than {MAX_VALUE_LENGTH} characters")


def single(params: Params, name: str) -> str | None:
    """The one value of ``name``, or None when absent."""
    values = params.get(name)
    return values[0] if values else None


def parse_int(value: str, name: str, lo: int, hi: int) -> int:
    """An integer in [lo, hi]; 400 otherwise."""
    if not INTEGER.fullmatch(value):
        raise InvalidParameterError(f"{name}: '{_short(value)}' is not an integer")
    number = int(value)
    if not lo <= number <= hi:
        raise InvalidParameterError(f"{name}: {_short(value)} is out of range [{lo}, {hi}]")
    return number


def parse_number(value: str, name: str) -> float:
    """A finite decimal number (no nan/inf); 400 otherwise."""
    if not NUMBER.fullmatch(value.strip()):
        raise InvalidParameterError(f"{name}: '{_short(value)}' is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidParameterError(f"{name}: {_short(value)} is too large")
    return number


def parse_bbox(value: str, crs: Crs) -> tuple[float, ...]:
    """4 or 6 numbers, lower corner first, in the axis order of ``crs``; 400 if malformed or reversed.

    In a geographic CRS a lower longitude above the upper one is a box across the antimeridian (OGC API
    Features Part 1, 7.15.3); a reversed latitude, height or projected axis is an error.
    """
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise InvalidParameterError(f"bbox: expected 4 or 6 comma-separated numbers, got {len(parts)}")
    nums = tuple(parse_number(p, "bbox") for p in parts)
    dim = len(nums) // 2
    lo, hi = nums[:dim], nums[dim:]
    lat_axis = 0 if crs.lat_first else 1
    lon_axis = 1 - lat_axis
    for axis in range(dim):
        if crs.geographic and axis == lon_axis:
            if not (-180 <= lo[axis] <= 180 and -180 <= hi[axis] <= 180):
                raise InvalidParameterError("bbox: longitudes must lie in [-180, 180]")
            continue
        if crs.geographic and axis == lat_axis and not (-90 <= lo[axis] <= 90 and -90 <= hi[axis] <= 90):
            raise InvalidParameterError("bbox: latitudes must lie in [-90, 90]")
        if lo[axis] > hi[axis]:
            raise InvalidParameterError(
                f"bbox: lower corner above upper corner on axis {axis + 1} ({lo[axis]} > {hi[axis]})"
            )
    return nums


def parse_names(value: str, name: str, known: Sequence[str]) -> list[str]:
    """A comma-separated list of declared property names; duplicates dropped."""
    out: list[str] = []
    for item in value.split(","):
        if item not in known:
            raise InvalidParameterError(f"{name}: unknown property '{_short(item)}'; known: {', '.join(known)}")
        if item not in out:
            out.append(item)
    return out


def sortby_pattern(known: Sequence[str]) -> str:
    """The regular expression a sortby value of a layer with properties ``known`` must match."""
    names = "|".join(re.escape(k) for k in known)
    return f"^[+ -]?({names})(,[+ -]?({names}))*$"


def parse_sortby(value: str, known: Sequence[str]) -> list[tuple[str, bool]]:
    """``[+|-]name,...`` as (name, descending) pairs; a '+' decoded to a space counts as '+'."""
    if not known or not re.search(sortby_pattern(known), value):
        raise InvalidParameterError(
            f"sortby: '{_short(value)}' is not a list of [+|-]property; sortable: {', '.join(known)}"
        )
    keys: list[tuple[str, bool]] = []
    for item in value.rstrip("\n").split(","):
        keys.append((item.lstrip("+ -"), item.startswith("-")))
    return keys


def parse_bool(value: str, name: str) -> bool:
    """``true`` or ``false``."""
    if value not in ("true", "false"):
        raise InvalidParameterError(f"{name}: expected true or false, got '{_short(value)}'")
    return value == "true"


def check_datetime(value: str) -> None:
    """An RFC 3339 instant or interval (the layers have no time dimension, so it filters nothing)."""
    if not _DATETIME.search(value):  # search, like JSON Schema validators: "$" allows a final newline
        raise InvalidParameterError(f"datetime: '{_short(value)}' is not an RFC 3339 instant or interval")


def negotiate(params: Params, accept: str | None, formats: Sequence[Format]) -> tuple[Format, str]:
    """The format and media type to answer with: ``f`` wins, then the Accept header; 406 if none fits."""
    f = single(params, "f")
    if f is not None:
        for fmt in formats:
            if fmt.name == f or (f == "geojson" and fmt is GEOJSON):
                return fmt, fmt.media_types[0]
        raise NotAcceptableError(
            f"f={_short(f)} is not available here; choose one of {', '.join(x.name for x in formats)}"
        )
    if not accept or accept.strip() in ("*/*", ""):
        return formats[0], formats[0].media_types[0]
    best: tuple[float, int, Format, str] | None = None
    ranges = _accept_ranges(accept)
    for order, (fmt, media) in enumerate((x, m) for x in formats for m in x.media_types):
        q = _quality(media, ranges)
        if q > 0 and (best is None or q > best[0]):
            best = (q, order, fmt, media)
    if best is None:
        raise NotAcceptableError(
            f"none of the media types in Accept ({_short(accept)}) is available; "
            f"available: {', '.join(m for x in formats for m in x.media_types)}"
        )
    return best[2], best[3]


def _accept_ranges(accept: str) -> list[tuple[str, float, int]]:
    """(media range, q, specificity) of each entry of an Accept header."""
    out = []
    for part in accept.split(",")[:32]:
        fields = [p.strip() for p in part.split(";")]
        rng = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(param[2:])))
                except ValueError:
                    q = 0.0
        specificity = 0 if rng == "*/*" else 1 if rng.endswith("/*") else 2
        out.append((rng, q, specificity))
    return out


def _quality(media: str, ranges: list[tuple[str, float, int]]) -> float:
    """The q of the most specific range matching ``media`` (0 if none)."""
    base = media.split(";")[0].lower()
    top, matched = -1, 0.0
    for rng, q, specificity in ranges:
        hit = rng == base or rng == "*/*" or (rng.endswith("/*") and base.startswith(rng[:-1]))
        if hit and specificity > top:
            top, matched = specificity, q
    return matched


def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."
