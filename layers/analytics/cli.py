"""``bordergeo where | distance | population-within | port``: the analytics on the command line.

Each command prints a table, or JSON with ``--json`` (the same document the OGC API process returns).
Bad input is one line on stderr and exit status 1 (raised as domain errors, printed by ``layers.cli``).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from pathlib import Path
from typing import Any

import orjson

from geo.errors import InvalidParameterError
from layers.analytics.data import BorderData, load
from layers.analytics.inputs import parse_json
from layers.analytics.locate import border_distance, where
from layers.analytics.profile import port_profile
from layers.analytics.reach import population_within
from layers.cli import settings_from


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the analytics commands to the bordergeo CLI."""
    out = argparse.ArgumentParser(add_help=False)
    out.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p = sub.add_parser("where", parents=[common, out], help=cmd_where.__doc__)
    p.add_argument("coords", nargs="+", metavar="LON LAT", help="one or more longitude latitude pairs")
    p.set_defaults(func=cmd_where)
    p = sub.add_parser("distance", parents=[common, out], help=cmd_distance.__doc__)
    p.add_argument("coords", nargs="*", metavar="LON LAT", help="longitude latitude pairs")
    p.add_argument("--file", type=Path, help="a CSV (columns lon,lat or longitude,latitude) or GeoJSON of points")
    p.set_defaults(func=cmd_distance)
    p = sub.add_parser("population-within", parents=[common, out], help=cmd_population.__doc__)
    p.add_argument("km", metavar="KM", help="distance in km (0.1-300)")
    where_from = p.add_mutually_exclusive_group()
    where_from.add_argument("--around", metavar="ID", help="'boundary' (default), a port code or a crossing id")
    where_from.add_argument("--geojson", type=Path, metavar="FILE", help="a GeoJSON geometry or feature")
    p.set_defaults(func=cmd_population)
    p = sub.add_parser("port", parents=[common, out], help=cmd_port.__doc__)
    p.add_argument("port_code", metavar="PORT_CODE", help="CBP port code, e.g. 2504 (San Ysidro)")
    p.set_defaults(func=cmd_port)


def _data(args: argparse.Namespace) -> BorderData:
    return load(settings_from(args).current)


def cmd_where(args: argparse.Namespace) -> int:
    """Country, state, county or municipio, basins and border-region membership of points."""
    rows = where(_data(args), _pairs(args.coords))
    return _emit(args, rows, lambda: _where_table(rows))


def cmd_distance(args: argparse.Namespace) -> int:
    """Geodesic distance to the boundary and the nearest crossing and port of points."""
    if args.file and args.coords:
        raise InvalidParameterError("give coordinates or --file, not both")
    points = _read_points(args.file) if args.file else _pairs(args.coords)
    rows = border_distance(_data(args), points)
    return _emit(args, rows, lambda: _distance_table(rows))


def cmd_population(args: argparse.Namespace) -> int:
    """People within KM of the boundary, a port, a crossing or a GeoJSON geometry, per country."""
    km = _number(args.km, "KM")
    data = _data(args)
    if args.geojson:
        result = population_within(data, km, geojson=parse_json(_read(args.geojson), str(args.geojson)))
    else:
        result = population_within(data, km, around=args.around or "boundary")
    return _emit(args, result, lambda: _population_table(result))


def cmd_port(args: argparse.Namespace) -> int:
    """A port's yearly traffic, trend, busiest month, share of the border, crossings and neighbours."""
    result = port_profile(_data(args), args.port_code)
    return _emit(args, result, lambda: _port_table(result))


def _emit(args: argparse.Namespace, result: Any, table: Any) -> int:
    if args.json:
        print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    else:
        print(table())
    return 0


