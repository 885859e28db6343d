"""Metadata routes: landing page, conformance, collections, queryables, the API description, maps, assets."""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import xstatic.pkg.leaflet
from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from api import processes, styles, viewer
from api.crs import CRS84, crs_uris
from api.dependencies import Ctx, CtxDep, link, render_page, respond
from api.errors import RouteNotFoundError
from api.features import ITEMS_FORMATS
from api.openapi import OPENAPI_MEDIA, build_openapi, example_ids
from api.params import HTML, JSON, OPENAPI, SCHEMA, check_params, negotiate
from api.source import FeatureSource
from api.tiles import CONFORMANCE as TILES_CONFORMANCE
from api.tiles import collection_links as tiles_collection_links
from api.tiles import landing_links as tiles_landing_links

router = APIRouter()
STATIC = Path(__file__).parent / "static"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
    *styles.CONFORMANCE,
    *processes.CONFORMANCE,
    *TILES_CONFORMANCE,
]
FORMATS = [JSON, HTML]


def _self_links(c: Ctx, media: str = "application/json") -> list[dict[str, Any]]:
    return [link(c.self_url(f=None), "self", media, "this document"),
            link(c.self_url(f="html"), "alternate", "text/html", "HTML")]


@router.get("/")
async def landing(c: CtxDep) -> Response:
    """Landing page: links to the API description, conformance, collections and maps."""
    check_params(c.params, ["f"])
    fmt, media = negotiate(c.params, c.accept, FORMATS)
    links = [
        *_self_links(c),
        link(f"{c.base}/openapi.json", "service-desc", OPENAPI_MEDIA, "API definition (OpenAPI 3.0)"),
        link(f"{c.base}/api", "service-doc", "text/html", "API documentation"),
        link(f"{c.base}/conformance", "conformance", "application/json", "Conformance classes"),
        link(f"{c.base}/collections", "data", "application/json", "Collections"),
        link(f"{c.base}/processes", processes.PROCESSES_REL, "application/json", "Processes (analytics)"),
        link(f"{c.base}/maps/", "alternate", "text/html", "Maps"),
        link(f"{c.base}/styles", styles.STYLES_REL, "application/json", "Styles (MapLibre style documents)"),
        link(f"{c.base}/viewer", "related", "text/html", "Map viewer (MapLibre, vector tiles)"),
        link(f"{c.base}/downloads/bordergeo.qgz", "enclosure", "application/vnd.qgis.qgz",
             "QGIS project (planner's kit; download bordergeo.gpkg beside it)"),
        link(f"{c.base}/downloads/bordergeo.gpkg", "enclosure", "application/geopackage+sqlite3",
             "Every layer in one GeoPackage, with QGIS styles"),
        *tiles_landing_links(c),
    ]
    title = "bordergeo: US–Mexico border layers"
    description = ("The US–Mexico boundary, ports of entry, crossings, border region, population, cities, "
                   "watersheds, rivers and reservoirs as OGC API – Features.")
    if fmt is HTML:
        return render_page(c, "landing.html", title, links, [], description=description,
                           collections=_html_rows(c))
    return respond(orjson.dumps({"title": title, "description": description, "links": links}), media, c)


@router.get("/conformance")
async def conformance(c: CtxDep) -> Response:
    """The conformance classes implemented."""
    check_params(c.params, ["f"])
    fmt, media = negotiate(c.params, c.accept, FORMATS)
    if fmt is HTML:
        return render_page(c, "conformance.html", "Conformance", _self_links(c), [], conforms=CONFORMANCE)
    return respond(orjson.dumps({"conformsTo": CONFORMANCE, "links": _self_links(c)}), media, c)


@router.get("/collections")
async def collections(c: CtxDep) -> Response:
    """Every served layer."""
    check_params(c.params, ["f"])
    fmt, media = negotiate(c.params, c.accept, FORMATS)
    docs = [_collection_doc(c, coll) for coll in c.sources.values()]
    if fmt is HTML:
        return render_page(c, "collections.html", "Collections", _self_links(c), [], collections=_html_rows(c))
    return respond(orjson.dumps({"links": _self_links(c), "collections": docs}), media, c)


