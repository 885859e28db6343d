"""The OpenAPI 3.0 paths of the OGC API – Tiles routes (api/tiles.py), merged into the service description."""

from __future__ import annotations

from typing import Any

from layers.tilegrid import MAX_ZOOM, TILE_MATRIX_SETS

Schema = dict[str, Any]
_MVT = "application/vnd.mapbox-vector-tile"
_RESP = "#/components/responses/"


def _path(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


def _query(name: str, description: str, schema: Schema, **extra: Any) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema, **extra}


#: the largest row or column of any matrix we serve (WorldCRS84Quad has 2 ** (z + 1) columns at zoom z)
_LAST_INDEX = 2 ** (MAX_ZOOM + 1) - 1
_TMS = _path("tileMatrixSetId", "Tile matrix set.", {"type": "string", "enum": list(TILE_MATRIX_SETS)})
_TILE = [
    _path("tileMatrix", f"Zoom level, 0 to {MAX_ZOOM} (deeper than a layer's full detail is overzoomed).",
          {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM}),
    _path("tileRow", "Row (y) in the tile matrix (within its tileMatrixSetLimits).",
          {"type": "integer", "minimum": 0, "maximum": _LAST_INDEX}),
    _path("tileCol", "Column (x) in the tile matrix (within its tileMatrixSetLimits).",
          {"type": "integer", "minimum": 0, "maximum": _LAST_INDEX}),
]


def _json_f() -> Schema:
    return _query("f", "Output format.", {"type": "string", "enum": ["json"]})


def _errors(*codes: str) -> dict[str, Any]:
    names = {"304": "NotModified", "400": "BadRequest", "404": "NotFound", "406": "NotAcceptable"}
    return {code: {"$ref": f"{_RESP}{names[code]}"} for code in codes}


def _get(summary: str, op_id: str, params: list[Schema], ok: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"summary": summary, "operationId": op_id, "tags": ["Tiles"], "parameters": params,
                    "responses": {**ok, **_errors("304", "400", "404", "406")}}}


def _json_ok() -> dict[str, Any]:
    return {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}


def _tile_ok() -> dict[str, Any]:
    return {"200": {"description": "A Mapbox Vector Tile (one layer per collection, extent 4096)",
                    "content": {_MVT: {"schema": {"type": "string", "format": "binary"}}}},
            "204": {"description": "No feature in this tile"}}


def tiles_paths(collection_ids: list[str]) -> dict[str, Any]:
    """Paths of the tile matrix sets, the dataset tilesets and each collection's tilesets."""
    collections = _query("collections", "Comma-separated collection ids to include (default: all).",
                         {"type": "array", "items": {"type": "string", "enum": collection_ids}},
                         style="form", explode=False)
    cid = _path("collectionId", "Collection id.", {"type": "string", "enum": collection_ids})
    mvt_f = _query("f", "Output format.", {"type": "string", "enum": ["mvt"]})
    paths: dict[str, Any] = {
        "/tileMatrixSets": _get("Tile matrix sets", "getTileMatrixSetsList", [_json_f()], _json_ok()),
        "/tileMatrixSets/{tileMatrixSetId}": _get("A tile matrix set definition", "getTileMatrixSet",
                                                  [_TMS, _json_f()], _json_ok()),
    }
    for prefix, first, sel, tag in (("/tiles", [], [collections], "Dataset"),
                                    ("/collections/{collectionId}/tiles", [cid], [], "Collection")):
        paths[prefix] = _get(f"{tag} vector tilesets", f"get{tag}VectorTileSetsList", [*first, _json_f(), *sel],
                             _json_ok())
        paths[f"{prefix}/{{tileMatrixSetId}}"] = _get(f"{tag} vector tileset metadata", f"get{tag}VectorTileSet",
                                                      [*first, _TMS, _json_f(), *sel], _json_ok())
        paths[f"{prefix}/{{tileMatrixSetId}}/tilejson.json"] = _get(
            f"{tag} TileJSON 3.0.0 (WebMercatorQuad only)", f"get{tag}TileJSON", [*first, _TMS, *sel], _json_ok())
        paths[f"{prefix}/{{tileMatrixSetId}}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"] = _get(
            f"{tag} vector tile (MVT)", f"get{tag}VectorTile", [*first, _TMS, *_TILE, mvt_f, *sel], _tile_ok())
    return paths
