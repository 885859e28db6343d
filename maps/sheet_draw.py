"""Draw printable sheets with matplotlib: a map frame per extent and paper, then its words per language.

The frame (layers, graticule, scale bar, north arrow, locator) holds no text that depends on the language, so
one frame serves the English and the Spanish sheet: ``dress`` adds the title, legend, labels and credits of
one language and returns them, to be removed before the next language is dressed.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from maps.data import Build, Layer
from maps.i18n import Lang, title
from maps.sheet_marks import Box, draw_graticule, label_graticule, north_arrow, place_labels, scale_bar
from maps.symbology import display_names, kind_of

#: paper sizes, landscape, inches
PAPERS: dict[str, tuple[float, float]] = {"letter": (11.0, 8.5), "a4": (297 / 25.4, 210 / 25.4)}
DPI = 300
MAP_RECT = (0.05, 0.145, 0.66, 0.745)  # left, bottom, width, height of the map frame (figure fractions)
LOCATOR_RECT = (0.75, 0.63, 0.22, 0.24)
#: sheet text: key -> (English, Spanish)
TEXT: dict[str, tuple[str, str]] = {
    "overview": ("US–Mexico border", "Frontera México–Estados Unidos"),
    "port": ("Port of entry: {name}", "{name}"),  # the Spanish names say "Cruce fronterizo ..." already
    "legend": ("Legend", "Leyenda"),
    "sources": ("Sources", "Fuentes"),
    "built": ("Built {date} ({build})", "Generado el {date} ({build})"),
    "locator": ("Location", "Ubicación"),
}
LABELLED = ("ports", "cities")  # layers whose features get a text label on the sheet
#: data layers drawn on sheets, bottom to top, over the basemap (choropleths and basins would hide the rest)
DRAWN = ("border-region", "rivers", "boundary", "crossings", "cities", "ports")
LABEL_SIZE = {"ports": 6.5, "cities": 5.5}
CREDITS_SIZE = 5.5
LEGEND_X, LEGEND_TOP = LOCATOR_RECT[0] - 0.02, 0.6  # figure fractions
LEGEND_ROW_PT = 12.0
NO_LIGATURES = ("-liga", "-clig")
CREDITS_TOP = 0.098  # figure fraction: the attributions hang below, the "Sources" heading sits on it


def text(key: str, lang: Lang, **values: object) -> str:
    """The sheet text ``key`` in ``lang``."""
    en, es = TEXT[key]
    return (es if lang == "es" else en).format(**values)


def drawn_layers(build: Build) -> list[Layer]:
    """The basemap layers, then the region, rivers, boundary, crossings, cities and ports that are built."""
    base = [layer for layer in build.map_layers.values() if "basemap" in layer.spec.roles]
    return base + [layer for lid in DRAWN if (layer := build.get(lid)) is not None]


@dataclass(frozen=True)
class View:
    """The drawn layers cut to one sheet's ground (for every paper), simplified for print: done once per sheet."""

    extent: Box  # what the sheet must show; each paper widens it to its map frame's shape
    layers: tuple[tuple[Layer, gpd.GeoDataFrame], ...]  # layers with something in view, bottom to top


def fit(extent: Box, paper: str) -> Box:
    """``extent`` widened so that its ground width / height matches the map frame's shape on ``paper``."""
    w_in, h_in = PAPERS[paper]
    return _fit_ratio(extent, MAP_RECT[2] * w_in / (MAP_RECT[3] * h_in))


def prepare(build: Build, extent: Box, most: dict[str, int] | None = None) -> View:
    """Clip and simplify every drawn layer to the union of ``extent`` fitted to each paper; of the layers in
    ``most`` (id -> count) keep only the biggest features (the overview cannot show 700 towns)."""
    fitted = [fit(extent, paper) for paper in PAPERS]
    box = (min(b[0] for b in fitted), min(b[1] for b in fitted), max(b[2] for b in fitted), max(b[3] for b in fitted))
    tolerance = (box[2] - box[0]) / 20000  # a tenth of a printed point: invisible, and whole polygons cost seconds
    kept = []
    for layer in drawn_layers(build):
        gdf = layer.gdf.cx[box[0]:box[2], box[1]:box[3]]
        size_by = layer.spec.style.size_by
        if size_by and size_by in gdf.columns:  # the biggest first: they get their labels before the small ones
            gdf = gdf.sort_values(size_by, ascending=False, kind="stable")
        if most and layer.id in most:
            gdf = gdf.iloc[: most[layer.id]]
        if kind_of(layer.spec) != "circle" and not gdf.empty:
            gdf = gdf.clip(box)
            gdf = gdf.set_geometry(gdf.geometry.simplify(tolerance))
            gdf = gdf[~gdf.geometry.is_empty]
        if not gdf.empty and not (layer.id == "border-region" and _covers(gdf, box)):
            kept.append((layer, gdf))
    return View(extent, tuple(kept))


