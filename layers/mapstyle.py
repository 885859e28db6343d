"""MapLibre style documents (style specification v8) written only from the layers' declarations.

``style_document`` is a pure function of the ``Style`` declarations, the data-driven scales the Folium
maps read too (``layers.classes``: choropleth classes, category colours, symbol sizes) and one vector tile
source: an XYZ template (the API's ``/tiles/WebMercatorQuad/{z}/{y}/{x}``), a TileJSON URL or a
``pmtiles://`` URL (the static bundle). Style ``default`` draws every layer; style ``<layer id>`` draws one.
Layers with role ``basemap`` are drawn under everything in every style; ``traffic`` layers (a point per
port and month, stacked) start hidden.

Each MapLibre layer carries ``metadata["bordergeo:layer"]`` (the collection id it draws), and the document's
``metadata["bordergeo:layers"]`` says, per collection, what a viewer needs for a layer switcher and popups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import shapely
from shapely.ops import polylabel

from layers.classes import MIN_RADIUS, NO_DATA, OTHER, Scales, max_radius
from layers.i18n import prop_label, unit_label
from layers.spec import LayerSpec

Json = dict[str, Any]
SOURCE = "bordergeo"
DEFAULT = "default"
FONT = "Roboto Regular"  # the one font stack our glyph PBFs are rendered in
BACKGROUND = "#f3f1ec"  # a neutral ground when there is no basemap
LABELS = "bordergeo:layer"  # the property of an area label point naming its layer (see area_labels)
SEA = "#dbe7ee"  # with basemap layers, the background is the sea around their land (as on the Folium maps)
MIN_FILL_OPACITY = 0.6  # as the Folium maps: points and choropleth classes must read clearly
_ORDER = {"fill": 0, "line": 1, "circle": 2}


def style_ids(specs: Sequence[LayerSpec]) -> list[str]:
    """The ids of the style documents: ``default`` (every layer), then one per non-basemap layer."""
    return [DEFAULT, *(s.id for s in specs if "basemap" not in s.roles)]


def style_document(
    specs: Sequence[LayerSpec],
    source_url: str,
    scales: Mapping[str, Scales],
    style_id: str = DEFAULT,
    glyphs: str | None = None,
) -> Json:
    """The MapLibre style ``style_id`` for the layers ``specs`` (registry order) read from ``source_url``.

    Labels (symbol layers) are written only when ``glyphs`` (a ``{fontstack}/{range}`` URL template) is given.
    KeyError when ``style_id`` is neither ``default`` nor a layer id of ``specs``.
    """
    if style_id not in style_ids(specs):
        raise KeyError(style_id)
    basemaps = [s for s in specs if "basemap" in s.roles]
    data = [s for s in specs if "basemap" not in s.roles and style_id in (DEFAULT, s.id)]
    drawn = [*basemaps, *sorted(data, key=_draw_rank)]
    ground = SEA if basemaps else BACKGROUND
    layers: list[Json] = [{"id": "background", "type": "background", "paint": {"background-color": ground}}]
    for spec in drawn:
        layers += _layers(spec, scales.get(spec.id, Scales()))
    if glyphs:
        # MapLibre places the top-most symbol layer first: the biggest data points win, the basemap's names yield
        layers += [label for spec in sorted(drawn, key=_label_rank) if (label := _label_layer(spec)) is not None]
    doc: Json = {
        "version": 8,
        "name": "bordergeo" if style_id == DEFAULT else f"bordergeo: {data[0].title}",
        "metadata": {"bordergeo:style": style_id, "bordergeo:layers": {s.id: _layer_meta(s) for s in drawn}},
        "center": [-106.0, 31.0],
        "zoom": 4.5,
        "sources": {SOURCE: _source(source_url, drawn)},
        "layers": layers,
    }
    if glyphs:
        doc["glyphs"] = glyphs
    return doc


def _draw_rank(spec: LayerSpec) -> tuple[int, float]:
    """Polygons under lines under points; bigger point symbols under smaller ones."""
    rank = _ORDER[kind_of(spec)]
    return rank, -max_radius(spec) if rank == _ORDER["circle"] else 0.0


def _label_rank(spec: LayerSpec) -> tuple[bool, int, float]:
    """Label layers bottom to top: basemap under data; areas, lines, then points, the biggest symbols on top."""
    rank = _ORDER[kind_of(spec)]
    return "basemap" not in spec.roles, rank, max_radius(spec) if rank == _ORDER["circle"] else 0.0


def kind_of(spec: LayerSpec) -> str:
    """How the layer's geometry is drawn: ``circle``, ``line`` or ``fill``."""
    if spec.geometry_type == "Point":
        return "circle"
    return "line" if "LineString" in spec.geometry_type else "fill"


