"""Per-port traffic aggregates from the monthly traffic layer (contract: port-traffic, role "traffic").

The layer holds one row per port and month with one integer column per BTS measure (the stems of
``layers.ports.MEASURES``) and ``people``. Everything a port profile needs is aggregated once, at load.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import DataDirError
from layers.ports import MEASURES

COLUMNS = [*MEASURES.values(), "people"]


@dataclass(frozen=True)
class TrafficTable:
    """Yearly totals per port and measure (full years only), and each port's busiest month."""

    yearly: pd.DataFrame  # index (port_code, year), columns COLUMNS
    full_years: tuple[int, ...]
    busiest: dict[str, tuple[str, int]]  # port_code -> ("YYYY-MM", people)
    first_month: str
    last_month: str

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> TrafficTable:
        """Aggregate the monthly rows (port_code, month, measures..., people)."""
        missing = [c for c in ("port_code", "month", *COLUMNS) if c not in frame.columns]
        if missing:
            raise DataDirError(f"the traffic layer lacks columns {missing}: rebuild it")
        month = pd.to_datetime(frame["month"])
        data = frame[["port_code", *COLUMNS]].assign(year=month.dt.year, ym=month.dt.strftime("%Y-%m"))
        months = sorted(data["ym"].unique())
        per_year = pd.Series(months).str[:4].astype(int).value_counts()
        full = tuple(sorted(int(str(y)) for y, n in per_year.items() if n == 12))
        yearly = data[data["year"].isin(full)].groupby(["port_code", "year"])[COLUMNS].sum().astype("int64")
        top = data.sort_values(["people", "ym"], ascending=[False, True]).drop_duplicates("port_code")
        busiest = {str(code): (str(ym), int(people)) for code, ym, people in
                   zip(top["port_code"], top["ym"], top["people"], strict=True)}
        return cls(yearly, full, busiest, months[0], months[-1])

    def port_years(self, code: str) -> pd.DataFrame:
        """The port's yearly totals (index year, every full year present, zeros where it reported nothing)."""
        if code not in self.yearly.index.get_level_values(0):
            return pd.DataFrame(0, index=pd.Index(self.full_years, name="year"), columns=COLUMNS)
        years = pd.DataFrame(self.yearly.xs(code, level="port_code"))
        return years.reindex(self.full_years, fill_value=0)

    def border_year(self, year: int) -> int:
        """People entering through every port in ``year``."""
        return int(self.yearly.xs(year, level="year")["people"].sum())


def trend(years: list[int], values: list[int]) -> dict[str, Any]:
    """Least-squares slope (per year), change first to last year, and compound annual growth, from the first
    year with reported traffic (a port opened, or first reported, later than the data start)."""
    x, y = np.asarray(years, dtype=float), np.asarray(values, dtype=float)
    start = int(np.argmax(y > 0)) if y.any() else 0
    x, y = x[start:], y[start:]
    if len(x) < 2 or not y.any():
        return {"from_year": None, "slope_per_year": None, "change_pct": None, "cagr_pct": None,
                "direction": None}
    slope = float(np.polyfit(x, y, 1)[0])
    first, last = float(y[0]), float(y[-1])
    change = (last - first) / first * 100.0 if first > 0 else None
    span = float(x[-1] - x[0])
    cagr = ((last / first) ** (1.0 / span) - 1.0) * 100.0 if first > 0 and last > 0 else None
    rel = slope / max(float(y.mean()), 1.0)
    direction = "rising" if rel > 0.005 else "falling" if rel < -0.005 else "flat"
    return {
        "from_year": int(x[0]),
        "slope_per_year": round(slope),
        "change_pct": None if change is None else round(change, 1),
        "cagr_pct": None if cagr is None else round(cagr, 2),
        "direction": direction,
    }
