"""Delivery KPIs from a shipments frame: pure pandas, no I/O.

Counts: shipments, delivered, attempted (at least one attempt); the denominators below.
Definitions (each a share of the shipments in the group):
- on_time_rate: delivered no later than expected_delivery_date, over delivered shipments;
- first_attempt_rate: delivered on the first attempt, over shipments attempted at least once;
- mishap_rate: shipments in MISHAP, over all shipments;
- attempts_0 .. attempts_3: how many attempts shipments took (3 includes more);
- median_lead_time_h: hours from shipper drop-off to delivery, median over delivered ones.

The frames keep rates as floats between 0 and 1 and print them as percentages (see
``display``). ``report.plot`` draws them; failed attempts need the events as well, passed as
``kpis(shipments, events=session.events(...))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from .display import KPIFrame, as_text

if TYPE_CHECKING:
    from .plots import KPIPlots

REQUIRED = ("state", "attempts", "delivered_at", "expected_delivery_date",
            "shipper_dropoff_date", "created_at", "alcaldia")
COUNTS = ("shipments", "delivered", "attempted")
EVENTS_REQUIRED = ("tracking_id", "state", "timestamp", "anomaly_code")
COLUMNS = ("shipments", "delivered", "attempted", "on_time_rate", "first_attempt_rate",
           "mishap_rate", "median_lead_time_h", "attempts_0", "attempts_1", "attempts_2",
           "attempts_3")


@dataclass(frozen=True, eq=False)
class KPIReport:
    """KPIs overall (one row), by alcaldía and by week of creation (weeks start Monday).

    ``shipments`` and ``events`` are the frames the report was computed from; the charts in
    ``plot`` read them (the map, lead times, failed attempts).
    """

    overall: KPIFrame
    by_alcaldia: KPIFrame
    by_week: KPIFrame
    shipments: pd.DataFrame = field(repr=False)
    events: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def plot(self) -> KPIPlots:
        """The charts: ``report.plot.on_time_by_week()``, ``.by_alcaldia()``, ``.map()``..."""
        # Imported here so that ``import cargamos_explore`` never loads matplotlib.
        from .plots import KPIPlots

        return KPIPlots(self)

    def __str__(self) -> str:
        top = self.by_alcaldia.sort_values("shipments", ascending=False).head(5)
        return "\n\n".join([
            "Overall\n" + as_text(self.overall).to_string(),
            "Top alcaldías by volume\n" + as_text(top).to_string(),
            "Last 4 weeks\n" + as_text(self.by_week.tail(4)).to_string(),
        ])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        parts = [("Overall", self.overall), ("By alcaldía", self.by_alcaldia),
                 ("By week", self.by_week)]
        return "".join(f"<h4>{title}</h4>{as_text(df).to_html()}" for title, df in parts)


def kpis(shipments: pd.DataFrame, *, events: pd.DataFrame | None = None) -> KPIReport:
    """KPIs of a frame from ``Session.shipments()``; pass ``events`` (from
    ``Session.events()``) to chart failed attempts and anomaly reasons as well.

    >>> from cargamos_explore.decoding import shipments_frame
    >>> kpis(shipments_frame([])).overall["shipments"].tolist()
    [0]
    """
    _check_columns(shipments, REQUIRED, "a shipments frame (Session.shipments())")
    if events is not None:
        _check_columns(events, EVENTS_REQUIRED, "an events frame (Session.events()) as events")
    parts = _indicators(shipments)
    week = shipments["created_at"].dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    return KPIReport(
        overall=_summarise(parts.assign(group="all"), "group"),
        by_alcaldia=_summarise(parts.assign(alcaldia=shipments["alcaldia"]), "alcaldia"),
        by_week=_summarise(parts.assign(week=week.dt.date), "week"),
        shipments=shipments,
        events=events,
    )


def _check_columns(df: pd.DataFrame, required: tuple[str, ...], what: str) -> None:
    missing = [name for name in required if name not in df.columns]
    if missing:
        raise ValueError(f"kpis() needs {what}; missing columns: {missing}")


def _indicators(df: pd.DataFrame) -> pd.DataFrame:
    delivered = (df["state"] == "DELIVERED").fillna(False).astype(bool)
    attempts = df["attempts"].astype("Float64").clip(upper=3)
    lead = (df["delivered_at"] - df["shipper_dropoff_date"]).dt.total_seconds() / 3600
    on_time = (df["delivered_at"] <= df["expected_delivery_date"]).astype("boolean")
    return pd.DataFrame({
        "shipments": 1,
        "delivered": delivered.astype(int),
        "attempted": (attempts >= 1).fillna(False).astype(int),
        "on_time": on_time.where(delivered).astype("Float64"),
        "first_attempt": (delivered & (attempts == 1)).astype("Float64")
        .where(attempts >= 1),
        "mishap": (df["state"] == "MISHAP").fillna(False).astype(float),
        "lead_h": lead.where(delivered).astype("Float64"),
        **{f"attempts_{n}": (attempts == n).astype("Float64").where(attempts.notna())
           for n in range(4)},
    }, index=df.index)


def _summarise(parts: pd.DataFrame, by: str) -> KPIFrame:
    grouped = parts.groupby(by, observed=True, dropna=False, sort=True)
    out = pd.DataFrame({
        "shipments": grouped["shipments"].sum(),
        "delivered": grouped["delivered"].sum(),
        "attempted": grouped["attempted"].sum(),
        "on_time_rate": grouped["on_time"].mean(),
        "first_attempt_rate": grouped["first_attempt"].mean(),
        "mishap_rate": grouped["mishap"].mean(),
        "median_lead_time_h": grouped["lead_h"].median(),
        **{f"attempts_{n}": grouped[f"attempts_{n}"].mean() for n in range(4)},
    })
    if out.empty and by == "group":
        out = pd.DataFrame([dict.fromkeys(COUNTS, 0)], index=pd.Index(["all"], name=by))
    typed = out.reindex(columns=list(COLUMNS)).astype(dict.fromkeys(COUNTS, "int64"))
    return KPIFrame(typed)

