"""Map pages: the overview (every data layer) and one page per layer, each in English and Spanish."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import folium

from maps.assets import OfflineMap, render_html
from maps.basemap import Box, add_basemaps, basemap_layers, data_layers
from maps.data import Build, Layer
from maps.i18n import Lang, page, t
from maps.i18n import title as in_lang
from maps.labels import label_group
from maps.layer import FeatureLayer, drawn, feature_layer
from maps.legend import FitBounds, Furniture, Labels, Legend, Panel, Registration, add_html, title_box
from maps.symbology import kind_of, max_radius

# Display tolerance in degrees (~1 km / ~300 m): the overview must stay small (< 3 MB) and fast to open.
OVERVIEW_TOLERANCE = 0.01
LAYER_TOLERANCE = 0.003
CONTEXT_ROLE = "context"  # the layer the overview is zoomed to (the boundary)
FEATURE_PAGES_ROLE = "feature-pages"  # a layer with one map page per feature (the ports)
DRAW_ORDER = {"fill": 1, "line": 2, "circle": 3}  # choropleths (0) under polygons under lines under points
#: over a choropleth, polygon layers declared this translucent (areas, not objects) are drawn as outlines
OUTLINE_BELOW_OPACITY = 0.5
#: point layers with more features start hidden in the overview (listed in the layer control)
OVERVIEW_MAX_POINTS = 1000
#: (text in a layer's attribution, short name on the page's one attribution line)
PUBLISHERS = (("Bureau of Transportation Statistics", "BTS"), ("Census Bureau", "US Census Bureau"),
              ("INEGI", "INEGI"), ("Digital Chart of the World", "DCW"), ("Natural Earth", "Natural Earth"),
              ("GeoNames", "GeoNames (CC BY 4.0)"), ("Western States Water Council", "WSWC"),
              ("us-atlas", "us-atlas"))
FOCUS_MARGIN_DEG = 0.5  # around the context layer: the border, its cities and a little of both countries


@dataclass
class PageParts:
    """What a page holds besides the map: its data layers, labels, side panel, title and file name."""

    layers: list[FeatureLayer]
    title: str
    subtitle: str
    file: str  # the English file name; the Spanish one derives from it
    lang: Lang
    panel: str = ""
    panel_title: str = ""
    labels: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    basemap: list[Layer] = field(default_factory=list)


def new_map(build: Build, lang: Lang, osm: bool, tolerance: float, box: Box | None = None,
            cache: dict[Any, Any] | None = None) -> tuple[folium.Map, Any]:
    """An offline map with our basemap (cut to ``box``) and, with ``osm``, OpenStreetMap as an option (off)."""
    # quarter zooms: the whole border fits a phone's width at 4.5, not only at 4
    m = OfflineMap(location=[31.0, -106.0], zoom_start=5, tiles=None, control_scale=True, zoom_snap=0.25,
                   zoom_delta=0.5)
    group = add_basemaps(m, build, lang, tolerance, osm, box, cache)
    return m, group


def basemap_labels(build: Build, group: Any, lang: Lang, box: Box | None = None,
                   cache: dict[Any, Any] | None = None) -> list[tuple[Any, dict[str, Any]]]:
    """Labels of the basemap layers that declare one (state names) inside ``box``, shown with the basemap."""
    key = ("labels", lang)
    if cache is not None and key in cache:
        groups = cache[key]
    else:
        groups = [g for g in (label_group(b.spec, b.gdf, lang) for b in basemap_layers(build)) if g]
        if cache is not None:
            cache[key] = groups
    if box is None:
        return [(group, g) for g in groups]
    x0, y0, x1, y1 = box
    inside = [{**g, "items": [i for i in g["items"] if x0 <= i[1] <= x1 and y0 <= i[0] <= y1]} for g in groups]
    return [(group, g) for g in inside if g["items"]]


def finish(m: folium.Map, parts: PageParts) -> str:
    """Add the layers, legend, layer control, labels, title and panel to ``m``; return the page's HTML."""
    lang = parts.lang
    for fl in parts.layers:
        fl.geojson.add_to(m)
    control = folium.LayerControl(collapsed=False)
    control.add_to(m)
    Legend([(fl.geojson, fl.id, fl.legend) for fl in parts.layers], t("legend", lang)).add_to(m)
    if parts.panel:
        Panel(parts.panel, title=parts.panel_title or None).add_to(m)
    if parts.labels:
        Labels(parts.labels).add_to(m)
    Registration({fl.id: fl.geojson for fl in parts.layers}).add_to(m)
    index = page("index.html", lang)
    names = publishers([fl.attribution for fl in parts.layers] + [b.spec.attribution for b in parts.basemap])
    Furniture(control, t("layers", lang), t("attribution", lang, names=names, href=f"{index}#sources")).add_to(m)
    other: Lang = "es" if lang == "en" else "en"
    add_html(m, title_box(parts.title, parts.subtitle, lang, index, page(parts.file, other)))
    html = render_html(m)
    return html.replace("<html>", f'<html lang="{lang}">', 1) if "<html>" in html else html


def publishers(attributions: Iterable[str]) -> str:
    """The short names of the publishers the attributions credit, in ``PUBLISHERS`` order."""
    text = " ".join(attributions)
    return ", ".join(short for needle, short in PUBLISHERS if needle in text)


