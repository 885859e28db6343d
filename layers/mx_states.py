"""Mexican border states for the map background: INEGI municipios (Marco Geoestadístico) dissolved per state.

The six states along the border (Baja California, Sonora, Chihuahua, Coahuila, Nuevo León, Tamaulipas),
from the same INEGI municipio polygons the population layer uses, so state lines and municipios agree.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.measure import area_km2
from layers import basemap
from layers.context import BuildContext, declared
from layers.readers import MX_STATES, inegi_municipios
from layers.spec import LayerSpec, Prop, Style

AGEM = declared("inegi/AGEM_")

PROPS = (
    Prop("state_code", "string", "INEGI state code (CVE_ENT)"),
    Prop("abbreviation", "string", "Usual abbreviation"),
    Prop("name", "string", "Official state name (INEGI)"),
    Prop("municipios", "integer", "Municipios dissolved into the state"),
    Prop("area_km2", "number", "Geodesic area of the dissolved polygon (WGS84), before simplification", unit="km2"),
)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Dissolve the INEGI municipios of the six border states into one polygon per state."""
    muni = inegi_municipios(ctx.source(f) for f in AGEM)
    rows, geoms = [], []
    for code, group in muni.groupby("state_code", sort=True):
        # municipios tile their state exactly: a coverage union is fast and leaves no slivers
        geom = shapely.make_valid(shapely.coverage_union_all(np.asarray(group.geometry.array, dtype=object)))
        name, abbreviation = MX_STATES[str(code)]
        rows.append({"state_code": str(code), "abbreviation": abbreviation, "name": name,
                     "municipios": len(group), "area_km2": round(area_km2(geom), 1)})
        geoms.append(geom)
    simplified = basemap.clip_polygons(gpd.GeoSeries(geoms, crs=4326), coverage=True)
    gdf = gpd.GeoDataFrame(rows, geometry=simplified.to_numpy(), crs=4326)
    gdf["municipios"] = gdf["municipios"].astype("int64")
    ctx.stat("states", len(gdf))
    ctx.stat("area_km2", {r.abbreviation: r.area_km2 for r in gdf.itertuples()})
    return gdf


SPEC = LayerSpec(
    id="mx-states",
    min_zoom=0,
    max_zoom=12,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Mexican border states / Estados fronterizos de México",
    description=(
        "The six Mexican border states, dissolved from INEGI's municipio polygons (Marco Geoestadístico) and "
        "simplified for display (~200 m)."
    ),
    geometry_type="MultiPolygon",
    id_field="state_code",
    title_field="name",
    properties=PROPS,
    sources=AGEM,
    licence="INEGI Términos de libre uso de la información (free use with attribution)",
    attribution="INEGI, Marco Geoestadístico (municipios dissolved into states)",
    build=build,
    style=Style(color="#9b948a", weight=1.0, fill_color="#f5f2ea", fill_opacity=0.0, label="name",
                label_min_zoom=6),
    keywords=("states", "estados", "México", "basemap", "INEGI"),
    method="INEGI AGEM municipios, coverage union per state, coverage-simplified (0.002°).",
    roles=frozenset({basemap.ROLE}),
)
