"""OGC API – Styles (the MapLibre encoding): ``/styles`` and ``/styles/{styleId}``, plus the glyphs they use.

The documents are written by ``layers.mapstyle`` from the declarations of the served layers and the
data-driven scales of this build (``layers.classes``, the classes the Folium maps draw), reading the
all-layers vector tileset ``/tiles/WebMercatorQuad/{z}/{y}/{x}`` (through its TileJSON).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from starlette.responses import Response

from api import glyphs
from api.dependencies import Ctx, CtxDep, link, respond
from api.errors import RouteNotFoundError
from api.params import JSON, Format, check_params, negotiate
from api.source import Output, Selection, Sources
from geo.errors import NotFoundError
from layers import mapstyle
from layers.classes import Scales, scales, styled_columns
from layers.spec import LayerSpec

router = APIRouter()
MAPBOX = Format("mapbox", ("application/vnd.mapbox.style+json", "application/json"))
STYLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/styles"
STYLESHEET_REL = "stylesheet"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-styles-1/0.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-styles-1/0.0/conf/mapbox-styles",
]
#: the all-layers tileset, by its TileJSON: MapLibre then knows its bounds and zooms (no request outside them)
TILEJSON_PATH = "/tiles/WebMercatorQuad/tilejson.json"
GLYPHS_PATH = "/styles/glyphs/{fontstack}/{range}.pbf"


class StyleNotFoundError(NotFoundError):
    """No style with this id."""


def served_specs(c: Ctx) -> list[LayerSpec]:
    """The declarations of the served collections, in registry order."""
    return [source.spec for source in c.sources.values()]


async def style_for(c: Ctx, style_id: str) -> dict[str, Any]:
    """The MapLibre style ``style_id`` of this build as served (StyleNotFoundError for an unknown id)."""
    specs = served_specs(c)
    if style_id not in mapstyle.style_ids(specs):
        shown = style_id if len(style_id) <= 60 else style_id[:57] + "..."
        raise StyleNotFoundError(f"unknown style '{shown}': choose one of {', '.join(mapstyle.style_ids(specs))}")
    return mapstyle.style_document(specs, f"{c.base}{TILEJSON_PATH}", await served_scales(c.sources), style_id,
                                   glyphs=f"{c.base}{GLYPHS_PATH}")


async def served_scales(sources: Sources) -> dict[str, Scales]:
    """The data-driven scales of every served layer, computed once per build (kept in ``sources.memo``)."""
    found = sources.memo.get("styles:scales")
    if found is None:
        found = {}
        for cid, source in sources.items():
            columns = tuple(styled_columns(source.spec))
            frame = await source.frame(Selection(), Output(properties=columns, geometry=False)) if columns else None
            found[cid] = scales(source.spec, frame) if frame is not None else Scales()
        sources.memo["styles:scales"] = found
    return found


@router.get("/styles")
async def styles(c: CtxDep) -> Response:
    """The styles: ``default`` (every layer) and one per layer, each in the MapLibre encoding."""
    check_params(c.params, ["f"])
    _, media = negotiate(c.params, c.accept, [JSON])
    specs = {s.id: s for s in served_specs(c)}
    entries = []
    for style_id in mapstyle.style_ids(list(specs.values())):
        title = "Every layer" if style_id == mapstyle.DEFAULT else specs[style_id].title
        href = f"{c.base}/styles/{style_id}?f=mapbox"
        entries.append({"id": style_id, "title": title,
                        "links": [link(href, STYLESHEET_REL, MAPBOX.media_types[0], f"{title} (MapLibre style)")]})
    body = {"default": mapstyle.DEFAULT, "styles": entries,
            "links": [link(c.self_url(f=None), "self", "application/json", "this document"),
                      link(f"{c.base}/viewer", "related", "text/html", "Map viewer")]}
    return respond(orjson.dumps(body), media, c)


@router.get("/styles/glyphs/{fontstack}/{glyph_range}.pbf")
async def glyph_range(fontstack: str, glyph_range: str, c: CtxDep) -> Response:
    """Signed-distance-field glyphs of 256 code points (the MapLibre glyph PBF) for the styles' labels."""
    check_params(c.params, [])
    found = glyphs.parse_range(glyph_range)
    if found is None or fontstack.split(",")[0].strip() != glyphs.FONT_NAME:
        raise RouteNotFoundError(f"no glyphs '{fontstack[:60]}/{glyph_range[:20]}': the styles use "
                                 f"'{glyphs.FONT_NAME}/<start>-<start+255>.pbf'")
    return respond(glyphs.glyph_pbf(found), "application/x-protobuf", c)


@router.get("/styles/{style_id}")
async def style(style_id: str, c: CtxDep) -> Response:
    """One style as a MapLibre style document (``f=mapbox``, ``application/vnd.mapbox.style+json``)."""
    check_params(c.params, ["f"])
    doc = await style_for(c, style_id)
    _, media = negotiate(c.params, c.accept, [MAPBOX])
    return respond(orjson.dumps(doc), media, c)
