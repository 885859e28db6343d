"""OGC API – Features Part 3: CQL2 filters (text and JSON) parsed by ``cql2`` and checked against a layer.

The ``cql2`` package (a conformant parser) turns either language into cql2-json; this module checks that
tree against the layer's queryables (declared properties and ``geometry``) and types, and normalizes it
into the *compiled AST* every backend evaluates (``api.filter`` in memory, SQL in a database):

- a condition is ``true``/``false``, or ``{"op": OP, "args": [...]}`` with OP one of ``and``, ``or``
  (two or more args), ``not`` (one), ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=`` (two), ``between``
  (three: value, low, high), ``like`` (value, pattern), ``in`` (value, list of literals), ``isNull``
  (one), ``s_intersects``, ``s_disjoint``, ``s_contains``, ``s_within``, ``s_touches``, ``s_crosses``,
  ``s_overlaps``, ``s_equals`` (two geometries), ``t_before``, ``t_after``, ``t_equals``, ``t_disjoint``,
  ``t_intersects``, ``t_during`` (a temporal property, an instant or interval);
- a scalar is ``{"property": name}`` (a declared property), a number (float), a string, a boolean,
  ``{"date": "YYYY-MM-DD"}``, ``{"timestamp": "YYYY-MM-DDTHH:MM:SSZ"}`` (UTC), or
  ``{"op": "casei"|"accenti"|"+"|"-"|"*"|"/", "args": [...]}``; ``null`` only as ``= NULL``'s right side
  is refused (use ``IS NULL``);
- a geometry is ``{"property": "geometry"}`` or a GeoJSON geometry in CRS84 (BBOX/ENVELOPE literals
  become Polygons; literals in another ``filter-crs`` are transformed here);
- an interval is ``{"interval": [start, end]}`` whose ends are ``{"date"}``/``{"timestamp"}`` or ``".."``.

NULL follows SQL three-valued logic in every backend: a comparison with a null is unknown, NOT unknown is
unknown, and only true selects a feature.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import cql2
import orjson
import shapely
from shapely.geometry import shape

from api.crs import STORAGE, Crs, to_storage
from geo.errors import InvalidParameterError
from layers.spec import LayerSpec

GEOMETRY = "geometry"
LANGS = ("cql2-text", "cql2-json")
LOGICAL = ("and", "or", "not")
COMPARISON = ("=", "<>", "<", "<=", ">", ">=")
SPATIAL = ("s_intersects", "s_disjoint", "s_contains", "s_within", "s_touches", "s_crosses", "s_overlaps",
           "s_equals")
TEMPORAL = ("t_before", "t_after", "t_equals", "t_disjoint", "t_intersects", "t_during")
ARITHMETIC = ("+", "-", "*", "/")
FOLDS = ("casei", "accenti")
_GEOJSON_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                  "GeometryCollection"}
_KIND = {"string": "text", "integer": "number", "number": "number", "boolean": "boolean", "date": "date"}
#: the parser's grammar rule names, in words
_TOKENS = {
    "GEOMETRY": "a geometry", "Identifier": "a property name", "Negative": "a number", "DECIMAL": "a number",
    "Double": "a number", "UnaryNot": "NOT", "NotFlag": "NOT", "True": "TRUE", "False": "FALSE", "Null": "NULL",
    "SingleQuotedString": "a 'text' literal", "ExpressionInParentheses": "'('", "Array": "a list",
    "EOI": "the end of the filter", "And": "AND", "Or": "OR", "IsNullPostfix": "IS NULL",
    **{op: "an arithmetic operator (+ - * /)" for op in ("Add", "Subtract", "Multiply", "Divide", "Modulo", "Power")},
    **{op: "a comparison (= <> < <= > >=)" for op in ("Eq", "Gt", "GtEq", "Lt", "LtEq", "NotEq")},
}
_WHERE = re.compile(r"-->\s*(\d+):(\d+)")
_EXPECTED = re.compile(r"=\s*expected (.+)")


def compile_filter(text: str, lang: str, spec: LayerSpec, crs: Crs = STORAGE) -> dict[str, Any] | bool:
    """The compiled AST of ``text`` in ``lang`` for features of ``spec`` (geometry literals in ``crs``)."""
    if lang not in LANGS:
        raise InvalidParameterError(f"filter-lang: '{lang[:40]}' is not supported; use one of {', '.join(LANGS)}")
    tree = _parse(text, lang)
    return _Checker(spec, crs).condition(tree)


def _parse(text: str, lang: str) -> Any:
    """cql2-json of ``text``; parse errors say where (line, column) and what was expected."""
    if lang == "cql2-json":
        try:
            return orjson.loads(text)  # checked structurally below, with messages naming the operator
        except orjson.JSONDecodeError as exc:
            raise InvalidParameterError(f"filter: not valid JSON ({exc})") from None
    try:
        return cql2.parse_text(text).to_json()
    except (cql2.ParseError, ValueError) as exc:
        raise InvalidParameterError(f"filter: {_explain(str(exc), text)}") from None


def _explain(message: str, text: str) -> str:
    """A parser message (a pest error report) in a sentence: where, what was found, what was expected."""
    where = _WHERE.search(message)
    expected = _EXPECTED.search(message)
    if not where:
        return f"invalid cql2-text: {message.strip().splitlines()[0][:200] if message.strip() else 'syntax error'}"
    line, col = int(where.group(1)), int(where.group(2))
    lines = text.splitlines() or [""]
    rest = lines[line - 1][col - 1 :] if line <= len(lines) else ""
    found = f'"{rest[:20]}"' if rest.strip() else "the end of the filter"
    tokens = re.split(r",\s*(?:or\s+)?|\s+or\s+", expected.group(1).strip()) if expected else []
    words = list(dict.fromkeys(_TOKENS.get(t.strip(), t.strip()) for t in tokens if t.strip()))
    wanted = ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else (words or ["something else"])[0]
    at = f"column {col}" if len(lines) == 1 else f"line {line}, column {col}"
    return f"invalid cql2-text at {at}: found {found}, expected {wanted[:240]}"


class _Checker:
    """Validates a cql2-json tree against a layer and returns its normalized form (see module docstring)."""

    def __init__(self, spec: LayerSpec, crs: Crs) -> None:
        self.spec = spec
        self.crs = crs
        self.types = {p.name: p.type for p in spec.properties}

    def condition(self, node: Any) -> Any:
        """A boolean-valued node."""
        if isinstance(node, bool):
            return node
        op, args = self._op(node)
        if op in ("and", "or"):
            if len(args) < 2:
                raise InvalidParameterError(f"filter: {op.upper()} needs at least two conditions")
            return {"op": op, "args": [self.condition(a) for a in args]}
        if op == "not":
            self._arity(op, args, 1)
            return {"op": "not", "args": [self.condition(args[0])]}
        if op in COMPARISON:
            self._arity(op, args, 2)
            lhs, rhs = self.scalar(args[0]), self.scalar(args[1])
            self._same_kind(op, lhs, rhs)
            return {"op": op, "args": [lhs, rhs]}
        if op == "between":
            return self._between(args)
        if op == "like":
            return self._like(args)
        if op == "in":
            return self._in(args)
        if op == "isnull":
            self._arity("IS NULL", args, 1)
            return {"op": "isNull", "args": [self.scalar(args[0], allow_geometry=True)]}
        if op in SPATIAL:
            self._arity(op.upper(), args, 2)
            return {"op": op, "args": [self.geometry(args[0]), self.geometry(args[1])]}
        if op in TEMPORAL:
            return self._temporal(op, args)
        raise InvalidParameterError(f"filter: {_name(op)} is not supported here{_hint(op)}")

    def scalar(self, node: Any, allow_geometry: bool = False) -> Any:
        """A value-valued node."""
        if node is None:
            raise InvalidParameterError("filter: NULL can only be tested with IS NULL / IS NOT NULL")
        if isinstance(node, bool | str):
            return node
        if isinstance(node, int | float):
            return float(node)
        if isinstance(node, dict) and "property" in node:
            name = self._property(node)
            if name == GEOMETRY and not allow_geometry:
                raise InvalidParameterError("filter: geometry can only be used in spatial functions (S_*)")
            return {"property": name}
        if isinstance(node, dict) and ("date" in node or "timestamp" in node):
            return _instant(node)
        op, args = self._op(node)
        if op in FOLDS:
            self._arity(op.upper(), args, 1)
            arg = self.scalar(args[0])
            if self._kind(arg) not in ("text", None):
                raise InvalidParameterError(f"filter: {op.upper()}() applies to text, not to a {self._kind(arg)}")
            return {"op": op, "args": [arg]}
        if op in ARITHMETIC:
            self._arity(op, args, 2)
            out = [self.scalar(a) for a in args]
            for a in out:
                if self._kind(a) not in ("number", None):
                    raise InvalidParameterError(f"filter: '{op}' needs numbers, got a {self._kind(a)}")
            return {"op": op, "args": out}
        raise InvalidParameterError(f"filter: {_name(op)} is not a value{_hint(op)}")

    def geometry(self, node: Any) -> Any:
        """A geometry operand: the feature's geometry or a literal (transformed to CRS84)."""
        if isinstance(node, dict) and "property" in node:
            if self._property(node) != GEOMETRY:
                raise InvalidParameterError(f"filter: '{node['property']}' is not a geometry; use '{GEOMETRY}'")
            return {"property": GEOMETRY}
        if isinstance(node, dict) and "bbox" in node:
            return self._literal(_box_geojson(node["bbox"]))
        if isinstance(node, dict) and str(node.get("op", "")).lower() in ("bbox", "envelope"):
            return self._literal(_box_geojson(node.get("args")))
        if isinstance(node, dict) and node.get("type") in _GEOJSON_TYPES:
            return self._literal(node)
        raise InvalidParameterError(f"filter: {_show(node)} is not a geometry")

    def _literal(self, geojson: dict[str, Any]) -> dict[str, Any]:
        try:
            geom = shape(geojson)
        except Exception as exc:  # shapely raises several types on malformed coordinates
            raise InvalidParameterError(f"filter: invalid geometry literal ({exc})") from None
        if geom.is_empty or not shapely.is_valid_input(geom):
            raise InvalidParameterError("filter: empty or invalid geometry literal")
        out = geom if self.crs.is_crs84 else to_storage(geom, self.crs)
        return dict(orjson.loads(shapely.to_geojson(out)))

    def _between(self, args: list[Any]) -> dict[str, Any]:
        if len(args) == 2 and isinstance(args[1], list):  # the older cql2-json form: [value, [low, high]]
            args = [args[0], *args[1]]
        self._arity("BETWEEN", args, 3)
        value, low, high = (self.scalar(a) for a in args)
        self._same_kind("BETWEEN", value, low)
        self._same_kind("BETWEEN", value, high)
        return {"op": "between", "args": [value, low, high]}

    def _like(self, args: list[Any]) -> dict[str, Any]:
        self._arity("LIKE", args, 2)
        value, pattern = self.scalar(args[0]), self.scalar(args[1])
        for side in (value, pattern):
            if self._kind(side) not in ("text", None):
                raise InvalidParameterError(f"filter: LIKE compares text, not a {self._kind(side)}")
        return {"op": "like", "args": [value, pattern]}

    def _in(self, args: list[Any]) -> dict[str, Any]:
        self._arity("IN", args, 2)
        if not isinstance(args[1], list) or not args[1]:
            raise InvalidParameterError("filter: IN needs a non-empty list of values, e.g. a IN ('x', 'y')")
        value = self.scalar(args[0])
        items = [self.scalar(i) for i in args[1]]
        for item in items:
            self._same_kind("IN", value, item)
        return {"op": "in", "args": [value, items]}

    def _temporal(self, op: str, args: list[Any]) -> dict[str, Any]:
        self._arity(op.upper(), args, 2)
        out = [self._time(a) for a in args]
        if not any(isinstance(a, dict) and "property" in a for a in out):
            raise InvalidParameterError(f"filter: {op.upper()} needs a date property, e.g. "
                                        f"{op.upper()}(month, INTERVAL('2018-01-01', '2018-12-31'))")
        return {"op": op, "args": out}

    def _time(self, node: Any) -> Any:
        if isinstance(node, dict) and "interval" in node:
            ends = node["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise InvalidParameterError("filter: INTERVAL needs two ends (a date, a timestamp or '..')")
            return {"interval": [_end(e) for e in ends]}
        if isinstance(node, str):
            return _end(node)
        value = self.scalar(node)
        if self._kind(value) != "date":
            raise InvalidParameterError(f"filter: temporal operators compare dates; {_show(node)} is not one")
        return value

    def _property(self, node: dict[str, Any]) -> str:
        name = str(node["property"])
        if name != GEOMETRY and name not in self.types:
            raise InvalidParameterError(
                f"filter: unknown property '{name[:60]}'; queryables: {', '.join([*self.types, GEOMETRY])}"
            )
        return name

    def _kind(self, node: Any) -> str | None:
        """The type family of a normalized scalar (None when it cannot be known, e.g. arithmetic on nulls)."""
        if isinstance(node, bool):
            return "boolean"
        if isinstance(node, float):
            return "number"
        if isinstance(node, str):
            return "text"
        if "property" in node:
            return _KIND.get(self.types.get(node["property"], ""))
        if "date" in node or "timestamp" in node:
            return "date"
        return "text" if node["op"] in FOLDS else "number"

    def _same_kind(self, op: str, lhs: Any, rhs: Any) -> None:
        a, b = self._kind(lhs), self._kind(rhs)
        if a is not None and b is not None and a != b:
            attr, lit = (lhs, rhs) if isinstance(lhs, dict) and "property" in lhs else (rhs, lhs)
            name = attr["property"] if isinstance(attr, dict) and "property" in attr else _show(attr)
            hint = " (write dates as DATE('YYYY-MM-DD'))" if "date" in (a, b) and "text" in (a, b) else ""
            raise InvalidParameterError(
                f"filter: {op}: '{name}' is {_article(self._kind(attr))} and cannot be compared with "
                f"{_show(lit)}{hint}"
            )

    @staticmethod
    def _op(node: Any) -> tuple[str, list[Any]]:
        if not isinstance(node, dict) or "op" not in node:
            raise InvalidParameterError(f"filter: expected a condition, got {_show(node)}")
        args = node.get("args", [])
        if not isinstance(args, list):
            raise InvalidParameterError(f"filter: the args of '{str(node['op'])[:30]}' must be a list")
        return str(node["op"]).lower(), args

    @staticmethod
    def _arity(op: str, args: list[Any], n: int) -> None:
        if len(args) != n:
            raise InvalidParameterError(f"filter: {op} takes {n} argument{'s' if n > 1 else ''}, got {len(args)}")


def _instant(node: dict[str, Any]) -> dict[str, str]:
    """A DATE or TIMESTAMP literal, checked and normalized (timestamps in UTC with a Z)."""
    if "date" in node:
        try:
            return {"date": date.fromisoformat(str(node["date"])).isoformat()}
        except ValueError:
            raise InvalidParameterError(f"filter: DATE('{str(node['date'])[:30]}') is not a YYYY-MM-DD date") \
                from None
    raw = str(node["timestamp"])
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameterError(f"filter: TIMESTAMP('{raw[:40]}') is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise InvalidParameterError(f"filter: TIMESTAMP('{raw[:40]}') needs a time zone, e.g. Z")
    return {"timestamp": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _end(value: Any) -> Any:
    """An interval end: '..' or an instant (strings are read as dates or timestamps)."""
    if value == "..":
        return ".."
    if isinstance(value, dict) and ("date" in value or "timestamp" in value):
        return _instant(value)
    if isinstance(value, str):
        return _instant({"timestamp": value} if "T" in value else {"date": value})
    raise InvalidParameterError(f"filter: {_show(value)} is not an interval end")


def _box_geojson(nums: Any) -> dict[str, Any]:
    if not isinstance(nums, list) or len(nums) not in (4, 6) or \
            not all(isinstance(v, int | float) and not isinstance(v, bool) for v in nums):
        raise InvalidParameterError("filter: a BBOX literal needs 4 or 6 numbers")
    half = len(nums) // 2
    x0, y0, x1, y1 = nums[0], nums[1], nums[half], nums[half + 1]
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _name(op: str) -> str:
    return f"{op.upper()}()" if op.isidentifier() else f"'{op[:20]}'"


def _hint(op: str) -> str:
    if op.startswith("a_"):
        return " (the layers have no array properties)"
    if op in ("lower", "upper"):
        return "; use CASEI() for case-insensitive comparisons"
    return "; supported functions: CASEI, ACCENTI, S_*, T_*"


def _article(kind: str | None) -> str:
    return {"text": "text", "number": "a number", "boolean": "a boolean", "date": "a date"}.get(kind or "", "?")


def _show(node: Any) -> str:
    text = orjson.dumps(node).decode() if not isinstance(node, str) else repr(node)
    return text if len(text) <= 60 else text[:57] + "..."
