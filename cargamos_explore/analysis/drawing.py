"""Matplotlib primitives shared by the charts: axes, notes, rate lines and bars.

Imported only when a chart is drawn, so that ``import cargamos_explore`` never pays for
matplotlib. Nothing here picks a backend: matplotlib falls back to Agg by itself when there
is no display, and a notebook's inline backend shows the figure under the cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

ON_TIME: Final = "#2a9d8f"
LATE: Final = "#e76f51"
RATE: Final = "#264653"
MUTED: Final = "#6c757d"
BAR: Final = "#6a9bb5"
PALE_BAR: Final = "#c9dbe5"
PALE_RATE: Final = "#a8b9c2"
NO_SHIPMENTS: Final = "no shipments in this window"


def axes(ax: Axes | None, size: tuple[float, float] = (8.0, 4.5)) -> Axes:
    """``ax`` itself, or the axes of a new figure of ``size`` inches."""
    if ax is not None:
        return ax
    _, created = plt.subplots(figsize=size, layout="constrained")
    return created


def label(ax: Axes, title: str, xlabel: str = "", ylabel: str = "") -> Axes:
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def note(ax: Axes, text: str = NO_SHIPMENTS) -> Axes:
    """Write ``text`` across an axes that has nothing to show, keeping its labels."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            color=MUTED, fontsize=11, fontstyle="italic")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def percent_axis(axis: Axis) -> None:
    axis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))


def count(n: float) -> str:
    """Thousands separated: ``2,881``."""
    return f"{int(n):,}"


def rate_line(ax: Axes, x: pd.Index, rates: pd.Series, sizes: pd.Series,
              provisional: pd.Series, min_sample: int) -> None:
    """Rates joined by a line where they are final; a missing rate (nothing in its
    denominator) is a gap, never a join. Provisional rates stand apart, hollow and not
    joined; rates from fewer than ``min_sample`` are pale. Each point shows its ``n``."""
    values = rates.to_numpy(dtype=float, na_value=np.nan)
    n = sizes.to_numpy(dtype=float, na_value=0)
    at = x.to_numpy()
    later = provisional.to_numpy(dtype=bool, na_value=False)
    ax.plot(at, np.where(later, np.nan, values), color=RATE, linewidth=2, zorder=2)
    small = n < min_sample
    kinds = [(~later & ~small, {"color": RATE}), (~later & small, {"color": PALE_RATE}),
             (later, {"facecolor": "white", "edgecolor": RATE, "linewidth": 1.5})]
    for chosen, style in kinds:
        shown = chosen & np.isfinite(values)
        ax.scatter(at[shown], values[shown], s=36, zorder=3, **style)  # type: ignore[arg-type]
    for xi, yi, ni in zip(at, values, n, strict=True):
        if np.isfinite(yi):
            ax.annotate(f"n={int(ni)}", (xi, yi), xytext=(0, -13), textcoords="offset points",
                        ha="center", fontsize=7, color=MUTED)
    _line_legend(ax, small=bool((small & np.isfinite(values)).any()), later=bool(later.any()),
                 min_sample=min_sample)
    percent_axis(ax.yaxis)
    ax.set_ylim(_rate_floor(values), 1.02)


def _line_legend(ax: Axes, *, small: bool, later: bool, min_sample: int) -> None:
    handles = []
    if small:
        handles.append(Line2D([], [], marker="o", linestyle="", color=PALE_RATE,
                              label=f"fewer than {min_sample} in the denominator"))
    if later:
        handles.append(_hollow("provisional: some promises not yet passed"))
    if handles:
        ax.legend(handles=handles, loc="lower left", frameon=False, fontsize=8)


def rate_bars(ax: Axes, rates: pd.Series, sizes: pd.Series, overall: float | None,
              min_sample: int) -> None:
    """Horizontal bars, the highest rate on top. Rates from fewer than ``min_sample`` are
    pale and listed below the ranking, never first or last; a place with nothing in the
    denominator has no bar. A column right of 100% reads ``87.5%  n=740`` for each."""
    ranked, small, empty = _ranking(rates, sizes, min_sample)
    rows = [*ranked, *small, *empty][::-1]  # barh draws the first row at the bottom
    values = rates[pd.Index(rows)].to_numpy(dtype=float, na_value=np.nan)
    n = sizes[pd.Index(rows)].to_numpy(dtype=float, na_value=0)
    names = [str(name) for name in rows]
    colours = [PALE_BAR if name in small else BAR for name in rows]
    drawn = np.isfinite(values)
    ax.barh(np.flatnonzero(drawn), values[drawn], color=np.array(colours)[drawn].tolist(),
            height=0.7)
    ax.set_yticks(range(len(names)), names)
    for y, (value, k) in enumerate(zip(values, n, strict=True)):
        ax.text(1.03, y, "–" if np.isnan(value) else f"{value:.1%}", va="center", ha="left",
                fontsize=8, fontweight="bold")
        ax.text(1.16, y, f"n={count(k)}", va="center", ha="left", fontsize=8, color=MUTED)
    _unranked_note(ax, len(ranked), len(small) + len(empty), min_sample)
    _overall_line(ax, overall, len(names))
    ax.set_xlim(0, 1.3)  # the label column sits past 100%
    ax.set_xticks(np.linspace(0, 1, 6))
    percent_axis(ax.xaxis)
    ax.set_ylim(-0.6, len(names) + 0.1)
    ax.tick_params(axis="y", length=0)
    ax.spines["bottom"].set_bounds(0, 1)