@router.get("/collections/{collection_id}")
async def collection(collection_id: str, c: CtxDep) -> Response:
    """One layer's metadata: extent, CRSs, licence, attribution, links to items and queryables."""
    coll = c.sources.get_source(collection_id)
    check_params(c.params, ["f"])
    fmt, media = negotiate(c.params, c.accept, FORMATS)
    doc = _collection_doc(c, coll)
    if fmt is HTML:
        crumbs = [("Collections", f"{c.base}/collections?f=html")]
        return render_page(c, "collection.html", coll.spec.title, doc["links"], crumbs, col=doc, map=True,
                           cid=doc["id"], features=len(coll), geometry_type=coll.spec.geometry_type,
                           method=coll.spec.method, stats=coll.entry.get("stats", {}),
                           sources=coll.entry.get("sources", []))
    return respond(orjson.dumps(doc), media, c)


def _html_rows(c: Ctx) -> list[dict[str, Any]]:
    """Collection documents plus what the HTML tables show (feature count, geometry type)."""
    return [{**_collection_doc(c, coll), "features": len(coll), "geometry_type": coll.spec.geometry_type}
            for coll in c.sources.values()]


def _collection_doc(c: Ctx, coll: FeatureSource) -> dict[str, Any]:
    """The OGC collection object of ``coll``."""
    cid = coll.spec.id
    here = f"{c.base}/collections/{cid}"
    items = f"{here}/items"
    links = [
        link(here, "self", "application/json", "this collection"),
        link(f"{here}?f=html", "alternate", "text/html", "HTML"),
        *[link(items if i == 0 else f"{items}?f={f.format.name}", "enclosure" if f.download else "items",
               f.format.media_types[0], f.title) for i, f in enumerate(ITEMS_FORMATS)],
        link(f"{here}/queryables", QUERYABLES_REL, "application/schema+json", "Queryables"),
        link(f"{here}?f=html#licence", "license", "text/html", coll.spec.licence),
        *tiles_collection_links(c, cid),
    ]
    links += [link(s["url"], "via", "application/octet-stream", f"source {s['file']} ({s['licence']})")
              for s in coll.entry.get("sources", [])[:5]]
    return {
        "id": cid,
        "title": coll.spec.title,
        "description": coll.spec.description,
        "keywords": list(coll.spec.keywords),
        "itemType": "feature",
        "extent": _extent(coll),
        "crs": crs_uris(),
        "storageCrs": CRS84,
        "license": coll.spec.licence,
        "attribution": coll.spec.attribution,
        "links": links,
    }


def _extent(coll: FeatureSource) -> dict[str, Any]:
    """The OGC extent object: CRS84 bbox, and the temporal interval of a layer with a date property."""
    extent = coll.extent
    doc: dict[str, Any] = {"spatial": {"bbox": [list(extent.bbox)], "crs": CRS84}}
    if extent.temporal is not None:
        doc["temporal"] = {"interval": [list(extent.temporal)], "trs": GREGORIAN}
    return doc


@router.get("/collections/{collection_id}/queryables")
async def queryables(collection_id: str, c: CtxDep) -> Response:
    """The layer's properties as a JSON Schema (usable in filter, sortby and properties)."""
    coll = c.sources.get_source(collection_id)
    check_params(c.params, ["f"])
    fmt, media = negotiate(c.params, c.accept, [SCHEMA, HTML])
    props = {p.name: p.json_schema() for p in coll.spec.properties}
    props["geometry"] = {"title": "geometry", "format": f"geometry-{coll.spec.geometry_type.lower()}",
                         "x-ogc-role": "primary-geometry"}
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{c.base}/collections/{coll.spec.id}/queryables",
        "type": "object",
        "title": coll.spec.title,
        "properties": props,
        "additionalProperties": False,
    }
    if fmt is HTML:
        cid = coll.spec.id
        crumbs = [("Collections", f"{c.base}/collections?f=html"), (cid, f"{c.base}/collections/{cid}?f=html")]
        title = f"Queryables of {cid}"
        return render_page(c, "queryables.html", title, _self_links(c, media), crumbs, schema=schema)
    return respond(orjson.dumps(schema), media, c)


