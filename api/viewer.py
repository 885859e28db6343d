"""The MapLibre viewer: ``/viewer`` on the service, and the same page for a static bundle reading PMTiles.

MapLibre GL JS comes from the ``maplibre`` PyPI wheel (``maplibre/srcjs``), never a CDN; labels use the
glyph PBFs of ``api.glyphs``; the static variant reads ``bordergeo.pmtiles`` with HTTP range requests
through our own small PMTiles reader (``static/viewer/pmtiles.js``), so any range-capable static web host
serves it. Nothing the page loads leaves its origin.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping, Sequence
from importlib.util import find_spec
from pathlib import Path

import geopandas as gpd
import orjson
import pandas as pd
from fastapi import APIRouter
from starlette.responses import Response

from api import glyphs, html
from api.dependencies import CtxDep, respond
from api.i18n import Lang, tr
from api.params import HTML, check_params, negotiate
from api.source import Output, Selection, Sources
from layers import mapstyle
from layers.classes import build_scales
from layers.mapstyle import Json
from layers.registry import default_registry
from layers.spec import LayerSpec
from layers.store import BuildStore

router = APIRouter()
#: found without importing the package (its __init__ pulls in widget frameworks we do not use)
MAPLIBRE = Path(next(iter(find_spec("maplibre").submodule_search_locations or ()))) / "srcjs"  # type: ignore[union-attr]
MAPLIBRE_FILES = ("maplibre-gl.js", "maplibre-gl.css")
ASSETS = Path(__file__).parent / "static" / "viewer"
ASSET_FILES = ("viewer.js", "viewer.css", "pmtiles.js")
#: the map's first view when no layer has role "context": the border, Pacific to Gulf
BORDER_BOUNDS = (-117.3, 25.8, -97.1, 32.8)


def bounds(boxes: Mapping[str, Sequence[float]], specs: Sequence[LayerSpec]) -> list[float]:
    """The first view: the extent (``boxes`` by layer id) of the layers with role ``context`` (the boundary)."""
    return union_of(boxes, specs, "context") or list(BORDER_BOUNDS)


def basemap_region(boxes: Mapping[str, Sequence[float]], specs: Sequence[LayerSpec]) -> list[float] | None:
    """The box the layers with role ``basemap`` cover together (None without any)."""
    return union_of(boxes, specs, "basemap")


def union_of(boxes: Mapping[str, Sequence[float]], specs: Sequence[LayerSpec], role: str) -> list[float] | None:
    """The box around ``boxes`` (by layer id) of the layers with ``role``; None when there are none."""
    found = [boxes[s.id] for s in specs if role in s.roles and s.id in boxes]
    if not found:
        return None
    return [min(b[0] for b in found), min(b[1] for b in found), max(b[2] for b in found), max(b[3] for b in found)]


def page(style_url: str, maplibre_url: str, assets_url: str, view: Sequence[float], lang: Lang = "en",
         pmtiles: bool = False, links: Iterable[tuple[str, str]] = (), labels: Sequence[Json] = (),
         region: Sequence[float] | None = None) -> bytes:
    """The viewer page drawing ``style_url`` (MapLibre from ``maplibre_url``, our scripts from ``assets_url``).

    ``labels`` are the area label points (``mapstyle.area_labels``) the page draws instead of the tiles' areas;
    ``region`` the box the basemap layers cover (the page draws the sea in it, a neutral ground outside).
    """
    config = {"style": style_url, "pmtiles": pmtiles, "bounds": [list(view[:2]), list(view[2:4])], "lang": lang,
              "labels": {"type": "FeatureCollection", "features": list(labels)},
              "region": list(region) if region else None}
    return html.render("viewer.html", config=config, maplibre=maplibre_url, assets=assets_url, links=list(links),
                       lang=lang)


@router.get("/viewer")
async def viewer(c: CtxDep) -> Response:
    """A MapLibre map of every layer from our vector tiles, drawn with our ``default`` style."""
    check_params(c.params, ["f"])  # ``lang`` (?lang= or Accept-Language) is read by the context: c.lang
    negotiate(c.params, c.accept, [HTML])
    specs = [source.spec for source in c.sources.values()]
    boxes = {cid: source.extent.bbox for cid, source in c.sources.items()}
    links = [(c.url("/", f="html"), "API"), (c.url("/styles"), tr("styles", c.lang)),
             (f"{c.base}/maps/" + ("index.es.html" if c.lang == "es" else ""), tr("maps", c.lang))]
    body = page(f"{c.base}/styles/default?f=mapbox", f"{c.base}/static/maplibre", f"{c.base}/static/viewer",
                bounds(boxes, specs), c.lang, links=links, labels=await served_labels(c.sources),
                region=basemap_region(boxes, specs))
    return respond(body, "text/html", c)


async def served_labels(sources: Sources) -> list[Json]:
    """The area label points of the served layers, computed once per build (kept in ``sources.memo``).

    Read from the build's files when it has a directory, never from the geometries being served: the tile
    warm-up thread works on those, and GEOS objects shared by two threads crashed the server (heap corruption,
    3 starts in 9 with a /viewer request during the warm-up; 0 in 11 without the labels).
    """
    found: list[Json] | None = sources.memo.get("viewer:labels")
    if found is None:
        specs = mapstyle.labelled_areas([source.spec for source in sources.values()])
        if sources.store is not None:
            found = stored_labels(sources.store, specs)
        else:  # a database: each frame is read afresh
            found = []
            for spec in specs:
                out = Output(properties=tuple(mapstyle.label_columns(spec)))
                found += mapstyle.area_labels(spec, await sources[spec.id].frame(Selection(), out))
        sources.memo["viewer:labels"] = found
    return found


def stored_labels(store: BuildStore, specs: Sequence[LayerSpec]) -> list[Json]:
    """The area label points of the labelled polygon layers among ``specs``, from the build's files."""
    out: list[Json] = []
    for spec in mapstyle.labelled_areas(specs):
        path = store.layer_path(spec.id)
        if path.is_file():
            frame = gpd.read_parquet(path, columns=[*mapstyle.label_columns(spec), "geometry"])
            out += mapstyle.area_labels(spec, frame)
    return out


