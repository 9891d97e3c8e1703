"""The numbers the dashboard draws, computed in the kernel: tiles and chart aggregates.

The browser receives these small lists (a few hundred numbers), never the shipments. Every
tile value comes from ``cx.kpis(rows).overall`` through the one table ``TILES``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from ...analysis.anomalies import NO_ALCALDIA, place

if TYPE_CHECKING:
    from ...analysis import KPIReport

#: Tile label -> (field of ``cx.kpis(rows).overall``, the count it is measured over, format).
#: The one place that ties a tile to a KPI: a renamed or added KPI is one edit here.
TILES: Final = {
    "Shipments": ("shipments", "shipments", "count"),
    "Delivered": ("delivered", "shipments", "count"),
    "On-time rate": ("on_time_rate", "due", "rate"),
    "First-attempt rate": ("first_attempt_rate", "attempted", "rate"),
    "MISHAP rate": ("mishap_rate", "closed", "rate"),
    "Median lead time": ("dropoff_to_delivery_median_h", "delivered", "hours"),
}
#: Tiles where a fall is good news (drawn with the "better" colour when they go down).
LOWER_IS_BETTER: Final = frozenset({"MISHAP rate", "Median lead time"})
#: Rates from fewer shipments than this are drawn pale, as in ``report.plot``.
SMALL_SAMPLE: Final = 30
LEAD_EDGES: Final = (0, 12, 24, 36, 48, 72, 96, 120, math.inf)
#: Map cells: coordinates rounded to this many degrees (about 550 m), so the browser gets
#: counts per cell rather than recipients' addresses.
MAP_CELL: Final = 0.005


def tiles(current: pd.DataFrame, previous: pd.DataFrame) -> list[dict[str, Any]]:
    """One tile per ``TILES`` entry from two ``overall`` rows of ``cx.kpis``: value, change
    against the previous period, sample."""
    now, before = current.iloc[0], previous.iloc[0]
    out = []
    for label, (name, sample, kind) in TILES.items():
        value, old = _number(now[name]), _number(before[name])
        change = None if value is None or old is None else value - old
        out.append({"label": label, "field": name, "kind": kind, "value": value,
                    "previous": old, "change": change, "sample": int(now[sample]),
                    "previous_sample": int(before[sample]), "text": _text(value, kind),
                    "change_text": _change_text(change, kind),
                    "better": _better(label, change)})
    return out


def _number(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _text(value: float | None, kind: str) -> str:
    if value is None:
        return "–"
    return {"count": f"{value:,.0f}", "rate": f"{value:.1%}", "hours": f"{value:.1f} h"}[kind]


def _change_text(change: float | None, kind: str) -> str:
    if change is None:
        return "no previous value"
    if kind == "rate":
        return f"{change * 100:+.1f} pts"
    return f"{change:+,.0f}" if kind == "count" else f"{change:+.1f} h"


def _better(label: str, change: float | None) -> str:
    if not change:
        return "same"
    return "better" if (change < 0) == (label in LOWER_IS_BETTER) else "worse"


def charts(report: KPIReport, reasons: pd.Series) -> dict[str, Any]:
    """Every chart's bars or points: on-time by week and by alcaldía, failed-attempt
    reasons, the lead-time distribution and the map cells."""
    overall = _number(report.overall.iloc[0]["on_time_rate"])
    return {
        "overall_on_time": overall,
        "by_week": weeks(report),
        # Highest rate first, ties by name: the same order whatever the source.
        "by_alcaldia": sorted(_rates(report.by_alcaldia, str, str),
                              key=lambda bar: (-(bar["rate"] if bar["rate"] is not None
                                                 else -1), bar["key"])),
        "reasons": [{"key": str(k), "label": str(k), "n": int(n)} for k, n in reasons.items()],
        "lead": lead_bins(report.shipments),
        "map": (cells := map_cells(report.shipments)),
        "map_labels": map_labels(cells),
    }


def weeks(report: KPIReport) -> list[dict[str, Any]]:
    """The ended weeks, then the unfinished one marked ``partial`` ("so far"); a week
    holding shipments not yet due is ``provisional`` (drawn hollow: it can still change)."""
    ended = _rates(report.by_week, lambda key: f"{key:%d %b}", str)
    current = _rates(report.current_week, lambda key: f"{key:%d %b} (so far)", str)
    for bar, provisional in zip(ended, report.by_week["provisional"], strict=True):
        bar["provisional"] = bool(provisional)
    for bar in current:
        bar["provisional"] = bar["partial"] = True
    return ended + current


def _rates(frame: pd.DataFrame, label: Any, key: Any) -> list[dict[str, Any]]:
    missing = frame.index.isna()
    return [{"key": NO_ALCALDIA if gone else key(k), "label": NO_ALCALDIA if gone else label(k),
             "rate": _number(row["on_time_rate"]), "n": int(row["due"]),
             "small": int(row["due"]) < SMALL_SAMPLE}
            for (k, row), gone in zip(frame.iterrows(), missing, strict=True)]


def lead_hours(rows: pd.DataFrame) -> pd.Series:
    """Hours from drop-off to delivery, for delivered shipments only."""
    delivered = (rows["state"] == "DELIVERED").fillna(False).astype(bool)
    hours = (rows["delivered_at"] - rows["shipper_dropoff_date"]).dt.total_seconds() / 3600
    return hours[delivered].dropna().astype(float)


def lead_bins(rows: pd.DataFrame) -> list[dict[str, Any]]:
    counts = np.histogram(lead_hours(rows).clip(lower=0), bins=np.array(LEAD_EDGES))[0]
    return [{"key": f"{low}-{high}", "n": int(n),
             "label": f"{low}–{high} h" if math.isfinite(high) else f"≥ {low} h"}
            for low, high, n in zip(LEAD_EDGES[:-1], LEAD_EDGES[1:], counts, strict=True)]


def map_cells(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Delivered shipments with coordinates, counted per cell: its centre, count, on-time
    rate and the alcaldía of its first shipment (cells are small: one alcaldía, nearly
    always)."""
    if not {"lat", "lng"} <= set(rows.columns) or rows.empty:
        return []
    delivered = (rows["state"] == "DELIVERED").fillna(False).astype(bool).to_numpy()
    lat = rows["lat"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    lng = rows["lng"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    keep = delivered & np.isfinite(lat) & np.isfinite(lng)
    # One integer per cell: grouping on it is several times faster than on two floats.
    row, col = np.round(lat[keep] / MAP_CELL), np.round(lng[keep] / MAP_CELL)
    points = pd.DataFrame({
        "cell": (row * 100_000 + col).astype(np.int64), "row": row, "col": col,
        "on_time": (rows["delivered_at"] <= rows["expected_delivery_date"])
        .to_numpy(dtype=float, na_value=np.nan)[keep],
        "position": np.flatnonzero(keep),
    })
    cells = points.groupby("cell", sort=True).agg(
        row=("row", "first"), col=("col", "first"), n=("on_time", "size"),
        rate=("on_time", "mean"), position=("position", "first"))
    # Names only for the cells' first shipments: a few hundred, not every row.
    names = place(rows["alcaldia"].iloc[cells["position"].to_numpy()]).tolist()
    return [{"lat": round(r * MAP_CELL, 4), "lng": round(c * MAP_CELL, 4), "n": int(n),
             "rate": float(rate), "alcaldia": name}
            for (r, c, n, rate, _), name in zip(cells.itertuples(index=False), names,
                                                 strict=True)]


def map_labels(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One name per alcaldía, at the centre of its cells weighted by their deliveries (so
    it sits where that alcaldía's points are densest), largest first: the page draws them
    in this order and leaves out a name that would cover one already drawn."""
    frame = pd.DataFrame(cells, columns=["lat", "lng", "n", "alcaldia"])
    frame = frame[frame["alcaldia"] != NO_ALCALDIA]  # no name to write
    frame["wlat"], frame["wlng"] = frame["lat"] * frame["n"], frame["lng"] * frame["n"]
    sums = frame.groupby("alcaldia", sort=True)[["wlat", "wlng", "n"]].sum()
    sums = sums.sort_values("n", ascending=False, kind="stable")
    return [{"alcaldia": str(name), "lat": round(wlat / n, 4), "lng": round(wlng / n, 4),
             "n": int(n)} for name, (wlat, wlng, n) in sums.iterrows()]
