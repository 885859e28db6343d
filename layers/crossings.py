"""Layer `crossings`: the individual US–Mexico land crossings (bridges, gates, dam roads, a ferry, rail bridges).

A CBP port code can cover several crossings (El Paso: four road bridges and the rail bridges; Laredo: four
road bridges and a rail bridge), and a port serves an area, not a point: the Colombia bridge lies 32 km
up the river from downtown Laredo. So a crossing keeps its parent port code but is checked only against
the line: the curated table in ``layers/_crossings_table.py`` cites, per crossing, where its coordinates,
status and hours come from, and the build rejects any crossing farther than 300 m from the boundary layer
(on the rivers, the boundary is the river line) rather than moving it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import BuildError
from geo.measure import distance_km, distance_to_km
from layers._crossings_table import CROSSINGS, EXCLUDED, Crossing
from layers._placement import PLACEMENTS, RAILROADS, Placed, place, railroad_crossings
from layers.context import BuildContext
from layers.readers import MX_STATES, US_STATES
from layers.spec import LayerSpec, Prop, Style

MAX_BOUNDARY_KM = 0.3
KINDS = ("pedestrian", "passenger_vehicle", "commercial", "rail")
STATUSES = ("active", "closed", "seasonal")
#: the category maps colour by: the heaviest kind of traffic a crossing carries
MAIN_TRAFFIC = ("rail", "commercial", "passenger vehicles", "pedestrians only")
US_STATE_NAMES = {postal: name for name, postal, _ in US_STATES.values()}
STATE_DEPARTMENT_COUNT = 55  # active land crossings on the US–Mexico border (US Department of State)


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """The curated crossings as points, each placed as its row says and checked against the boundary line."""
    line = shapely.union_all(ctx.layer("boundary").geometry.to_numpy())
    ports = ctx.layer("ports").set_index("port_code")
    rails = railroad_crossings(ctx.source(RAILROADS), line)
    records = [_record(c, place(c, line, rails), line, ports) for c in CROSSINGS]
    gdf = gpd.GeoDataFrame(records, columns=[*SPEC.property_names, "geometry"], crs=4326)
    if gdf["crossing_id"].duplicated().any():
        raise BuildError(f"duplicate crossing ids: {sorted(gdf.loc[gdf['crossing_id'].duplicated(), 'crossing_id'])}")
    _record_stats(ctx, gdf, rails)
    return gdf


def _record(c: Crossing, at: Placed, line: BaseGeometry, ports: gpd.GeoDataFrame) -> dict[str, object]:
    to_line = distance_to_km(at.lon, at.lat, line)
    if to_line > MAX_BOUNDARY_KM:
        raise BuildError(
            f"crossing {c.crossing_id} ({c.name}) lies {to_line:.2f} km from the boundary "
            f"(limit {MAX_BOUNDARY_KM} km): check its coordinates in layers/_crossings_table.py"
        )
    if c.port_code is not None and c.port_code not in ports.index:
        raise BuildError(f"crossing {c.crossing_id}: parent port {c.port_code} is not in the ports layer")
    if not c.kinds or set(c.kinds) - set("PVCR"):
        raise BuildError(f"crossing {c.crossing_id}: traffic kinds {c.kinds!r} must be letters of PVCR")
    if c.status not in STATUSES:
        raise BuildError(f"crossing {c.crossing_id}: status {c.status!r} is not one of {STATUSES}")
    port = ports.loc[c.port_code] if c.port_code is not None else None
    return {
        "crossing_id": c.crossing_id, "name": c.name, "name_es": c.name_es, "port_code": c.port_code,
        "port_name": None if port is None else str(port["name"]),
        **{kind: bool(getattr(c, kind)) for kind in KINDS},
        "main_traffic": _main_traffic(c), "status": c.status, "hours": c.hours,
        "us_city": c.us_city, "mx_city": c.mx_city,
        "us_state": US_STATE_NAMES[c.us_state], "mx_state": MX_STATES[c.mx_state][0],
        "location_method": at.method,
        "source_offset_km": None if at.offset_km is None else round(at.offset_km, 3),
        "distance_to_boundary_km": round(to_line, 3),
        "distance_to_port_km": None if port is None else round(
            distance_km(at.lon, at.lat, port.geometry.x, port.geometry.y), 3),
        "source": c.source, "geometry": shapely.Point(at.lon, at.lat),
    }


def _main_traffic(c: Crossing) -> str:
    """rail > commercial > passenger vehicles > pedestrians only (each implies nothing about the others)."""
    if c.rail:
        return MAIN_TRAFFIC[0]
    if c.commercial:
        return MAIN_TRAFFIC[1]
    return MAIN_TRAFFIC[2] if c.passenger_vehicle else MAIN_TRAFFIC[3]


def _record_stats(ctx: BuildContext, gdf: gpd.GeoDataFrame, rails: np.ndarray) -> None:
    ctx.stat("crossing_count", len(gdf))
    ctx.stat("state_department_count", STATE_DEPARTMENT_COUNT)
    ctx.stat("count_by_kind", {kind: int(gdf[kind].sum()) for kind in KINDS})
    ctx.stat("count_by_status", {s: int((gdf["status"] == s).sum()) for s in STATUSES})
    ctx.stat("count_by_location_method", {m: int((gdf["location_method"] == m).sum()) for m in PLACEMENTS})
    ctx.stat("ports_covered", int(gdf["port_code"].nunique()))
    far = gdf.loc[gdf["distance_to_boundary_km"].idxmax()]
    ctx.stat("max_distance_to_boundary_km",
             {"crossing_id": far["crossing_id"], "km": float(far["distance_to_boundary_km"])})
    ctx.stat("railroad_check_km", _railroad_check(gdf, rails))
    ctx.stat("excluded", [f"{name}: {why}" for name, why in EXCLUDED])


def _railroad_check(gdf: gpd.GeoDataFrame, rails: np.ndarray) -> dict[str, float]:
    """How far Natural Earth's railroad crossings lie from the rail bridges that have cited coordinates."""
    cited = gdf[gdf["rail"] & (gdf["location_method"] == "cited")]
    return {
        str(row.crossing_id): round(min(distance_km(row.geometry.x, row.geometry.y, float(x), float(y))
                                        for x, y in rails), 2)
        for row in cited.itertuples()
    } if len(rails) else {}