def drawing_order(layers: Iterable[Layer]) -> list[Layer]:
    """Choropleths, other polygons, lines, then points with the biggest symbols first, so nothing is hidden."""

    def key(layer: Layer) -> tuple[int, float]:
        rank = 0 if is_choropleth(layer) else DRAW_ORDER[kind_of(layer.spec)]
        return rank, -max_radius(layer.spec) if rank == DRAW_ORDER["circle"] else 0.0

    return sorted(layers, key=key)


def is_choropleth(layer: Layer) -> bool:
    """True for a polygon layer filled by class of a numeric property."""
    return bool(layer.spec.style.choropleth) and kind_of(layer.spec) == "fill"


def fit(m: folium.Map, layers: list[Layer], margin: float = 0.0) -> None:
    """Zoom ``m`` to the bounds of ``layers`` (plus ``margin`` degrees)."""
    bounds = [layer.gdf.total_bounds for layer in layers if not layer.gdf.empty]
    if bounds:
        minx, miny = min(b[0] for b in bounds) - margin, min(b[1] for b in bounds) - margin
        maxx, maxy = max(b[2] for b in bounds) + margin, max(b[3] for b in bounds) + margin
        FitBounds([[float(miny), float(minx)], [float(maxy), float(maxx)]]).add_to(m)


def feature_page_layer(build: Build) -> Layer | None:
    """The built layer with one page per feature (role "feature-pages"), if any."""
    return next((layer for layer in build.layers.values() if FEATURE_PAGES_ROLE in layer.spec.roles), None)


def feature_page_pattern(layer: Layer) -> str:
    """The file name pattern of a feature's page: 'port-{id}.html' for the ports."""
    return f"{layer.id.removesuffix('s')}-{{id}}.html"


def feature_link(build: Build, layer_id: str, lang: Lang) -> tuple[str | None, str]:
    """The per-feature page link of ``layer_id`` (when its pages are rendered) and the link's text."""
    pages = feature_page_layer(build)
    if pages is None or pages.id != layer_id:
        return None, ""
    return page(feature_page_pattern(pages), lang), t("port_link", lang)


def overview_page(build: Build, lang: Lang = "en", osm: bool = True) -> str:
    """Every built data layer in one map, over the basemap, with a layer control, legends and labels."""
    m, group = new_map(build, lang, osm, OVERVIEW_TOLERANCE)
    layers = drawing_order(data_layers(build))
    choropleth = any(is_choropleth(layer) for layer in layers)
    feature_layers, labels = [], basemap_labels(build, group, lang)
    for layer in layers:
        kind = kind_of(layer.spec)
        # translucent areas over a choropleth become outlines so the classes stay readable
        outline = (choropleth and kind == "fill" and not is_choropleth(layer)
                   and layer.spec.style.fill_opacity < OUTLINE_BELOW_OPACITY)
        show = not (kind == "circle" and len(layer.gdf) > OVERVIEW_MAX_POINTS)
        link, text = feature_link(build, layer.id, lang)
        d = drawn(layer.spec, layer.gdf, OVERVIEW_TOLERANCE, outline, lang)
        fl = feature_layer(d, show=show, link=link, link_text=text)
        feature_layers.append(fl)
        group_labels = label_group(layer.spec, layer.gdf, lang, radii=[s.get("radius", 0) for s in d.styles])
        if group_labels:
            labels.append((fl.geojson, group_labels))
    focus = [layer for layer in layers if CONTEXT_ROLE in layer.spec.roles]
    fit(m, focus or layers, FOCUS_MARGIN_DEG if focus else 0.0)
    subtitle = t("overview_sub", lang, n=len(layers), build=build.label)
    parts = PageParts(feature_layers, t("overview", lang), subtitle, "overview.html", lang,
                      labels=label_sorted(labels), basemap=basemap_layers(build))
    return finish(m, parts)


def label_sorted(labels: list[tuple[Any, dict[str, Any]]]) -> list[tuple[Any, dict[str, Any]]]:
    """Label groups in placement order: points, then lines, then areas (state names last)."""
    rank = {"point": 0, "line": 1, "area": 2}
    return sorted(labels, key=lambda pair: rank[pair[1]["kind"]])


def layer_page(build: Build, layer: Layer, lang: Lang = "en", osm: bool = True) -> str:
    """One layer on its own, at a finer simplification than the overview."""
    m, group = new_map(build, lang, osm, OVERVIEW_TOLERANCE)  # the background needs no finer detail
    link, text = feature_link(build, layer.id, lang)
    d = drawn(layer.spec, layer.gdf, LAYER_TOLERANCE, lang=lang)
    fl = feature_layer(d, link=link, link_text=text)
    labels = basemap_labels(build, group, lang)
    own = label_group(layer.spec, layer.gdf, lang, radii=[s.get("radius", 0) for s in d.styles])
    if own:
        labels.append((fl.geojson, own))
    fit(m, [layer])
    subtitle = f"{t('features', lang, n=f'{len(layer.gdf):,}')} {layer.spec.attribution}."
    parts = PageParts([fl], in_lang(layer.spec.title, lang), subtitle, f"layer-{layer.id}.html", lang,
                      labels=label_sorted(labels), basemap=basemap_layers(build))
    return finish(m, parts)