def _source(url: str, specs: Sequence[LayerSpec]) -> Json:
    attribution = " | ".join(dict.fromkeys(s.attribution for s in specs))
    if url.startswith("pmtiles://") or url.endswith(".json"):
        return {"type": "vector", "url": url, "attribution": attribution}
    return {"type": "vector", "tiles": [url], "minzoom": 0, "maxzoom": max((s.max_zoom for s in specs), default=14),
            "attribution": attribution}


def _layers(spec: LayerSpec, scales: Scales) -> list[Json]:
    """The MapLibre layers drawing ``spec``: one per choropleth class or category (a fill gets outlines too)."""
    style = spec.style
    kind = kind_of(spec)
    base = _base(spec)
    out: list[Json] = []
    for suffix, where, colour in _variants(spec, scales):
        layer = {**base, "id": f"{spec.id}{suffix}", **({"filter": where} if where is not None else {})}
        if kind == "line":
            layout = {**base["layout"], "line-join": "round", "line-cap": "round"}
            out.append({**layer, "type": "line", "layout": layout,
                        "paint": {"line-color": colour, "line-width": style.weight, "line-opacity": 0.9}})
        elif kind == "circle":
            out.append({**layer, "type": "circle", "paint": _circle_paint(spec, scales, colour),
                        "layout": {**base["layout"], **_circle_order(scales)}})
        else:
            opacity = max(style.fill_opacity, MIN_FILL_OPACITY) if style.choropleth else style.fill_opacity
            out.append({**layer, "type": "fill", "paint": {"fill-color": colour, "fill-opacity": opacity}})
            if not style.choropleth:  # outlines in the category's colour; a choropleth has one outline, below
                out.append({**layer, "id": f"{layer['id']}-outline", "type": "line",
                            "paint": {"line-color": colour if style.by else style.color, "line-width": style.weight,
                                      "line-opacity": 0.9}})
    if kind == "fill" and style.choropleth:
        out.append({**base, "id": f"{spec.id}-outline", "type": "line",
                    "paint": {"line-color": style.color, "line-width": style.weight, "line-opacity": 0.9}})
    return out


def _variants(spec: LayerSpec, scales: Scales) -> list[tuple[str, Any, str]]:
    """(id suffix, filter, colour) of each part of a layer drawn in one colour.

    Classes and categories are separate layers with plain filters rather than one layer with a ``step`` or
    ``match`` expression: QGIS 3.22's style converter turns filters into rules but not those expressions.
    """
    style = spec.style
    if scales.classes is not None:
        cls = scales.classes
        prop = ["get", cls.prop]
        out: list[tuple[str, Any, str]] = []
        for i, colour in enumerate(cls.colours):
            bounds = [*([[">=", prop, cls.starts[i]]] if i > 0 else []),
                      *([["<", prop, cls.starts[i + 1]]] if i + 1 < len(cls.starts) else [])]
            where = ["all", *bounds] if len(bounds) > 1 else (bounds[0] if bounds else ["has", cls.prop])
            out.append((f"#{i}", where, colour))
        if spec.prop(cls.prop).nullable:
            out.append(("#no-data", ["!", ["has", cls.prop]], NO_DATA))
        return out
    if style.by and scales.categories:
        values = [value for value, _ in scales.categories]
        out = [(f"#{i}", ["==", ["get", style.by], value], colour)
               for i, (value, colour) in enumerate(scales.categories)]
        return [*out, ("#other", ["!in", style.by, *values], OTHER)]  # legacy form: QGIS 3.22 reads only this one
    return [("", None, (style.fill_color or style.color) if kind_of(spec) == "fill" else style.color)]


def _base(spec: LayerSpec) -> Json:
    hidden = "traffic" in spec.roles
    out: Json = {"source": SOURCE, "source-layer": spec.id, "metadata": {"bordergeo:layer": spec.id},
                 "layout": {"visibility": "none" if hidden else "visible"}}
    if spec.min_zoom > 0:
        out["minzoom"] = spec.min_zoom
    return out


