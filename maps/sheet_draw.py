"""Draw one printable sheet with matplotlib: the layers, title, legend, scale bar, north arrow, locator, credits."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from maps.data import Build, Layer
from maps.i18n import Lang, title
from maps.symbology import display_names, kind_of

#: paper sizes, landscape, inches
PAPERS: dict[str, tuple[float, float]] = {"letter": (11.0, 8.5), "a4": (297 / 25.4, 210 / 25.4)}
DPI = 300
KM_PER_DEG = 111.32  # length of a degree of latitude (and of longitude at the equator), km
#: sheet text: key -> (English, Spanish)
TEXT: dict[str, tuple[str, str]] = {
    "overview": ("US–Mexico border", "Frontera México–Estados Unidos"),
    "port": ("Port of entry: {name}", "{name}"),
    "legend": ("Legend", "Leyenda"),
    "sources": ("Sources", "Fuentes"),
    "built": ("Built {date} ({build})", "Generado el {date} ({build})"),
    "locator": ("Location", "Ubicación"),
}
LABELLED = ("ports", "cities")  # layers whose features get a text label on the sheet
#: data layers drawn on sheets, bottom to top, over the basemap (choropleths and basins would hide the rest)
DRAWN = ("border-region", "boundary", "rivers", "ports", "crossings", "cities")


def text(key: str, lang: Lang, **values: object) -> str:
    """The sheet text ``key`` in ``lang``."""
    en, es = TEXT[key]
    return (es if lang == "es" else en).format(**values)


@dataclass(frozen=True)
class Sheet:
    """What one sheet shows: its title, map extent (lon/lat) and paper."""

    title: str
    extent: tuple[float, float, float, float]  # minx, miny, maxx, maxy
    paper: str
    lang: Lang
    label_limit: int = 40  # most labels per layer (the overview cannot print every city)
    labelled: tuple[str, ...] = LABELLED


def draw(build: Build, sheet: Sheet, full: tuple[float, float, float, float], date: str) -> Figure:
    """A figure for ``sheet``: the built layers clipped to its extent, with the sheet furniture."""
    fig = Figure(figsize=PAPERS[sheet.paper], dpi=DPI)
    ax = fig.add_axes((0.04, 0.13, 0.66, 0.75))
    minx, miny, maxx, maxy = _fit(sheet.extent, 0.66 * PAPERS[sheet.paper][0] / (0.75 * PAPERS[sheet.paper][1]))
    handles = []
    for z, layer in enumerate(drawn_layers(build), start=1):
        handle = _draw_layer(ax, layer, (minx, miny, maxx, maxy), sheet, z)
        if handle is not None and "basemap" not in layer.spec.roles:
            handles.append(handle)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))
    ax.set_facecolor("#dcebf5")  # sea and the world beyond the land layer
    ax.tick_params(labelsize=6)
    fig.text(0.04, 0.93, sheet.title, fontsize=18, weight="bold")
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.72, 0.62), fontsize=7,
               title=text("legend", sheet.lang), title_fontsize=9, frameon=False)
    _scale_bar(ax, (minx, miny, maxx, maxy))
    _north_arrow(ax)
    _locator(fig, build, full, (minx, miny, maxx, maxy), sheet.lang)
    _credits(fig, build, sheet.lang, date)
    return fig


def drawn_layers(build: Build) -> list[Layer]:
    """The basemap layers, then the region, boundary, rivers, ports, crossings and cities that are built."""
    base = [layer for layer in build.map_layers.values() if "basemap" in layer.spec.roles]
    return base + [layer for lid in DRAWN if (layer := build.get(lid)) is not None]


def _fit(extent: tuple[float, float, float, float], ratio: float) -> tuple[float, float, float, float]:
    """``extent`` widened so that its ground width / height matches the map frame's ``ratio``."""
    minx, miny, maxx, maxy = extent
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    k = math.cos(math.radians(cy))
    w, h = (maxx - minx) * k, maxy - miny
    if w / h < ratio:
        w = h * ratio
    else:
        h = w / ratio
    return cx - w / k / 2, cy - h / 2, cx + w / k / 2, cy + h / 2