def _unranked_note(ax: Axes, ranked: int, unranked: int, min_sample: int) -> None:
    """Say which places are not ranked: a dotted line under the ranking, or, when no place
    is ranked, a line under the axis label (a note at the top would sit on the overall
    rate's label, which is drawn there)."""
    if not unranked:
        return
    if not ranked:
        ax.set_xlabel(f"{ax.get_xlabel()}\nevery place has fewer than {min_sample}: "
                      "pale, not ranked")
        return
    ax.axhline(unranked - 0.5, color=MUTED, linewidth=0.8, linestyle=":")
    ax.text(1.0, unranked - 0.45, f"below: fewer than {min_sample}, not ranked",
            ha="right", va="bottom", fontsize=7, color=MUTED)


def _ranking(rates: pd.Series, sizes: pd.Series, min_sample: int
             ) -> tuple[list[object], list[object], list[object]]:
    """Places ranked by rate (highest first), those with too few to rank, and those with
    nothing in the denominator (both by name)."""
    known = rates.notna().to_numpy(dtype=bool)
    enough = (sizes.to_numpy(dtype=float, na_value=0) >= min_sample) & known
    ranked = rates[enough].sort_values(ascending=False, kind="stable").index
    small = sorted(rates.index[known & ~enough], key=str)
    empty = sorted(rates.index[~known], key=str)
    return list(ranked), small, empty


def _overall_line(ax: Axes, overall: float | None, rows: int) -> None:
    if overall is None or np.isnan(overall):
        return
    ax.vlines(overall, -0.6, rows - 0.5, color=RATE, linestyle="--", linewidth=1.2, zorder=3)
    ax.text(overall, rows - 0.45, f"all: {overall:.1%}", color=RATE, fontsize=8,
            ha="center", va="bottom")


def as_of(ax: Axes, text: str) -> None:
    """The report's as-of time, top right above the chart: a rate is true as of then."""
    ax.text(1.0, 1.01, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
            color=MUTED)


def stacked_bars(ax: Axes, table: pd.DataFrame, colours: dict[str, str], *,
                 horizontal: bool) -> None:
    """One bar per row of ``table``, one segment per column; totals at the bar ends."""
    rows = table.iloc[::-1] if horizontal else table  # barh draws the first row at the bottom
    names = [str(name) for name in rows.index]
    start = np.zeros(len(rows))
    for column in rows.columns:
        values = rows[column].to_numpy(dtype=float)
        if horizontal:
            ax.barh(names, values, left=start, color=colours[column], label=column, height=0.7)
        else:
            ax.bar(names, values, bottom=start, color=colours[column], label=column, width=0.8)
        start += values
    _totals(ax, start, horizontal=horizontal)
    (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14 if horizontal else -0.12),
              ncols=2, frameon=False, fontsize=8)


def palette(names: Sequence[str]) -> dict[str, str]:
    """A stable colour per reason: the same reason keeps its colour across charts."""
    colours = plt.get_cmap("tab10").colors  # type: ignore[attr-defined]
    return {name: colours[k % len(colours)] for k, name in enumerate(sorted(names))}


def _totals(ax: Axes, totals: np.ndarray, *, horizontal: bool) -> None:
    pad = 0.01 * (totals.max() if totals.size and totals.max() > 0 else 1)
    for k, total in enumerate(totals):
        if horizontal:
            ax.text(total + pad, k, count(total), va="center", fontsize=8)
        elif total:
            ax.text(k, total + pad, count(total), ha="center", va="bottom", fontsize=7)
    if horizontal:
        ax.set_ylim(-0.6, len(totals) - 0.4)


def _rate_floor(values: np.ndarray) -> float:
    """The y axis starts a little under the lowest rate, at a multiple of 10%."""
    finite = values[np.isfinite(values)]
    lowest = float(finite.min()) if finite.size else 0.0
    return max(0.0, float(np.floor((lowest - 0.05) * 10) / 10))


def _hollow(text: str) -> Line2D:
    return Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                  markeredgecolor=RATE, label=text)