def _covers(gdf: gpd.GeoDataFrame, box: Box) -> bool:
    """True when ``gdf`` covers (all but slivers of) ``box``: on a port sheet inside the border region, a wash
    of one colour over the whole map would say nothing."""
    ground = shapely.box(*box)
    return bool(ground.difference(gdf.geometry.union_all()).area <= 1e-3 * ground.area)


@dataclass(frozen=True)
class Locator:
    """The locator inset's ground (the whole region) and its two layers, simplified once for every sheet."""

    extent: Box
    land: gpd.GeoSeries | None
    boundary: gpd.GeoSeries | None

    @classmethod
    def of(cls, build: Build, full: Box) -> Locator:
        """The inset of ``build`` showing ``full``."""
        extent = _fit_ratio(full, LOCATOR_RECT[2] * 11 / (LOCATOR_RECT[3] * 8.5))
        tolerance = (extent[2] - extent[0]) / 2000  # the inset is ~2.4 inches wide
        land, boundary = build.get("land"), build.get("boundary")
        return cls(extent, None if land is None else land.gdf.geometry.simplify(tolerance),
                   None if boundary is None else boundary.gdf.geometry.simplify(tolerance))


@dataclass
class Frame:
    """One paper's figure of a view, before any words: dress it for each language in turn."""

    fig: Figure
    ax: Axes
    locator: Axes
    box: Box  # the map frame's ground
    view: View
    graticule: tuple[list[float], list[float]]


def frame(view: View, locator: Locator, paper: str, build: Build) -> Frame:
    """The figure of ``view`` on ``paper``: layers, graticule, scale bar, north arrow, locator, attributions."""
    fig = Figure(figsize=PAPERS[paper], dpi=DPI)
    ax = fig.add_axes(MAP_RECT)
    box = fit(view.extent, paper)
    for z, (layer, gdf) in enumerate(view.layers, start=1):
        _draw_layer(ax, layer, gdf, z)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_aspect(1 / math.cos(math.radians((box[1] + box[3]) / 2)))
    ax.set_facecolor("#dcebf5")  # sea and the world beyond the land layer
    ax.set_xlabel("")  # geopandas labels the axes after the CRS ("Geodetic longitude [degree]")
    ax.set_ylabel("")
    graticule = draw_graticule(ax, box)
    scale_bar(ax, box)
    north_arrow(ax)
    inset = _locator(fig, locator, box)
    _attributions(fig, build)
    fr = Frame(fig, ax, inset, box, view, graticule)
    _legend_symbols(fr)
    plain_text([fig])
    return fr


def dress(fr: Frame, build: Build, lang: Lang, heading: str, date: str, label_limit: int = 40,
          labelled: Sequence[str] = LABELLED, focus: str | None = None) -> list[Artist]:
    """Add the words of ``lang``: title, legend, graticule labels, feature labels, credits; returns them.

    ``focus`` is the name (in ``lang``) of the feature the sheet is about: labelled first, in bold.
    """
    fig = fr.fig
    added: list[Artist] = [fig.text(MAP_RECT[0], 0.925, heading, fontsize=18, weight="bold")]
    added += label_graticule(fr.ax, *fr.graticule, lang)
    added.append(fig.text(LEGEND_X, LEGEND_TOP, text("legend", lang), fontsize=9, va="top"))
    added += [fig.text(LEGEND_X + 0.035, y, title(layer.spec.title, lang), fontsize=7, va="center")
              for layer, y in _legend_rows(fr)]
    added.append(fr.locator.text(0.5, 1.02, text("locator", lang), transform=fr.locator.transAxes, ha="center",
                                 va="bottom", fontsize=7))
    added += _labels(fr, build, lang, label_limit, labelled, focus)
    added.append(fig.text(MAP_RECT[0], CREDITS_TOP, f"{text('sources', lang)}:", fontsize=CREDITS_SIZE + 0.5,
                          weight="bold", va="bottom"))
    added.append(fig.text(MAP_RECT[0], 0.012, text("built", lang, date=date, build=build.label), fontsize=6))
    plain_text(added)
    return added


