"""Layer `port-traffic`: the BTS monthly inbound crossings, one feature per port and month, at the port's point.

The BTS Border Crossing Entry Data report, per CBP port and month, one row per measure that had traffic. This
layer spreads them into one feature per port and month over the whole period of the data (1996-01 to
2019-03) with every measure as an integer property, 0 where BTS reports nothing that month, so a month
without a row is visibly a zero rather than a hole. ``month`` is the first day of the month, the layer's
temporal property (the OGC ``datetime`` parameter filters on it). The geometry is the port's point from the
``ports`` layer, so the traffic maps onto the same places as the ports.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.errors import BuildError
from layers.context import BuildContext
from layers.ports import BTS, MEASURES, PEOPLE, monthly_traffic
from layers.spec import LayerSpec, Prop, Style

STEMS = tuple(MEASURES.values())


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """One feature per port and month of the BTS period, every measure as an integer, at the port's point."""
    monthly = monthly_traffic(ctx.source(BTS))
    ports = ctx.layer("ports").set_index("port_code")
    unknown = sorted(set(monthly["port_code"]) - set(ports.index))
    if unknown:
        raise BuildError(f"{BTS}: ports {unknown} have traffic but are not in the ports layer")
    months = pd.period_range(monthly["month"].min(), monthly["month"].max(), freq="M").strftime("%Y-%m")
    grid = pd.MultiIndex.from_product([sorted(ports.index), list(months)], names=["port_code", "month"])
    wide = (monthly.pivot_table(index=["port_code", "month"], columns="measure", values="value", aggfunc="sum")
            .reindex(index=grid, columns=list(STEMS)).fillna(0).astype("int64").reset_index())
    wide["people"] = wide[list(PEOPLE)].sum(axis=1)
    wide.insert(0, "traffic_id", wide["port_code"] + "-" + wide["month"])
    wide.insert(2, "port_name", wide["port_code"].map(ports["name"]).astype(str))
    wide["month"] = pd.to_datetime(wide["month"] + "-01").astype("datetime64[ms]")
    geometry = gpd.GeoSeries(wide["port_code"].map(ports.geometry), crs=4326)
    gdf = gpd.GeoDataFrame(wide[SPEC.property_names], geometry=geometry.to_numpy(), crs=4326)
    _record_stats(ctx, gdf, monthly)
    return gdf


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame, monthly: pd.DataFrame) -> None:
    ctx.stat("ports", int(gdf["port_code"].nunique()))
    ctx.stat("months", int(gdf["month"].nunique()))
    ctx.stat("first_month", f"{gdf['month'].min():%Y-%m}")
    ctx.stat("last_month", f"{gdf['month'].max():%Y-%m}")
    reported = monthly.groupby(["port_code", "month"]).ngroups
    ctx.stat("port_months_without_any_report", len(gdf) - reported)
    ctx.stat("people_total", int(gdf["people"].sum()))


SPEC_PROPS = (
    Prop("traffic_id", "string", "Feature id: '<port_code>-<YYYY-MM>', e.g. '2504-2018-01'"),
    Prop("port_code", "string", "CBP port code (layer ports)"),
    Prop("port_name", "string", "Port name (BTS)"),
    Prop("month", "date", "The month, as its first day (YYYY-MM-01)"),
    *(Prop(stem, "integer", f"Inbound {label.lower()} in the month (BTS; 0 when none reported)")
      for label, stem in MEASURES.items()),
    Prop("people", "integer", "People entering in the month: pedestrians + personal vehicle, bus and train "
                              "passengers"),
)

SPEC = LayerSpec(
    id="port-traffic",
    min_zoom=8,  # 279 months x 27 ports: below z8 one tile would hold too many of them (> 500 KB)
    max_zoom=12,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Port traffic by month / Cruces mensuales por puerto",
    description=(
        "Inbound crossings at each US–Mexico land port of entry per month, 1996-01 to 2019-03 (BTS Border "
        "Crossing Entry Data): one feature per port and month at the port's point, every BTS measure "
        "(pedestrians, personal vehicles and their passengers, buses and bus passengers, trucks, trains, "
        "containers) as a count, and the people entering."
    ),
    geometry_type="Point",
    id_field="traffic_id",
    title_field="port_name",
    properties=SPEC_PROPS,
    sources=(BTS,),
    licence="Public domain (US Bureau of Transportation Statistics, data from CBP)",
    attribution="Bureau of Transportation Statistics, Border Crossing/Entry Data (CBP)",
    build=build,
    depends=("ports",),
    style=Style(color="#6a3d9a", fill_color="#cab2d6", fill_opacity=0.8, radius=4.0, size_by="people"),
    keywords=("border crossings", "cruces fronterizos", "BTS", "CBP", "monthly traffic", "time series"),
    method=(
        "The BTS rows summed per port, month and measure, spread over every month from the first to the last "
        "month of the data (0 where BTS reports nothing); people = pedestrians + personal vehicle, bus and "
        "train passengers. The point is the port's point (layer ports)."
    ),
    roles=frozenset({"traffic"}),
    temporal="month",
)
