"""What the dashboard shows: a frozen set of filters, applied to a frame or written as SQL.

A ``Filters`` value is the whole state of the selection: the date range (by the day the
shipment was created, in Mexico City, both ends included), states, alcaldías, a search for a
tracking id or the shipper's barcode, and the chips that clicks on the charts added. Sources
apply the same value in pandas (``mask``) or in DuckDB (``where``), so the two cannot drift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Final

import pandas as pd

from ... import contract as c
from ...analysis.anomalies import FAILED_STATE, NO_REASON

#: Chips a click on a chart adds: which chart, and what its value means.
CHIP_KINDS: Final = ("week", "alcaldia", "reason", "lead")


@dataclass(frozen=True)
class Chip:
    """One click on a chart: ``kind`` in CHIP_KINDS, ``value`` the week's Monday (ISO), the
    alcaldía, the failure reason, or a lead-time bin ``"lo-hi"`` in hours (hi may be inf)."""

    kind: str
    value: str

    @property
    def label(self) -> str:
        if self.kind == "lead":
            low, high = self.bounds()
            return f"lead time {low:g}–{high:g} h" if math.isfinite(high) else \
                f"lead time ≥ {low:g} h"
        return {"week": "week of ", "alcaldia": "", "reason": "failed: "}[self.kind] + self.value

    def bounds(self) -> tuple[float, float]:
        low, _, high = self.value.partition("-")
        return float(low), float(high)


@dataclass(frozen=True)
class Filters:
    """The selection: every panel of the dashboard shows the shipments matching it."""

    start: date
    end: date
    states: tuple[str, ...] = ()
    alcaldias: tuple[str, ...] = ()
    search: str = ""
    chips: tuple[Chip, ...] = field(default=())

    def window(self) -> tuple[date, date]:
        """The days covered, narrowed to a clicked week when there is one."""
        start, end = self.start, self.end
        for chip in self.chips:
            if chip.kind == "week":
                monday = date.fromisoformat(chip.value)
                start, end = max(start, monday), min(end, monday + timedelta(days=6))
        return start, end

    def previous(self) -> Filters:
        """The same filters over the period of equal length just before the window."""
        start, end = self.window()
        length = (end - start).days + 1
        return replace(self, start=start - timedelta(days=length),
                       end=start - timedelta(days=1),
                       chips=tuple(chip for chip in self.chips if chip.kind != "week"))

    def chips_of(self, kind: str) -> list[str]:
        return [chip.value for chip in self.chips if chip.kind == kind]


def day_start(day: date) -> pd.Timestamp:
    """Midnight of ``day`` in Mexico City, where the API's days begin."""
    return pd.Timestamp(day).tz_localize(c.TIMEZONE)


def mask(df: pd.DataFrame, filters: Filters, failed: pd.DataFrame | None) -> pd.Series:
    """The rows of a shipments frame that match; ``failed`` holds the failed attempts'
    ``tracking_id`` and ``reason`` (needed only for a reason chip)."""
    start, end = filters.window()
    created = df["created_at"]
    keep = (created >= day_start(start)) & (created < day_start(end + timedelta(days=1)))
    if filters.states:
        keep &= df["state"].isin(filters.states)
    for places in (filters.alcaldias, filters.chips_of("alcaldia")):
        if places:
            keep &= df["alcaldia"].isin(places)
    if filters.search:
        keep &= _matches(df, filters.search)
    keep &= _chip_mask(df, filters, failed)
    return keep.fillna(False).astype(bool)


def _matches(df: pd.DataFrame, text: str) -> pd.Series:
    needle = text.strip().lower()
    found = pd.Series(False, index=df.index)
    for column in ("tracking_id", "shipment_tracking_id"):
        values = df[column].astype("string").str.lower()
        found |= values.str.contains(needle, regex=False).fillna(False).astype(bool)
    return found


def _chip_mask(df: pd.DataFrame, filters: Filters, failed: pd.DataFrame | None) -> pd.Series:
    keep = pd.Series(True, index=df.index)
    reasons = filters.chips_of("reason")
    if reasons:
        ids = failed.loc[failed["reason"].isin(reasons), "tracking_id"] if failed is not None \
            else pd.Series([], dtype="string")
        keep &= df["tracking_id"].isin(ids)
    for chip in (chip for chip in filters.chips if chip.kind == "lead"):
        low, high = chip.bounds()
        lead = (df["delivered_at"] - df["shipper_dropoff_date"]).dt.total_seconds() / 3600
        keep &= (df["state"] == "DELIVERED") & (lead >= low) & (lead < high)
    return keep.fillna(False).astype(bool)


def months(filters: Filters) -> list[str]:
    """The first and last month (``'2026-10'``) of an exported dataset the window touches."""
    start, end = filters.window()
    return [f"{start:%Y-%m}", f"{end:%Y-%m}"]


def where(filters: Filters) -> tuple[str, list[Any]]:
    """The same selection as a DuckDB ``where`` clause over the ``shipments`` view, with its
    parameters (``events`` answers a reason chip)."""
    start, end = filters.window()
    # The month partition (of creation, in Mexico City) lets DuckDB skip whole files.
    clauses = ["month >= ?", "month <= ?", "created_at >= ?", "created_at < ?"]
    params: list[Any] = [*months(filters), day_start(start).to_pydatetime(),
                         day_start(end + timedelta(days=1)).to_pydatetime()]
    for column, values in (("state", filters.states), ("alcaldia", filters.alcaldias),
                           ("alcaldia", filters.chips_of("alcaldia"))):
        if values:
            clauses.append(f"{column} in ({', '.join('?' * len(values))})")
            params += list(values)
    if filters.search:
        clauses.append("(contains(lower(tracking_id), ?) "
                       "or contains(lower(coalesce(shipment_tracking_id, '')), ?))")
        params += [filters.search.strip().lower()] * 2
    for reason in filters.chips_of("reason"):
        clauses.append("tracking_id in (select tracking_id from events where state = ? and "
                       "coalesce(anomaly_description, anomaly_code, ?) = ?)")
        params += [FAILED_STATE, NO_REASON, reason]
    for chip in (chip for chip in filters.chips if chip.kind == "lead"):
        low, high = chip.bounds()
        clauses.append("state = 'DELIVERED' and epoch(delivered_at - shipper_dropoff_date) "
                       "/ 3600 >= ? and epoch(delivered_at - shipper_dropoff_date) / 3600 < ?")
        params += [low, high if math.isfinite(high) else 1e18]
    return " and ".join(f"({clause})" for clause in clauses), params