def plain_text(artists: Sequence[Artist]) -> None:
    """No ligatures in the texts of ``artists``: a PDF draws a ligature ("fi") as a picture, not a character,
    so pdftotext and search (and copy-paste) would read "les" for "files"."""
    for artist in artists:
        for found in artist.findobj(Text):
            found.set_fontfeatures(NO_LIGATURES)


def _draw_layer(ax: Axes, layer: Layer, gdf: gpd.GeoDataFrame, z: int) -> None:
    style, kind = layer.spec.style, kind_of(layer.spec)
    if kind == "fill":
        region = layer.id == "border-region"  # a wash without edge: its edge would hide the boundary it follows
        gdf.plot(ax=ax, facecolor=style.fill_color or style.color, edgecolor="none" if region else style.color,
                 linewidth=0.4, zorder=z, alpha=0.12 if region else max(style.fill_opacity, 0.25))
    elif kind == "line":
        gdf.plot(ax=ax, zorder=z, **_line_style(layer))
    else:
        gdf.plot(ax=ax, color=style.fill_color or style.color, edgecolor="#333333", linewidth=0.3,
                 markersize=_marker_area(layer), zorder=z + 20)


def _line_style(layer: Layer) -> dict[str, object]:
    style = layer.spec.style
    if layer.id == "boundary":  # dashed over the river it follows, so both read where they coincide
        return {"color": style.color, "linewidth": 1.0, "linestyle": (0, (5, 2.5))}
    return {"color": style.color, "linewidth": max(style.weight * 0.6, 0.6)}


def _marker_area(layer: Layer) -> float:
    """Marker area, points²: from the declared radius, never smaller than a readable dot."""
    return max(layer.spec.style.radius**2 * 1.1, 8.0)


def _legend_rows(fr: Frame) -> list[tuple[Layer, float]]:
    """The data layers in view and the height (figure fraction) of their legend row, top to bottom."""
    step = LEGEND_ROW_PT / (fr.fig.get_figheight() * 72)
    shown = [layer for layer, _ in fr.view.layers if "basemap" not in layer.spec.roles]
    return [(layer, LEGEND_TOP - 0.035 - i * step) for i, layer in enumerate(shown)]


def _legend_symbols(fr: Frame) -> None:
    """The legend's symbols, drawn as the layers are (the words come with each language).

    Drawn by hand rather than by ``Figure.legend``: its layout and handle copies cost ~0.08 s of CPU per PDF.
    """
    fig = fr.fig
    w, h = 0.025, 6 / (fig.get_figheight() * 72)
    x = LEGEND_X + 0.003
    for layer, y in _legend_rows(fr):
        style, kind = layer.spec.style, kind_of(layer.spec)
        if kind == "fill":
            region = layer.id == "border-region"
            fig.add_artist(Rectangle((x, y - h / 2), w, h, transform=fig.transFigure,
                                     facecolor=style.fill_color or style.color, alpha=0.3 if region else None,
                                     edgecolor="none" if region else style.color, linewidth=0.6))
        elif kind == "line":
            fig.add_artist(Line2D([x, x + w], [y, y], transform=fig.transFigure,
                                  **{**_line_style(layer), "linewidth": 1.5}))  # type: ignore[arg-type]
        else:
            fig.add_artist(Line2D([x + w / 2], [y], transform=fig.transFigure, marker="o", linestyle="",
                                  color=style.fill_color or style.color, markeredgecolor="#333333",
                                  markeredgewidth=0.3, markersize=math.sqrt(_marker_area(layer))))


