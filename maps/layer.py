"""One declared layer as a folium GeoJson layer: styled, with popups, tooltip, legend and attribution."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
from folium.utilities import JsCode

from layers.spec import LayerSpec
from maps.display import feature_collection
from maps.i18n import LOCALE, Lang, prop_label, t, unit_label
from maps.legend import legend_html
from maps.symbology import feature_name_field, kind_of, short_title, symbology


@dataclass(frozen=True)
class FeatureLayer:
    """A folium layer ready to add to a map, with the HTML of its legend section."""

    id: str
    geojson: folium.GeoJson
    legend: str
    spec: LayerSpec

    @property
    def attribution(self) -> str:
        """Who the layer's data comes from (shown on the page's one attribution line)."""
        return self.spec.attribution


def popup_schema(spec: LayerSpec, link: str | None = None, link_text: str = "", lang: Lang = "en") -> dict[str, Any]:
    """What ``bordergeo.describe`` needs to build popups and tooltips (in ``lang``) from the declared properties."""
    props = [
        {"name": p.name, "label": prop_label(p.name, lang), "type": p.type,
         "unit": unit_label(p.unit, lang) if p.unit else None,
         "description": p.description}
        for p in spec.properties
    ]
    name_field = feature_name_field(spec, lang)
    return {"title": short_title(spec, lang), "titleField": spec.title_field or spec.id_field,
            "nameField": name_field or spec.id_field, "idField": spec.id_field, "props": props, "link": link,
            "linkText": link_text, "locale": LOCALE[lang], "yes": t("yes", lang), "no": t("no", lang)}


@dataclass(frozen=True)
class Drawn:
    """A layer's display features (GeoJSON dicts), their styles and legend: computed once, drawn on many pages."""

    spec: LayerSpec
    features: tuple[dict[str, Any], ...]
    styles: tuple[dict[str, Any], ...]
    legend: str
    lang: Lang = "en"


def drawn(
    spec: LayerSpec, gdf: gpd.GeoDataFrame, tolerance: float, outline: bool = False, lang: Lang = "en"
) -> Drawn:
    """``gdf`` prepared for display as ``spec`` declares, legend in ``lang`` (``outline``: polygons unfilled)."""
    sym = symbology(spec, gdf, outline, lang)
    data = feature_collection(spec, gdf, tolerance)
    return Drawn(spec, tuple(data["features"]), sym.styles, legend_html(spec, sym, lang), lang)


def feature_layer(
    d: Drawn,
    show: bool = True,
    link: str | None = None,
    link_text: str = "",
    rows: Sequence[int] | None = None,
) -> FeatureLayer:
    """A folium layer of ``d``; ``link`` (with ``{id}``) adds a link to each feature's page.

    ``rows`` (positions) draws only those features, still styled on the scale of the whole layer.
    """
    spec = d.spec
    picked = range(len(d.features)) if rows is None else rows
    data = {"type": "FeatureCollection", "features": [d.features[i] for i in picked]}
    styles = {d.features[i]["id"]: d.styles[i] for i in picked}
    highlight = {"weight": spec.style.weight + 2, "opacity": 1.0}
    describe = JsCode(f"bordergeo.describe({json.dumps(popup_schema(spec, link, link_text, d.lang))})")
    # no per-layer attribution: Leaflet would stack one line per layer; the page has one line for all
    geojson = folium.GeoJson(
        data,
        name=short_title(spec, d.lang),
        style_function=lambda f: styles[f["id"]],
        highlight_function=lambda f: highlight,
        marker=folium.CircleMarker() if kind_of(spec) == "circle" else None,
        on_each_feature=describe,
        show=show,
    )
    return FeatureLayer(spec.id, geojson, d.legend, spec)