@router.get("/openapi.json")
async def openapi(c: CtxDep) -> Response:
    """The OpenAPI 3.0 document (service-desc)."""
    check_params(c.params, [])
    _, media = negotiate(c.params, c.accept, [OPENAPI])
    doc = build_openapi(c.sources, c.settings, c.base, await example_ids(c.sources))
    return respond(orjson.dumps(doc), media, c)


@router.get("/api")
async def service_doc(c: CtxDep) -> Response:
    """Human-readable API documentation (service-doc)."""
    check_params(c.params, [])
    negotiate(c.params, c.accept, [HTML])
    doc = build_openapi(c.sources, c.settings, c.base, await example_ids(c.sources))
    params = {f"#/components/parameters/{k}": v for k, v in doc["components"]["parameters"].items()}
    return render_page(c, "api.html", "API documentation", [], [], doc=doc, params=params)


@router.get("/maps")
async def maps_redirect(c: CtxDep) -> Response:
    """``/maps`` -> ``/maps/``, so the pages' relative asset links resolve."""
    return RedirectResponse(f"{c.base}/maps/", status_code=308)


@router.get("/maps/")
async def maps_index(c: CtxDep) -> Response:
    """The maps renderer's index page for this build."""
    return await map_file("index.html", c)


@router.get("/maps/{name:path}")
async def map_file(name: str, c: CtxDep) -> Response:
    """A file of the build's ``maps/`` directory (HTML maps and their assets)."""
    check_params(c.params, [])
    root = c.sources.artifact_dir("maps")
    target = _safe_file(root, name or "index.html") if root is not None else None
    if target is None:
        raise RouteNotFoundError(f"no map '{name[:60]}' in this build" if root is not None and root.is_dir() else
                                 "this build has no maps: build them with `bordergeo maps` or `bordergeo build`")
    return respond(target.read_bytes(), _media(target), c)


@router.get("/static/{name:path}")
async def static(name: str) -> Response:
    """The service's own assets (Leaflet, stylesheet, map script), read once."""
    found = _static_files().get(name)
    if found is None:
        raise RouteNotFoundError(f"no asset '{name[:60]}'")
    body, media = found
    return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=86400"})


@lru_cache(maxsize=1)
def _static_files() -> dict[str, tuple[bytes, str]]:
    """Our own assets, Leaflet's script, stylesheet and images (XStatic-Leaflet) and MapLibre GL JS (maplibre)."""
    found = {p.relative_to(STATIC).as_posix(): p for p in STATIC.rglob("*") if p.is_file()}
    leaflet = Path(xstatic.pkg.leaflet.BASE_DIR)
    for p in [leaflet / "leaflet.js", leaflet / "leaflet.css", *sorted((leaflet / "images").glob("*.png"))]:
        found[f"leaflet/{p.relative_to(leaflet).as_posix()}"] = p
    for name in viewer.MAPLIBRE_FILES:
        found[f"maplibre/{name}"] = viewer.MAPLIBRE / name
    return {name: (p.read_bytes(), _media(p)) for name, p in found.items()}


def _media(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _safe_file(root: Path, name: str) -> Path | None:
    """``root/name`` if it is a file inside ``root`` (no ``..``, absolute paths or symlinks out)."""
    if not root.is_dir() or "\x00" in name or len(name) > 255:
        return None
    parts = Path(name).parts
    if not parts or any(p in ("..", "") or p.startswith("/") for p in parts):
        return None
    target = (root / name).resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        return None
    return target
