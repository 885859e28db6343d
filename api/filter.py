"""Vectorised evaluation of a compiled CQL2 AST (see ``api.cql``) over an in-memory layer's columns.

Each condition evaluates to two boolean arrays over the candidate features, *true* and *unknown*
(SQL three-valued logic: a comparison with a null is unknown, NOT keeps unknown unknown, AND is false if
either side is false, OR true if either side is true). Only true selects. Values are typed numpy columns
(numbers as float64, dates as datetime64[s], text as object arrays) with a null mask beside them.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from api.cql import GEOMETRY

Truth = tuple[np.ndarray, np.ndarray]  # (true, unknown)
Vec = tuple[Any, np.ndarray]  # (values: array or scalar, null mask)

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_SPATIAL: dict[str, Callable[[Any, Any], Any]] = {
    "s_intersects": shapely.intersects, "s_disjoint": shapely.disjoint, "s_contains": shapely.contains,
    "s_within": shapely.within, "s_touches": shapely.touches, "s_crosses": shapely.crosses,
    "s_overlaps": shapely.overlaps, "s_equals": shapely.equals,
}
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
}
_NAT = np.datetime64("NaT", "s")


class Columns(Protocol):
    """What the evaluator reads of a layer (``api.memory.MemorySource`` provides it)."""

    geoms: np.ndarray
    bounds: np.ndarray
    columns: dict[str, np.ndarray]

    @property
    def types(self) -> Mapping[str, str]: ...

    def __len__(self) -> int: ...


def evaluate(tree: Any, layer: Columns, candidates: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask over all features of ``layer``: those ``tree`` selects, among ``candidates`` (None: all)."""
    n = len(layer)
    idx = np.arange(n) if candidates is None else np.flatnonzero(candidates)
    true, _ = _Eval(layer, idx).condition(tree)
    mask = np.zeros(n, dtype=bool)
    mask[idx[true]] = True
    return mask


class _Eval:
    """Evaluation over the features at ``idx`` (arrays are aligned with ``idx``)."""

    def __init__(self, layer: Columns, idx: np.ndarray) -> None:
        self.layer = layer
        self.idx = idx
        self.n = len(idx)
        self.none = np.zeros(self.n, dtype=bool)

    def condition(self, node: Any) -> Truth:
        """(true, unknown) of a condition."""
        if isinstance(node, bool):
            return np.full(self.n, node), self.none
        op, args = node["op"], node["args"]
        if op in ("and", "or"):
            return self._logical(op, [self.condition(a) for a in args])
        if op == "not":
            true, unknown = self.condition(args[0])
            return ~true & ~unknown, unknown
        if op in _COMPARE:
            return self._compare(_COMPARE[op], self.value(args[0]), self.value(args[1]))
        if op == "between":
            v, lo, hi = (self.value(a) for a in args)
            return self._logical("and", [self._compare(operator.ge, v, lo), self._compare(operator.le, v, hi)])
        if op == "like":
            return self._like(args)
        if op == "in":
            return self._in(args)
        if op == "isNull":
            if args[0] == {"property": GEOMETRY}:
                return shapely.is_missing(self.layer.geoms[self.idx]), self.none
            _, null = self.value(args[0])
            return np.broadcast_to(null, (self.n,)).copy(), self.none
        if op in _SPATIAL:
            return self._spatial(op, args)
        return self._temporal(op, args)

    def _logical(self, op: str, parts: list[Truth]) -> Truth:
        true, unknown = parts[0]
        false = ~true & ~unknown
        for t, u in parts[1:]:
            f = ~t & ~u
            if op == "and":
                true, false = true & t, false | f
            else:
                true, false = true | t, false & f
        return true, ~true & ~false

    def value(self, node: Any) -> Vec:
        """(values, null mask) of a scalar; literals stay Python/numpy scalars."""
        if isinstance(node, bool | str):
            return node, self.none
        if isinstance(node, float):
            return node, self.none
        if "property" in node:
            values, null = typed_column(self.layer, node["property"])
            return values[self.idx], null[self.idx]
        if "date" in node:
            return np.datetime64(node["date"], "s"), self.none
        if "timestamp" in node:
            return np.datetime64(node["timestamp"].rstrip("Z"), "s"), self.none
        op, args = node["op"], node["args"]
        values, null = self.value(args[0])
        if op in ("casei", "accenti"):
            return _fold(values, op), null
        rhs, rnull = self.value(args[1])
        with np.errstate(all="ignore"):
            out = _ARITHMETIC[op](np.asarray(values, dtype=float), np.asarray(rhs, dtype=float))
        bad = null | rnull | ~np.isfinite(out)  # division by zero gives null, as in SQL
        return out, np.broadcast_to(bad, (self.n,))

    def _compare(self, op: Callable[[Any, Any], Any], a: Vec, b: Vec) -> Truth:
        (va, na), (vb, nb) = a, b
        null = np.broadcast_to(na | nb, (self.n,))
        with np.errstate(invalid="ignore"):
            hit = np.broadcast_to(np.asarray(op(va, vb), dtype=bool), (self.n,))
        return hit & ~null, null.copy()

    def _like(self, args: list[Any]) -> Truth:
        values, null = self.value(args[0])
        pattern, _ = self.value(args[1])
        nocase = _folds(args[1], "casei") or _folds(args[0], "casei")
        regex = re.compile(like_regex(str(pattern)), (re.IGNORECASE if nocase else 0) | re.DOTALL)
        series = pd.Series(np.broadcast_to(np.asarray(values, dtype=object), (self.n,)), dtype=object)
        hit = series.map(lambda v: isinstance(v, str) and regex.fullmatch(v) is not None).to_numpy(dtype=bool)
        null = np.broadcast_to(null, (self.n,))
        return hit & ~null, null.copy()

    def _in(self, args: list[Any]) -> Truth:
        values, null = self.value(args[0])
        items = [self.value(i)[0] for i in args[1]]
        hit = np.zeros(self.n, dtype=bool)
        for item in items:
            with np.errstate(invalid="ignore"):
                hit |= np.broadcast_to(np.asarray(values == item, dtype=bool), (self.n,))
        null = np.broadcast_to(null, (self.n,))
        return hit & ~null, null.copy()

    def _spatial(self, op: str, args: list[Any]) -> Truth:
        geoms = self.layer.geoms[self.idx]
        lhs = geoms if args[0] == {"property": GEOMETRY} else _literal(args[0])
        rhs = geoms if args[1] == {"property": GEOMETRY} else _literal(args[1])
        fn = _SPATIAL[op]
        literal = rhs if lhs is geoms else lhs
        if op in ("s_intersects", "s_contains", "s_within", "s_touches", "s_crosses", "s_overlaps", "s_equals") \
                and lhs is not rhs and not isinstance(literal, np.ndarray):
            near = _near(self.layer.bounds[self.idx], literal)  # cheap bounds test first: the rest are false
            hit = np.zeros(self.n, dtype=bool)
            sub = geoms[near]
            hit[near] = fn(sub, rhs) if rhs is not geoms else fn(lhs, sub)
            return hit, self.none
        return np.broadcast_to(np.asarray(fn(lhs, rhs), dtype=bool), (self.n,)).copy(), self.none

    def _temporal(self, op: str, args: list[Any]) -> Truth:
        (a0, a1, an), (b0, b1, bn) = (self._span(a) for a in args)
        null = np.broadcast_to(an | bn, (self.n,))
        with np.errstate(invalid="ignore"):
            if op == "t_before":
                hit = a1 < b0
            elif op == "t_after":
                hit = a0 > b1
            elif op == "t_equals":
                hit = (a0 == b0) & (a1 == b1)
            elif op == "t_disjoint":
                hit = (a1 < b0) | (a0 > b1)
            elif op == "t_during":
                hit = (a0 >= b0) & (a1 <= b1)
            else:  # t_intersects
                hit = (a0 <= b1) & (a1 >= b0)
        hit = np.broadcast_to(np.asarray(hit, dtype=bool), (self.n,))
        return hit & ~null, null.copy()

    def _span(self, node: Any) -> tuple[Any, Any, np.ndarray]:
        """(start, end, null) of an instant (start == end) or interval ('..' ends are unbounded)."""
        if isinstance(node, dict) and "interval" in node:
            lo, hi = node["interval"]
            start = np.datetime64("0001-01-01", "s") if lo == ".." else self.value(lo)[0]
            end = np.datetime64("9999-12-31", "s") if hi == ".." else self.value(hi)[0]
            return start, end, self.none
        values, null = self.value(node)
        return values, values, null


