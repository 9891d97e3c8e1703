"""Lead times with their tail, on two clocks, not flattered by shipments still on their way.

A median over delivered shipments alone leaves out the slow ones that are still open, so a
recent week looks faster than it will end up. Here each clock is a Kaplan-Meier estimate
over right-censored data: a delivered shipment counts with its lead time, an open one as
"at least as long as it has waited so far" (censored at the report's as-of time). MISHAPs
are left out: they are never delivered. A quantile is the shortest time by which that share
of shipments is estimated delivered (for two deliveries, 24 h and 48 h, the median is 24 h);
it is missing when too few shipments have finished to reach it.

The estimate is ``scipy.stats.ecdf``'s (the suite compares the two on random samples with
ties), computed here for every group of a report from one sort per clock: a report of a
million shipments has dozens of groups, and sorting each group again costs more than the
rest of the report together.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Final

import numpy as np
import pandas as pd

from .indicators import DELIVERED

#: The two clocks: the carrier's (from the shipper's drop-off) and the customer's (from
#: the order's creation), each named by where it starts.
CLOCKS: Final = {"dropoff_to_delivery": "shipper_dropoff_date",
                 "created_to_delivery": "created_at"}
QUANTILES: Final = {"median": 0.5, "p90": 0.9, "p95": 0.95}
#: Floating products of KM steps land a hair under 0.9; a step that reaches a share counts.
TOLERANCE: Final = 1e-9


def columns() -> list[str]:
    """The report's lead-time columns: ``dropoff_to_delivery_median_h`` ... ``_p95_h``."""
    return [f"{clock}_{name}_h" for clock in CLOCKS for name in QUANTILES]


class Spans:
    """Every shipment's lead time on each clock, sorted once (shortest first).

    ``hours``: from the clock's start to delivery (``observed``) or to ``as_of`` for an open
    shipment; MISHAPs and shipments whose clock has not started are left out.
    """

    def __init__(self, df: pd.DataFrame, as_of: pd.Timestamp) -> None:
        self.size = len(df)
        self.clocks = {clock: _sorted(df, start, as_of) for clock, start in CLOCKS.items()}

    def by_group(self, keys: pd.Series) -> pd.DataFrame:
        """One row per value of ``keys`` (NaN included, last), one column per
        ``columns()``; ``keys`` is aligned with the frame the spans were taken from."""
        codes, found = pd.factorize(keys, sort=True, use_na_sentinel=False)
        uniques = pd.Index(np.asarray(found, dtype=object))  # plain values, as groupby's
        frames = []
        for clock, (position, hours, observed) in self.clocks.items():
            # A stable sort by group keeps each group's times in order: no second sort
            # (and on small integers numpy sorts by radix, in one pass).
            group = codes[position].astype(np.int16 if len(uniques) < 2**15 else np.int64)
            order = np.argsort(group, kind="stable")
            bounds = np.searchsorted(group[order], np.arange(len(uniques) + 1))
            rows = [quantiles(hours[order[a:b]], observed[order[a:b]])
                    for a, b in pairwise(bounds)]
            frames.append(pd.DataFrame(rows, index=uniques,
                                       columns=[f"{clock}_{n}_h" for n in QUANTILES]))
        return pd.concat(frames, axis=1)


def _sorted(df: pd.DataFrame, start: str, as_of: pd.Timestamp
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows with a lead time on the clock starting at ``start``, shortest first: their
    positions in ``df``, hours, and whether each was delivered (else still open)."""
    state = df["state"]
    delivered = (state == DELIVERED).fillna(False).astype(bool)
    open_ = ~state.isin((DELIVERED, "MISHAP")).fillna(False).astype(bool)
    end = df["delivered_at"].where(delivered, as_of).where(delivered | open_)
    hours = ((end - df[start]).dt.total_seconds() / 3600).to_numpy(dtype=float,
                                                                       na_value=np.nan)
    observed = (delivered & df["delivered_at"].notna()).to_numpy(dtype=bool)
    keep = np.flatnonzero(np.isfinite(hours) & (hours >= 0))
    position = keep[np.argsort(hours[keep])]  # ties need no order: a step takes them all
    return position, hours[position], observed[position]


def quantiles(hours: np.ndarray, observed: np.ndarray) -> list[float]:
    """The ``QUANTILES`` of one group's lead time from its ``hours`` (sorted, shortest
    first), Kaplan-Meier (NaN when not reached)."""
    if not observed.any():
        return [float("nan")] * len(QUANTILES)
    # One step per distinct time: at risk, every shipment not yet gone; delivered there,
    # the step's deliveries; survival the running product of (at risk - delivered) / at risk.
    first = np.flatnonzero(np.diff(hours, prepend=-np.inf) > 0)
    at_risk = hours.size - first
    delivered = np.add.reduceat(observed.astype(np.int64), first)
    cdf = 1 - np.cumprod((at_risk - delivered) / at_risk)
    return [_first_reaching(hours[first], cdf, share) for share in QUANTILES.values()]


def _first_reaching(times: np.ndarray, shares: np.ndarray, share: float) -> float:
    at = int(np.searchsorted(shares, share - TOLERANCE, side="left"))
    return float(times[at]) if at < len(times) else float("nan")
