"""Delivery KPIs from a shipments frame, as of a time: pure pandas, no I/O.

Every KPI is counted as the README's table "How each KPI is counted" says; in short, at the
report's ``as_of`` time:

- on_time_rate: delivered no later than the promise (``expected_delivery_date``), over the
  shipments that are *due* (promise passed); a MISHAP or an open shipment past its promise
  is late. Shipments not yet due are counted apart (``not_yet_due``);
- on_time_among_delivered_rate: delivered on time, over delivered shipments;
- first_attempt_rate: delivered on the first attempt, over shipments attempted at least once;
- mishap_rate and its causes (``mishap_exhausted_rate``, ``mishap_damaged_lost_rate``,
  ``mishap_other_rate``; these need ``events=``): over closed shipments (delivered or MISHAP);
- attempts_0 .. attempts_3: how many attempts closed shipments took (3 includes more);
- lead time, median, p90 and p95 on two clocks (``dropoff_to_delivery_*_h``, the carrier's,
  and ``created_to_delivery_*_h``, the customer's), Kaplan-Meier (see ``leadtime``).

A group with a shipment not yet due is ``provisional``: its figures can still change. The
week holding ``as_of`` is unfinished: it is left out of ``by_week`` and shown apart as
``current_week``. The frames keep rates as floats between 0 and 1 and print them as
percentages (see ``display``); ``report.plot`` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from .. import contract as c
from ..arguments import got
from ..errors import InvalidArgumentError, InvalidArgumentTypeError
from . import indicators, leadtime, weeks
from .display import KPIFrame, as_text, timestamp

if TYPE_CHECKING:
    from .plots import KPIPlots

REQUIRED: Final = ("state", "attempts", "delivered_at", "expected_delivery_date",
                   "shipper_dropoff_date", "created_at", "alcaldia")
EVENTS_REQUIRED: Final = ("tracking_id", "state", "timestamp", "anomaly_code")
COUNTS: Final = indicators.COUNTS
#: Each rate column and the indicator it is the mean of.
RATES: Final = {
    "on_time_rate": "on_time", "on_time_among_delivered_rate": "on_time_among_delivered",
    "first_attempt_rate": "first_attempt", "mishap_rate": "mishap",
    **{f"mishap_{cause}_rate": f"mishap_{cause}" for cause in indicators.MISHAP_CAUSES},
    **{f"attempts_{n}": f"attempts_{n}" for n in range(c.MAX_ATTEMPTS + 1)},
}
COLUMNS: Final = (*COUNTS, *RATES, *leadtime.columns(), "provisional")
#: Below this many shipments in a rate's denominator, a chart draws the rate pale and never
#: ranks it first or last: one late delivery moves it too much.
MIN_SAMPLE: Final = 30
#: The columns the report's text shows; the frames hold every column.
HEADLINE: Final = ("shipments", "due", "not_yet_due", "on_time_rate", "first_attempt_rate",
                   "mishap_rate", "dropoff_to_delivery_median_h",
                   "dropoff_to_delivery_p90_h", "created_to_delivery_median_h", "provisional")


@dataclass(frozen=True, eq=False)
class KPIReport:
    """KPIs as of ``as_of``: overall (one row), by alcaldía, by week of creation (weeks start
    Monday; complete weeks only) and the ``current_week`` (unfinished, one row or none).

    ``shipments`` and ``events`` are the frames the report was computed from; the charts in
    ``plot`` read them (the map, lead times, failed attempts).
    """

    overall: KPIFrame
    by_alcaldia: KPIFrame
    by_week: KPIFrame
    current_week: KPIFrame
    as_of: pd.Timestamp
    shipments: pd.DataFrame = field(repr=False)
    events: pd.DataFrame | None = field(default=None, repr=False)
    min_sample: int = MIN_SAMPLE

    @property
    def plot(self) -> KPIPlots:
        """The charts: ``report.plot.on_time_by_week()``, ``.by_alcaldia()``, ``.map()``..."""
        # Imported here so that ``import cargamos_explore`` never loads matplotlib.
        from .plots import KPIPlots

        return KPIPlots(self)

    @property
    def as_of_text(self) -> str:
        """``as of 2026-11-18 09:30 (Mexico City)``: the line every chart and table shows."""
        return f"as of {timestamp(self.as_of)}"

    def __str__(self) -> str:
        top = self.by_alcaldia.sort_values("shipments", ascending=False).head(5)
        return "\n\n".join([
            f"KPIs {self.as_of_text}; rates over due shipments (promise passed by then)",
            "Overall\n" + _text(self.overall),
            "Top alcaldías by volume\n" + _text(top),
            "Last 4 ended weeks (provisional: some promises not yet passed)\n"
            + _text(self.by_week.tail(4)),
            weeks.describe_current(self.current_week),
        ])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        parts = [("Overall", self.overall), ("By alcaldía", self.by_alcaldia),
                 ("By week (complete weeks)", self.by_week),
                 ("Current week (partial)", self.current_week)]
        head = f"<p>KPIs {self.as_of_text}; rates over due shipments</p>"
        return head + "".join(f"<h4>{title}</h4>{as_text(df).to_html()}"
                              for title, df in parts)


def kpis(shipments: pd.DataFrame, *, events: pd.DataFrame | None = None,
         as_of: datetime | date | str | pd.Timestamp | None = None,
         min_sample: int = MIN_SAMPLE) -> KPIReport:
    """KPIs of a frame from ``Session.shipments()`` as of ``as_of`` (default: when the frame
    was fetched, from its provenance, which a replay keeps at the recording; else now).
    Pass ``events`` (from ``Session.events()``) for MISHAP causes and the failed-attempt
    charts; ``min_sample`` is the denominator under which charts draw a rate pale.

    >>> from cargamos_explore.decoding import shipments_frame
    >>> kpis(shipments_frame([]), as_of="2026-11-18").overall["shipments"].tolist()
    [0]
    """
    moment, parts, spans = _prepare(shipments, events, as_of)
    table = weeks.split(_summarise(parts, spans, weeks.monday(shipments["created_at"])),
                        moment)
    return KPIReport(
        overall=_overall(shipments, parts, spans),
        by_alcaldia=_summarise(parts, spans, shipments["alcaldia"]),
        by_week=table.complete, current_week=table.current, as_of=moment,
        shipments=shipments, events=events, min_sample=min_sample,
    )


def overall(shipments: pd.DataFrame, *, events: pd.DataFrame | None = None,
            as_of: datetime | date | str | pd.Timestamp | None = None) -> KPIFrame:
    """``kpis(...).overall`` alone (one row), without the groups: a dashboard's tiles for
    the period before the one it shows cost a fraction of a whole report."""
    _, parts, spans = _prepare(shipments, events, as_of)
    return _overall(shipments, parts, spans)


def _prepare(shipments: pd.DataFrame, events: pd.DataFrame | None,
             as_of: datetime | date | str | pd.Timestamp | None
             ) -> tuple[pd.Timestamp, pd.DataFrame, leadtime.Spans]:
    """The as-of time, each shipment's indicators and its lead times: every table's input."""
    _check_columns(shipments, REQUIRED, "a shipments frame (Session.shipments())")
    if events is not None:
        _check_columns(events, EVENTS_REQUIRED, "an events frame (Session.events()) as events")
    moment = resolve_as_of(shipments, as_of)
    return (moment, indicators.indicators(shipments, moment, events),
            leadtime.Spans(shipments, moment))


def _overall(shipments: pd.DataFrame, parts: pd.DataFrame, spans: leadtime.Spans) -> KPIFrame:
    # One group, "all", as a category: grouping reads its codes, not a million strings.
    everyone = pd.Categorical.from_codes(np.zeros(len(shipments), dtype=np.int8),
                                         dtype=pd.CategoricalDtype(["all"]))
    table = _summarise(parts, spans, pd.Series(everyone, index=shipments.index, name="group"))
    table.index = pd.Index(["all"], name="group")  # plain text, as every report's
    return table


def resolve_as_of(shipments: pd.DataFrame,
                  as_of: datetime | date | str | pd.Timestamp | None) -> pd.Timestamp:
    """``as_of`` as a tz-aware Timestamp (a naive one is Mexico City time); by default the
    frame's fetch time (``df.attrs["cargamos"]["fetched_at"]``), else now."""
    if as_of is None:
        as_of = shipments.attrs.get("cargamos", {}).get("fetched_at")
    moment = pd.Timestamp.now(tz=c.TIMEZONE) if as_of is None else _moment(as_of)
    if moment.tzinfo is None:
        return moment.tz_localize(c.TIMEZONE)
    return moment.tz_convert(c.TIMEZONE)


