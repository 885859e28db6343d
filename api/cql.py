"""OGC API – Features Part 3: CQL2 filters (text and JSON) compiled to Python predicates.

pygeofilter parses the filter to an AST; this module checks it against the layer's queryables (its
declared properties and ``geometry``) and turns it into a closure evaluated on each feature's property
dict and shapely geometry. Comparisons with a null value are false, as in SQL. Unsupported parts of CQL2
(temporal and array operators, unknown functions) are a 400, never a silent mismatch.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import orjson
import shapely
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text
from shapely.geometry import shape

from api.crs import Crs, to_storage
from geo.errors import BorderGeoError, InvalidParameterError
from layers.spec import LayerSpec

Pred = Callable[[dict[str, Any], Any], bool]  # (properties, shapely geometry) -> match
Expr = Callable[[dict[str, Any], Any], Any]
GEOMETRY = "geometry"
LANGS = ("cql2-text", "cql2-json")

_COMPARE: dict[type, Callable[..., Any]] = {
    ast.Equal: operator.eq, ast.NotEqual: operator.ne, ast.LessThan: operator.lt,
    ast.LessEqual: operator.le, ast.GreaterThan: operator.gt, ast.GreaterEqual: operator.ge,
}
_SPATIAL: dict[type, Callable[..., Any]] = {
    ast.GeometryIntersects: shapely.intersects, ast.GeometryDisjoint: shapely.disjoint,
    ast.GeometryContains: shapely.contains, ast.GeometryWithin: shapely.within,
    ast.GeometryTouches: shapely.touches, ast.GeometryCrosses: shapely.crosses,
    ast.GeometryOverlaps: shapely.overlaps, ast.GeometryEquals: shapely.equals,
}
_ARITHMETIC: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mul: operator.mul, ast.Div: operator.truediv,
}
_PY_TYPES = {"string": (str,), "integer": (int, float), "number": (int, float), "boolean": (bool,)}


def compile_filter(text: str, lang: str, spec: LayerSpec, crs: Crs) -> Pred:
    """A predicate for ``text`` in ``lang`` on features of ``spec``; geometry literals are in ``crs``."""
    if lang not in LANGS:
        raise InvalidParameterError(f"filter-lang: '{lang[:40]}' is not supported; use one of {', '.join(LANGS)}")
    node = _parse(text, lang)
    return _Compiler(spec, crs).predicate(node)


def _parse(text: str, lang: str) -> Any:
    try:
        if lang == "cql2-json":
            return parse_json(_envelopes_as_polygons(orjson.loads(text)))
        return parse_text(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidParameterError(f"filter: not valid JSON ({exc.msg})") from None
    except BorderGeoError:
        raise
    except Exception as exc:  # lark and pygeofilter raise many unrelated types for a bad filter
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidParameterError(f"filter: invalid {lang}: {first[:200]}") from None


def _envelopes_as_polygons(node: Any) -> Any:
    """Rewrite ``{"bbox": [...]}`` literals as polygons (pygeofilter mis-orders their numbers)."""
    if isinstance(node, list):
        return [_envelopes_as_polygons(v) for v in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"bbox"} and isinstance(node["bbox"], list):
        return _box_geojson(node["bbox"])
    return {k: _envelopes_as_polygons(v) for k, v in node.items()}


def _box_geojson(nums: list[Any]) -> dict[str, Any]:
    if len(nums) not in (4, 6) or not all(isinstance(v, int | float) for v in nums):
        raise InvalidParameterError("filter: a bbox literal needs 4 or 6 numbers")
    half = len(nums) // 2
    x0, y0, x1, y1 = nums[0], nums[1], nums[half], nums[half + 1]
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


class _Compiler:
    """Turns a pygeofilter AST into closures, validating names and types against the layer."""

    def __init__(self, spec: LayerSpec, crs: Crs) -> None:
        self.spec = spec
        self.crs = crs
        self.types = {p.name: p.type for p in spec.properties}

    def predicate(self, node: Any) -> Pred:
        """The predicate of a condition node."""
        if isinstance(node, ast.And | ast.Or):
            lhs, rhs = self.predicate(node.lhs), self.predicate(node.rhs)
            if isinstance(node, ast.And):
                return lambda p, g: lhs(p, g) and rhs(p, g)
            return lambda p, g: lhs(p, g) or rhs(p, g)
        if isinstance(node, ast.Not):
            sub = self.predicate(node.sub_node)
            return lambda p, g: not sub(p, g)
        if type(node) in _COMPARE:
            return self._comparison(node)
        if isinstance(node, ast.Between):
            return self._between(node)
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.In):
            return self._in(node)
        if isinstance(node, ast.IsNull):
            expr, negate = self.expr(node.lhs), bool(node.not_)
            return lambda p, g: (expr(p, g) is None) != negate
        if type(node) in _SPATIAL:
            return self._spatial(node)
        if isinstance(node, ast.Include):
            return (lambda p, g: False) if node.not_ else (lambda p, g: True)
        if isinstance(node, bool):
            return lambda p, g: node
        raise InvalidParameterError(f"filter: {_describe(node)} is not supported (no temporal or array data)")

    def expr(self, node: Any) -> Expr:
        """The value of a scalar expression node."""
        if isinstance(node, ast.Attribute):
            name = self._name(node)
            if name == GEOMETRY:
                raise InvalidParameterError("filter: geometry can only be used in spatial functions (S_*)")
            return lambda p, g: p[name]
        if isinstance(node, bool | int | float | str):
            return lambda p, g: node
        if type(node) in _ARITHMETIC:
            return self._arithmetic(node)
        if isinstance(node, ast.Function):
            return self._function(node)
        raise InvalidParameterError(f"filter: {_describe(node)} is not supported here")

    def geometry(self, node: Any) -> Expr:
        """A geometry operand: the feature's geometry, or a literal (converted from filter-crs)."""
        if isinstance(node, ast.Attribute):
            if self._name(node) != GEOMETRY:
                raise InvalidParameterError(f"filter: '{node.name}' is not a geometry; use '{GEOMETRY}'")
            return lambda p, g: g
        if isinstance(node, values.Geometry):
            literal = self._literal_geometry(node.geometry)
        elif isinstance(node, ast.Function) and node.name.lower() in ("bbox", "envelope"):
            nums = list(node.arguments)
            literal = self._literal_geometry(_box_geojson(nums))
        else:
            raise InvalidParameterError(f"filter: {_describe(node)} is not a geometry")
        shapely.prepare(literal)
        return lambda p, g: literal

    def _literal_geometry(self, geojson: dict[str, Any]) -> shapely.Geometry:
        try:
            geom = shape(geojson)
        except Exception as exc:  # shapely raises several types on malformed coordinates
            raise InvalidParameterError(f"filter: invalid geometry literal ({exc})") from None
        if geom.is_empty or not shapely.is_valid_input(geom):
            raise InvalidParameterError("filter: empty or invalid geometry literal")
        return to_storage(geom, self.crs)

    def _name(self, node: Any) -> str:
        name = str(node.name)
        if name != GEOMETRY and name not in self.types:
            raise InvalidParameterError(
                f"filter: unknown property '{name[:60]}'; queryables: {', '.join([*self.types, GEOMETRY])}"
            )
        return name

    def _check_types(self, lhs: Any, rhs: Any) -> None:
        """400 when an attribute is compared with a literal of another type (e.g. a number with text)."""
        for attr, lit in ((lhs, rhs), (rhs, lhs)):
            if isinstance(attr, ast.Attribute) and isinstance(lit, bool | int | float | str):
                declared = self.types.get(str(attr.name))
                ok = _PY_TYPES.get(declared or "", ())
                if declared and (not isinstance(lit, ok) or (declared != "boolean" and isinstance(lit, bool))):
                    raise InvalidParameterError(
                        f"filter: '{attr.name}' is a {declared} and cannot be compared with {lit!r}"
                    )

    def _comparison(self, node: Any) -> Pred:
        self._check_types(node.lhs, node.rhs)
        op, lhs, rhs = _COMPARE[type(node)], self.expr(node.lhs), self.expr(node.rhs)
        return lambda p, g: _safe(op, lhs(p, g), rhs(p, g))

    def _between(self, node: Any) -> Pred:
        self._check_types(node.lhs, node.low)
        self._check_types(node.lhs, node.high)
        val, low, high, negate = self.expr(node.lhs), self.expr(node.low), self.expr(node.high), bool(node.not_)

        def between(p: dict[str, Any], g: Any) -> bool:
            v = val(p, g)
            hit = _safe(operator.le, low(p, g), v) and _safe(operator.le, v, high(p, g))
            return hit != negate if v is not None else False

        return between

    def _like(self, node: Any) -> Pred:
        pattern = node.pattern
        if isinstance(pattern, ast.Function) and all(isinstance(a, str) for a in pattern.arguments):
            pattern = self._function(pattern)({}, None)  # CASEI('...') / ACCENTI('...') around the pattern
        if not isinstance(pattern, str):
            raise InvalidParameterError("filter: LIKE needs a text pattern")
        regex = re.compile(_like_regex(pattern), (re.IGNORECASE if node.nocase else 0) | re.DOTALL)
        val, negate = self.expr(node.lhs), bool(node.not_)
        return lambda p, g: isinstance(v := val(p, g), str) and (regex.fullmatch(v) is not None) != negate

    def _in(self, node: Any) -> Pred:
        for item in node.sub_nodes:
            self._check_types(node.lhs, item)
        val, items, negate = self.expr(node.lhs), [self.expr(i) for i in node.sub_nodes], bool(node.not_)

        def within(p: dict[str, Any], g: Any) -> bool:
            v = val(p, g)
            return v is not None and (any(v == i(p, g) for i in items) != negate)

        return within

    def _spatial(self, node: Any) -> Pred:
        op, lhs, rhs = _SPATIAL[type(node)], self.geometry(node.lhs), self.geometry(node.rhs)
        return lambda p, g: bool(op(lhs(p, g), rhs(p, g)))

    def _arithmetic(self, node: Any) -> Expr:
        op, lhs, rhs = _ARITHMETIC[type(node)], self.expr(node.lhs), self.expr(node.rhs)

        def compute(p: dict[str, Any], g: Any) -> Any:
            try:
                return op(lhs(p, g), rhs(p, g))
            except (TypeError, ZeroDivisionError, OverflowError):
                return None

        return compute

    def _function(self, node: Any) -> Expr:
        name = str(node.name).lower()
        if name not in ("lower", "casei", "accenti") or len(node.arguments) != 1:
            raise InvalidParameterError(f"filter: unknown function {node.name}(); supported: CASEI, ACCENTI")
        arg = self.expr(node.arguments[0])
        fold = str.lower if name in ("lower", "casei") else _strip_accents
        return lambda p, g: fold(v) if isinstance(v := arg(p, g), str) else v


def _safe(op: Callable[..., Any], a: Any, b: Any) -> bool:
    """``op(a, b)``, false when either side is null or the types cannot be compared."""
    if a is None or b is None:
        return False
    try:
        return bool(op(a, b))
    except TypeError:
        return False


def _like_regex(pattern: str) -> str:
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


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _describe(node: Any) -> str:
    return type(node).__name__ if isinstance(node, ast.Node) else repr(node)[:60]
