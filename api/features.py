"""Feature routes: ``/collections/{id}/items`` (pages, CSV, downloads) and ``/collections/{id}/items/{fid}``.

The routes talk only to :class:`api.source.FeatureSource`. Each output format is one entry of a format
registry (format -> encoder); the ``f`` values, the Accept negotiation and the OpenAPI media types read it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter
from starlette.responses import Response

from api import encoders
from api.dependencies import Ctx, CtxDep, link, render_page, respond
from api.params import CSV, FGB, GEOJSON, GPKG, HTML, Format, negotiate
from api.query import ITEM, ITEMS, PAGING, check, items_query, output, parse
from api.query import Env as ParamEnv
from api.source import FeatureSource, Output, Selection
from geo.errors import BorderGeoError

router = APIRouter()
Encode = Callable[[Ctx, FeatureSource, Selection, Output, str], Awaitable[Response]]


@dataclass(frozen=True)
class ItemsFormat:
    """An output format of the items resource: a page encoder, or a download of every matching feature."""

    format: Format
    encode: Encode
    download: bool = False
    title: str = ""


async def _geojson(c: Ctx, src: FeatureSource, sel: Selection, out: Output, media: str) -> Response:
    matched, features = await src.features(sel, out)
    links = page_links(c, src, sel, matched, len(features))
    body = encoders.feature_collection(features, matched, links, c.sources.time_stamp)
    return respond(body, media, c, {"Content-Crs": out.crs.header})


async def _csv(c: Ctx, src: FeatureSource, sel: Selection, out: Output, media: str) -> Response:
    _, records = await src.records(sel, out)
    names = out.properties if out.properties is not None else src.spec.property_names
    return respond(encoders.to_csv(records, names, out.geometry), media, c, {"Content-Crs": out.crs.header})


async def _html(c: Ctx, src: FeatureSource, sel: Selection, out: Output, media: str) -> Response:
    matched, records = await src.records(sel, replace(out, geometry=False))
    links = page_links(c, src, sel, matched, len(records))
    html_links = [link(c.self_url(f="csv"), "alternate", "text/csv", "CSV"),
                  *[lk for lk in links if lk["rel"] in ("next", "prev")]]
    names = out.properties if out.properties is not None else src.spec.property_names
    rows = [{"id": r.id, "properties": r.properties} for r in records]
    cid = src.spec.id
    crumbs = [("Collections", f"{c.base}/collections?f=html"), (cid, f"{c.base}/collections/{cid}?f=html")]
    return render_page(c, "items.html", f"{src.spec.title}: features", html_links, crumbs, map=True,
                       data_url=c.self_url(f="json", crs=None), features=rows, columns=names, matched=matched,
                       returned=len(records), offset=sel.offset, cid=cid)


def _download(name: str) -> Encode:
    async def encode(c: Ctx, src: FeatureSource, sel: Selection, out: Output, media: str) -> Response:
        """Every matching feature (paging does not apply), written off the event loop; the whole file once."""
        whole = not sel.selects and not sel.sortby
        key = ("download", src.spec.id, name, out)
        body: bytes | None = c.sources.memo.get(key) if whole else None
        if body is None:
            frame = await src.frame(sel.unpaged(), out)
            body = await anyio.to_thread.run_sync(encoders.write_frame, frame, name, src.spec)
            if whole:
                c.sources.memo[key] = body
        disposition = f'attachment; filename="{encoders.filename(src.spec, name)}"'
        return respond(body, media, c, {"Content-Disposition": disposition, "Content-Crs": out.crs.header})

    return encode


#: the formats of the items resource, default first
ITEMS_FORMATS: tuple[ItemsFormat, ...] = (
    ItemsFormat(GEOJSON, _geojson, title="Features (GeoJSON)"),
    ItemsFormat(HTML, _html, title="Features (HTML)"),
    ItemsFormat(CSV, _csv, title="Features (CSV)"),
    ItemsFormat(GPKG, _download("gpkg"), download=True, title="Download (GeoPackage)"),
    ItemsFormat(FGB, _download("fgb"), download=True, title="Download (FlatGeobuf)"),
)
_BY_FORMAT = {f.format: f for f in ITEMS_FORMATS}


@router.get("/collections/{collection_id}/items")
async def items(collection_id: str, c: CtxDep) -> Response:
    """A page of features (GeoJSON, HTML, CSV) or a download of every matching one (GeoPackage, FlatGeobuf)."""
    src = c.sources.get_source(collection_id)
    check(c.params, ITEMS)
    fmt, media = negotiate(c.params, c.accept, [f.format for f in ITEMS_FORMATS])
    sel, out = items_query(c.params, src.spec, c.settings)
    return await _BY_FORMAT[fmt].encode(c, src, sel, out, media)


def page_links(c: Ctx, src: FeatureSource, sel: Selection, matched: int, returned: int) -> list[dict[str, Any]]:
    """self, alternates, next/prev (only where that page exists) and the collection.

    Paging parameters (``PAGING``) are replaced; every other parameter is kept as the client sent it.
    """
    geo = "application/geo+json"
    links = [link(c.self_url(), "self", geo, "this page"),
             link(c.self_url(f="html"), "alternate", "text/html", "this page as HTML"),
             link(c.self_url(f="csv"), "alternate", "text/csv", "this page as CSV")]
    limit = sel.limit if sel.limit is not None else max(returned, 1)
    assert set(PAGING) == {"offset", "limit"}
    if sel.offset + returned < matched:
        links.append(link(c.self_url(offset=str(sel.offset + limit), limit=str(limit)), "next", geo, "next page"))
    if sel.offset > 0:
        prev = max(0, min(sel.offset - limit, matched - limit))
        links.append(link(c.self_url(offset=str(prev), limit=str(limit)), "prev", geo, "previous page"))
    cid = src.spec.id
    links.append(link(f"{c.base}/collections/{cid}", "collection", "application/json", src.spec.title))
    return links


@router.get("/collections/{collection_id}/items/{feature_id}")
async def item(collection_id: str, feature_id: str, c: CtxDep) -> Response:
    """One feature, by the value of its layer's id field."""
    src = c.sources.get_source(collection_id)
    try:
        check(c.params, ITEM)
        fmt, media = negotiate(c.params, c.accept, [GEOJSON, HTML])
        out = output(parse(c.params, ITEM, ParamEnv(c.settings, src.spec)))
    except BorderGeoError:
        await src.record(feature_id, Output(geometry=False))  # an unknown feature is a 404 before a bad parameter
        raise
    cid = src.spec.id
    here = f"{c.base}/collections/{cid}/items/{quote(feature_id, safe='')}"
    if fmt is HTML:
        record = await src.record(feature_id, Output(geometry=False))
        title_field = src.spec.title_field
        title = f"{cid}: {record.properties[title_field] if title_field else feature_id}"
        shown = {k: v for k, v in record.properties.items() if out.properties is None or k in out.properties}
        crumbs = [("Collections", f"{c.base}/collections?f=html"), (cid, f"{c.base}/collections/{cid}?f=html"),
                  ("items", f"{c.base}/collections/{cid}/items?f=html")]
        return render_page(c, "item.html", title, [], crumbs, map=True, cid=cid, data_url=f"{here}?f=json",
                           properties=shown)
    links = [link(c.self_url(), "self", "application/geo+json", "this feature"),
             link(c.self_url(f="html"), "alternate", "text/html", "this feature as HTML"),
             link(f"{c.base}/collections/{cid}", "collection", "application/json", src.spec.title)]
    feature = await src.feature(feature_id, out)
    return respond(encoders.single_feature(feature, links), media, c, {"Content-Crs": out.crs.header})
