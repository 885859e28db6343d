"""One port of entry in figures: yearly traffic, trend, busiest month, share of the border, crossings, people."""

from __future__ import annotations

from typing import Any

from geo.errors import InvalidParameterError
from layers.analytics.data import BorderData
from layers.analytics.inputs import unknown
from layers.analytics.reach import population_within
from layers.analytics.traffic import COLUMNS, trend

PROFILE_KM = 25.0
PORT_FIELDS = ("port_code", "name", "name_es", "state", "mx_city", "mx_state", "location_source")
CROSSING_FIELDS = ("crossing_id", "name", "name_es", "pedestrian", "passenger_vehicle", "commercial", "rail",
                   "main_traffic", "us_city", "mx_city")
TREND_MEASURES = ("people", "pedestrians", "personal_vehicles", "trucks")


def port_profile(data: BorderData, port_code: Any) -> dict[str, Any]:
    """Yearly totals per measure, trend, busiest month, share of the border's traffic, crossings and the
    population within 25 km on each side of the port ``port_code`` (a CBP code such as "2504")."""
    if not isinstance(port_code, str) or not port_code:
        raise InvalidParameterError(f"port_code: expected a CBP port code such as '2504', got {port_code!r}")
    row = data.port_row(port_code)
    if row is None:
        raise unknown("port", port_code, [f"{c} ({n})" for c, n in zip(
            data.ports.columns["port_code"], data.ports.columns["name"], strict=True)])
    point = data.ports.geoms[row]
    codes = data.crossings.columns["port_code"]
    crossings = [data.crossings.row(i, CROSSING_FIELDS) for i in range(len(codes)) if codes[i] == port_code]
    people = population_within(data, PROFILE_KM, around=port_code)
    return {
        **data.ports.row(row, PORT_FIELDS),
        "lon": round(point.x, 6), "lat": round(point.y, 6),
        **_traffic(data, port_code, row),
        "crossings": crossings,
        "population_within_25km": {"areal_weighting": people["areal_weighting"], "geonames": people["geonames"],
                                   "method": people["method"]},
    }


def _traffic(data: BorderData, code: str, row: int) -> dict[str, Any]:
    table = data.traffic
    if table is None:  # a build without the monthly traffic layer: the ports layer's latest year only
        year = data.latest_full_year
        people = int(data.ports.columns[f"people_{year}"][row])
        border = int(data.ports.columns[f"people_{year}"].sum())
        return {
            "traffic_source": "ports layer (this build has no monthly traffic layer)",
            "years": [], "trend": None, "busiest_month": None,
            "share_of_border": {"year": year, "people": people, "border_people": border,
                                "share_pct": round(people / border * 100.0, 2) if border else None},
        }
    years = table.port_years(code)
    last = table.full_years[-1]
    border = table.border_year(last)
    people = int(years["people"].loc[last])
    month, busiest = table.busiest.get(code, (None, 0))
    return {
        "traffic_source": f"monthly traffic layer, {table.first_month} to {table.last_month}",
        "years": [{"year": int(y), **{c: int(v) for c, v in zip(COLUMNS, row, strict=True)}}
                  for y, row in zip(years.index, years[COLUMNS].to_numpy().tolist(), strict=True)],
        "trend": {m: {"last_year": last,
                      **trend(list(table.full_years), [int(v) for v in years[m]])} for m in TREND_MEASURES},
        "busiest_month": {"month": month, "people": busiest},
        "share_of_border": {"year": last, "people": people, "border_people": border,
                            "share_pct": round(people / border * 100.0, 2) if border else None},
    }