def _circle_paint(spec: LayerSpec, scales: Scales, colour: Any) -> Json:
    style = spec.style
    size = scales.size
    radius: Any = style.radius
    if size is not None:
        radius = MIN_RADIUS if size.max_value <= 0 else [
            "max", MIN_RADIUS,
            ["*", size.max_radius, ["sqrt", ["/", ["max", 0, ["to-number", ["get", size.prop], 0]], size.max_value]]],
        ]
    return {
        "circle-radius": radius,
        "circle-color": style.fill_color or colour,
        "circle-opacity": max(style.fill_opacity, MIN_FILL_OPACITY),
        "circle-stroke-color": colour,
        # proportional symbols overlap: a thin outline keeps the small ones visible under the big ones
        "circle-stroke-width": min(style.weight, 1.0) if size is not None else style.weight,
    }


def _circle_order(scales: Scales) -> Json:
    """Big symbols first (underneath), so the small ones on top stay clickable."""
    if scales.size is None:
        return {}
    return {"circle-sort-key": ["-", 0, ["to-number", ["get", scales.size.prop], 0]]}


def _label_layer(spec: LayerSpec) -> Json | None:
    style = spec.style
    if not style.label:
        return None
    kind = kind_of(spec)
    layout: Json = {
        "visibility": "none" if "traffic" in spec.roles else "visible",
        "text-field": ["to-string", ["get", style.label]],
        "text-font": [FONT],
        "text-size": 12,
        "text-max-width": 8,
    }
    if kind == "circle":
        layout |= {"text-anchor": "top", "text-offset": [0, 0.7], "text-optional": True}
    elif kind == "line":
        layout |= {"symbol-placement": "line", "text-size": 11}
    if style.size_by:
        layout["symbol-sort-key"] = ["-", 0, ["to-number", ["get", style.size_by], 0]]  # biggest labelled first
    out: Json = {"id": f"{spec.id}-label", "type": "symbol", "source": SOURCE, "source-layer": spec.id,
                 "metadata": {"bordergeo:layer": spec.id, "bordergeo:label": True}, "layout": layout,
                 "paint": {"text-color": "#1a1a1a", "text-halo-color": "#ffffff", "text-halo-width": 1.5}}
    zoom = max(style.label_min_zoom, spec.min_zoom)
    if zoom > 0:
        out["minzoom"] = zoom
    return out


def _layer_meta(spec: LayerSpec) -> Json:
    """What a viewer shows of a layer: title, attribution, popup rows and label fields, in English and Spanish."""
    return {
        "title": spec.title,
        "attribution": spec.attribution,
        "licence": spec.licence,
        "roles": sorted(spec.roles),
        "title_field": spec.title_field,
        "label": spec.style.label,
        "label_es": spec.style.name_es_field,
        "properties": [{"name": p.name, "type": p.type, "label": prop_label(p.name, "en"),
                        "label_es": prop_label(p.name, "es"), "unit": p.unit and unit_label(p.unit, "en"),
                        "unit_es": p.unit and unit_label(p.unit, "es")} for p in spec.properties],
    }


def labelled_areas(specs: Sequence[LayerSpec]) -> list[LayerSpec]:
    """The polygon layers that declare a label (state names): a viewer labels them from points."""
    return [s for s in specs if s.style.label and kind_of(s) == "fill"]


def label_columns(spec: LayerSpec) -> list[str]:
    """The properties a layer's labels read: the label, and its Spanish form where the layer has one."""
    return list(dict.fromkeys(f for f in (spec.style.label, spec.style.name_es_field) if f))


def area_labels(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> list[Json]:
    """One GeoJSON point per feature of a polygon layer, well inside its largest part, with its label fields.

    A vector tile holds the part of a polygon inside it, so a label drawn from the tiles repeats in every
    tile a state crosses (California four times at zoom 10); drawn from these points it appears once.
    """
    out: list[Json] = []
    columns = label_columns(spec)
    for geom, *values in zip(gdf.geometry, *(gdf[c] for c in columns), strict=True):
        if geom is None or geom.is_empty:
            continue
        biggest = max(getattr(geom, "geoms", [geom]), key=lambda part: part.area)
        where = polylabel(biggest, tolerance=max(shapely.area(biggest) ** 0.5 / 100, 1e-6))
        props: Json = {LABELS: spec.id} | {c: v for c, v in zip(columns, values, strict=True) if isinstance(v, str)}
        out.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(where.x, 5),
                                                                                     round(where.y, 5)]},
                    "properties": props})
    return out