def write_static_viewer(out_dir: Path, build_dir: Path, pmtiles_url: str = "bordergeo.pmtiles",
                        links: Sequence[tuple[str, str]] = ()) -> Path:
    """Write ``viewer.html`` and ``viewer/`` (scripts, style, glyphs) into ``out_dir``, reading ``pmtiles_url``.

    ``pmtiles_url`` is relative to ``viewer.html`` (or absolute); ``build_dir`` is the build whose layers
    and classes the style draws; ``links`` are (href, text) pairs shown under the layer list. Returns the page.
    """
    store = BuildStore(build_dir)
    manifest = store.manifest() or {"layers": {}}
    registry = default_registry()
    specs = [registry[lid] for lid in store.layer_ids(registry) if lid in manifest["layers"]]
    assets = out_dir / "viewer"
    glyph_dir = assets / "glyphs" / glyphs.FONT_NAME
    glyph_dir.mkdir(parents=True, exist_ok=True)
    for name in MAPLIBRE_FILES:
        shutil.copyfile(MAPLIBRE / name, assets / name)
    for name in ASSET_FILES:
        shutil.copyfile(ASSETS / name, assets / name)
    style = mapstyle.style_document(specs, f"pmtiles://{pmtiles_url}", build_scales(store, specs),
                                    glyphs="viewer/glyphs/{fontstack}/{range}.pbf")
    (assets / "style.json").write_bytes(orjson.dumps(style))
    for start in label_ranges(store, specs):
        (glyph_dir / f"{start}-{start + 255}.pbf").write_bytes(glyphs.glyph_pbf(start))
    target = out_dir / "viewer.html"
    boxes = {lid: entry["bbox"] for lid, entry in manifest["layers"].items()}
    labels = stored_labels(store, specs)
    target.write_bytes(page("viewer/style.json", "viewer", "viewer", bounds(boxes, specs),
                            pmtiles=True, links=links, labels=labels, region=basemap_region(boxes, specs)))
    return target


def label_ranges(store: BuildStore, specs: Sequence[LayerSpec]) -> list[int]:
    """The glyph ranges (first code points) the labels of the build's layers need."""
    starts = {0}
    for spec in specs:
        fields = mapstyle.label_columns(spec) if spec.style.label else []
        path = store.layer_path(spec.id)
        if not fields or not path.is_file():
            continue
        for text in pd.read_parquet(path, columns=fields).to_numpy().ravel():
            if isinstance(text, str):  # a null label (None or NaN) needs no glyphs
                starts.update(ord(ch) >> 8 << 8 for ch in text)
    return sorted(starts)
