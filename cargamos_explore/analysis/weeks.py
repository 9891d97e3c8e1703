"""Weeks of creation in a KPI report: every week in a row, and the unfinished one apart.

A week with no shipments still gets its row (zero counts, missing rates), so a chart shows
a gap there instead of joining its neighbours. The week that holds the report's as-of time
has not ended: its figures are what a few days of shipments say so far, so it is kept out
of the weekly table and shown on its own, labelled as partial.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .. import contract as c
from .display import KPIFrame


@dataclass(frozen=True)
class Weeks:
    """The weekly table without the unfinished week, and that week (one row or none)."""

    complete: KPIFrame
    current: KPIFrame


def monday(moments: pd.Series) -> pd.Series:
    """The Monday (Mexico City) starting each moment's week, as a date, named ``week``."""
    local = moments.dt.tz_convert(c.TIMEZONE).dt.tz_localize(None).dt.normalize()
    mondays = local - pd.to_timedelta(local.dt.day_of_week, unit="D")
    # A date object per distinct week, not per shipment: a few, instead of a million.
    codes, uniques = pd.factorize(mondays)
    days = np.array([*uniques.date, np.nan], dtype=object)  # code -1 (no time) reads NaN
    return pd.Series(days[codes], index=moments.index, name="week")


def week_of(moment: pd.Timestamp) -> date:
    """The Monday starting the week that holds ``moment`` (Mexico City)."""
    return monday(pd.Series([moment])).iloc[0]  # type: ignore[no-any-return]


def split(table: KPIFrame, as_of: pd.Timestamp) -> Weeks:
    """Every week from the first to the last in ``table`` (missing ones with zero counts),
    the week of ``as_of`` and any later one set apart."""
    known = table[pd.notna(table.index)]
    current = week_of(as_of)
    if known.empty:
        return Weeks(known, known)
    every = pd.date_range(min(known.index), max(known.index), freq="7D").date
    full = known.reindex(pd.Index(every, name="week"))
    counts = [name for name in known.columns if known[name].dtype.kind in "iu"]
    full = full.fillna({name: 0 for name in counts})
    full["provisional"] = full["not_yet_due"] > 0  # an empty week has nothing to wait for
    full = KPIFrame(full.astype(known.dtypes.to_dict()))
    return Weeks(KPIFrame(full[full.index < current]), KPIFrame(full[full.index >= current]))


def describe_current(current: pd.DataFrame) -> str:
    """One line on the unfinished week, for the report's text."""
    if current.empty:
        return "Current week: no shipments yet"
    row = current.iloc[0]
    return (f"Current week from {current.index[0]} (partial, left out of the weekly table): "
            f"{int(row['shipments']):,} shipments, {int(row['due']):,} due, "
            f"{int(row['delivered']):,} delivered so far")
