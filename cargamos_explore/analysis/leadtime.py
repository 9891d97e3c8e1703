"""Lead times with their tail, on two clocks, not flattered by shipments still on their way.

A median over delivered shipments alone leaves out the slow ones that are still open, so a
recent week looks faster than it will end up. Here each clock is a Kaplan-Meier estimate
(``scipy.stats.ecdf`` over right-censored data): a delivered shipment counts with its lead
time, an open one as "at least as long as it has waited so far" (censored at the report's
as-of time). MISHAPs are left out: they are never delivered. A quantile is the shortest
time by which that share of shipments is estimated delivered (for two deliveries, 24 h and
48 h, the median is 24 h); it is missing when too few shipments have finished to reach it.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from .indicators import DELIVERED

#: The two clocks: the carrier's (from the shipper's drop-off) and the customer's (from
#: the order's creation), each named by where it starts.
CLOCKS: Final = {"dropoff_to_delivery": "shipper_dropoff_date",
                 "created_to_delivery": "created_at"}
QUANTILES: Final = {"median": 0.5, "p90": 0.9, "p95": 0.95}
#: Floating sums of KM steps land a hair under 0.9; a step that reaches a share counts.
TOLERANCE: Final = 1e-9


def columns() -> list[str]:
    """The report's lead-time columns: ``dropoff_to_delivery_median_h`` ... ``_p95_h``."""
    return [f"{clock}_{name}_h" for clock in CLOCKS for name in QUANTILES]


def durations(df: pd.DataFrame, start: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """Hours from ``start`` to delivery (``observed``) or to ``as_of`` for an open shipment;
    MISHAPs and shipments whose clock has not started are left out (NaN hours)."""
    state = df["state"].astype(object)
    delivered = (state == DELIVERED).fillna(False).astype(bool)
    open_ = ~state.isin((DELIVERED, "MISHAP")).fillna(False).astype(bool)
    end = df["delivered_at"].where(delivered, as_of).where(delivered | open_)
    hours = (end - df[start]).dt.total_seconds() / 3600
    hours = hours.where(hours >= 0)
    return pd.DataFrame({"hours": hours.astype(float), "observed": delivered & df[
        "delivered_at"].notna()}, index=df.index)


def quantiles(spans: pd.DataFrame) -> list[float]:
    """The ``QUANTILES`` of one group's lead time, Kaplan-Meier (NaN when not reached)."""
    known = spans[spans["hours"].notna()]
    observed = known["hours"][known["observed"]].to_numpy(dtype=float)
    if observed.size == 0:
        return [float("nan")] * len(QUANTILES)
    # scipy is loaded only when lead times are computed, like matplotlib for charts.
    from scipy.stats import CensoredData, ecdf

    censored = known["hours"][~known["observed"]].to_numpy(dtype=float)
    cdf = ecdf(CensoredData(uncensored=observed, right=censored)).cdf
    return [_first_reaching(cdf.quantiles, cdf.probabilities, share)
            for share in QUANTILES.values()]


def by_group(df: pd.DataFrame, keys: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per value of ``keys`` (NaN included), one column per ``columns()``."""
    frames = []
    for clock, start in CLOCKS.items():
        spans = durations(df, start, as_of)
        rows = {key: quantiles(group) for key, group in
                spans.groupby(keys, observed=True, dropna=False, sort=True)}
        names = [f"{clock}_{name}_h" for name in QUANTILES]
        frames.append(pd.DataFrame.from_dict(rows, orient="index", columns=names))
    return pd.concat(frames, axis=1)


def _first_reaching(times: np.ndarray, shares: np.ndarray, share: float) -> float:
    at = int(np.searchsorted(shares, share - TOLERANCE, side="left"))
    return float(times[at]) if at < len(times) else float("nan")
