"""Land (and so the sea around it) for the map background: Natural Earth 1:10m land cut to the map region.

Natural Earth's land polygons are large multipolygons (the Americas are one); cut to the region they fall
apart into the mainland and the islands of the Gulf of California, the Pacific and the Gulf of Mexico,
one feature each, largest first. The polygon edges are the coastline.
"""

from __future__ import annotations

import geopandas as gpd
import pyogrio

from geo.errors import SourceError
from geo.measure import area_km2
from layers import basemap
from layers.context import BuildContext
from layers.spec import LayerSpec, Prop, Style

LAND = "natural_earth/ne_10m_land.json"

PROPS = (
    Prop("land_id", "string", "Stable id: 'land-<n>', numbered by area, largest first"),
    Prop("area_km2", "number", "Geodesic area of the part inside the map region (WGS84)", unit="km2"),
    Prop("clipped", "boolean", "True when the map region's edge cuts the polygon"),
)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Read Natural Earth land in the region, cut and simplify it, one feature per polygon."""
    try:
        raw = pyogrio.read_dataframe(ctx.source(LAND), bbox=basemap.REGION, columns=[])
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise SourceError(f"cannot read land from {LAND}: {exc}") from exc
    raw = raw.set_crs(4326, allow_override=True)
    parts = raw.geometry.intersection(basemap.region_box()).explode(index_parts=False)
    parts = parts[(parts.geom_type == "Polygon") & ~parts.is_empty]
    geoms = basemap.clip_polygons(gpd.GeoSeries(parts.to_numpy(), crs=4326))
    gdf = gpd.GeoDataFrame({"area_km2": [round(area_km2(g), 1) for g in geoms]}, geometry=geoms.to_numpy(), crs=4326)
    gdf = gdf[gdf["area_km2"] > 0].sort_values("area_km2", ascending=False, ignore_index=True)
    gdf.insert(0, "land_id", [f"land-{i + 1}" for i in range(len(gdf))])
    gdf.insert(2, "clipped", basemap.touches_edge(gdf.geometry))
    ctx.stat("polygons", len(gdf))
    ctx.stat("area_km2", round(float(gdf["area_km2"].sum()), 0))
    return gdf


SPEC = LayerSpec(
    id="land",
    min_zoom=0,
    max_zoom=10,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Land / Tierra",
    description=(
        "Land polygons of Natural Earth 1:10m cut to the map region (lon -122..-93, lat 21.5..44.5) and "
        "simplified for display (~200 m): the mainland and each island, so the sea shows around them."
    ),
    geometry_type="MultiPolygon",
    id_field="land_id",
    properties=PROPS,
    sources=(LAND,),
    licence="Public domain (Natural Earth)",
    attribution="Made with Natural Earth (land)",
    build=build,
    style=Style(color="#c9c2b3", weight=0.6, fill_color="#f5f2ea", fill_opacity=1.0),
    keywords=("land", "tierra", "coastline", "costa", "basemap", "Natural Earth"),
    method="Natural Earth 1:10m land, intersected with the map region box, simplified with shapely (0.002°).",
    roles=frozenset({basemap.ROLE}),
)
