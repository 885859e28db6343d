"""Sheet furniture that needs no language: graticule, scale bar, north arrow; and label placement."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.text import Annotation

from maps.i18n import Lang

KM_PER_DEG = 111.32  # length of a degree of latitude (and of longitude at the equator), km
#: graticule steps, arc minutes: the smallest giving at most MAX_LINES lines across the map is used
STEPS_MIN = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600)
MAX_LINES = 6
GRATICULE: dict[str, Any] = {"color": "#5a6b7b", "linewidth": 0.3, "alpha": 0.45, "zorder": 15}
#: parts of the map (axes fractions: x0, y0, x1, y1) where the scale bar and the north arrow sit
RESERVED = ((0.0, 0.0, 0.32, 0.12), (0.9, 0.8, 1.0, 1.0))
#: where a label may go around its point, points (dx, dy) of the text's lower left corner; w, h the text size
CANDIDATES = (lambda w, h: (3, 2), lambda w, h: (3, -2 - h), lambda w, h: (-3 - w, 2),
              lambda w, h: (-3 - w, -2 - h), lambda w, h: (5, -h / 2), lambda w, h: (-5 - w, -h / 2))
Box = tuple[float, float, float, float]


def graticule_step(span_deg: float) -> float:
    """The graticule interval, degrees: a round number of minutes giving at most ``MAX_LINES`` lines."""
    for minutes in STEPS_MIN:
        if span_deg * 60 / minutes <= MAX_LINES:
            return minutes / 60
    return STEPS_MIN[-1] / 60


def ticks(lo: float, hi: float, step: float) -> list[float]:
    """Multiples of ``step`` within [lo, hi] (computed in whole minutes, so 29°20′ is exact)."""
    minutes = round(step * 60)
    first = math.ceil(lo * 60 / minutes)
    last = math.floor(hi * 60 / minutes)
    return [k * minutes / 60 for k in range(first, last + 1)]


def dms(value: float, axis: str, lang: Lang) -> str:
    """A graticule label: 101°10'W, 29°20'N (Spanish O for oeste); whole degrees without minutes.

    An apostrophe, not the prime sign: a PDF's Type 3 font draws characters beyond Latin-1 as pictures, which
    text extraction loses.
    """
    west = "O" if lang == "es" else "W"
    hemi = {("x", True): west, ("x", False): "E", ("y", True): "S", ("y", False): "N"}[axis, value < 0]
    total = round(abs(value) * 60)
    deg, minutes = divmod(total, 60)
    return f"{deg}°{hemi}" if minutes == 0 else f"{deg}°{minutes:02d}'{hemi}"


def draw_graticule(ax: Axes, box: Box) -> tuple[list[float], list[float]]:
    """Light meridians and parallels at a round interval, with ticks; returns their longitudes and latitudes.

    Their labels are language-dependent (W / O): ``label_graticule`` adds them per language.
    """
    minx, miny, maxx, maxy = box
    step = graticule_step(max(maxx - minx, maxy - miny))
    xs, ys = ticks(minx, maxx, step), ticks(miny, maxy, step)
    for x in xs:
        ax.axvline(x, **GRATICULE)
    for y in ys:
        ax.axhline(y, **GRATICULE)
    ax.set_xticks([])  # the lines are the ticks: matplotlib's tick machinery costs more than the map itself
    ax.set_yticks([])
    return xs, ys


def label_graticule(ax: Axes, xs: list[float], ys: list[float], lang: Lang) -> list[Annotation]:
    """The graticule's labels in ``lang``, below and left of the map."""
    style: dict[str, Any] = {"textcoords": "offset points", "fontsize": 6, "color": "#333333"}
    return [ax.annotate(dms(x, "x", lang), (x, 0), xycoords=("data", "axes fraction"), xytext=(0, -4), ha="center",
                        va="top", **style) for x in xs] + \
           [ax.annotate(dms(y, "y", lang), (0, y), xycoords=("axes fraction", "data"), xytext=(-4, 0), ha="right",
                        va="center", **style) for y in ys]


def scale_bar(ax: Axes, box: Box) -> None:
    """A bar of a round number of km (about a fifth of the map width) at the lower left."""
    minx, miny, maxx, maxy = box
    km_per_deg = KM_PER_DEG * math.cos(math.radians((miny + maxy) / 2))
    km = round_km((maxx - minx) * km_per_deg / 5)
    x0, y0 = minx + (maxx - minx) * 0.04, miny + (maxy - miny) * 0.05
    x1 = x0 + km / km_per_deg
    ax.plot([x0, x1], [y0, y0], color="black", linewidth=2.5, solid_capstyle="butt", zorder=40)
    ax.text((x0 + x1) / 2, y0 + (maxy - miny) * 0.012, f"{km:g} km", ha="center", fontsize=7, zorder=40,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})


def round_km(km: float) -> float:
    """The largest 1, 2 or 5 × 10^n not above ``km``."""
    power = 10 ** math.floor(math.log10(km))
    return max(m * power for m in (1, 2, 5) if m * power <= km)


def north_arrow(ax: Axes) -> None:
    """An arrow and an N at the upper right of the map (north is up: the map is unrotated lon/lat)."""
    ax.annotate("N", xy=(0.95, 0.96), xytext=(0.95, 0.85), xycoords="axes fraction", ha="center", fontsize=10,
                weight="bold", zorder=40, arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5})


def text_size(name: str, size: float) -> tuple[float, float]:
    """An estimate of a label's width and height in points (DejaVu Sans averages ~0.58 em per character).

    An estimate, not a measurement: measuring needs a renderer, and labels are placed once per language.
    """
    return 0.58 * size * len(name) + 1, 1.25 * size


def place_labels(ax: Axes, items: Sequence[tuple[str, float, float, float, dict[str, Any]]],
                 points: Sequence[tuple[float, float]], dpi: float) -> list[Annotation]:
    """Label ``items`` (name, x, y, font size, text style) in order, each where it hits no earlier label, no
    point, no reserved corner and stays inside the map; a label that fits nowhere is left out."""
    ax.apply_aspect()  # the axes box is final: data -> display coordinates are exact
    to_display = ax.transData.transform
    frame = ax.get_window_extent()
    k = dpi / 72  # display units are pixels at the figure's dpi; label sizes are points
    taken: list[Box] = [_reserved(frame, r) for r in RESERVED]
    taken += [(px - 2 * k, py - 2 * k, px + 2 * k, py + 2 * k) for px, py in to_display(list(points) or [(0, 0)])]
    placed = []
    for name, x, y, size, style in items:
        w, h = text_size(name, size)
        px, py = to_display((x, y))
        for offset in CANDIDATES:
            dx, dy = offset(w, h)
            box = (px + dx * k, py + dy * k, px + (dx + w) * k, py + (dy + h) * k)
            if _inside(box, frame) and not any(_overlap(box, other) for other in taken):
                taken.append(box)
                placed.append(ax.annotate(name, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=size,
                                          va="bottom", ha="left", zorder=30, annotation_clip=True, **style))
                break
    return placed


def _reserved(frame: Any, rect: Box) -> Box:
    x0, y0, x1, y1 = rect
    return (frame.x0 + x0 * frame.width, frame.y0 + y0 * frame.height,
            frame.x0 + x1 * frame.width, frame.y0 + y1 * frame.height)


def _inside(box: Box, frame: Any) -> bool:
    return box[0] >= frame.x0 and box[1] >= frame.y0 and box[2] <= frame.x1 and box[3] <= frame.y1


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
