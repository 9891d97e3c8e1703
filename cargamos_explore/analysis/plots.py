"""The charts of a KPI report, one call each: ``cx.kpis(df).plot.on_time_by_week()``.

Every method draws on ``ax`` when given (to compose a figure of your own), otherwise on a
new figure, and returns the ``Axes`` (``overview`` returns the ``Figure``). Rates are drawn
on percent axes with their sample sizes; a window with nothing to show gives a labelled,
empty chart that says so. Failed attempts, anomaly reasons and MISHAP reasons come from the
events, so those charts need ``cx.kpis(shipments, events=session.events(...))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..errors import InvalidArgumentError
from . import anomalies, drawing, maps
from .drawing import count

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .kpis import KPIReport

#: Each rate a chart can show: its title, and the count column that is its denominator
#: (every label names it: "of 4,892 due").
RATES: Final = {
    "on_time_rate": ("On-time rate", "due"),
    "on_time_among_delivered_rate": ("On time among delivered", "delivered"),
    "first_attempt_rate": ("First-attempt rate", "attempted"),
    "mishap_rate": ("MISHAP rate", "closed"),
}
NO_FAILED_ATTEMPTS: Final = "no failed attempts in this window"


class KPIPlots:
    """Charts of one ``KPIReport``; reach them as ``report.plot``."""

    def __init__(self, report: KPIReport) -> None:
        self._report = report

    def on_time_by_week(self, ax: Axes | None = None) -> Axes:
        """Weekly share of due shipments delivered no later than the promised instant,
        by week of creation; a MISHAP or an open shipment past its promise is late."""
        return self.by_week("on_time_rate", ax=ax)

    def first_attempt_by_week(self, ax: Axes | None = None) -> Axes:
        """Weekly share of attempted shipments delivered on their first attempt."""
        return self.by_week("first_attempt_rate", ax=ax)

    def by_week(self, rate: str = "on_time_rate", ax: Axes | None = None) -> Axes:
        """A rate of ``RATES`` per ended week, as a line; each point shows its sample size.
        A week with nothing in the denominator is a gap; a provisional week (promises not
        all passed) stands apart, hollow; the unfinished current week is not drawn."""
        title, size = _rate(rate)
        weeks = self._report.by_week
        ax = drawing.axes(ax)
        drawing.label(ax, f"{title} by week (of {count(weeks[size].sum())} {size})",
                      "week of creation (starting Monday)", f"{title}, of {size} shipments")
        drawing.as_of(ax, self._report.as_of_text)
        if not weeks[rate].notna().any():
            return drawing.note(ax, self._nothing(size))
        drawing.rate_line(ax, pd.DatetimeIndex(pd.to_datetime(weeks.index)), weeks[rate],
                          weeks[size], weeks["provisional"], self._report.min_sample)
        # matplotlib.dates has no annotations yet; these two calls are typed by hand.
        locator = mdates.AutoDateLocator(minticks=3, maxticks=10)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))  # type: ignore[no-untyped-call]
        return ax

    def by_alcaldia(self, rate: str = "on_time_rate", ax: Axes | None = None) -> Axes:
        """A rate of ``RATES`` per alcaldía, as bars from the highest down, with the overall
        rate as a dashed line; places with fewer than ``min_sample`` in the denominator
        are pale and listed below the ranking, places with none have no bar."""
        title, size = _rate(rate)
        places = self._report.by_alcaldia.copy()
        places.index = anomalies.place(pd.Series(places.index, dtype=object)).to_numpy()
        ax = drawing.axes(ax, (8.0, 1.9 + 0.32 * max(len(places), 3)))
        drawing.label(ax, f"{title} by alcaldía (of {count(places[size].sum())} {size})",
                      f"{title}, of {size} shipments")
        drawing.as_of(ax, self._report.as_of_text)
        if not places[rate].notna().any():
            return drawing.note(ax, self._nothing(size))
        overall = self._report.overall[rate].iloc[0]
        drawing.rate_bars(ax, places[rate], places[size], None if pd.isna(overall)
                          else float(overall), self._report.min_sample)
        return ax

    def lead_time(self, ax: Axes | None = None) -> Axes:
        """Hours from the shipper's drop-off to delivery of delivered shipments, on-time and
        late stacked, with the report's median, p90 and p95 marked (those count the
        shipments still open too, see ``leadtime``)."""
        hours, on_time = _lead_times(self._report.shipments)
        ax = drawing.axes(ax)
        drawing.label(ax, f"Lead time, drop-off to delivery ({count(len(hours))} delivered)",
                      "hours from drop-off to delivery", "shipments")
        drawing.as_of(ax, self._report.as_of_text)
        if hours.empty:
            return drawing.note(ax, self._nothing("delivered"))
        ax.hist([hours[on_time], hours[~on_time]], stacked=True, bins=_bins(hours),
                color=[drawing.ON_TIME, drawing.LATE], label=["on time", "late"])
        overall = self._report.overall.iloc[0]
        for row, name in enumerate(("median", "p90", "p95")):
            _mark(ax, name, overall[f"dropoff_to_delivery_{name}_h"], 1 - 0.07 * row)
        ax.legend(frameon=False, fontsize=8)
        return ax

    def failed_attempts(self, ax: Axes | None = None) -> Axes:
        """Failed delivery attempts by reason, the most frequent on top."""
        counts = anomalies.by_reason(anomalies.reasons(self._events("failed_attempts")))
        ax = drawing.axes(ax, (8.0, 1.6 + 0.4 * max(len(counts), 3)))
        drawing.label(ax, f"Failed delivery attempts by reason ({count(counts.sum())})",
                      "failed attempts")
        if counts.empty:
            return drawing.note(ax, NO_FAILED_ATTEMPTS)
        shown = counts.iloc[::-1]
        colours = drawing.palette(list(counts.index))
        ax.barh(list(shown.index), shown.to_numpy(), color=[colours[r] for r in shown.index])
        for y, value in enumerate(shown.to_numpy()):
            ax.text(value, y, f" {count(value)} ({value / counts.sum():.0%})", va="center",
                    fontsize=8)
        ax.set_xlim(0, counts.max() * 1.2)
        return ax

    def anomalies_by_alcaldia(self, ax: Axes | None = None) -> Axes:
        """Failed attempts per alcaldía, split by reason, the most failures on top."""
        table = anomalies.by_alcaldia(self._events("anomalies_by_alcaldia"),
                                      self._report.shipments)
        ax = drawing.axes(ax, (8.0, 2.4 + 0.32 * max(len(table), 3)))
        return _stacked(ax, table, "Failed attempts by alcaldía and reason", "failed attempts",
                        horizontal=True)

    def anomalies_by_hour(self, ax: Axes | None = None) -> Axes:
        """Failed attempts per hour of the day (Mexico City), split by reason."""
        table = anomalies.by_hour(self._events("anomalies_by_hour"))
        ax = drawing.axes(ax)
        _stacked(ax, table, "Failed attempts by hour of the day", "failed attempts",
                 horizontal=False)
        ax.set_xlabel("hour (Mexico City)")
        return ax

    def anomalies_by_weekday(self, ax: Axes | None = None) -> Axes:
        """Failed attempts per weekday (Mexico City), split by reason."""
        table = anomalies.by_weekday(self._events("anomalies_by_weekday"))
        ax = drawing.axes(ax)
        return _stacked(ax, table, "Failed attempts by weekday", "failed attempts",
                        horizontal=False)

    def mishaps(self, ax: Axes | None = None) -> Axes:
        """Shipments in MISHAP, awaiting the shipper's instructions, per alcaldía and reason
        (the reasons need events; without them every bar reads "reason not given")."""
        table = anomalies.mishaps_awaiting(self._report.shipments, self._report.events)
        ax = drawing.axes(ax, (8.0, 2.4 + 0.32 * max(len(table), 3)))
        empty = "no MISHAPs awaiting instructions" if len(self._report.shipments) else None
        return _stacked(ax, table, "MISHAPs awaiting instructions", "shipments",
                        horizontal=True, empty=empty or drawing.NO_SHIPMENTS)

    def map(self, ax: Axes | None = None) -> Axes:
        """Delivered shipments at their coordinates, on time or late, alcaldías named."""
        drawn = maps.deliveries(self._report.shipments, ax)
        drawing.as_of(drawn, self._report.as_of_text)
        return drawn

    def overview(self) -> Figure:
        """Four panels: weekly on-time rate, on time by alcaldía, lead time, the map."""
        figure = plt.figure(figsize=(15, 10), layout="constrained")
        grid = figure.add_gridspec(2, 2, width_ratios=(1.4, 1))
        self.on_time_by_week(figure.add_subplot(grid[0, 0]))
        self.by_alcaldia(ax=figure.add_subplot(grid[1, 0]))
        self.lead_time(figure.add_subplot(grid[0, 1]))
        self.map(figure.add_subplot(grid[1, 1]))
        return figure

    def _nothing(self, kind: str) -> str:
        """Why a chart is empty: no shipments at all, or none of the kind it counts."""
        any_shipments = int(self._report.overall["shipments"].iloc[0]) > 0
        return f"no {kind} shipments in this window" if any_shipments else drawing.NO_SHIPMENTS

    def _events(self, chart: str) -> pd.DataFrame:
        if self._report.events is None:
            raise InvalidArgumentError(
                f"events: {chart}() reads the events; pass them to kpis() as "
                "cx.kpis(shipments, events=session.events(...))", argument="events")
        return self._report.events


def _rate(rate: str) -> tuple[str, str]:
    if rate not in RATES:
        raise InvalidArgumentError(f"rate: {rate!r} is not one of {sorted(RATES)}",
                                   argument="rate")
    return RATES[rate]


def _stacked(ax: Axes, table: pd.DataFrame, title: str, unit: str, *, horizontal: bool,
             empty: str = NO_FAILED_ATTEMPTS) -> Axes:
    total = int(table.to_numpy().sum()) if table.size else 0
    labels = (unit, "") if horizontal else ("", unit)
    drawing.label(ax, f"{title} ({count(total)})", *labels)
    if total == 0:
        return drawing.note(ax, empty)
    drawing.stacked_bars(ax, table, drawing.palette(list(table.columns)),
                         horizontal=horizontal)
    return ax


def _lead_times(shipments: pd.DataFrame) -> tuple[pd.Series, Any]:
    """Hours from drop-off to delivery of delivered shipments, and whether each was on time."""
    delivered = shipments[(shipments["state"] == "DELIVERED").fillna(False).astype(bool)
                          & shipments["delivered_at"].notna()
                          & shipments["shipper_dropoff_date"].notna()]
    hours = (delivered["delivered_at"] - delivered["shipper_dropoff_date"]).dt.total_seconds()
    late = (delivered["delivered_at"] > delivered["expected_delivery_date"]).fillna(False)
    return (hours / 3600).reset_index(drop=True), ~late.to_numpy(dtype=bool)


def _mark(ax: Axes, name: str, hours: object, height: float) -> None:
    """A dashed line at a lead-time quantile, labelled at ``height`` (a share of the axes:
    the three labels are staggered so that close quantiles stay readable)."""
    if pd.isna(hours):  # type: ignore[call-overload]
        return
    at = float(hours)  # type: ignore[arg-type]
    ax.axvline(at, color=drawing.MUTED, linestyle="--", linewidth=1)
    ax.text(at, height, f" {name} {at:.1f} h", transform=ax.get_xaxis_transform(), va="top",
            color=drawing.MUTED, fontsize=8)


def _bins(hours: pd.Series) -> list[float]:
    """Bins of 4 hours (wider when the spread is long, so there are at most about 40)."""
    low, high = float(hours.min()), float(hours.max())
    width = max(4.0, float(np.ceil((high - low) / 40)))
    start = np.floor(low / width) * width
    return [float(edge) for edge in np.arange(start, high + width, width)]