def typed_column(layer: Columns, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, null) of property ``name`` as a typed array, made once per layer and kept."""
    cache: dict[str, tuple[np.ndarray, np.ndarray]] = layer.__dict__.setdefault("_typed", {})
    found = cache.get(name)
    if found is None:
        raw = layer.columns[name]
        null = np.array([v is None for v in raw], dtype=bool)
        kind = layer.types[name]
        values: np.ndarray
        if kind in ("integer", "number"):
            values = np.array([np.nan if v is None else float(v) for v in raw], dtype=float)
        elif kind == "boolean":
            values = np.array([bool(v) for v in raw], dtype=bool)
        elif kind == "date":
            values = np.array([_NAT if v is None else np.datetime64(_day(v), "s") for v in raw], dtype="datetime64[s]")
        else:
            values = np.array(["" if v is None else v for v in raw], dtype=object)
        found = cache[name] = (values, null)
    return found


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _fold(values: Any, op: str) -> Any:
    fold = str.lower if op == "casei" else strip_accents
    if isinstance(values, str):
        return fold(values)
    return np.array([fold(v) if isinstance(v, str) else v for v in values], dtype=object)


def _folds(node: Any, op: str) -> bool:
    """True when ``node`` is wrapped in ``op`` (at any depth of casei/accenti wrappers)."""
    while isinstance(node, dict) and node.get("op") in ("casei", "accenti"):
        if node["op"] == op:
            return True
        node = node["args"][0]
    return False


@lru_cache(maxsize=256)
def _literal_cached(key: str) -> shapely.Geometry:
    import orjson

    geom = shape(orjson.loads(key))
    shapely.prepare(geom)
    return geom


def _literal(node: dict[str, Any]) -> shapely.Geometry:
    import orjson

    return _literal_cached(orjson.dumps(node, option=orjson.OPT_SORT_KEYS).decode())


def _near(bounds: np.ndarray, geom: shapely.Geometry) -> np.ndarray:
    x0, y0, x1, y1 = shapely.bounds(geom)
    return (bounds[:, 0] <= x1) & (bounds[:, 2] >= x0) & (bounds[:, 1] <= y1) & (bounds[:, 3] >= y0)


def like_regex(pattern: str) -> str:
    """A CQL2 LIKE pattern (``%`` any run, ``_`` one character, ``\\`` escapes) as a regex."""
    out, escaped = [], False
    for ch in pattern:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def strip_accents(text: str) -> str:
    """``text`` without combining marks (ACCENTI)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
