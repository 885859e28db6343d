"""Small inline-SVG charts of monthly series (no chart library, nothing fetched)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

import pandas as pd

from maps.i18n import Lang, t, value_label
from maps.symbology import fmt

WIDTH = 380
PANEL = 64  # height of one series' panel, px
LEFT, RIGHT, TOP = 4, 4, 14
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
XScale = Callable[[pd.Timestamp], float]  # month -> x in px


def monthly_chart(series: Mapping[str, pd.Series], lang: Lang = "en", width: int = WIDTH) -> str:
    """One small line chart per series (own y scale from 0) on a shared time axis, captions in ``lang``; '' if none."""
    clean = {value_label(name, lang): _monthly(s) for name, s in series.items()}
    clean = {name: s for name, s in clean.items() if not s.empty and float(s.max()) > 0}
    if not clean:
        return ""
    start = min(s.index.min() for s in clean.values())
    end = max(s.index.max() for s in clean.values())
    span = max((end - start).days, 1)

    def x(t: pd.Timestamp) -> float:
        return LEFT + (width - LEFT - RIGHT) * (t - start).days / span

    height = len(clean) * PANEL + 16
    parts = [_year_ticks(start, end, x, height)]
    for i, (name, s) in enumerate(clean.items()):
        parts.append(_panel(name, s, x, i * PANEL, COLOURS[i % len(COLOURS)], lang))
    label = escape(t("chart_label", lang, names=", ".join(clean), start=f"{start:%Y-%m}", end=f"{end:%Y-%m}"))
    return (f'<svg class="bg-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{label}">{"".join(parts)}</svg>')


def _monthly(s: pd.Series) -> pd.Series:
    """The series indexed by month start, summed per month, NaN dropped."""
    index = pd.DatetimeIndex(pd.to_datetime(s.index.astype(str)))
    out = pd.Series(s.to_numpy(dtype=float), index=index.to_period("M").to_timestamp()).dropna()
    return out.groupby(level=0).sum().sort_index()


def _panel(name: str, s: pd.Series, xf: XScale, top: int, colour: str, lang: Lang) -> str:
    """A line and area for one series, its name, peak and latest value."""
    vmax = float(s.max())
    y0 = top + PANEL - 4

    def y(v: float) -> float:
        return y0 - (PANEL - TOP - 6) * v / vmax

    pts = " ".join(f"{xf(t):.1f},{y(float(v)):.1f}" for t, v in zip(s.index, s.to_numpy(), strict=True))
    first, last = xf(s.index[0]), xf(s.index[-1])
    peak_t = s.idxmax()
    text = t("chart_panel", lang, name=name, peak=fmt(vmax), peak_month=f"{peak_t:%Y-%m}",
             last=fmt(float(s.iloc[-1])), last_month=f"{s.index[-1]:%Y-%m}")
    return (f'<polygon points="{first:.1f},{y0} {pts} {last:.1f},{y0}" fill="{colour}" fill-opacity="0.15"/>'
            f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.2"/>'
            f'<line x1="{LEFT}" y1="{y0}" x2="{last:.1f}" y2="{y0}" stroke="#999" stroke-width="0.5"/>'
            f'<text x="{LEFT}" y="{top + 10}">{escape(text)}</text>')


def _year_ticks(start: pd.Timestamp, end: pd.Timestamp, xf: XScale, height: int) -> str:
    """Light vertical lines every 5 years, labelled at the bottom."""
    out = []
    for year in range((start.year // 5 + 1) * 5, end.year + 1, 5):
        xx = xf(pd.Timestamp(year=year, month=1, day=1))
        out.append(f'<line x1="{xx:.1f}" y1="0" x2="{xx:.1f}" y2="{height - 12}" stroke="#ddd"/>'
                   f'<text x="{xx:.1f}" y="{height - 2}" text-anchor="middle">{year}</text>')
    return "".join(out)
