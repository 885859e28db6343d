"""QGIS layer styles (QML: renderer and labels) written from the declarations, for the planner's kit.

The same ``Style`` and data-driven scales (``layers.classes``) as the Folium maps and the MapLibre styles:
``by`` -> a categorized renderer with the declared palette, ``choropleth`` -> a graduated renderer with
mapclassify's classes, ``size_by`` -> a data-defined marker size (area proportional to the value), otherwise
a single symbol; ``label`` -> simple labels shown from ``label_min_zoom`` on. Sizes are in pixels, as on
the web maps. The XML is what QGIS 3.22 writes (``<prop k v>`` symbol properties, which it still reads).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from layers.classes import MIN_RADIUS, NO_DATA, OTHER, Scales
from layers.spec import LayerSpec

QGIS_VERSION = "3.22.0-Białowieża"
LINE_OPACITY = 0.9
MIN_FILL_OPACITY = 0.6  # as the Folium maps and the MapLibre styles
#: scale denominator of web zoom 0 at 96 dpi (256 px tiles): each zoom halves it
ZOOM0_SCALE = 559_082_264.0


def kind_of(spec: LayerSpec) -> str:
    """QGIS symbol type of the layer: ``marker``, ``line`` or ``fill``."""
    if spec.geometry_type == "Point":
        return "marker"
    return "line" if "LineString" in spec.geometry_type else "fill"


def renderer(spec: LayerSpec, scales: Scales) -> ET.Element:
    """The ``renderer-v2`` element drawing ``spec``."""
    style = spec.style
    if scales.classes is not None:
        cls = scales.classes
        root = ET.Element("renderer-v2", type="graduatedSymbol", attr=cls.prop, graduatedMethod="GraduatedColor",
                          symbollevels="0", enableorderby="0", forceraster="0")
        ranges = ET.SubElement(root, "ranges")
        symbols = ET.SubElement(root, "symbols")
        for i, (lo, hi, colour) in enumerate(zip(cls.lows, cls.highs, cls.colours, strict=True)):
            ET.SubElement(ranges, "range", lower=repr(lo), upper=repr(hi), symbol=str(i), render="true",
                          label=f"{_number(lo)} – {_number(hi)}")
            symbols.append(_symbol(spec, scales, str(i), colour))
        ET.SubElement(root, "mode", name="jenks" if "jenks" in cls.scheme.lower() else "custom")
        return root
    if style.by and scales.categories:
        root = ET.Element("renderer-v2", type="categorizedSymbol", attr=style.by, symbollevels="0",
                          enableorderby="0", forceraster="0")
        categories = ET.SubElement(root, "categories")
        symbols = ET.SubElement(root, "symbols")
        for i, (value, colour) in enumerate([*scales.categories, ("", OTHER)]):
            ET.SubElement(categories, "category", value=value, label=value or "other", symbol=str(i), render="true")
            symbols.append(_symbol(spec, scales, str(i), colour))
        return root
    root = ET.Element("renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0", forceraster="0")
    colour = (style.fill_color or style.color) if kind_of(spec) == "fill" else style.color
    ET.SubElement(root, "symbols").append(_symbol(spec, scales, "0", colour))
    return root


def _symbol(spec: LayerSpec, scales: Scales, name: str, colour: str) -> ET.Element:
    """One symbol of ``colour`` (the fill, or the line / outline for a line or a category outline)."""
    style = spec.style
    kind = kind_of(spec)
    symbol = ET.Element("symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    if kind == "line":
        _layer(symbol, "SimpleLine", line_color=_rgba(colour, LINE_OPACITY), line_width=style.weight,
               line_width_unit="Pixel", capstyle="round", joinstyle="round", line_style="solid")
    elif kind == "marker":
        fill = style.fill_color or colour
        width = min(style.weight, 1.0) if scales.size is not None else style.weight
        layer = _layer(symbol, "SimpleMarker", name="circle", color=_rgba(fill, max(style.fill_opacity,
                       MIN_FILL_OPACITY)), outline_color=_rgba(colour, LINE_OPACITY), outline_width=width,
                       outline_width_unit="Pixel", size=2 * style.radius, size_unit="Pixel", outline_style="solid")
        if scales.size is not None and scales.size.max_value > 0:
            size = scales.size
            diameter = (f'2 * max({MIN_RADIUS}, {size.max_radius} * sqrt(max(0, coalesce("{size.prop}", 0)) / '
                        f"{size.max_value!r}))")
            _data_defined(layer, "size", diameter)
    else:
        opacity = max(style.fill_opacity, MIN_FILL_OPACITY) if style.choropleth else style.fill_opacity
        outline = colour if style.by and not style.choropleth else style.color
        _layer(symbol, "SimpleFill", color=_rgba(colour, opacity), style="solid",
               outline_color=_rgba(outline, LINE_OPACITY), outline_width=style.weight, outline_width_unit="Pixel",
               outline_style="solid", joinstyle="round")
    return symbol


def _layer(symbol: ET.Element, cls: str, **props: Any) -> ET.Element:
    layer = ET.SubElement(symbol, "layer", attrib={"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    for key, value in props.items():
        ET.SubElement(layer, "prop", k=key, v=str(value))
    return layer


def _data_defined(layer: ET.Element, name: str, expression: str) -> None:
    """A data-defined symbol layer property (QGIS property type 3: an expression)."""
    root = ET.SubElement(ET.SubElement(layer, "data_defined_properties"), "Option", type="Map")
    ET.SubElement(root, "Option", type="QString", name="name", value="")
    props = ET.SubElement(ET.SubElement(root, "Option", type="Map", name="properties"), "Option", type="Map",
                          name=name)
    ET.SubElement(props, "Option", type="bool", name="active", value="true")
    ET.SubElement(props, "Option", type="QString", name="expression", value=expression)
    ET.SubElement(props, "Option", type="int", name="type", value="3")
    ET.SubElement(root, "Option", type="QString", name="type", value="collection")


def labeling(spec: LayerSpec) -> ET.Element | None:
    """Simple labels of ``style.label`` (Spanish name first where the layer has one), or None."""
    style = spec.style
    if not style.label:
        return None
    root = ET.Element("labeling", type="simple")
    settings = ET.SubElement(root, "settings", calloutType="simple")
    text = ET.SubElement(settings, "text-style", fieldName=style.label, isExpression="0", fontFamily="Roboto",
                         namedStyle="Regular", fontSize="9", fontSizeUnit="Point", textColor="26,26,26,255",
                         textOpacity="1", fontWeight="50", fontItalic="0", multilineHeight="1")
    ET.SubElement(text, "text-buffer", bufferDraw="1", bufferSize="0.8", bufferSizeUnits="MM",
                  bufferColor="255,255,255,255", bufferOpacity="1", bufferJoinStyle="128")
    placement = {"marker": "6", "line": "2", "fill": "1"}[kind_of(spec)]  # cartographic, parallel, over centroid
    ET.SubElement(settings, "placement", placement=placement, dist="1", distUnits="MM", placementFlags="10")
    zoom = max(style.label_min_zoom, spec.min_zoom)
    ET.SubElement(settings, "rendering", scaleVisibility="1" if zoom > 0 else "0",
                  scaleMin=repr(ZOOM0_SCALE / 2**zoom), scaleMax="0", obstacle="1", priority="5",
                  displayAll="0", upsidedownLabels="0", labelPerPart="0")
    return root


def qml(spec: LayerSpec, scales: Scales) -> str:
    """The QML document (symbology and labels) of ``spec``, as stored in a GeoPackage's ``layer_styles``."""
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Labeling",
                      labelsEnabled="1" if spec.style.label else "0")
    root.append(renderer(spec, scales))
    label = labeling(spec)
    if label is not None:
        root.append(label)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


def _rgba(colour: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` as QGIS's ``r,g,b,a``."""
    value = colour.lstrip("#") if colour.startswith("#") else NO_DATA.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(255 * opacity)}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")
