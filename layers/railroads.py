"""Railroads for the map background: Natural Earth 1:10m railroads of North America cut to the map region.

Border rail crossings (Laredo, Eagle Pass, El Paso, Nogales, Calexico, Brownsville) read best with the
network they join; Natural Earth's selection keeps the main lines at 1:10m.
"""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import shapely

from geo.errors import SourceError
from geo.measure import length_km
from layers import basemap
from layers.context import BuildContext
from layers.spec import LayerSpec, Prop, Style

RAILROADS = "natural_earth/ne_10m_railroads_north_america.json"
#: Natural Earth ``sov_a3`` -> ISO 3166 alpha-2
COUNTRIES = {"USA": "US", "MEX": "MX"}

PROPS = (
    Prop("railroad_id", "string", "Stable id: 'rr-<Natural Earth uident>' (its pieces merged)"),
    Prop("country", "string", "Country of the line (Natural Earth sov_a3)", enum=("US", "MX")),
    Prop("scalerank", "integer", "Natural Earth scale rank (lower: shown at smaller scales)"),
    Prop("length_km", "number", "Geodesic length inside the map region (WGS84)", unit="km"),
)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Read the railroads in the region, cut and simplify them, keep the US and Mexican lines."""
    try:
        raw = pyogrio.read_dataframe(ctx.source(RAILROADS), bbox=basemap.REGION,
                                     columns=["uident", "sov_a3", "scalerank"])
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise SourceError(f"cannot read railroads from {RAILROADS}: {exc}") from exc
    raw = raw[raw["sov_a3"].isin(COUNTRIES)].set_crs(4326, allow_override=True)
    # Natural Earth splits some lines into several pieces with the same uident: one feature per line
    raw = raw.dissolve(by="uident", as_index=False, aggfunc="first")
    raw["geometry"] = raw.geometry.line_merge()
    geoms = basemap.clip_lines(raw.geometry)
    keep = ~geoms.is_empty & geoms.geom_type.isin(["LineString", "MultiLineString"])
    raw, geoms = raw[keep], geoms[keep]
    # one geometry type for the layer (as rivers): GeoPackage and FlatGeobuf downloads hold a single type
    geoms = gpd.GeoSeries([g if g.geom_type == "MultiLineString" else shapely.MultiLineString([g]) for g in geoms],
                          index=geoms.index, crs=4326)
    gdf = gpd.GeoDataFrame({
        "railroad_id": [f"rr-{int(u)}" for u in raw["uident"]],
        "country": raw["sov_a3"].map(COUNTRIES).to_numpy(),
        "scalerank": raw["scalerank"].astype("int64").to_numpy(),
        "length_km": [round(length_km(g), 2) for g in geoms],
    }, geometry=geoms.to_numpy(), crs=4326)
    gdf = gdf.sort_values("railroad_id", ignore_index=True)
    ctx.stat("lines", len(gdf))
    by_country = gdf.groupby("country")["length_km"].sum()
    ctx.stat("length_km_by_country", {k: round(float(v), 0) for k, v in by_country.items()})
    return gdf


SPEC = LayerSpec(
    id="railroads",
    min_zoom=0,
    max_zoom=10,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Railroads / Ferrocarriles",
    description=(
        "Main railroad lines of Natural Earth 1:10m in the US and Mexico, cut to the map region and "
        "simplified for display (~200 m)."
    ),
    geometry_type="MultiLineString",
    id_field="railroad_id",
    properties=PROPS,
    sources=(RAILROADS,),
    licence="Public domain (Natural Earth)",
    attribution="Made with Natural Earth (railroads)",
    build=build,
    style=Style(color="#8a8178", weight=1.0),
    keywords=("railroads", "ferrocarriles", "rail", "basemap", "Natural Earth"),
    method="Natural Earth 1:10m railroads, intersected with the map region box, simplified with shapely (0.002°).",
    roles=frozenset({basemap.ROLE}),
)
