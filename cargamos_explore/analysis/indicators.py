"""One row per shipment, one column per KPI: what each shipment counts for, as of a time.

Every rate of a KPI report is the mean of one of these columns over a group's shipments.
A column is 1.0 or 0.0 where the shipment belongs to the rate's denominator and missing
where it does not, so a mean over a group is exactly "numerator / denominator" (see the
README's table "How each KPI is counted"). Pure pandas, no I/O.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from .. import contract as c
from .anomalies import MISHAP_STATE, reasons

DELIVERED: Final = "DELIVERED"
#: A shipment whose outcome will not change: delivered, or in MISHAP (awaiting the
#: shipper's instructions, no longer on its way).
CLOSED_STATES: Final = (DELIVERED, MISHAP_STATE)
#: MISHAP causes, from the anomaly code of the shipment's latest MISHAP event.
EXHAUSTED: Final = "exhausted"
DAMAGED_OR_LOST: Final = "damaged_lost"
OTHER: Final = "other"
MISHAP_CAUSES: Final = (EXHAUSTED, DAMAGED_OR_LOST, OTHER)
COUNTS: Final = ("shipments", "due", "not_yet_due", "closed", "delivered", "attempted")


def indicators(df: pd.DataFrame, as_of: pd.Timestamp,
               events: pd.DataFrame | None) -> pd.DataFrame:
    """What each shipment of ``df`` counts for at ``as_of`` (NaN: not in that denominator)."""
    state = df["state"]  # compared as it comes: a category compares by its codes
    delivered = _flag(state == DELIVERED)
    closed = _flag(state.isin(CLOSED_STATES))
    due = _flag(df["expected_delivery_date"] <= as_of)
    on_time = delivered & _flag(df["delivered_at"] <= df["expected_delivery_date"])
    attempts = df["attempts"].astype("Float64").clip(upper=c.MAX_ATTEMPTS).to_numpy(
        dtype=float, na_value=np.nan)
    attempted = attempts >= 1  # a missing count is no attempt known
    return pd.DataFrame({
        "shipments": np.ones(len(df), dtype=np.int64),
        "due": due.astype(np.int64),
        "not_yet_due": (~due).astype(np.int64),
        "closed": closed.astype(np.int64),
        "delivered": delivered.astype(np.int64),
        "attempted": attempted.astype(np.int64),
        "on_time": _within(on_time, due),
        "on_time_among_delivered": _within(on_time, delivered),
        "first_attempt": _within(delivered & (attempts == 1), attempted),
        "mishap": _within(_flag(state == MISHAP_STATE), closed),
        **_mishap_causes(df, events, closed),
        **{f"attempts_{n}": _within(attempts == n, closed)
           for n in range(c.MAX_ATTEMPTS + 1)},
    }, index=df.index)


def mishap_cause(df: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """Each MISHAP shipment's cause (``MISHAP_CAUSES``), from its latest MISHAP event; other
    shipments get NaN. A MISHAP with no event or an unknown code counts as ``OTHER``."""
    found = reasons(events, MISHAP_STATE).assign(
        code=events["anomaly_code"].astype(object)).sort_values("timestamp", kind="stable")
    latest = found.drop_duplicates("tracking_id", keep="last").set_index("tracking_id")["code"]
    code = df["tracking_id"].astype(object).map(latest)
    cause = code.map(lambda value: EXHAUSTED if value == c.MISHAP_ATTEMPTS_EXHAUSTED
                     else DAMAGED_OR_LOST if value in c.MISHAP_DAMAGED_OR_LOST else OTHER)
    return cause.where(_flag(df["state"].astype(object) == MISHAP_STATE))


def _mishap_causes(df: pd.DataFrame, events: pd.DataFrame | None,
                   closed: np.ndarray) -> dict[str, np.ndarray]:
    if events is None or "tracking_id" not in df.columns:
        missing = np.full(len(df), np.nan)
        return {f"mishap_{cause}": missing for cause in MISHAP_CAUSES}
    cause = mishap_cause(df, events)
    return {f"mishap_{name}": _within(_flag(cause == name), closed) for name in MISHAP_CAUSES}


def _flag(values: pd.Series) -> np.ndarray:
    """A comparison as plain booleans, missing values (no date, no state) as False."""
    return values.to_numpy(dtype=bool, na_value=False)


def _within(flag: np.ndarray, among: np.ndarray) -> np.ndarray:
    """``flag`` as 1.0/0.0 for the shipments ``among`` the denominator, NaN for the rest."""
    return np.where(among, flag.astype(float), np.nan)