def _number(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidParameterError(f"{name}: '{text[:40]}' is not a number") from None
    if not math.isfinite(value):
        raise InvalidParameterError(f"{name}: {text} is not a finite number")
    return value


def _pairs(coords: list[str]) -> list[list[float]]:
    if not coords:
        raise InvalidParameterError("give at least one LON LAT pair (or --file)")
    if len(coords) % 2:
        raise InvalidParameterError(f"coordinates come in LON LAT pairs; got {len(coords)} numbers")
    values = [_number(c, "coordinate") for c in coords]
    return [values[i : i + 2] for i in range(0, len(values), 2)]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidParameterError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _read_points(path: Path) -> Any:
    """Points from a GeoJSON file, or a CSV with lon/lat (or longitude/latitude, x/y) columns."""
    text = _read(path)
    if path.suffix.lower() in (".json", ".geojson") or text.lstrip().startswith("{"):
        return parse_json(text, str(path))
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise InvalidParameterError(f"{path}: no rows")
    names = {n.strip().lower(): n for n in rows[0]}
    pick = next(((names[a], names[b]) for a, b in (("lon", "lat"), ("longitude", "latitude"), ("x", "y"))
                 if a in names and b in names), None)
    if pick is None:
        raise InvalidParameterError(f"{path}: needs columns lon,lat (or longitude,latitude); has {', '.join(names)}")
    return [[_number(r[pick[0]] or "", f"{path} line {i + 2} lon"),
             _number(r[pick[1]] or "", f"{path} line {i + 2} lat")] for i, r in enumerate(rows)]


def _table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [[_cell(v) for v in row] for row in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("-", "").isdigit()


def _where_table(rows: list[dict[str, Any]]) -> str:
    body = [[r["lon"], r["lat"], r["country"], r["state"], (r["unit"] or {}).get("name"),
             (r["unit"] or {}).get("population"), ", ".join(b["name"] for b in r["basins"]) or None,
             r["in_border_region"], r["distance_to_boundary_km"]] for r in rows]
    return _table(["lon", "lat", "country", "state", "county/municipio", "population", "basins", "in region",
                   "boundary km"], body)


def _distance_table(rows: list[dict[str, Any]]) -> str:
    body = [[r["lon"], r["lat"], r["distance_km"], r["distance_mi"], r["side"], r["segment"]["segment_id"],
             r["segment"]["kind"], r["nearest_crossing"]["name"], r["nearest_crossing"]["distance_km"],
             r["nearest_port"]["name"], r["nearest_port"]["distance_km"],
             r["nearest_port"]["traffic"]["people"]] for r in rows]
    year = rows[0]["nearest_port"]["traffic"]["year"] if rows else ""
    return _table(["lon", "lat", "km", "mi", "side", "segment", "kind", "nearest crossing", "km", "nearest port",
                   "km", f"people {year}"], body)


def _population_table(r: dict[str, Any]) -> str:
    a, g = r["areal_weighting"], r["geonames"]
    table = _table(["method", "US", "MX", "total", "units/places"],
                   [["areal weighting", a["US"], a["MX"], a["total"], a["units"]],
                    ["GeoNames places", g["US"], g["MX"], g["total"], g["places"]]])
    note = "" if r["within_region"] else (
        f"\nnote: the zone reaches {r['zone_max_distance_to_boundary_km']:,.0f} km from the boundary; the layers "
        "cover 100 km, so these are lower bounds")
    head = f"people within {r['distance_km']:g} km of {r['around'] or r['geometry_type']}\n"
    return head + table + note


def _port_table(r: dict[str, Any]) -> str:
    share = r["share_of_border"]
    lines = [f"{r['port_code']} {r['name']} ({r['state']}) / {r['name_es']}",
             f"share of the border's people in {share['year']}: {_cell(share['share_pct'])} % "
             f"({_cell(share['people'])} of {_cell(share['border_people'])})"]
    if r["busiest_month"]:
        lines.append(f"busiest month: {r['busiest_month']['month']} ({_cell(r['busiest_month']['people'])} people)")
    if r["trend"]:
        t = r["trend"]["people"]
        lines.append(f"people {t['from_year']}-{t['last_year']}: {t['direction']}, "
                     f"{_cell(t['change_pct'])} %, {_cell(t['slope_per_year'])} per year")
    lines.append("crossings: " + (", ".join(c["name"] for c in r["crossings"]) or "-"))
    pw = r["population_within_25km"]
    lines.append(f"people within 25 km: areal US {_cell(pw['areal_weighting']['US'])}, MX "
                 f"{_cell(pw['areal_weighting']['MX'])}; GeoNames US {_cell(pw['geonames']['US'])}, MX "
                 f"{_cell(pw['geonames']['MX'])}")
    if r["years"]:
        lines += ["", _table(["year", "people", "pedestrians", "personal vehicles", "trucks", "buses", "trains"],
                             [[str(y["year"]), y["people"], y["pedestrians"], y["personal_vehicles"], y["trucks"],
                               y["buses"], y["trains"]] for y in r["years"]])]
    return "\n".join(lines)
