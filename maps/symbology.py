"""Per-feature Leaflet styles and legend entries, derived only from a layer's declared ``Style``.

The data-driven parts (choropleth classes, category colours, proportional sizes) come from
``layers.classes``, which the MapLibre styles read too, so both kinds of map draw the same classes.
Otherwise ``style.color`` / ``style.fill_color``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from layers import classes
from layers.classes import MIN_RADIUS, NO_DATA, OTHER
from layers.spec import LayerSpec
from maps.i18n import Lang, prop_label, t, title, unit_label, value_label

MIN_FILL_OPACITY = 0.6  # points and choropleth classes must read clearly whatever the declared default

Kind = Literal["circle", "line", "fill"]


@dataclass(frozen=True)
class LegendItem:
    """One legend row: a symbol (circle, line or filled box) and its label."""

    kind: Kind
    color: str
    label: str
    size: float = 6.0  # circle radius or line weight, px
    fill_color: str | None = None


@dataclass(frozen=True)
class Symbology:
    """Leaflet path options per feature (row order) and the legend explaining them."""

    styles: tuple[dict[str, Any], ...]
    items: tuple[LegendItem, ...]
    note: str = ""


def kind_of(spec: LayerSpec) -> Kind:
    """How the layer's geometry is drawn: circles, lines or filled polygons."""
    if spec.geometry_type == "Point":
        return "circle"
    return "line" if "LineString" in spec.geometry_type else "fill"


def symbology(spec: LayerSpec, gdf: gpd.GeoDataFrame, outline: bool = False, lang: Lang = "en") -> Symbology:
    """Styles and legend for ``gdf`` drawn as declared by ``spec.style``.

    ``outline`` draws polygons unfilled (over a choropleth, whose fills must stay readable; clicks on the
    interior then reach the choropleth).
    """
    kind = kind_of(spec)
    colours, items, note = _colours(spec, gdf, kind, lang)
    radii, size_items, size_note = _radii(spec, gdf, lang)
    styles = tuple(_path_style(spec, kind, colour, radius) for colour, radius in zip(colours, radii, strict=True))
    if outline and kind == "fill":
        styles = tuple({**s, "fill": False, "color": s["fillColor"], "weight": max(s["weight"], 2.0)}
                       for s in styles)
        items = [replace(i, kind="line", size=2.0) for i in items]
    return Symbology(styles, tuple(items + size_items), "; ".join(n for n in (note, size_note) if n))


def _path_style(spec: LayerSpec, kind: Kind, colour: str, radius: float) -> dict[str, Any]:
    style = spec.style
    base: dict[str, Any] = {"className": f"bg-layer bg-{spec.id}", "weight": style.weight, "opacity": 0.9}
    if kind == "line":
        return {**base, "color": colour}
    if kind == "circle":
        fill = style.fill_color or colour
        # proportional symbols overlap: a thin outline keeps the small ones visible under the big ones
        weight = min(style.weight, 1.0) if style.size_by else style.weight
        return {**base, "color": colour, "weight": weight, "fill": True, "fillColor": fill,
                "fillOpacity": max(style.fill_opacity, MIN_FILL_OPACITY), "radius": radius}
    if style.choropleth:
        return {**base, "color": style.color, "fillColor": colour,
                "fillOpacity": max(style.fill_opacity, MIN_FILL_OPACITY)}
    outline = style.color if not style.by else colour
    return {**base, "color": outline, "fillColor": colour, "fillOpacity": style.fill_opacity}


def _colours(
    spec: LayerSpec, gdf: gpd.GeoDataFrame, kind: Kind, lang: Lang
) -> tuple[list[str], list[LegendItem], str]:
    style = spec.style
    if style.choropleth:
        return _choropleth(spec, gdf[style.choropleth], kind, lang)
    if style.by:
        colours, items = _categorical(spec, gdf[style.by], kind, style.radius, lang)
        return colours, _named(spec, gdf, items, lang), ""
    colour = (style.fill_color or style.color) if kind == "fill" else style.color
    item = LegendItem(kind, style.color, short_title(spec, lang), style.radius, style.fill_color)
    return [colour] * len(gdf), [item], ""


def _categorical(
    spec: LayerSpec, values: pd.Series, kind: Kind, radius: float, lang: Lang
) -> tuple[list[str], list[LegendItem]]:
    present = [str(v) for v in pd.unique(values.dropna())]
    palette = dict(classes.categories(spec, values))
    colours = [palette.get(str(v), OTHER) if pd.notna(v) else OTHER for v in values]
    items = [LegendItem(kind, c, label, radius) for label, c in palette.items() if label in present]
    if any(str(v) not in palette for v in values):
        items.append(LegendItem(kind, OTHER, t("other", lang), radius))
    return colours, items


