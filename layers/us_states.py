"""US states for the map background: Census cartographic boundaries 2018 (1:500k), cut to the map region.

Every state that reaches into the map region, with its Spanish name (the forms the Real Academia Española's
Diccionario panhispánico de dudas gives: Nuevo México, Luisiana, Misuri, Dakota del Sur, Oregón; the others
are spelled alike). Shapes are simplified as a coverage so neighbouring states keep sharing their edges.
"""

from __future__ import annotations

import geopandas as gpd
import pyogrio

from geo.errors import SourceError
from layers import basemap
from layers.context import BuildContext
from layers.spec import LayerSpec, Prop, Style

STATES = "census/cb_2018_us_state_500k.zip"
#: English name -> Spanish name, where they differ (RAE, Diccionario panhispánico de dudas)
NAME_ES = {
    "New Mexico": "Nuevo México", "Louisiana": "Luisiana", "Missouri": "Misuri", "South Dakota": "Dakota del Sur",
    "North Dakota": "Dakota del Norte", "Oregon": "Oregón", "Minnesota": "Minesota", "Mississippi": "Misisipi",
}

PROPS = (
    Prop("state_fips", "string", "State FIPS code (Census STATEFP)"),
    Prop("postal", "string", "USPS abbreviation (STUSPS)"),
    Prop("name", "string", "State name"),
    Prop("name_es", "string", "Nombre en español"),
    Prop("clipped", "boolean", "True when the map region's edge cuts the state"),
)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Read the states reaching into the region, cut them to it and simplify them as a coverage."""
    path = ctx.source(STATES)
    try:
        raw = pyogrio.read_dataframe(f"zip://{path}", bbox=basemap.REGION, columns=["STATEFP", "STUSPS", "NAME"])
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise SourceError(f"cannot read US states from {STATES}: {exc}") from exc
    raw = raw.to_crs(4326)  # NAD83 -> WGS84: the same numbers at this scale, but the CRS must say so
    raw = raw[raw.intersects(basemap.region_box())].sort_values("STATEFP", ignore_index=True)
    geoms = basemap.clip_polygons(raw.geometry, coverage=True)
    gdf = gpd.GeoDataFrame({
        "state_fips": raw["STATEFP"].astype(str),
        "postal": raw["STUSPS"].astype(str),
        "name": raw["NAME"].astype(str),
        "name_es": raw["NAME"].map(lambda n: NAME_ES.get(n, n)).astype(str),
        "clipped": basemap.touches_edge(geoms),
    }, geometry=geoms.to_numpy(), crs=4326)
    ctx.stat("states", len(gdf))
    return gdf


SPEC = LayerSpec(
    id="us-states",
    min_zoom=0,
    max_zoom=12,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="US states / Estados de EUA",
    description=(
        "The US states reaching into the map region (Census Bureau cartographic boundaries 2018, 1:500,000), "
        "cut to the region and simplified for display (~200 m), with their Spanish names."
    ),
    geometry_type="MultiPolygon",
    id_field="state_fips",
    title_field="name",
    properties=PROPS,
    sources=(STATES,),
    licence="Public domain (US Census Bureau)",
    attribution="US Census Bureau, cartographic boundary files 2018",
    build=build,
    style=Style(color="#9b948a", weight=1.0, fill_color="#f5f2ea", fill_opacity=0.0, label="name",
                label_min_zoom=6, name_es_field="name_es"),
    keywords=("states", "estados", "US", "EUA", "basemap", "Census"),
    method="Census cb_2018_us_state_500k, intersected with the map region box, coverage-simplified (0.002°).",
    roles=frozenset({basemap.ROLE}),
)