def _moment(as_of: datetime | date | str | pd.Timestamp) -> pd.Timestamp:
    try:
        return pd.Timestamp(as_of)
    except (ValueError, TypeError) as err:
        raise InvalidArgumentError(f"as_of: a moment such as '2026-11-18 09:30' or a "
                                   f"datetime; {got(as_of)}", argument="as_of") from err


def _check_columns(df: pd.DataFrame, required: tuple[str, ...], what: str) -> None:
    argument = "events" if "events" in what else "shipments"
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgumentTypeError(f"{argument}: kpis() needs {what}; {got(df)}",
                                       argument=argument)
    missing = [name for name in required if name not in df.columns]
    if missing:
        raise InvalidArgumentError(f"{argument}: kpis() needs {what}; missing columns: "
                                   f"{missing}", argument=argument)


def _summarise(parts: pd.DataFrame, spans: leadtime.Spans, keys: pd.Series) -> KPIFrame:
    by = str(keys.name)
    grouped = parts.assign(**{by: keys}).groupby(by, observed=True, dropna=False, sort=True)
    out = pd.concat([grouped[list(COUNTS)].sum(),
                     grouped[list(RATES.values())].mean().set_axis(list(RATES), axis=1)],
                    axis=1)
    if out.empty and by == "group":
        out = pd.DataFrame([dict.fromkeys(COUNTS, 0)], index=pd.Index(["all"], name=by))
    out = out.join(spans.by_group(keys))
    out["provisional"] = out["not_yet_due"] > 0
    return KPIFrame(out.reindex(columns=list(COLUMNS)).astype(
        {**dict.fromkeys(COUNTS, "int64"), "provisional": bool}))


def _text(df: pd.DataFrame) -> str:
    return as_text(df[[name for name in HEADLINE if name in df.columns]]).to_string()
