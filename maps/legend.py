"""Legends (HTML built here, shown and hidden with their layers by ``bordergeo.js``) and page furniture.

Branca's colormap legends load d3 from a CDN, so legends are plain HTML with inline SVG symbols.
"""

from __future__ import annotations

from html import escape
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from layers.spec import LayerSpec
from maps.i18n import Lang, t
from maps.symbology import LegendItem, Symbology, short_title


def symbol_svg(item: LegendItem) -> str:
    """An inline SVG drawing of a legend item's symbol."""
    color = escape(item.color)
    if item.kind == "circle":
        r = item.size
        side = 2 * r + 2
        fill = escape(item.fill_color or item.color)
        return (f'<svg width="{side:.0f}" height="{side:.0f}" aria-hidden="true"><circle cx="{r + 1:.1f}" '
                f'cy="{r + 1:.1f}" r="{r:.1f}" fill="{fill}" fill-opacity="0.7" stroke="{color}"/></svg>')
    if item.kind == "line":
        return (f'<svg width="26" height="12" aria-hidden="true"><line x1="1" y1="6" x2="25" y2="6" '
                f'stroke="{color}" stroke-width="{max(item.size, 2):.0f}" stroke-linecap="round"/></svg>')
    fill = escape(item.fill_color or item.color)
    return (f'<svg width="18" height="12" aria-hidden="true"><rect x="0.5" y="0.5" width="17" height="11" '
            f'fill="{fill}" fill-opacity="0.8" stroke="{color}"/></svg>')


def legend_html(spec: LayerSpec, sym: Symbology, lang: Lang = "en") -> str:
    """The legend section of one layer: its title, one row per symbol, and a note on the classes."""
    rows = "".join(f"<li>{symbol_svg(i)}<span>{escape(i.label)}</span></li>" for i in sym.items)
    note = f'<div class="bg-note">{escape(sym.note)}</div>' if sym.note else ""
    return f"<h4>{escape(short_title(spec, lang))}</h4><ul>{rows}</ul>{note}"


class Legend(MacroElement):
    """One legend control for the map; a section per layer, visible while the layer is on."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        bordergeo.legend({{ this._parent.get_name() }}, [
        {%- for layer, id, html in this.entries %}
            {layer: {{ layer.get_name() }}, id: {{ id|tojson }}, html: {{ html|tojson }}},
        {%- endfor %}
        ], {{ this.title|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, entries: list[tuple[folium.GeoJson, str, str]], title: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.entries = entries
        self.title = title


class Furniture(MacroElement):
    """The page's controls made foldable, and the one-line attribution (Leaflet's stacks a line per layer)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        bordergeo.furniture({{ this._parent.get_name() }}, {{ this.control.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, control: folium.LayerControl, layers_title: str, attribution: str) -> None:
        super().__init__()
        self._name = "Furniture"
        self.control = control
        self.options = {"layersTitle": layers_title, "attribution": attribution}


class FitBounds(MacroElement):
    """The first view: ``bounds`` fitted at once (folium's fit_bounds animates, and a reader's or a test's first
    move would race the animation)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {animate: false});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitBounds"
        self.bounds = bounds


class Labels(MacroElement):
    """Map labels placed by ``bordergeo.labels``: by priority, from each item's zoom, never overlapping."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        bordergeo.labels({{ this._parent.get_name() }}, [
        {%- for layer, group in this.groups %}
            Object.assign({layer: {{ layer.get_name() if layer else "null" }}}, {{ group|tojson }}),
        {%- endfor %}
        ]);
        {% endmacro %}
        """
    )

    def __init__(self, groups: list[tuple[Any, dict[str, Any]]]) -> None:
        super().__init__()
        self._name = "Labels"
        self.groups = groups


class Registration(MacroElement):
    """Exposes the map and its layers by id as ``bordergeo.map`` / ``bordergeo.layers``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        bordergeo.register({{ this._parent.get_name() }}, {
        {%- for id, layer in this.layers.items() %}
            {{ id|tojson }}: {{ layer.get_name() }},
        {%- endfor %}
        });
        {% endmacro %}
        """
    )

    def __init__(self, layers: dict[str, folium.GeoJson]) -> None:
        super().__init__()
        self._name = "Registration"
        self.layers = layers


class Panel(MacroElement):
    """A box of HTML shown as a Leaflet control (stacked below the controls added before it)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        bordergeo.panel({{ this._parent.get_name() }}, {{ this.html|tojson }}, {{ this.position|tojson }},
                        {{ this.title|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str, position: str = "topright", title: str | None = None) -> None:
        super().__init__()
        self._name = "Panel"
        self.html = html
        self.position = position
        self.title = title  # with a title the panel folds away like the legend


class RawHtml(Element):
    """HTML put in the page as is (``Element(html)`` would compile it as a Jinja template: braces in data break it)."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHtml"
        self.text = text


def add_html(m: folium.Map, html: str) -> None:
    """Add a block of HTML (e.g. the title box) to the page body, above the map."""
    root: Any = m.get_root()  # a branca Figure, which has .html (get_root() is typed as Element)
    root.html.add_child(RawHtml(html))


def title_box(title: str, subtitle: str, lang: Lang, back: str, other: str) -> str:
    """The page title box in the map's top-left corner: links back to the index and to the other language."""
    other_lang = "en" if lang == "es" else "es"
    links = (f'<a href="{escape(back)}">{escape(t("all_maps", lang))}</a> · '
             f'<a class="bg-lang" href="{escape(other)}" hreflang="{other_lang}" lang="{other_lang}">'
             f'{escape(t("other_lang", lang))}</a>')
    return (f'<div class="bg-title"><h1>{escape(title)}</h1><p class="bg-sub">{escape(subtitle)}</p>'
            f'<p class="bg-links">{links}</p></div>')