def _named(spec: LayerSpec, gdf: gpd.GeoDataFrame, items: list[LegendItem], lang: Lang) -> list[LegendItem]:
    """Legend rows in ``lang``: a basin id becomes its name, a category its ``<by>_es`` value or glossary entry."""
    by = spec.style.by
    assert by is not None
    name_field = feature_name_field(spec, lang)
    # names only when ``by`` identifies features (a basin id), not when a page happens to show one of each kind
    if name_field and name_field != by and by == spec.id_field:
        names = dict(zip(gdf[by].astype(str), display_names(spec, gdf, lang), strict=True))
    elif lang == "es" and f"{by}_es" in gdf.columns:
        names = dict(zip(gdf[by].astype(str), gdf[f"{by}_es"].astype(str), strict=True))
    else:
        names = {}
    labels = _without_common_prefix([names.get(i.label) or value_label(i.label, lang) for i in items])
    return [replace(i, label=label) for i, label in zip(items, labels, strict=True)]


def _without_common_prefix(labels: list[str]) -> list[str]:
    """'Border region – United States', 'Border region – Mexico' -> 'United States', 'Mexico'."""
    if len(labels) < 2:
        return labels
    first, rest = labels[0], labels[1:]
    for sep in (" – ", " - ", ": "):
        head = first.rpartition(sep)[0]
        if head and all(label.startswith(head + sep) for label in rest):
            return [label[len(head) + len(sep):] for label in labels]
    return labels


def feature_name_field(spec: LayerSpec, lang: Lang) -> str | None:
    """The property naming a feature on a page in ``lang`` (the Spanish name's field, else ``title_field``)."""
    if lang == "es" and spec.style.name_es_field:
        return spec.style.name_es_field
    return spec.title_field


def display_names(spec: LayerSpec, gdf: gpd.GeoDataFrame, lang: Lang) -> list[str]:
    """Each feature's name in ``lang``: the Spanish name where the layer has one, else its title or id."""
    base = gdf[spec.title_field or spec.id_field].astype(str)
    field = spec.style.name_es_field
    if lang == "es" and field and field in gdf.columns:
        return [str(es) if isinstance(es, str) and es else str(en) for es, en in zip(gdf[field], base, strict=True)]
    return base.tolist()


def _choropleth(
    spec: LayerSpec, values: pd.Series, kind: Kind, lang: Lang
) -> tuple[list[str], list[LegendItem], str]:
    prop = spec.prop(values.name if isinstance(values.name, str) else str(values.name))
    found = classes.classify(spec, values)
    assert found is not None  # only called for a layer with ``style.choropleth``
    y = values.to_numpy(dtype=float, na_value=np.nan)
    colours = [found.colour_of(v) for v in y]
    if len(found.colours) < 2:
        return colours, [LegendItem(kind, found.colours[0], prop_label(prop.name, lang))], ""
    unit = f" {unit_label(prop.unit, lang)}" if prop.unit else ""
    items = [LegendItem(kind, c, f"{fmt(lo)} – {fmt(hi)}{unit}", fill_color=c)
             for c, lo, hi in zip(found.colours, found.lows, found.highs, strict=True)]
    if not np.isfinite(y).all():
        items.append(LegendItem(kind, NO_DATA, t("no_data", lang), fill_color=NO_DATA))
    note = t("classes", lang, name=prop_label(prop.name, lang), k=len(found.colours), scheme=found.scheme)
    return colours, items, note


def _radii(spec: LayerSpec, gdf: gpd.GeoDataFrame, lang: Lang) -> tuple[list[float], list[LegendItem], str]:
    style = spec.style
    scale = classes.size_scale(spec, gdf[style.size_by]) if style.size_by else None
    if scale is None:
        return [style.radius] * len(gdf), [], ""
    if scale.max_value <= 0:
        return [MIN_RADIUS] * len(gdf), [], ""
    prop = spec.prop(scale.prop)
    unit = f" {unit_label(prop.unit, lang)}" if prop.unit else ""
    vmax = scale.max_value
    refs = sorted({_nice(vmax), _nice(vmax / 5), _nice(vmax / 25)}, reverse=True)
    items = [LegendItem("circle", "#555", f"{fmt(v)}{unit}", scale.radius(v), "none") for v in refs if v > 0]
    y = gdf[scale.prop].to_numpy(dtype=float, na_value=np.nan)
    note = t("circle_area", lang, name=prop_label(prop.name, lang))
    return [round(scale.radius(float(v)), 1) for v in y], items, note


def max_radius(spec: LayerSpec) -> float:
    """The radius of the layer's biggest point symbol, px."""
    return classes.max_radius(spec)


def _nice(value: float) -> float:
    """``value`` rounded to one significant digit (legend reference sizes)."""
    if value <= 0:
        return 0.0
    mag = 10 ** math.floor(math.log10(value))
    return float(round(value / mag) * mag)


def fmt(value: float) -> str:
    """A number for a legend: thousands separators, at most two decimals for small values."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def short_title(spec: LayerSpec, lang: Lang = "en") -> str:
    """The layer title in ``lang`` (titles are 'English / Español'; the control and legend rows are short)."""
    return title(spec.title, lang)
