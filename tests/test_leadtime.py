"""Lead times: the report's Kaplan-Meier quantiles are scipy.stats.ecdf's, group by group.

The report sorts each clock once and estimates every group from that order; scipy estimates
each group from its own sample. Random samples with ties, censored times equal to delivered
ones, groups with nothing delivered and missing groups must give the same quantiles.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import CensoredData, ecdf

from cargamos_explore.analysis import leadtime

AS_OF = pd.Timestamp("2026-11-30T12:00:00-06:00")
STATES = ("DELIVERED", "DELIVERED", "IN_TRANSIT", "MISHAP", "CREATED")


def scipy_quantiles(hours: pd.Series, observed: pd.Series) -> list[float]:
    """What scipy.stats.ecdf gives for one group: the first time reaching each share."""
    if not observed.any():
        return [math.nan] * len(leadtime.QUANTILES)
    cdf = ecdf(CensoredData(uncensored=hours[observed].to_numpy(float),
                            right=hours[~observed].to_numpy(float))).cdf
    return [float(cdf.quantiles[at]) if at < cdf.quantiles.size else math.nan
            for at in (np.searchsorted(cdf.probabilities, share - leadtime.TOLERANCE)
                       for share in leadtime.QUANTILES.values())]


def frame(draw_hours: list[int], states: list[str], groups: list[str | None]) -> pd.DataFrame:
    created = AS_OF - pd.Timedelta(hours=200)
    delivered = [created + pd.Timedelta(hours=h) if s == "DELIVERED" else pd.NaT
                 for h, s in zip(draw_hours, states, strict=True)]
    return pd.DataFrame({
        "state": pd.Series(states, dtype="category"),
        "created_at": [created] * len(states),
        # Open shipments wait from drop-off to AS_OF: drop-offs vary so their times tie
        # with delivered ones now and then.
        "shipper_dropoff_date": [AS_OF - pd.Timedelta(hours=h) if s != "DELIVERED" else created
                                 for h, s in zip(draw_hours, states, strict=True)],
        "delivered_at": pd.Series(delivered, dtype="datetime64[ns, America/Mexico_City]"),
        "alcaldia": pd.Series(groups, dtype="category"),
    })


def expected(df: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """Each group's quantiles on each clock, from scipy on that group alone."""
    rows = {}
    for key, group in df.groupby(keys, observed=True, dropna=False, sort=True):
        values = []
        for start in leadtime.CLOCKS.values():
            delivered = group["state"] == "DELIVERED"
            open_ = ~group["state"].isin(("DELIVERED", "MISHAP"))
            end = group["delivered_at"].where(delivered, AS_OF)
            hours = (end - group[start]).dt.total_seconds() / 3600
            keep = (delivered | open_) & (hours >= 0)
            values += scipy_quantiles(hours[keep], delivered[keep])
        rows[key] = values
    return pd.DataFrame.from_dict(rows, orient="index", columns=leadtime.columns())


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(0, 12), st.sampled_from(STATES),
                          st.sampled_from(["Coyoacán", "Tlalpan", None])),
                min_size=1, max_size=80))
def test_each_group_gets_scipys_kaplan_meier_quantiles(rows: list[tuple[int, str, str | None]]
                                                       ) -> None:
    hours, states, groups = (list(column) for column in zip(*rows, strict=True))
    df = frame(hours, states, groups)
    got = leadtime.Spans(df, AS_OF).by_group(df["alcaldia"])
    want = expected(df, df["alcaldia"])
    assert got.index.astype(str).tolist() == want.index.astype(str).tolist()
    np.testing.assert_array_equal(got.to_numpy(float), want.to_numpy(float))


def test_a_large_sample_matches_scipy_on_every_quantile() -> None:
    """100,000 shipments with hours to the second, most of them distinct times."""
    rng = np.random.default_rng(7)
    n = 100_000
    states = rng.choice(np.array(STATES), n)
    df = frame((rng.exponential(30, n) * 3600).astype(int).tolist(), list(states),
               list(rng.choice(np.array(["Coyoacán", "Tlalpan"]), n)))
    df["delivered_at"] = df["created_at"] + pd.to_timedelta(
        np.where(states == "DELIVERED", rng.exponential(30, n) * 3600, np.nan), unit="s")
    got = leadtime.Spans(df, AS_OF).by_group(pd.Series("all", index=df.index))
    want = expected(df, pd.Series("all", index=df.index))
    np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), rtol=0, atol=0)
