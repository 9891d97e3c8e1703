"""Failed attempts and MISHAPs as tables: when, where and why. Pure pandas, no I/O.

Every event of a failed attempt (``DELIVERY_ATTEMPTED``) or of a ``MISHAP`` carries an
anomaly; its reason is the Spanish description the API sends, or its code when the
description is missing. Counts are by event for failed attempts (one shipment may fail
twice) and by shipment for MISHAPs awaiting instructions (a shipment waits only once).
"""

from __future__ import annotations

from typing import Final

import pandas as pd

FAILED_STATE: Final = "DELIVERY_ATTEMPTED"
MISHAP_STATE: Final = "MISHAP"
NO_REASON: Final = "reason not given"
NO_ALCALDIA: Final = "(no alcaldía)"
WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS: Final = tuple(range(24))


def reasons(events: pd.DataFrame, state: str = FAILED_STATE) -> pd.DataFrame:
    """The events entering ``state``: ``tracking_id``, ``timestamp`` and ``reason``."""
    chosen = events[(events["state"] == state).fillna(False).astype(bool)]
    reason = chosen["anomaly_code"].astype(object)
    if "anomaly_description" in chosen.columns:
        reason = chosen["anomaly_description"].astype(object).where(
            chosen["anomaly_description"].notna(), reason)
    return pd.DataFrame({
        "tracking_id": chosen["tracking_id"],
        "timestamp": chosen["timestamp"],
        "reason": reason.where(reason.notna(), NO_REASON).astype(str),
    })


def by_reason(rows: pd.DataFrame) -> pd.Series:
    """How many rows per reason, the most frequent first."""
    counts = rows["reason"].value_counts(sort=False)
    return counts.sort_values(ascending=False, kind="stable").astype("int64")


def with_alcaldia(rows: pd.DataFrame, shipments: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with each shipment's alcaldía (``NO_ALCALDIA`` when it is not known)."""
    places = shipments[["tracking_id", "alcaldia"]].drop_duplicates("tracking_id")
    joined = rows.merge(places, on="tracking_id", how="left")
    joined["alcaldia"] = place(joined["alcaldia"])
    return joined


def crosstab(rows: pd.DataFrame, by: str, order: tuple[object, ...] | None = None
             ) -> pd.DataFrame:
    """Counts with one row per value of ``by`` and one column per reason.

    Rows follow ``order`` when given (every value kept, even with no rows), otherwise the
    largest total first; reason columns go from the most to the least frequent overall.
    """
    table = pd.crosstab(rows[by], rows["reason"])
    table = table[list(by_reason(rows).index)] if len(rows) else table
    if order is not None:
        return table.reindex(list(order), fill_value=0)
    return table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]


def by_alcaldia(events: pd.DataFrame, shipments: pd.DataFrame,
                state: str = FAILED_STATE) -> pd.DataFrame:
    """Events entering ``state`` per alcaldía (rows) and reason (columns)."""
    return crosstab(with_alcaldia(reasons(events, state), shipments), "alcaldia")


def by_hour(events: pd.DataFrame) -> pd.DataFrame:
    """Failed attempts per hour of the day in Mexico City (0 to 23) and reason."""
    rows = reasons(events).dropna(subset=["timestamp"])
    return crosstab(rows.assign(hour=rows["timestamp"].dt.hour), "hour", HOURS)


def by_weekday(events: pd.DataFrame) -> pd.DataFrame:
    """Failed attempts per weekday (Mon to Sun, Mexico City) and reason."""
    rows = reasons(events).dropna(subset=["timestamp"])
    names = rows["timestamp"].dt.day_of_week.map(dict(enumerate(WEEKDAYS)))
    return crosstab(rows.assign(weekday=names), "weekday", WEEKDAYS)


def mishaps_awaiting(shipments: pd.DataFrame, events: pd.DataFrame | None) -> pd.DataFrame:
    """Shipments now in MISHAP, per alcaldía and reason: each waits for the shipper's
    instructions. The reason is that of the shipment's latest MISHAP event; without events
    every reason is ``NO_REASON``."""
    waiting = shipments[(shipments["state"] == MISHAP_STATE).fillna(False).astype(bool)]
    rows = pd.DataFrame({"alcaldia": place(waiting["alcaldia"]), "reason": NO_REASON},
                        index=waiting.index)
    if events is not None and "tracking_id" in waiting.columns:
        found = reasons(events, MISHAP_STATE).sort_values("timestamp", kind="stable")
        latest = found.drop_duplicates("tracking_id", keep="last").set_index("tracking_id")
        rows["reason"] = waiting["tracking_id"].map(latest["reason"]).fillna(NO_REASON)
    return crosstab(rows, "alcaldia")


def place(alcaldia: pd.Series) -> pd.Series:
    """Alcaldía names as plain text, ``NO_ALCALDIA`` where missing."""
    return alcaldia.astype(object).where(alcaldia.notna(), NO_ALCALDIA).astype(str)