def _draw_layer(ax: object, layer: Layer, box: tuple[float, float, float, float], sheet: Sheet,
                z: int) -> object | None:
    """Plot ``layer`` within ``box``; a legend handle for it (None when nothing of it is in view)."""
    minx, miny, maxx, maxy = box
    gdf = layer.gdf.cx[minx:maxx, miny:maxy]
    if kind_of(layer.spec) != "circle" and not gdf.empty:
        # clipped and simplified to a tenth of a printed point: whole polygons would cost seconds per sheet
        gdf = gdf.clip((minx, miny, maxx, maxy))
        gdf = gdf.set_geometry(gdf.geometry.simplify((maxx - minx) / 20000))
    if gdf.empty:
        return None
    style, kind = layer.spec.style, kind_of(layer.spec)
    label = title(layer.spec.title, sheet.lang)
    if kind == "fill":
        # the region's fill is a wash: its edge would hide the boundary it follows
        edge = "none" if layer.id == "border-region" else style.color
        gdf.plot(ax=ax, facecolor=style.fill_color or style.color, edgecolor=edge, linewidth=0.4, zorder=z,
                 alpha=0.15 if layer.id == "border-region" else max(style.fill_opacity, 0.25))
        handle: object = Patch(facecolor=style.fill_color or style.color, edgecolor=style.color, label=label)
    elif kind == "line":
        gdf.plot(ax=ax, color=style.color, linewidth=max(style.weight * 0.4, 0.5), zorder=z)
        handle = Line2D([], [], color=style.color, linewidth=1.5, label=label)
    else:
        gdf.plot(ax=ax, color=style.fill_color or style.color, edgecolor="#333333", linewidth=0.3,
                 markersize=12, zorder=z + 10)
        handle = Line2D([], [], marker="o", linestyle="", color=style.fill_color or style.color, label=label)
    if layer.id in sheet.labelled:
        _labels(ax, layer, gdf, sheet)
    return handle


def _labels(ax: object, layer: Layer, gdf: gpd.GeoDataFrame, sheet: Sheet) -> None:
    """Name the first ``label_limit`` features (the layers list the biggest first where it matters)."""
    names = display_names(layer.spec, gdf, sheet.lang)
    points = gdf.geometry.representative_point()
    for name, pt in list(zip(names, points, strict=True))[: sheet.label_limit]:
        ax.annotate(name, (pt.x, pt.y), xytext=(3, 3), textcoords="offset points",  # type: ignore[attr-defined]
                    fontsize=5 if layer.id == "cities" else 7, color="#222222", zorder=30)


def _scale_bar(ax: object, box: tuple[float, float, float, float]) -> None:
    """A bar of a round number of km (about a fifth of the map width) at the lower left."""
    minx, miny, maxx, maxy = box
    km_per_deg = KM_PER_DEG * math.cos(math.radians((miny + maxy) / 2))
    target = (maxx - minx) * km_per_deg / 5
    km = _round_km(target)
    x0, y0 = minx + (maxx - minx) * 0.04, miny + (maxy - miny) * 0.05
    x1 = x0 + km / km_per_deg
    ax.plot([x0, x1], [y0, y0], color="black", linewidth=2.5, solid_capstyle="butt", zorder=40)  # type: ignore[attr-defined]
    ax.text((x0 + x1) / 2, y0 + (maxy - miny) * 0.012, f"{km:g} km", ha="center",  # type: ignore[attr-defined]
            fontsize=7, zorder=40)


def _round_km(km: float) -> float:
    """The largest 1, 2 or 5 × 10^n not above ``km``."""
    power = 10 ** math.floor(math.log10(km))
    return max(m * power for m in (1, 2, 5) if m * power <= km)


def _north_arrow(ax: object) -> None:
    """An arrow and an N at the upper right of the map (north is up: the map is unrotated lon/lat)."""
    ax.annotate("N", xy=(0.95, 0.95), xytext=(0.95, 0.84), xycoords="axes fraction",  # type: ignore[attr-defined]
                ha="center", fontsize=10, weight="bold", zorder=40,
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5})


def _locator(fig: Figure, build: Build, full: tuple[float, float, float, float],
             box: tuple[float, float, float, float], lang: Lang) -> None:
    """A small map of the whole region with the sheet's extent outlined."""
    ax = fig.add_axes((0.74, 0.66, 0.22, 0.22))
    minx, miny, maxx, maxy = _fit(full, 0.22 * 11 / (0.22 * 8.5))
    tolerance = (maxx - minx) / 2000  # the inset is ~2 inches wide
    for lid, colours in (("land", {"color": "#f2efe9", "edgecolor": "#999999", "linewidth": 0.2}),
                         ("boundary", {"color": "#c00000", "linewidth": 0.6})):
        layer = build.get(lid)
        if layer is not None:
            layer.gdf.geometry.simplify(tolerance).plot(ax=ax, **colours)
    ax.add_patch(Rectangle((box[0], box[1]), box[2] - box[0], box[3] - box[1], fill=False, edgecolor="#d00000",
                           linewidth=1.2))
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))
    ax.set_facecolor("#dcebf5")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(text("locator", lang), fontsize=7)


def _credits(fig: Figure, build: Build, lang: Lang, date: str) -> None:
    """Attribution of every drawn layer (from its declaration) and the build date, along the bottom."""
    seen = dict.fromkeys(layer.spec.attribution for layer in drawn_layers(build))
    credits = f"{text('sources', lang)}: " + "; ".join(seen)
    fig.text(0.04, 0.09, credits, fontsize=5.5, wrap=True, va="top")
    fig.text(0.04, 0.02, text("built", lang, date=date, build=build.label), fontsize=6)
