"""Layer `ports`: one point per CBP port of entry on the US–Mexico border in the BTS data, with its traffic.

The BTS Border Crossing Entry Data counts inbound crossings per port, month and measure. Its ``Location``
marks the crossing only to 2 decimals (about 1 km) up to 2017-03, and from 2017-04 many locations are
town-centre geocodes up to 8 km away. So each port is placed at its main crossing (the busiest, or the one
the BTS location marks) from the curated crossings table (``layers/_crossings_table.py``), placed as the
crossings layer places it, and must lie within 500 m of the boundary line.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import BuildError, SourceError
from geo.measure import distance_to_km
from layers._crossings_table import MAIN_CROSSING, crossing, port_twin
from layers._placement import place
from layers.context import BuildContext
from layers.readers import MX_STATES, US_STATES
from layers.spec import LayerSpec, Prop, Style

BTS = "bts/border_crossing_entry_data_us_mexico.csv"
LATEST_FULL_YEAR = 2018  # the data end in 2019-03; the build checks this is still the latest full year
MAX_BOUNDARY_KM = 0.5
BORDER = "US-Mexico Border"

#: BTS measure -> property stem
MEASURES: dict[str, str] = {
    "Bus Passengers": "bus_passengers",
    "Buses": "buses",
    "Pedestrians": "pedestrians",
    "Personal Vehicle Passengers": "personal_vehicle_passengers",
    "Personal Vehicles": "personal_vehicles",
    "Rail Containers Empty": "rail_containers_empty",
    "Rail Containers Full": "rail_containers_full",
    "Train Passengers": "train_passengers",
    "Trains": "trains",
    "Truck Containers Empty": "truck_containers_empty",
    "Truck Containers Full": "truck_containers_full",
    "Trucks": "trucks",
}
#: the measures that count people (vehicles, containers and trains are counted separately by BTS)
PEOPLE = ("pedestrians", "personal_vehicle_passengers", "bus_passengers", "train_passengers")
COLUMNS = {
    "Port Name": "port_name", "State": "state", "Port Code": "port_code", "Border": "border",
    "Date": "date", "Measure": "measure", "Value": "value", "Location": "location",
}
DATE_RE = r"^(\d{2})/\d{2}/(\d{4}) "
LOCATION_SOURCES = ("main_crossing",)
US_STATE_CODES = {name: postal for name, postal, _ in US_STATES.values()}


def monthly_traffic(csv_path: Path) -> pd.DataFrame:
    """Inbound crossings per port, month and measure: columns port_code, month ('YYYY-MM'), measure, value."""
    rows = read_bts(csv_path)
    monthly = rows.groupby(["port_code", "month", "measure"])["value"].sum().reset_index()
    return monthly.sort_values(["port_code", "month", "measure"], ignore_index=True)


def read_bts(path: Path) -> pd.DataFrame:
    """The US–Mexico rows of the BTS CSV: port_code, port_name, state, month, measure, value, location."""
    try:
        raw = pd.read_csv(path, dtype=str, usecols=list(COLUMNS)).rename(columns=COLUMNS)
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read BTS crossings from {path}: {exc}") from exc
    raw = raw[raw["border"] == BORDER]
    parts = raw["date"].str.extract(DATE_RE)
    measure = raw["measure"].map(MEASURES)
    value = pd.to_numeric(raw["value"], errors="coerce")
    bad = (parts.isna().any(axis=1) | measure.isna() | value.isna() | raw["port_code"].isna()).to_numpy()
    if bad.any():
        row = raw.iloc[int(bad.argmax())]
        raise SourceError(f"{path}: malformed BTS record (date, measure, value or port code): {row.to_dict()}")
    if raw.empty:
        raise SourceError(f"{path}: no '{BORDER}' records")
    return pd.DataFrame({
        "port_code": raw["port_code"].str.strip(),
        "port_name": raw["port_name"],
        "state": raw["state"],
        "month": parts[1] + "-" + parts[0],
        "measure": measure,
        "value": value.astype("int64"),
        "location": raw["location"],
    }).reset_index(drop=True)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Read the BTS table, place each port at its main crossing, sum its traffic, check it lies on the line."""
    rows = read_bts(ctx.source(BTS))
    _check_latest_full_year(rows)
    boundary = shapely.union_all(ctx.layer("boundary").geometry.to_numpy())
    traffic = _traffic(rows)
    coverage = rows.groupby("port_code").agg(
        first_month=("month", "min"), last_month=("month", "max"), months=("month", "nunique")
    )
    names = rows.sort_values("month").groupby("port_code")[["port_name", "state"]].last()
    records = []
    for code in sorted(names.index):
        lon, lat, dist = _place(code, str(names.at[code, "port_name"]), boundary)
        records.append({
            **_identity(code, str(names.at[code, "port_name"]), str(names.at[code, "state"])),
            **traffic.loc[code].to_dict(),
            **coverage.loc[code].to_dict(),
            "location_source": LOCATION_SOURCES[0],
            "main_crossing_id": MAIN_CROSSING[code],
            "distance_to_boundary_km": round(dist, 3),
            "geometry": shapely.Point(lon, lat),
        })
    gdf = gpd.GeoDataFrame(records, columns=[*SPEC.property_names, "geometry"], crs=4326)
    gdf["months"] = gdf["months"].astype("int64")
    _record_stats(ctx, gdf)
    return gdf


