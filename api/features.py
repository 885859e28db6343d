"""Feature routes: ``/collections/{id}/items`` (pages, CSV, downloads) and ``/collections/{id}/items/{fid}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter
from starlette.responses import Response

from api import encoders
from api.catalog import Collection
from api.crs import STORAGE, parse_crs
from api.dependencies import Ctx, CtxDep, link, render_page, respond
from api.params import CSV, FGB, GEOJSON, GPKG, HTML, check_params, negotiate, parse_bool, parse_names, single
from api.query import ITEM_PARAMS, ITEMS_PARAMS, SELECTING, ItemsQuery, parse_items, select

router = APIRouter()


@router.get("/collections/{collection_id}/items")
async def items(collection_id: str, c: CtxDep) -> Response:
    """A page of features (GeoJSON, HTML, CSV) or a download of every matching one (GeoPackage, FlatGeobuf)."""
    coll = c.catalog.get(collection_id)
    check_params(c.params, ITEMS_PARAMS)
    fmt, media = negotiate(c.params, c.accept, [GEOJSON, HTML, CSV, GPKG, FGB])
    query = parse_items(c.params, coll, c.settings)
    if fmt in (GPKG, FGB):
        return await _download(c, coll, query, fmt.name, media)
    positions = select(coll, query)
    page = list(positions[query.offset : query.offset + query.limit])
    crs_header = {"Content-Crs": query.crs.header}
    if fmt is CSV:
        body = encoders.to_csv(coll, page, query.properties, query.crs, not query.skip_geometry)
        return respond(body, media, c, crs_header)
    links = _page_links(c, coll, query, len(positions), len(page))
    if fmt is HTML:
        return _items_page(c, coll, query, page, len(positions), links)
    features = coll.features_json(page, query.crs, query.properties, not query.skip_geometry)
    body = encoders.feature_collection(features, len(positions), links, c.catalog.built_at)
    return respond(body, media, c, crs_header)


def _page_links(c: Ctx, coll: Collection, q: ItemsQuery, matched: int, returned: int) -> list[dict[str, Any]]:
    """self, alternates, next/prev (only where that page exists) and the collection."""
    geo = "application/geo+json"
    links = [link(c.self_url(), "self", geo, "this page"),
             link(c.self_url(f="html"), "alternate", "text/html", "this page as HTML"),
             link(c.self_url(f="csv"), "alternate", "text/csv", "this page as CSV")]
    limit = str(q.limit)
    if q.offset + returned < matched:
        links.append(link(c.self_url(offset=str(q.offset + q.limit), limit=limit), "next", geo, "next page"))
    if q.offset > 0:
        prev = max(0, min(q.offset - q.limit, matched - q.limit))
        links.append(link(c.self_url(offset=str(prev), limit=limit), "prev", geo, "previous page"))
    links.append(link(f"{c.base}/collections/{coll.id}", "collection", "application/json", coll.spec.title))
    return links


def _items_page(c: Ctx, coll: Collection, q: ItemsQuery, page: list[int], matched: int,
                links: list[dict[str, Any]]) -> Response:
    html_links = [link(c.self_url(f="csv"), "alternate", "text/csv", "CSV"),
                  *[lk for lk in links if lk["rel"] in ("next", "prev")]]
    names = q.properties if q.properties is not None else coll.spec.property_names
    rows = [{"id": coll.ids[i], "properties": coll.props[i]} for i in page]
    crumbs = [("Collections", f"{c.base}/collections?f=html"), (coll.id, f"{c.base}/collections/{coll.id}?f=html")]
    return render_page(c, "items.html", f"{coll.spec.title}: features", html_links, crumbs, map=True,
                       data_url=c.self_url(f="json", crs=None), features=rows, columns=names, matched=matched,
                       returned=len(page), offset=q.offset, cid=coll.id)


async def _download(c: Ctx, coll: Collection, q: ItemsQuery, fmt: str, media: str) -> Response:
    """Every matching feature (paging does not apply); the whole collection's file is made once."""
    whole = not any(name in c.params for name in (*SELECTING, "crs", "properties", "sortby"))
    body = coll.downloads.get(fmt) if whole else None
    if body is None:
        positions: Sequence[int] = range(len(coll)) if whole else select(coll, q)
        frame = encoders.download_frame(coll, positions, q.crs, q.properties)
        body = await anyio.to_thread.run_sync(encoders.write_frame, frame, fmt, coll)
        if whole:
            coll.downloads[fmt] = body
    disposition = f'attachment; filename="{encoders.filename(coll, fmt)}"'
    return respond(body, media, c, {"Content-Disposition": disposition, "Content-Crs": q.crs.header})


@router.get("/collections/{collection_id}/items/{feature_id}")
async def item(collection_id: str, feature_id: str, c: CtxDep) -> Response:
    """One feature, by the value of its layer's id field."""
    coll = c.catalog.get(collection_id)
    pos = coll.locate(feature_id)
    check_params(c.params, ITEM_PARAMS)
    fmt, media = negotiate(c.params, c.accept, [GEOJSON, HTML])
    crs = parse_crs(raw, "crs") if (raw := single(c.params, "crs")) is not None else STORAGE
    names = parse_names(raw, "properties", coll.spec.property_names) \
        if (raw := single(c.params, "properties")) is not None else None
    geometry = not parse_bool(raw, "skipGeometry") if (raw := single(c.params, "skipGeometry")) is not None else True
    here = f"{c.base}/collections/{coll.id}/items/{quote(feature_id, safe='')}"
    links = [link(c.self_url(), "self", "application/geo+json", "this feature"),
             link(c.self_url(f="html"), "alternate", "text/html", "this feature as HTML"),
             link(f"{c.base}/collections/{coll.id}", "collection", "application/json", coll.spec.title)]
    if fmt is HTML:
        title_field = coll.spec.title_field
        title = f"{coll.id}: {coll.props[pos][title_field] if title_field else feature_id}"
        shown = {k: v for k, v in coll.props[pos].items() if names is None or k in names}
        crumbs = [("Collections", f"{c.base}/collections?f=html"),
                  (coll.id, f"{c.base}/collections/{coll.id}?f=html"),
                  ("items", f"{c.base}/collections/{coll.id}/items?f=html")]
        return render_page(c, "item.html", title, [], crumbs, map=True, cid=coll.id, data_url=f"{here}?f=json",
                           properties=shown)
    feature = coll.features_json([pos], crs, names, geometry)[0]
    return respond(encoders.single_feature(feature, links), media, c, {"Content-Crs": crs.header})
