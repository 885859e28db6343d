"""OGC API – Tiles 1.0 (vector): tile matrix sets, tilesets of all layers and of each collection, MVT, TileJSON.

The tiles are made on request by :mod:`layers.tiles` (the same code that writes the build's PMTiles), from
layers prepared once per build and tile matrix set. A tile inside the tile matrix set limits with nothing in
it is a 204; one outside them (or at a zoom the tileset does not serve) a 404; a malformed index a 400.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from api.dependencies import Ctx, CtxDep, context_of, link, respond
from api.params import JSON, Format, check_params, negotiate, parse_int, single
from api.source import Output, Selection
from geo.errors import InvalidParameterError
from layers.spec import LayerSpec
from layers.tilegrid import MAX_ZOOM, TILE_MATRIX_SETS, Grid, TileNotFoundError, check_tile, grid
from layers.tiles import LayerTiles, Tileset, prepare_frame, vector_layers

router = APIRouter()
MVT_MEDIA = "application/vnd.mapbox-vector-tile"
MVT = Format("mvt", (MVT_MEDIA,))
TILEJSON = Format("json", ("application/json",))
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf"
CONFORMANCE = [f"{_TILES}/{c}" for c in ("core", "tileset", "tilesets-list", "geodata-tilesets",
                                          "dataset-tilesets", "collections-selection", "mvt", "oas30")]
REL_TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
REL_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
_HUGE = 10**30
_GEOMETRY_DIMENSION = {"point": 0, "line": 1, "polygon": 2}

async def tileset(c: Ctx, tms_id: str) -> Tileset:
    """Every served layer prepared for ``tms_id``, read through the feature sources once per build.

    Kept in the build's memo, so a new build gets new tiles; the first request of a build waits for the
    layers to be prepared (in a thread: the event loop keeps serving), then a second thread makes every
    zoom's simplified geometries, so that no later tile request pays for them.
    """
    g = grid(tms_id)
    memo = c.sources.memo
    key = ("tiles", g.id)
    found = memo.get(key)
    if found is not None:
        return found
    async with memo.setdefault(("tiles", "lock"), asyncio.Lock()):
        found = memo.get(key)
        if found is None:
            frames = [(src.spec, await src.frame(Selection(), Output())) for src in c.sources.values()]
            made = await asyncio.to_thread(_prepare, g, frames)
            memo[key] = found = made
            threading.Thread(target=_warm, args=(made,), name=f"tiles-warm-{g.id}", daemon=True).start()
    return found


def _warm(ts: Tileset) -> None:
    """Make every level of ``ts``, then take the long-lived objects out of the garbage collector's way.

    The build's geometries, indexes and levels are hundreds of thousands of objects that live as long as the
    build; a full collection walking them paused the event loop for about 0.4 s now and then (the p99 of the
    tile requests). So: one full collection now (after unfreezing, so a previous build's cycles are freed),
    then everything alive is frozen out of later collections (CPython's ``gc.freeze``).
    """
    ts.warm()
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _prepare(g: Grid, frames: list[tuple[LayerSpec, Any]]) -> Tileset:
    return Tileset(g, tuple(prepare_frame(spec, frame, g) for spec, frame in frames))


def landing_links(c: Ctx) -> list[dict[str, Any]]:
    """Links of the landing page to the tilesets and the tile matrix sets."""
    return [link(f"{c.base}/tiles", REL_TILESETS, "application/json", "Vector tilesets (all layers)"),
            link(f"{c.base}/tileMatrixSets", REL_SCHEMES, "application/json", "Tile matrix sets")]


def collection_links(c: Ctx, collection_id: str) -> list[dict[str, Any]]:
    """Links of a collection to its vector tilesets."""
    return [link(f"{c.base}/collections/{collection_id}/tiles", REL_TILESETS, "application/json",
                 "Vector tilesets")]


def _selected(c: Ctx, ts: Tileset, collection_id: str | None) -> Tileset:
    """The layers a request asks for: one collection, ``collections=`` on the dataset tileset, or all."""
    if collection_id is not None:
        c.sources.get_source(collection_id)
        return ts.select([collection_id])
    if not single(c.params, "collections"):
        return ts  # absent or empty: every collection
    return ts.select(_collection_ids(c))


def _collection_ids(c: Ctx) -> list[str]:
    """The ids listed in ``collections=``; 400 for an unknown one or an empty list."""
    ids = [i for i in (single(c.params, "collections") or "").split(",") if i]
    unknown = [i for i in ids if i not in c.sources]
    if unknown:
        shown = unknown[0][:60] if unknown else ""
        raise InvalidParameterError(f"collections: unknown collection '{shown}'; "
                                    f"choose from {', '.join(c.sources)}")
    return ids


def _crs_uri(g: Any) -> str:
    return str(g.tms.crs.root)


def _base(c: Ctx, collection_id: str | None) -> str:
    return f"{c.base}/collections/{collection_id}/tiles" if collection_id else f"{c.base}/tiles"


def _query(c: Ctx, collection_id: str | None) -> str:
    """The ``collections`` parameter to carry into links (dataset tilesets only)."""
    wanted = single(c.params, "collections")
    return f"?collections={wanted}" if wanted and collection_id is None else ""


@router.get("/tileMatrixSets")
async def tile_matrix_sets(c: CtxDep) -> Response:
    """The tile matrix sets tiles are offered in."""
    check_params(c.params, ["f"])
    _, media = negotiate(c.params, c.accept, [JSON])
    sets = [{"id": t, "title": grid(t).tms.title, "uri": grid(t).tms.uri,
             "links": [link(f"{c.base}/tileMatrixSets/{t}", "self", "application/json", t)]} for t in TILE_MATRIX_SETS]
    links = [link(c.self_url(), "self", media, "this document")]
    return respond(orjson.dumps({"tileMatrixSets": sets, "links": links}), media, c)


@router.get("/tileMatrixSets/{tms_id}")
async def tile_matrix_set(tms_id: str, c: CtxDep) -> Response:
    """One tile matrix set definition (OGC Two Dimensional Tile Matrix Set 2.0 JSON)."""
    g = grid(tms_id)
    check_params(c.params, ["f"])
    _, media = negotiate(c.params, c.accept, [JSON])
    return respond(orjson.dumps(g.tms.model_dump(mode="json", exclude_none=True)), media, c)


@router.get("/tiles")
async def dataset_tilesets(c: CtxDep) -> Response:
    """The tilesets of all layers (``collections=`` selects some)."""
    return _tilesets(c, None)


@router.get("/collections/{collection_id}/tiles")
async def collection_tilesets(collection_id: str, c: CtxDep) -> Response:
    """The tilesets of one collection."""
    c.sources.get_source(collection_id)
    return _tilesets(c, collection_id)


def _tilesets(c: Ctx, collection_id: str | None) -> Response:
    check_params(c.params, ["f"] if collection_id else ["f", "collections"])
    _, media = negotiate(c.params, c.accept, [JSON])
    if collection_id is None and single(c.params, "collections"):
        _collection_ids(c)
    base, query = _base(c, collection_id), _query(c, collection_id)
    sets = []
    for tms_id in TILE_MATRIX_SETS:
        g = grid(tms_id)
        sets.append({"title": f"{collection_id or 'bordergeo'} ({tms_id})", "dataType": "vector",
                     "crs": _crs_uri(g),
                     "tileMatrixSetURI": g.tms.uri,
                     "links": [link(f"{base}/{tms_id}{query}", "self", "application/json", f"tileset ({tms_id})"),
                               link(f"{c.base}/tileMatrixSets/{tms_id}", REL_SCHEME, "application/json", tms_id)]})
    return respond(orjson.dumps({"tilesets": sets, "links": [link(c.self_url(), "self", media, "this document")]}),
                   media, c)


@router.get("/tiles/{tms_id}")
async def dataset_tileset(tms_id: str, c: CtxDep) -> Response:
    """Tileset metadata of all layers in ``tms_id``."""
    return await _tileset_metadata(c, tms_id, None)


@router.get("/collections/{collection_id}/tiles/{tms_id}")
async def collection_tileset(collection_id: str, tms_id: str, c: CtxDep) -> Response:
    """Tileset metadata of one collection in ``tms_id``."""
    return await _tileset_metadata(c, tms_id, collection_id)


async def _tileset_metadata(c: Ctx, tms_id: str, collection_id: str | None) -> Response:
    if collection_id:
        c.sources.get_source(collection_id)
    grid(tms_id)
    check_params(c.params, ["f"] if collection_id else ["f", "collections"])
    _, media = negotiate(c.params, c.accept, [JSON])
    ts = _selected(c, await tileset(c, tms_id), collection_id)
    return respond(orjson.dumps(tileset_document(c, ts, collection_id)), media, c)


def tileset_document(c: Ctx, ts: Tileset, collection_id: str | None) -> dict[str, Any]:
    """The OGC TileSetMetadata of ``ts``: limits, layers with their property schemas, links."""
    g, base, query = ts.grid, _base(c, collection_id), _query(c, collection_id)
    here = f"{base}/{g.id}"
    west, south, east, north = ts.bbox
    links = [link(f"{here}{query}", "self", "application/json", "this tileset"),
             link(f"{c.base}/tileMatrixSets/{g.id}", REL_SCHEME, "application/json", g.id),
             {**link(f"{here}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}{query}", "item", MVT_MEDIA, "MVT tiles"),
              "templated": True}]
    if g.id == "WebMercatorQuad":
        links.append(link(f"{here}/tilejson.json{query}", "describedby", "application/json", "TileJSON 3.0.0"))
    return {
        "title": f"{collection_id or 'bordergeo'}: vector tiles ({g.id})",
        "dataType": "vector",
        "crs": _crs_uri(g),
        "tileMatrixSetURI": g.tms.uri,
        "tileMatrixSetLimits": limits(ts),
        "boundingBox": {"lowerLeft": [west, south], "upperRight": [east, north],
                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
        "layers": [_layer_doc(c, lt) for lt in ts.layers],
        "links": links,
    }


def limits(ts: Tileset) -> list[dict[str, Any]]:
    """tileMatrixSetLimits: at each zoom served, the rows and columns covering the layers' extent."""
    out = []
    for z in range(ts.min_zoom, MAX_ZOOM + 1):
        col0, row0, col1, row1 = ts.grid.tile_range(ts.bbox, z)
        out.append({"tileMatrix": str(z), "minTileRow": row0, "maxTileRow": row1, "minTileCol": col0,
                    "maxTileCol": col1})
    return out


def _layer_doc(c: Ctx, lt: LayerTiles) -> dict[str, Any]:
    return {
        "id": lt.id, "title": lt.spec.title, "dataType": "vector",
        "geometryDimension": _GEOMETRY_DIMENSION[lt.kind],
        "minTileMatrix": str(lt.spec.min_zoom), "maxTileMatrix": str(MAX_ZOOM),
        "propertiesSchema": {"type": "object", "properties": {p.name: p.json_schema() for p in lt.spec.properties}},
        "links": [link(f"{c.base}/collections/{lt.id}", "collection", "application/json", lt.spec.title)],
    }


@router.get("/tiles/{tms_id}/tilejson.json")
async def dataset_tilejson(tms_id: str, c: CtxDep) -> Response:
    """TileJSON 3.0.0 of all layers (WebMercatorQuad only: TileJSON knows no other grid)."""
    return await _tilejson(c, tms_id, None)


@router.get("/collections/{collection_id}/tiles/{tms_id}/tilejson.json")
async def collection_tilejson(collection_id: str, tms_id: str, c: CtxDep) -> Response:
    """TileJSON 3.0.0 of one collection."""
    return await _tilejson(c, tms_id, collection_id)


async def _tilejson(c: Ctx, tms_id: str, collection_id: str | None) -> Response:
    if collection_id:
        c.sources.get_source(collection_id)
    if grid(tms_id).id != "WebMercatorQuad":
        raise TileNotFoundError("TileJSON describes WebMercatorQuad tilesets only")
    check_params(c.params, [] if collection_id else ["collections"])
    _, media = negotiate(c.params, c.accept, [TILEJSON])
    ts = _selected(c, await tileset(c, tms_id), collection_id)
    return respond(orjson.dumps(tilejson(ts, f"{_base(c, collection_id)}/{tms_id}", _query(c, collection_id),
                                         collection_id)), media, c)


def tilejson(ts: Tileset, url: str, query: str = "", name: str | None = None) -> dict[str, Any]:
    """The TileJSON 3.0.0 document of ``ts`` served at ``url``; maxzoom is where every layer has full detail."""
    west, south, east, north = ts.bbox
    return {
        "tilejson": "3.0.0",
        "name": name or "bordergeo",
        "description": "; ".join(lt.spec.title for lt in ts.layers),
        "attribution": "; ".join(dict.fromkeys(lt.spec.attribution for lt in ts.layers)),
        "scheme": "xyz",
        "tiles": [f"{url}/{{z}}/{{y}}/{{x}}{query}"],
        "minzoom": ts.min_zoom,
        "maxzoom": ts.max_zoom,
        "bounds": [west, south, east, north],
        "center": [round((west + east) / 2, 4), round((south + north) / 2, 4), max(ts.min_zoom, 5)],
        "vector_layers": vector_layers(ts.layers),
    }


async def dataset_tile(request: Request) -> Response:
    """One MVT tile of all layers (``collections=`` selects some); 204 when it holds nothing."""
    p = request.path_params
    return await tile(context_of(request), p["tms_id"], p["z"], p["y"], p["x"], None)


async def collection_tile(request: Request) -> Response:
    """One MVT tile of one collection; 204 when it holds nothing."""
    p = request.path_params
    return await tile(context_of(request), p["tms_id"], p["z"], p["y"], p["x"], p["collection_id"])


# Tiles are the most frequent request a map makes: plain Starlette routes, without FastAPI's dependency
# solving and parameter validation (the route parses its own). The OpenAPI document describes them
# (api.tiles_openapi), as it does every route.
router.add_route("/tiles/{tms_id}/{z}/{y}/{x}", dataset_tile, methods=["GET"])
router.add_route("/collections/{collection_id}/tiles/{tms_id}/{z}/{y}/{x}", collection_tile, methods=["GET"])


async def tile(c: Ctx, tms_id: str, z: str, y: str, x: str, collection_id: str | None) -> Response:
    """One MVT tile of all layers or of ``collection_id`` (also answered by api.fast's table)."""
    if collection_id:
        c.sources.get_source(collection_id)
    g = grid(tms_id)
    check_params(c.params, ["f"] if collection_id else ["f", "collections"])
    negotiate(c.params, c.accept, [MVT])
    # any integer parses: one outside the tile matrix set is a tile that does not exist (404)
    zoom, row, col = (parse_int(v, n, -_HUGE, _HUGE) for v, n in ((z, "tileMatrix"), (y, "tileRow"), (x, "tileCol")))
    ts = _selected(c, await tileset(c, tms_id), collection_id)
    check_tile(g, zoom, col, row, ts.min_zoom)
    col0, row0, col1, row1 = g.tile_range(ts.bbox, zoom)
    if not (col0 <= col <= col1 and row0 <= row <= row1):
        raise TileNotFoundError(f"tile {zoom}/{row}/{col} is outside the tileMatrixSetLimits of this tileset "
                                f"(rows {row0}-{row1}, columns {col0}-{col1})")
    if not ts.ready(zoom):  # the warm-up thread has not made this zoom yet: wait for it off the event loop
        await asyncio.to_thread(ts.make, zoom)
    # tiles are cut on the event loop's thread only: GEOS prepared geometries are not safe to query from two
    # threads at once (their indexes are built lazily), and the levels' geometries are shared by every request
    data = ts.tile(zoom, col, row)
    if not data:
        return Response(status_code=204, headers={"Cache-Control": "public, max-age=3600"})
    return respond(data, MVT_MEDIA, c)