def _check_latest_full_year(rows: pd.DataFrame) -> None:
    months = {str(m) for m in rows["month"]}
    years = sorted({int(m[:4]) for m in months})
    full = [y for y in years if all(f"{y}-{m:02d}" in months for m in range(1, 13))]
    if not full or full[-1] != LATEST_FULL_YEAR:
        raise BuildError(
            f"{BTS}: the latest full year of data is {full[-1] if full else 'none'}, but the ports layer "
            f"declares {LATEST_FULL_YEAR}: update LATEST_FULL_YEAR in layers/ports.py"
        )


def _place(code: str, name: str, boundary: BaseGeometry) -> tuple[float, float, float]:
    """(lon, lat, km to the boundary) of a port: its main crossing; BuildError when that is off the line."""
    if code not in MAIN_CROSSING:
        raise BuildError(f"port {code} ({name}) has no main crossing in layers/_crossings_table.py: add one")
    main = crossing(MAIN_CROSSING[code])
    at = place(main, boundary)
    dist = distance_to_km(at.lon, at.lat, boundary)
    if dist > MAX_BOUNDARY_KM:
        raise BuildError(
            f"port {code} ({name}): its main crossing {main.crossing_id} lies {dist:.2f} km from the "
            f"boundary (limit {MAX_BOUNDARY_KM} km): check its coordinates in layers/_crossings_table.py"
        )
    return at.lon, at.lat, dist


def _identity(code: str, name: str, state: str) -> dict[str, str]:
    if state not in US_STATE_CODES:
        raise BuildError(f"port {code} ({name}) is in '{state}', not a US border state")
    mx_city, mx_state = port_twin(code)
    name_es = f"Cruce fronterizo {mx_city}" if mx_city == name else f"Cruce fronterizo {mx_city}–{name}"
    return {
        "port_code": code, "name": name, "name_es": name_es, "mx_city": mx_city,
        "mx_state": MX_STATES[mx_state][0], "state": state, "state_code": US_STATE_CODES[state],
    }


def _traffic(rows: pd.DataFrame) -> pd.DataFrame:
    """Per port (index), inbound counts per measure in LATEST_FULL_YEAR and over all months, and people."""
    stems = list(MEASURES.values())
    codes = sorted(rows["port_code"].unique())

    def wide(part: pd.DataFrame, suffix: str) -> pd.DataFrame:
        table = part.pivot_table(index="port_code", columns="measure", values="value", aggfunc="sum")
        return table.reindex(index=codes, columns=stems).fillna(0).astype("int64").add_suffix(suffix)

    year = rows[rows["month"].str.startswith(f"{LATEST_FULL_YEAR}-")]
    table = wide(year, f"_{LATEST_FULL_YEAR}").join(wide(rows, "_total"))
    table[f"people_{LATEST_FULL_YEAR}"] = table[[f"{m}_{LATEST_FULL_YEAR}" for m in PEOPLE]].sum(axis=1)
    return table


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame) -> None:
    people = f"people_{LATEST_FULL_YEAR}"
    ctx.stat("port_count", len(gdf))
    ctx.stat(f"{people}_total", int(gdf[people].sum()))
    far = gdf.loc[gdf["distance_to_boundary_km"].idxmax()]
    ctx.stat("max_distance_to_boundary_km",
             {"port_code": far["port_code"], "km": float(far["distance_to_boundary_km"])})
    busiest = gdf.loc[gdf[people].idxmax()]
    ctx.stat(f"busiest_by_{people}", {"port_code": busiest["port_code"], "people": int(busiest[people])})