def _labels(fr: Frame, build: Build, lang: Lang, limit: int, labelled: Sequence[str],
            focus: str | None) -> list[Artist]:
    """Feature labels: the sheet's own feature first, then ports, then cities (biggest first), none overlapping.

    Words every name of a layer starts with ("Cruce fronterizo ...") are left out: the legend says what they are.
    """
    items = []
    points = []
    for layer, gdf in fr.view.layers:
        pts = gdf.geometry.representative_point() if kind_of(layer.spec) != "circle" else gdf.geometry
        inside = [(p.x, p.y) for p in pts if fr.box[0] <= p.x <= fr.box[2] and fr.box[1] <= p.y <= fr.box[3]]
        if kind_of(layer.spec) == "circle":
            points += inside
        if layer.id not in labelled:
            continue
        head = _common_head(display_names(layer.spec, build.layers[layer.id].gdf, lang))
        names = [name[len(head):] for name in display_names(layer.spec, gdf, lang)]
        focus_name = focus[len(head):] if focus and focus.startswith(head) else focus
        seen = set(inside)
        rows = [(n, p.x, p.y) for n, p in zip(names, pts, strict=True) if (p.x, p.y) in seen]
        pages = "feature-pages" in layer.spec.roles
        for name, x, y in rows[:limit]:
            own = pages and name == focus_name
            style = {"color": "#111111", "weight": "bold"} if own else {"color": "#333333"}
            size = 8.0 if own else LABEL_SIZE.get(layer.id, 6.0)
            rank = 0 if own else (LABELLED.index(layer.id) + 1 if layer.id in LABELLED else len(LABELLED) + 1)
            items.append((rank, name, x, y, size, style))
    items.sort(key=lambda item: item[0])  # stable: each layer keeps its own order (biggest first)
    placed = place_labels(fr.ax, [item[1:] for item in items], points, DPI)
    return list(placed)


def _common_head(names: Sequence[str]) -> str:
    """The whole words (with their trailing space) that every one of ``names`` starts with and none is only."""
    if len(names) < 2:
        return ""
    words = [name.split(" ") for name in names]
    n = 0
    while all(len(w) > n + 1 and w[n] == words[0][n] for w in words):
        n += 1
    return " ".join(words[0][:n]) + " " if n else ""


def _locator(fig: Figure, loc: Locator, box: Box) -> Axes:
    """A small map of the whole region with the sheet's ground outlined."""
    ax = fig.add_axes(LOCATOR_RECT)
    if loc.land is not None:
        loc.land.plot(ax=ax, color="#f2efe9", edgecolor="#999999", linewidth=0.2)
    if loc.boundary is not None:
        loc.boundary.plot(ax=ax, color="#c00000", linewidth=0.6)
    # a port's ground is a few pixels here: outline at least a visible square around it
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half_w = max((box[2] - box[0]) / 2, (loc.extent[2] - loc.extent[0]) / 60)
    half_h = max((box[3] - box[1]) / 2, (loc.extent[3] - loc.extent[1]) / 60)
    if box[2] - box[0] < (loc.extent[2] - loc.extent[0]) / 2:  # the overview is the inset's ground: no outline
        ax.add_patch(Rectangle((cx - half_w, cy - half_h), 2 * half_w, 2 * half_h, fill=False, edgecolor="#d00000",
                               linewidth=1.2, zorder=5))
    ax.set_xlim(loc.extent[0], loc.extent[2])
    ax.set_ylim(loc.extent[1], loc.extent[3])
    ax.set_aspect(1 / math.cos(math.radians((loc.extent[1] + loc.extent[3]) / 2)))
    ax.set_facecolor("#dcebf5")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


def _attributions(fig: Figure, build: Build) -> None:
    """The attribution of every drawn layer (from its declarations), along the bottom: the same in every language.

    Wrapped here, not by matplotlib: its ``wrap=True`` measures the text word by word on every save
    (~0.4 s of CPU per PDF and per PNG).
    """
    credits = "; ".join(dict.fromkeys(layer.spec.attribution for layer in drawn_layers(build)))
    width_pt = (1 - 2 * MAP_RECT[0]) * fig.get_figwidth() * 72
    lines = textwrap.wrap(credits, width=int(width_pt / (0.56 * CREDITS_SIZE)))
    fig.text(MAP_RECT[0], CREDITS_TOP - 0.004, "\n".join(lines), fontsize=CREDITS_SIZE, va="top", linespacing=1.3)


def _fit_ratio(extent: Box, ratio: float) -> Box:
    """``extent`` widened to a ground width / height of ``ratio``."""
    minx, miny, maxx, maxy = extent
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    k = math.cos(math.radians(cy))
    w, h = (maxx - minx) * k, maxy - miny
    w, h = (h * ratio, h) if w / h < ratio else (w, w / ratio)
    return cx - w / k / 2, cy - h / 2, cx + w / k / 2, cy + h / 2
