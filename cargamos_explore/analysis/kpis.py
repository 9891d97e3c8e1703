"""Delivery KPIs from a shipments frame: pure pandas, no I/O.

Definitions (each a share of the shipments in the group):
- on_time_rate: delivered no later than expected_delivery_date, over delivered shipments;
- first_attempt_rate: delivered on the first attempt, over shipments attempted at least once;
- mishap_rate: shipments in MISHAP, over all shipments;
- attempts_0 .. attempts_3: how many attempts shipments took (3 includes more);
- median_lead_time_h: hours from shipper drop-off to delivery, median over delivered ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

REQUIRED = ("state", "attempts", "delivered_at", "expected_delivery_date",
            "shipper_dropoff_date", "created_at", "alcaldia")
COLUMNS = ("shipments", "delivered", "on_time_rate", "first_attempt_rate", "mishap_rate",
           "median_lead_time_h", "attempts_0", "attempts_1", "attempts_2", "attempts_3")


@dataclass(frozen=True)
class KPIReport:
    """KPIs overall (one row), by alcaldía and by week of creation (weeks start Monday)."""

    overall: pd.DataFrame
    by_alcaldia: pd.DataFrame
    by_week: pd.DataFrame

    def __str__(self) -> str:
        top = self.by_alcaldia.sort_values("shipments", ascending=False).head(5)
        return "\n\n".join([
            "Overall\n" + _fmt(self.overall),
            "Top alcaldías by volume\n" + _fmt(top),
            "Last 4 weeks\n" + _fmt(self.by_week.tail(4)),
        ])

    def _repr_html_(self) -> str:
        parts = [("Overall", self.overall), ("By alcaldía", self.by_alcaldia),
                 ("By week", self.by_week)]
        return "".join(f"<h4>{title}</h4>{df.to_html()}" for title, df in parts)


def kpis(shipments: pd.DataFrame) -> KPIReport:
    """KPIs of a frame from ``Session.shipments()``.

    >>> from cargamos_explore.decoding import shipments_frame
    >>> kpis(shipments_frame([])).overall["shipments"].tolist()
    [0]
    """
    missing = [name for name in REQUIRED if name not in shipments.columns]
    if missing:
        raise ValueError(f"kpis() needs a shipments frame; missing columns: {missing}")
    parts = _indicators(shipments)
    week = shipments["created_at"].dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    return KPIReport(
        overall=_summarise(parts.assign(group="all"), "group"),
        by_alcaldia=_summarise(parts.assign(alcaldia=shipments["alcaldia"]), "alcaldia"),
        by_week=_summarise(parts.assign(week=week.dt.date), "week"),
    )


def _indicators(df: pd.DataFrame) -> pd.DataFrame:
    delivered = (df["state"] == "DELIVERED").fillna(False).astype(bool)
    attempts = df["attempts"].astype("Float64").clip(upper=3)
    lead = (df["delivered_at"] - df["shipper_dropoff_date"]).dt.total_seconds() / 3600
    on_time = (df["delivered_at"] <= df["expected_delivery_date"]).astype("boolean")
    return pd.DataFrame({
        "shipments": 1,
        "delivered": delivered.astype(int),
        "on_time": on_time.where(delivered).astype("Float64"),
        "first_attempt": (delivered & (attempts == 1)).astype("Float64")
        .where(attempts >= 1),
        "mishap": (df["state"] == "MISHAP").fillna(False).astype(float),
        "lead_h": lead.where(delivered).astype("Float64"),
        **{f"attempts_{n}": (attempts == n).astype("Float64").where(attempts.notna())
           for n in range(4)},
    }, index=df.index)


def _summarise(parts: pd.DataFrame, by: str) -> pd.DataFrame:
    grouped = parts.groupby(by, observed=True, dropna=False, sort=True)
    out = pd.DataFrame({
        "shipments": grouped["shipments"].sum(),
        "delivered": grouped["delivered"].sum(),
        "on_time_rate": grouped["on_time"].mean(),
        "first_attempt_rate": grouped["first_attempt"].mean(),
        "mishap_rate": grouped["mishap"].mean(),
        "median_lead_time_h": grouped["lead_h"].median(),
        **{f"attempts_{n}": grouped[f"attempts_{n}"].mean() for n in range(4)},
    })
    if out.empty and by == "group":
        out = pd.DataFrame([{"shipments": 0, "delivered": 0}], index=pd.Index(["all"], name=by))
    return out.reindex(columns=list(COLUMNS)).astype({"shipments": "int64", "delivered": "int64"})


def _fmt(df: pd.DataFrame) -> str:
    shown = df.copy()
    for name in shown.columns:
        if name.endswith("_rate") or name.startswith("attempts_"):
            shown[name] = shown[name].map(lambda v: "–" if pd.isna(v) else f"{v:.1%}")
        elif name == "median_lead_time_h":
            shown[name] = shown[name].map(lambda v: "–" if pd.isna(v) else f"{v:.1f} h")
    return shown.to_string()