SPEC_PROPS = (
    Prop("crossing_id", "string", "Stable slug, e.g. 'paso-del-norte'"),
    Prop("name", "string", "English name"),
    Prop("name_es", "string", "Nombre en español, e.g. 'Puente Internacional Paso del Norte'"),
    Prop("port_code", "string", "Parent CBP port code (layer ports); null where no BTS port reports the crossing",
         nullable=True),
    Prop("port_name", "string", "Parent port name (BTS)", nullable=True),
    Prop("pedestrian", "boolean", "Pedestrians cross here"),
    Prop("passenger_vehicle", "boolean", "Private vehicles and buses cross here"),
    Prop("commercial", "boolean", "Trucks cross here"),
    Prop("rail", "boolean", "Trains cross here"),
    Prop("main_traffic", "string", "Heaviest kind of traffic: rail > commercial > passenger vehicles > pedestrians",
         enum=MAIN_TRAFFIC),
    Prop("status", "string", "active; closed (out of service); seasonal (days or operation vary with the season "
                             "or the river)", enum=STATUSES),
    Prop("hours", "string", "Opening hours where the cited source gives them (local time)", nullable=True),
    Prop("us_city", "string", "US city or place"),
    Prop("mx_city", "string", "Mexican city or place"),
    Prop("us_state", "string", "US state", enum=tuple(US_STATE_NAMES.values())),
    Prop("mx_state", "string", "Mexican state (INEGI name)", enum=tuple(v[0] for v in MX_STATES.values())),
    Prop("location_method", "string", "cited: the source's coordinates; facility_to_line: the cited port facility "
                                      "moved to the nearest point of the line; railroad_crossing: where a Natural "
                                      "Earth railroad crosses the line", enum=PLACEMENTS),
    Prop("source_offset_km", "number", "Distance from the cited coordinates to the point (null: none cited)",
         nullable=True, unit="km"),
    Prop("distance_to_boundary_km", "number", "Geodesic distance to the boundary layer", unit="km"),
    Prop("distance_to_port_km", "number", "Geodesic distance to the parent port's point", nullable=True, unit="km"),
    Prop("source", "string", "Citation: where the coordinates, attributes, status and hours come from"),
)

SPEC = LayerSpec(
    id="crossings",
    min_zoom=6,
    max_zoom=12,  # vector tiles reach full detail here (tests/layers/test_tiles.py)
    title="Land border crossings / Cruces fronterizos terrestres",
    description=(
        "The individual land crossings of the US–Mexico border (international bridges, port gates, dam "
        "crossings, the Los Ebanos ferry and rail bridges) with their parent CBP port, the kinds of traffic they "
        "carry, status and hours, the cities on both sides and a citation for each. The State Department counts "
        "55 active land crossings; the layer's stats list those no source lets us place."
    ),
    geometry_type="Point",
    id_field="crossing_id",
    title_field="name",
    properties=SPEC_PROPS,
    sources=(RAILROADS,),
    licence="Curated facts with citations (public sources: Wikipedia CC BY-SA coordinates, TxDOT, CBP, GSA, NPS, "
            "IBWC); Natural Earth railroads (public domain)",
    attribution="bordergeo curated table; coordinates from Wikipedia, TxDOT, CBP/GSA, BTS and Natural Earth",
    build=build,
    depends=("boundary", "ports"),
    style=Style(
        color="#ff7f00", fill_color="#fdbf6f", fill_opacity=0.9, radius=4.0, by="main_traffic",
        label="name", label_min_zoom=11, name_es_field="name_es",
        palette=(("rail", "#6a3d9a"), ("commercial", "#e31a1c"), ("passenger vehicles", "#ff7f00"),
                 ("pedestrians only", "#33a02c")),
    ),
    keywords=("border crossings", "cruces fronterizos", "international bridges", "puentes internacionales"),
    method=(
        "Curated table in code (layers/_crossings_table.py) with a citation per crossing. A crossing is placed "
        "at its cited coordinates; where they mark a port facility set back from the line, at the nearest point "
        "of the boundary line; a rail crossing without cited coordinates, where the Natural Earth railroad "
        f"crosses the boundary. The build rejects any crossing farther than {MAX_BOUNDARY_KM * 1000:.0f} m from "
        "the boundary instead of moving it. There is no distance rule to the parent port: a port serves an area."
    ),
)