def _traffic_props() -> tuple[Prop, ...]:
    year = tuple(
        Prop(f"{stem}_{LATEST_FULL_YEAR}", "integer", f"Inbound {label.lower()} in {LATEST_FULL_YEAR} (BTS)")
        for label, stem in MEASURES.items()
    )
    total = tuple(
        Prop(f"{stem}_total", "integer", f"Inbound {label.lower()} over all months of the BTS data")
        for label, stem in MEASURES.items()
    )
    return year + total


SPEC_PROPS = (
    Prop("port_code", "string", "CBP port code, e.g. '2504'"),
    Prop("name", "string", "Port name (BTS)"),
    Prop("name_es", "string", "Nombre en español: cruce fronterizo <ciudad mexicana>–<puerto>"),
    Prop("mx_city", "string", "Mexican twin city across the crossing"),
    Prop("mx_state", "string", "Mexican state of the twin city (INEGI name)",
         enum=tuple(v[0] for v in MX_STATES.values())),
    Prop("state", "string", "US state", enum=tuple(US_STATE_CODES)),
    Prop("state_code", "string", "US state postal code", enum=tuple(US_STATE_CODES.values())),
    *_traffic_props(),
    Prop(f"people_{LATEST_FULL_YEAR}", "integer",
         f"People entering in {LATEST_FULL_YEAR}: pedestrians + personal vehicle, bus and train passengers"),
    Prop("first_month", "string", "First month with reported traffic (YYYY-MM)"),
    Prop("last_month", "string", "Last month with reported traffic (YYYY-MM)"),
    Prop("months", "integer", "Number of months with at least one reported measure"),
    Prop("location_source", "string", "Where the point comes from: the port's main crossing (layer crossings)",
         enum=LOCATION_SOURCES),
    Prop("main_crossing_id", "string", "crossing_id (layer crossings) of the port's main crossing"),
    Prop("distance_to_boundary_km", "number", "Geodesic distance from the point to the boundary layer",
         unit="km"),
)

SPEC = LayerSpec(
    id="ports",
    min_zoom=0,
    max_zoom=12,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Ports of entry / Puertos fronterizos",
    description=(
        "The CBP land ports of entry on the US–Mexico border in the BTS Border Crossing Entry Data "
        f"(1996-01 to 2019-03), one point per port code at the crossing, with inbound traffic per measure in "
        f"{LATEST_FULL_YEAR} and over all months, and the months the data cover."
    ),
    geometry_type="Point",
    id_field="port_code",
    title_field="name",
    properties=SPEC_PROPS,
    sources=(BTS,),
    licence="Public domain (US Bureau of Transportation Statistics, data from CBP)",
    attribution="Bureau of Transportation Statistics, Border Crossing/Entry Data (CBP)",
    build=build,
    depends=("boundary",),
    style=Style(color="#1a1a1a", fill_color="#ffd92f", fill_opacity=0.85, radius=6.0,
                size_by=f"people_{LATEST_FULL_YEAR}", label="name", label_min_zoom=8, name_es_field="name_es"),
    keywords=("ports of entry", "puertos fronterizos", "BTS", "CBP", "border crossings", "garitas"),
    roles=frozenset({"feature-pages"}),
    method=(
        f"Points: the port's main crossing (layer crossings), within {MAX_BOUNDARY_KM * 1000:.0f} m of the "
        "boundary line; the BTS Location is not used (2 decimals, or a town-centre geocode). Traffic: sums of the "
        "BTS monthly values per measure; months without any reported measure are absent from the data."
    ),
)
