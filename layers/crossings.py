"""Layer `crossings`: the individual US–Mexico land crossings (bridges, gates, dam roads, rail bridges).

A CBP port code can cover several crossings (El Paso: four road bridges; Laredo: three road bridges and a
rail bridge). The curated table in ``layers/_crossings_table.py`` cites, per crossing, where its
coordinates and attributes come from. The build checks each crossing against the data: it must lie within
2 km of the boundary layer (DCW, about 1:1M, whose river line may be ~1 km off the real river) and within
25 km of the point of its parent port; a crossing that fails is reported by name, never moved.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import BuildError
from geo.measure import distance_km, distance_to_km
from layers._crossings_table import CROSSINGS, EXCLUDED, Crossing
from layers.context import BuildContext
from layers.readers import MX_STATES, US_STATES
from layers.spec import LayerSpec, Prop, Style

MAX_BOUNDARY_KM = 2.0
MAX_PORT_KM = 25.0
KINDS = ("pedestrian", "passenger_vehicle", "commercial", "rail")
#: the category maps colour by: the heaviest kind of traffic a crossing carries
MAIN_TRAFFIC = ("rail", "commercial", "passenger vehicles", "pedestrians only")
US_STATE_NAMES = {postal: name for name, postal, _ in US_STATES.values()}


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """The curated crossings as points, each checked against the boundary and its parent port."""
    boundary = shapely.union_all(ctx.layer("boundary").geometry.to_numpy())
    ports = ctx.layer("ports").set_index("port_code")
    records = [_record(c, boundary, ports) for c in CROSSINGS]
    gdf = gpd.GeoDataFrame(records, columns=[*SPEC.property_names, "geometry"], crs=4326)
    if gdf["crossing_id"].duplicated().any():
        raise BuildError(f"duplicate crossing ids: {sorted(gdf.loc[gdf['crossing_id'].duplicated(), 'crossing_id'])}")
    _record_stats(ctx, gdf)
    return gdf


def _record(c: Crossing, boundary: BaseGeometry, ports: gpd.GeoDataFrame) -> dict[str, object]:
    to_boundary = distance_to_km(c.lon, c.lat, boundary)
    if to_boundary > MAX_BOUNDARY_KM:
        raise BuildError(
            f"crossing {c.crossing_id} ({c.name}) lies {to_boundary:.2f} km from the boundary "
            f"(limit {MAX_BOUNDARY_KM} km): check its coordinates in layers/_crossings_table.py"
        )
    if c.port_code not in ports.index:
        raise BuildError(f"crossing {c.crossing_id}: parent port {c.port_code} is not in the ports layer")
    port = ports.loc[c.port_code]
    to_port = distance_km(c.lon, c.lat, port.geometry.x, port.geometry.y)
    if to_port > MAX_PORT_KM:
        raise BuildError(
            f"crossing {c.crossing_id} ({c.name}) lies {to_port:.1f} km from its parent port {c.port_code} "
            f"(limit {MAX_PORT_KM:.0f} km)"
        )
    if not c.kinds or set(c.kinds) - set("PVCR"):
        raise BuildError(f"crossing {c.crossing_id}: traffic kinds {c.kinds!r} must be letters of PVCR")
    return {
        "crossing_id": c.crossing_id, "name": c.name, "name_es": c.name_es, "port_code": c.port_code,
        "port_name": str(port["name"]),
        **{kind: bool(getattr(c, kind)) for kind in KINDS},
        "main_traffic": _main_traffic(c),
        "us_city": c.us_city, "mx_city": c.mx_city,
        "us_state": US_STATE_NAMES[c.us_state], "mx_state": MX_STATES[c.mx_state][0],
        "distance_to_boundary_km": round(to_boundary, 3), "distance_to_port_km": round(to_port, 3),
        "source": c.source, "geometry": shapely.Point(c.lon, c.lat),
    }


def _main_traffic(c: Crossing) -> str:
    """rail > commercial > passenger vehicles > pedestrians only (each implies nothing about the others)."""
    if c.rail:
        return MAIN_TRAFFIC[0]
    if c.commercial:
        return MAIN_TRAFFIC[1]
    return MAIN_TRAFFIC[2] if c.passenger_vehicle else MAIN_TRAFFIC[3]


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame) -> None:
    ctx.stat("crossing_count", len(gdf))
    ctx.stat("count_by_kind", {kind: int(gdf[kind].sum()) for kind in KINDS})
    ctx.stat("ports_covered", int(gdf["port_code"].nunique()))
    for column, label in (("distance_to_boundary_km", "boundary"), ("distance_to_port_km", "parent_port")):
        far = gdf.loc[gdf[column].idxmax()]
        ctx.stat(f"max_distance_to_{label}_km", {"crossing_id": far["crossing_id"], "km": float(far[column])})
    ctx.stat("state_department_count", 55)
    ctx.stat("excluded", [f"{name}: {why}" for name, why in EXCLUDED])


SPEC_PROPS = (
    Prop("crossing_id", "string", "Stable slug, e.g. 'paso-del-norte'"),
    Prop("name", "string", "English name"),
    Prop("name_es", "string", "Nombre en español, e.g. 'Puente Internacional Paso del Norte'"),
    Prop("port_code", "string", "Parent CBP port code (layer ports)"),
    Prop("port_name", "string", "Parent port name (BTS)"),
    Prop("pedestrian", "boolean", "Pedestrians cross here (2018)"),
    Prop("passenger_vehicle", "boolean", "Private vehicles and buses cross here (2018)"),
    Prop("commercial", "boolean", "Trucks cross here (2018)"),
    Prop("rail", "boolean", "Trains cross here (2018)"),
    Prop("main_traffic", "string", "Heaviest kind of traffic: rail > commercial > passenger vehicles > pedestrians",
         enum=MAIN_TRAFFIC),
    Prop("us_city", "string", "US city or place"),
    Prop("mx_city", "string", "Mexican city or place"),
    Prop("us_state", "string", "US state", enum=tuple(US_STATE_NAMES.values())),
    Prop("mx_state", "string", "Mexican state (INEGI name)", enum=tuple(v[0] for v in MX_STATES.values())),
    Prop("distance_to_boundary_km", "number", "Geodesic distance to the boundary layer", unit="km"),
    Prop("distance_to_port_km", "number", "Geodesic distance to the parent port's point", unit="km"),
    Prop("source", "string", "Citation: where the coordinates and attributes come from"),
)

SPEC = LayerSpec(
    id="crossings",
    title="Land border crossings / Cruces fronterizos terrestres",
    description=(
        "The individual land crossings of the US–Mexico border (international bridges, port gates, dam "
        "crossings and rail bridges) with their parent CBP port, the kinds of traffic they carry, the cities "
        "on both sides and a citation for each. The State Department counts 55 active land crossings; this "
        "curated table holds those we can place with confidence (the layer's stats list the others)."
    ),
    geometry_type="Point",
    id_field="crossing_id",
    title_field="name",
    properties=SPEC_PROPS,
    sources=(),
    licence="Curated facts with citations (public sources: Wikipedia CC BY-SA coordinates, TxDOT, CBP, GSA)",
    attribution="bordergeo curated table; coordinates from Wikipedia, TxDOT, CBP/GSA and BTS",
    build=build,
    depends=("boundary", "ports"),
    style=Style(
        color="#ff7f00", fill_color="#fdbf6f", fill_opacity=0.9, radius=4.0, by="main_traffic",
        palette=(("rail", "#6a3d9a"), ("commercial", "#e31a1c"), ("passenger vehicles", "#ff7f00"),
                 ("pedestrians only", "#33a02c")),
    ),
    keywords=("border crossings", "cruces fronterizos", "international bridges", "puentes internacionales"),
    method=(
        "Curated table in code (layers/_crossings_table.py) with a citation per crossing; the build rejects "
        f"any crossing farther than {MAX_BOUNDARY_KM:.0f} km from the boundary or {MAX_PORT_KM:.0f} km from "
        "its parent port instead of moving it. Traffic kinds describe 2018 operation."
    ),
)
