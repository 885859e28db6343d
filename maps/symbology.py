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


def symbology(spec: LayerSpec, gdf: gpd.GeoDataFrame, outline: bool = False) -> Symbology:
    """Styles and legend for ``gdf`` drawn as declared by ``spec.style``.

    ``outline`` draws polygons unfilled (over a choropleth, whose fills must stay readable; clicks on the
    interior then reach the choropleth).
    """
    kind = kind_of(spec)
    colours, items, note = _colours(spec, gdf, kind)
    radii, size_items, size_note = _radii(spec, gdf)
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


def _colours(spec: LayerSpec, gdf: gpd.GeoDataFrame, kind: Kind) -> tuple[list[str], list[LegendItem], str]:
    style = spec.style
    if style.choropleth:
        return _choropleth(spec, gdf[style.choropleth], kind)
    if style.by:
        colours, items = _categorical(spec, gdf[style.by], kind, style.radius)
        return colours, _named(spec, gdf, items), ""
    colour = (style.fill_color or style.color) if kind == "fill" else style.color
    return [colour] * len(gdf), [LegendItem(kind, style.color, short_title(spec), style.radius, style.fill_color)], ""


def _categorical(
    spec: LayerSpec, values: pd.Series, kind: Kind, radius: float
) -> tuple[list[str], list[LegendItem]]:
    present = [str(v) for v in pd.unique(values.dropna())]
    palette = dict(classes.categories(spec, values))
    colours = [palette.get(str(v), OTHER) if pd.notna(v) else OTHER for v in values]
    items = [LegendItem(kind, c, label, radius) for label, c in palette.items() if label in present]
    if any(str(v) not in palette for v in values):
        items.append(LegendItem(kind, OTHER, "other / unknown", radius))
    return colours, items


def _named(spec: LayerSpec, gdf: gpd.GeoDataFrame, items: list[LegendItem]) -> list[LegendItem]:
    """When ``by`` identifies single features (e.g. a basin id), label the legend with their names."""
    style = spec.style
    title = spec.title_field
    if not style.by or not title or title == style.by or not gdf[style.by].is_unique:
        return items
    names = dict(zip(gdf[style.by].astype(str), gdf[title].astype(str), strict=True))
    return [replace(i, label=names.get(i.label, i.label)) for i in items]


def _choropleth(spec: LayerSpec, values: pd.Series, kind: Kind) -> tuple[list[str], list[LegendItem], str]:
    prop = spec.prop(values.name if isinstance(values.name, str) else str(values.name))
    found = classes.classify(spec, values)
    assert found is not None  # only called for a layer with ``style.choropleth``
    y = values.to_numpy(dtype=float, na_value=np.nan)
    colours = [found.colour_of(v) for v in y]
    if len(found.colours) < 2:
        return colours, [LegendItem(kind, found.colours[0], _label(prop.name))], ""
    unit = f" {prop.unit}" if prop.unit else ""
    items = [LegendItem(kind, c, f"{fmt(lo)} – {fmt(hi)}{unit}", fill_color=c)
             for c, lo, hi in zip(found.colours, found.lows, found.highs, strict=True)]
    if not np.isfinite(y).all():
        items.append(LegendItem(kind, NO_DATA, "no data", fill_color=NO_DATA))
    note = f"{_label(prop.name)}, {len(found.colours)} classes ({found.scheme}, mapclassify)"
    return colours, items, note


def _radii(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> tuple[list[float], list[LegendItem], str]:
    style = spec.style
    scale = classes.size_scale(spec, gdf[style.size_by]) if style.size_by else None
    if scale is None:
        return [style.radius] * len(gdf), [], ""
    if scale.max_value <= 0:
        return [MIN_RADIUS] * len(gdf), [], ""
    prop = spec.prop(scale.prop)
    unit = f" {prop.unit}" if prop.unit else ""
    vmax = scale.max_value
    refs = sorted({_nice(vmax), _nice(vmax / 5), _nice(vmax / 25)}, reverse=True)
    items = [LegendItem("circle", "#555", f"{fmt(v)}{unit}", scale.radius(v), "none") for v in refs if v > 0]
    y = gdf[scale.prop].to_numpy(dtype=float, na_value=np.nan)
    return [round(scale.radius(float(v)), 1) for v in y], items, f"circle area ∝ {_label(prop.name)}"


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


def _label(name: str) -> str:
    return name.replace("_", " ")


def short_title(spec: LayerSpec) -> str:
    """The layer title before any ' / ' translation (layer control and legend rows are short)."""
    return spec.title.split(" / ")[0]
