"""CQL2 (its JSON form, as the ``cql2`` package writes it) compiled to a PostgreSQL/PostGIS WHERE clause.

Every value a client sends becomes a bound parameter (``$n`` with an explicit cast); the only names in the
SQL are the layer's declared properties (quoted) and the loader's ``geom`` column, so no client text is
ever part of a statement. SQL's three-valued logic is the semantics the in-memory evaluator follows: a
comparison with NULL is unknown, ``NOT unknown`` is unknown, and only true rows are selected.
Types are checked before the database sees the statement, so a mismatch is a 400, never a SQL error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import shapely
from shapely.geometry import shape

from api.crs import STORAGE, Crs, to_storage
from geo.errors import InvalidParameterError
from layers.pgload import GEOMETRY_COLUMN, SRID, quote_ident
from layers.spec import LayerSpec

GEOMETRY = "geometry"
MAX_DEPTH = 64
_COMPARE = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITHMETIC = {"+": "+", "-": "-", "*": "*", "/": "/"}
_SPATIAL = {"s_intersects": "ST_Intersects", "s_disjoint": "ST_Disjoint", "s_contains": "ST_Contains",
            "s_within": "ST_Within", "s_touches": "ST_Touches", "s_crosses": "ST_Crosses",
            "s_overlaps": "ST_Overlaps", "s_equals": "ST_Equals"}
_TEMPORAL = ("t_before", "t_after", "t_equals", "t_disjoint", "t_intersects", "t_during")
_CASTS = {"string": "text", "integer": "bigint", "number": "float8", "boolean": "boolean", "date": "date",
          "timestamp": "timestamptz"}
#: value families that compare with each other
_FAMILY = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean", "date": "time",
           "timestamp": "time"}
#: combining marks removed by ACCENTI (the blocks NFD moves Latin, Greek and Cyrillic accents into)
_MARKS = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_INT_RANGE = 2**63


@dataclass
class Params:
    """The positional parameters of one statement, in order."""

    values: list[Any] = field(default_factory=list)

    def bind(self, value: Any, cast: str) -> str:
        """Add ``value``; returns its placeholder with an explicit cast (``$3::bigint``)."""
        self.values.append(value)
        return f"${len(self.values)}::{cast}"


@dataclass(frozen=True)
class Sql:
    """A SQL fragment and the type of the value it computes (``string``, ``number``, ``geometry``...)."""

    text: str
    type: str


def compile_where(node: Any, spec: LayerSpec, params: Params, crs: Crs = STORAGE,
                  casei_collation: str = "und-x-icu") -> str:
    """A WHERE condition for the cql2-json ``node`` on the table of ``spec``; geometry literals in ``crs``."""
    return _Compiler(spec, params, crs, casei_collation).predicate(node, 0)


class _Compiler:
    """Walks a cql2-json tree, checking names and types against the layer's declaration."""

    def __init__(self, spec: LayerSpec, params: Params, crs: Crs, collation: str) -> None:
        self.types = {p.name: p.type for p in spec.properties}
        self.params = params
        self.crs = crs
        self.collation = collation

    def predicate(self, node: Any, depth: int) -> str:
        """A boolean SQL expression."""
        if depth > MAX_DEPTH:
            raise InvalidParameterError(f"filter: nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, bool):
            return "TRUE" if node else "FALSE"
        if isinstance(node, dict) and "property" in node:
            found = self.scalar(node, depth)
            if found.type != "boolean":
                raise InvalidParameterError(f"filter: '{node['property']}' is not a boolean condition")
            return found.text
        op, args = _op(node)
        if op in ("and", "or"):
            if len(args) < 2:
                raise InvalidParameterError(f"filter: {op.upper()} needs at least two conditions")
            return "(" + f" {op.upper()} ".join(self.predicate(a, depth + 1) for a in args) + ")"
        if op == "not":
            _arity(op, args, 1)
            return f"(NOT {self.predicate(args[0], depth + 1)})"
        if op in _COMPARE:
            _arity(op, args, 2)
            lhs, rhs = self._comparable(args[0], args[1], depth)
            return f"({lhs.text} {_COMPARE[op]} {rhs.text})"
        if op in _SPATIAL:
            _arity(op, args, 2)
            return f"{_SPATIAL[op]}({self.geometry(args[0])}, {self.geometry(args[1])})"
        if op in _TEMPORAL:
            _arity(op, args, 2)
            return self._temporal(op, args, depth)
        handler = {"like": self._like, "between": self._between, "in": self._in, "isnull": self._is_null}.get(op)
        if handler is None:
            raise InvalidParameterError(f"filter: the operator {op!r} is not supported (no array operators)")
        return handler(args, depth)

    def scalar(self, node: Any, depth: int, hint: str | None = None) -> Sql:
        """A value: a property, a literal (bound) or a function/arithmetic of them."""
        if depth > MAX_DEPTH:
            raise InvalidParameterError(f"filter: nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, dict) and "property" in node:
            name = self._name(node["property"])
            if name == GEOMETRY:
                raise InvalidParameterError("filter: geometry can only be used in spatial functions (S_*)")
            return Sql(quote_ident(name), self.types[name])
        if isinstance(node, bool | int | float | str) or (isinstance(node, dict) and set(node) <= {"date", "timestamp"}
                                                         and len(node) == 1):
            return self.literal(node, hint)
        op, args = _op(node)
        if op in _ARITHMETIC:
            _arity(op, args, 2)
            a, b = (self.scalar(x, depth + 1, "number") for x in args)
            for side, raw in ((a, args[0]), (b, args[1])):
                if side.type not in ("integer", "number"):
                    raise InvalidParameterError(f"filter: arithmetic needs numbers, not {_show(raw)}")
            rhs = f"NULLIF({b.text}::float8, 0)" if op == "/" else f"{b.text}::float8"
            return Sql(f"({a.text}::float8 {op} {rhs})", "number")
        if op in ("casei", "lower", "accenti"):
            _arity(op, args, 1)
            inner = self.scalar(args[0], depth + 1, "string")
            if inner.type != "string":
                raise InvalidParameterError(f"filter: {op.upper()}() needs text, not {_show(args[0])}")
            if op == "accenti":
                return Sql(f"regexp_replace(normalize({inner.text}, NFD), '{_MARKS}', '', 'g')", "string")
            return Sql(f'(lower({inner.text} COLLATE "{self.collation}") COLLATE "C")', "string")
        raise InvalidParameterError(f"filter: unknown function {op}(); supported: CASEI, ACCENTI")

    def literal(self, value: Any, hint: str | None) -> Sql:
        """A bound literal, typed after the property it meets (``hint``) where that matters."""
        if isinstance(value, dict):
            kind, text = next(iter(value.items()))
            return Sql(self.params.bind(_temporal(kind, text), _CASTS[kind]), kind)
        if isinstance(value, bool):
            return Sql(self.params.bind(value, "boolean"), "boolean")
        if isinstance(value, str):
            if "\x00" in value:
                raise InvalidParameterError("filter: text literals cannot contain the NUL character")
            if hint in ("date", "timestamp"):  # an ISO date written as a plain string
                return Sql(self.params.bind(_temporal("date" if len(value) <= 10 else "timestamp", value),
                                            _CASTS[hint]), hint)
            return Sql(self.params.bind(value, "text"), "string")
        if hint == "integer" and float(value).is_integer() and abs(value) < _INT_RANGE:
            return Sql(self.params.bind(int(value), "bigint"), "integer")  # keeps the comparison exact
        return Sql(self.params.bind(float(value), "float8"), "number")

    def geometry(self, node: Any) -> str:
        """A geometry operand: the feature's geometry, or a literal bound as EWKB (from ``filter-crs``)."""
        if isinstance(node, dict) and "property" in node:
            if self._name(node["property"]) != GEOMETRY:
                raise InvalidParameterError(f"filter: '{node['property']}' is not a geometry; use '{GEOMETRY}'")
            return GEOMETRY_COLUMN
        if isinstance(node, dict) and "bbox" in node:
            geojson = _box_geojson(node["bbox"])
        elif isinstance(node, dict) and "type" in node:
            geojson = node
        else:
            raise InvalidParameterError(f"filter: {_show(node)} is not a geometry")
        return f"ST_GeomFromEWKB({self.params.bind(self._ewkb(geojson), 'bytea')})"

    def _ewkb(self, geojson: dict[str, Any]) -> bytes:
        try:
            geom = shape(geojson)
        except Exception as exc:  # shapely raises several types on malformed coordinates
            raise InvalidParameterError(f"filter: invalid geometry literal ({exc})") from None
        if geom.is_empty or not shapely.is_valid_input(geom):
            raise InvalidParameterError("filter: empty or invalid geometry literal")
        return bytes(shapely.to_wkb(shapely.set_srid(to_storage(geom, self.crs), SRID), include_srid=True))

    def _name(self, name: Any) -> str:
        if not isinstance(name, str) or (name != GEOMETRY and name not in self.types):
            raise InvalidParameterError(
                f"filter: unknown property '{str(name)[:60]}'; queryables: {', '.join([*self.types, GEOMETRY])}")
        return name

    def _hint(self, node: Any) -> str | None:
        """The declared type of ``node`` when it is a property (to type the literal it meets)."""
        if isinstance(node, dict) and isinstance(node.get("property"), str):
            return self.types.get(node["property"])
        return None

    def _comparable(self, a: Any, b: Any, depth: int) -> tuple[Sql, Sql]:
        """Both operands, after checking that their types compare (a 400 names the mismatch)."""
        lhs = self.scalar(a, depth + 1, self._hint(b))
        rhs = self.scalar(b, depth + 1, self._hint(a) or lhs.type)
        if _FAMILY.get(lhs.type) != _FAMILY.get(rhs.type):
            prop, other = (a, b) if self._hint(a) else (b, a)
            declared = self._hint(prop)
            what = f"'{prop['property']}' is a {declared}" if declared else f"{_show(a)} is a {lhs.type}"
            raise InvalidParameterError(f"filter: {what} and cannot be compared with {_show(other)}")
        return lhs, rhs

    def _like(self, args: list[Any], depth: int) -> str:
        _arity("like", args, 2)
        value = self.scalar(args[0], depth + 1, "string")
        pattern = self.scalar(args[1], depth + 1, "string")
        if value.type != "string" or pattern.type != "string":
            raise InvalidParameterError("filter: LIKE compares text with a text pattern")
        return f"({value.text} LIKE {pattern.text})"

    def _between(self, args: list[Any], depth: int) -> str:
        _arity("between", args, 3)
        value, low = self._comparable(args[0], args[1], depth)
        _, high = self._comparable(args[0], args[2], depth)
        return f"({value.text} BETWEEN {low.text} AND {high.text})"

    def _in(self, args: list[Any], depth: int) -> str:
        _arity("in", args, 2)
        if not isinstance(args[1], list) or not args[1]:
            raise InvalidParameterError("filter: IN needs a non-empty list")
        pairs = [self._comparable(args[0], item, depth) for item in args[1]]
        return f"({pairs[0][0].text} IN ({', '.join(rhs.text for _, rhs in pairs)}))"

    def _temporal(self, op: str, args: list[Any], depth: int) -> str:
        """Instants and intervals compared by their ends (a date is its day's midnight, UTC)."""
        (a0, a1), (b0, b1) = (self._span(a, depth) for a in args)
        if op == "t_before":
            return f"({a1()} < {b0()})"
        if op == "t_after":
            return f"({a0()} > {b1()})"
        if op == "t_equals":
            return f"({a0()} = {b0()} AND {a1()} = {b1()})"
        if op == "t_disjoint":
            return f"({a1()} < {b0()} OR {a0()} > {b1()})"
        if op == "t_during":
            return f"({a0()} >= {b0()} AND {a1()} <= {b1()})"
        return f"({a0()} <= {b1()} AND {a1()} >= {b0()})"  # t_intersects

    def _span(self, node: Any, depth: int) -> tuple[Callable[[], str], Callable[[], str]]:
        """(start, end) of an instant (both the same) or an interval (``..`` ends unbounded), as functions
        that bind their literal when first used (a parameter the statement never reads has no type)."""
        if isinstance(node, dict) and "interval" in node:
            ends = node["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise InvalidParameterError("filter: an INTERVAL has a start and an end")
            lo = self._lazy("'-infinity'::timestamptz" if ends[0] == ".." else None, ends[0], depth)
            hi = self._lazy("'infinity'::timestamptz" if ends[1] == ".." else None, ends[1], depth)
            return lo, hi
        one = self._lazy(None, node, depth)
        one()  # a property is checked (and a literal validated) now, not when an operator uses it
        return one, one

    def _lazy(self, fixed: str | None, node: Any, depth: int) -> Callable[[], str]:
        if fixed is not None:
            return lambda: fixed
        if not (isinstance(node, dict) and "property" in node):
            self._check_instant(node)
        cached = functools.cache(lambda: self._instant(node, depth))
        return cached

    def _check_instant(self, node: Any) -> None:
        """A literal instant is valid before any SQL is written (its value is bound only if used)."""
        if isinstance(node, str):
            _temporal("date" if len(node) <= 10 else "timestamp", node)
        elif isinstance(node, dict) and len(node) == 1 and set(node) <= {"date", "timestamp"}:
            kind, value = next(iter(node.items()))
            _temporal(kind, value)
        else:
            raise InvalidParameterError(f"filter: {_show(node)} is not a date or a timestamp")

    def _instant(self, node: Any, depth: int) -> str:
        found = self.scalar(node, depth + 1, "date")
        if found.type not in ("date", "timestamp"):
            raise InvalidParameterError(f"filter: {_show(node)} is not a date or a timestamp")
        return found.text

    def _is_null(self, args: list[Any], depth: int) -> str:
        _arity("isNull", args, 1)
        node = args[0]
        if isinstance(node, dict) and node.get("property") == GEOMETRY:
            return f"({GEOMETRY_COLUMN} IS NULL)"
        return f"({self.scalar(node, depth + 1).text} IS NULL)"


def _op(node: Any) -> tuple[str, list[Any]]:
    """The operator (lower case) and arguments of an operation node; 400 for anything else."""
    if not isinstance(node, dict) or not isinstance(node.get("op"), str) or not isinstance(node.get("args", []), list):
        raise InvalidParameterError(f"filter: {_show(node)} is not a condition")
    return node["op"].lower(), list(node.get("args", []))


def _arity(op: str, args: list[Any], n: int) -> None:
    if len(args) != n:
        raise InvalidParameterError(f"filter: {op.upper()} takes {n} argument{'s' if n > 1 else ''}, "
                                    f"not {len(args)}")


def _temporal(kind: str, text: Any) -> date | datetime:
    """A DATE or TIMESTAMP literal as a Python value (timestamps without a zone are UTC)."""
    try:
        if kind == "date":
            return date.fromisoformat(str(text))
        stamp = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameterError(f"filter: {str(text)[:40]!r} is not a valid {kind.upper()}") from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _box_geojson(nums: Any) -> dict[str, Any]:
    if not isinstance(nums, list) or len(nums) not in (4, 6) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in nums):
        raise InvalidParameterError("filter: a bbox literal needs 4 or 6 numbers")
    half = len(nums) // 2
    x0, y0, x1, y1 = nums[0], nums[1], nums[half], nums[half + 1]
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _show(node: Any) -> str:
    text = repr(node) if not isinstance(node, dict) else str(node.get("property") or node.get("op") or node)
    return text if len(text) <= 60 else text[:57] + "..."
