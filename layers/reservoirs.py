"""Reservoirs and lakes of the Rio Grande, Pecos and Colorado basins, from Natural Earth 1:10m lakes.

A lake belongs to the most specific basin of the ``watersheds`` layer holding most of its area; its country
comes from the Mexican side of the ``boundary`` line (Amistad and Falcon, the two international storage
dams of the 1944 Treaty, straddle it). Natural Earth lost accents in this conversion; Spanish names are
restored and given where they are established.
"""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import SourceError
from geo.measure import area_km2
from geo.ops import polygonal, rfc7946, to_multipolygon
from layers.context import BuildContext
from layers.spec import LayerSpec, Prop, Style
from layers.watersheds import BASIN_IDS, mexico_side

LAKES = "natural_earth/ne_10m_lakes.json"
MIN_SHARE_IN_BASIN = 0.5
# Natural Earth shores and the DCW boundary differ by up to ~1 km: a lake is in a country from 1 km² on.
COUNTRY_MIN_KM2 = 1.0
# Names Natural Earth spells without accents -> restored name.
NAME_FIX = {"Presa Marte R. Gomez": "Presa Marte R. Gómez"}
# Spanish names in use (IBWC/CONAGUA): Natural Earth name -> name_es.
NAME_ES = {
    "Amistad Reservoir": "Presa La Amistad",
    "Falcon Lake": "Presa Falcón",
    "Presa de la Boquilla": "Presa La Boquilla",
    "Presa Marte R. Gomez": "Presa Marte R. Gómez",
}
ID_STOPWORDS = {"lake", "reservoir", "presa", "de", "la"}

SPEC_PROPS = (
    Prop("reservoir_id", "string", "Stable id: slug of the name without 'Lake', 'Reservoir', 'Presa'"),
    Prop("name", "string", "Name (Natural Earth, Spanish accents restored)"),
    Prop("name_es", "string", "Spanish name, where one is in use", nullable=True),
    Prop("basin_id", "string", "Most specific basin of the watersheds layer holding the lake", enum=BASIN_IDS),
    Prop("area_km2", "number", "Geodesic area of the Natural Earth polygon on WGS84", unit="km2"),
    Prop("share_mx", "number", "Share of the area on the Mexican side of the boundary (0-1)"),
    Prop("country", "string", "Countries the lake lies in", enum=("US", "MX", "both")),
    Prop("featurecla", "string", "Natural Earth feature class", enum=("Reservoir", "Lake", "Alkaline Lake")),
)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Select the named Natural Earth lakes inside the basins and attach basin, area and country."""
    basins = ctx.layer("watersheds").set_index("basin_id")
    mexico = mexico_side(ctx.layer("boundary"))
    try:
        lakes = pyogrio.read_dataframe(ctx.source(LAKES), bbox=tuple(basins.total_bounds))
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise SourceError(f"cannot read lakes from {LAKES}: {exc}") from exc
    lakes = lakes[lakes["name"].notna()]
    rows = []
    for basin_id in basins.index[basins["parent_basin"].isna()]:
        basin = basins.geometry[basin_id]
        subs = basins[basins["parent_basin"] == basin_id].geometry
        inside = lakes[lakes.intersects(basin)]
        for name, featurecla, raw in zip(inside["name"], inside["featurecla"], inside.geometry, strict=True):
            geom = to_multipolygon(shapely.make_valid(raw))
            if area_km2(polygonal(geom.intersection(basin))) >= MIN_SHARE_IN_BASIN * area_km2(geom):
                rows.append(_row(str(name), str(featurecla), geom, _basin(geom, basin_id, subs), mexico))
    gdf = gpd.GeoDataFrame(rows, columns=[*[p.name for p in SPEC_PROPS], "geometry"], crs=4326)
    gdf = gdf.sort_values(["basin_id", "area_km2"], ascending=[True, False], ignore_index=True)
    gdf["geometry"] = rfc7946(gdf.geometry)
    _record_stats(ctx, gdf)
    return gdf


def _basin(geom: BaseGeometry, basin_id: str, subs: gpd.GeoSeries) -> str:
    """The sub-basin holding most of the lake, else the top-level basin."""
    half = area_km2(geom) / 2
    return next((b for b, g in subs.items() if area_km2(polygonal(geom.intersection(g))) > half), basin_id)


def _row(ne_name: str, featurecla: str, geom: shapely.MultiPolygon, basin_id: str,
         mexico: BaseGeometry) -> list[object]:
    total = area_km2(geom)
    mx = area_km2(polygonal(geom.intersection(mexico)))
    in_mx, in_us = mx >= COUNTRY_MIN_KM2, total - mx >= COUNTRY_MIN_KM2
    country = "both" if in_mx and in_us else "MX" if in_mx else "US"
    return [_id(ne_name), NAME_FIX.get(ne_name, ne_name), NAME_ES.get(ne_name), basin_id, round(total, 2),
            round(mx / total, 4), country, featurecla, geom]


def _id(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_name) if w and w not in ID_STOPWORDS]
    return "-".join(words)


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame) -> None:
    ctx.stat("reservoirs", len(gdf))
    ctx.stat("area_km2_by_basin", {k: round(float(v), 1) for k, v in gdf.groupby("basin_id")["area_km2"].sum().items()})
    both = gdf[gdf["country"] == "both"]
    ctx.stat("international", {r.reservoir_id: r.share_mx for r in both.itertuples()})


SPEC = LayerSpec(
    id="reservoirs",
    min_zoom=0,
    max_zoom=8,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Reservoirs of the Rio Grande and Colorado basins / Presas de las cuencas del Bravo y del Colorado",
    description=(
        "Named reservoirs and lakes (Natural Earth 1:10m) inside the Rio Grande, Pecos and Colorado River "
        "basins, with geodesic area, the share on the Mexican side of the boundary, and the country; "
        "Amistad and Falcon are the international storage dams built under the 1944 Water Treaty."
    ),
    geometry_type="MultiPolygon",
    id_field="reservoir_id",
    title_field="name",
    properties=SPEC_PROPS,
    sources=(LAKES,),
    licence="Public domain (Natural Earth)",
    attribution="Made with Natural Earth (lakes and reservoirs)",
    build=build,
    depends=("watersheds", "boundary"),
    style=Style(color="#08306b", weight=1.0, fill_color="#4292c6", fill_opacity=0.7, by="country",
                palette=(("US", "#6baed6"), ("MX", "#4292c6"), ("both", "#2171b5")), name_es_field="name_es"),
    keywords=("reservoir", "presa", "lake", "Amistad", "Falcón", "Lake Mead", "Lake Powell", "Natural Earth"),
    method=(
        "Natural Earth lakes with at least half their area inside a basin; geodesic areas on WGS84 "
        "(pyproj.Geod); country split by the boundary layer line closed to the south."
    ),
)
