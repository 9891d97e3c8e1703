"""``dash.query``: the current selection written as code an analyst can run and extend.

For a session, a ``session.search(...)`` call (the API filters by window and states) then
pandas for the rest; for a frame, the same pandas on ``shipments``; for a dataset, the SQL
that DuckDB runs, with the values written in.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from ... import contract as c
from .filters import Filters, where
from .order import Order


def python_query(filters: Filters, origin: str, order: Order) -> str:
    """Code that leaves the selection in ``df``, in ``order``: ``origin`` is "session" or
    "frame"."""
    start, end = filters.window()
    if origin == "session":
        states = f", states={list(filters.states)!r}" if filters.states else ""
        lines = [f"df = session.search(start={start.isoformat()!r}, end={end.isoformat()!r}"
                 f"{states}).frame()"]
    else:
        low, high = start.isoformat(), (end + timedelta(days=1)).isoformat()
        zone = c.TIMEZONE
        lines = [f"df = shipments[(shipments['created_at'] >= pd.Timestamp({low!r}, tz={zone!r}))"
                 f" & (shipments['created_at'] < pd.Timestamp({high!r}, tz={zone!r}))]"]
        if filters.states:
            lines.append(f"df = df[df['state'].isin({list(filters.states)!r})]")
    return "\n".join([*lines, *_pandas_lines(filters, origin), order.pandas_code()])


def _pandas_lines(filters: Filters, origin: str) -> list[str]:
    lines = [f"df = df[df['alcaldia'].isin({places!r})]"
             for places in (list(filters.alcaldias), filters.chips_of("alcaldia")) if places]
    if filters.search:
        needle = filters.search.strip().lower()
        lines.append("df = df[df['tracking_id'].str.lower().str.contains("
                     f"{needle!r}, regex=False) | df['shipment_tracking_id'].str.lower()"
                     f".str.contains({needle!r}, regex=False).fillna(False)]")
    reasons = filters.chips_of("reason")
    if reasons:
        events = "session.events(start=df['created_at'].min())" if origin == "session" \
            else "events"
        lines += ["from cargamos_explore.analysis.anomalies import reasons",
                  f"failed = reasons({events})",
                  f"df = df[df['tracking_id'].isin(failed.loc[failed['reason'].isin("
                  f"{reasons!r}), 'tracking_id'])]"]
    for chip in (chip for chip in filters.chips if chip.kind == "lead"):
        low, high = chip.bounds()
        upper = repr(high) if math.isfinite(high) else "float('inf')"
        lines += ["lead = (df['delivered_at'] - df['shipper_dropoff_date'])"
                  ".dt.total_seconds() / 3600",
                  f"df = df[(df['state'] == 'DELIVERED') & (lead >= {low!r}) & "
                  f"(lead < {upper})]"]
    return lines


def sql_query(filters: Filters, order: Order) -> str:
    """The dataset's SQL for the selection in ``order``, values written in
    (``cx.open_dataset(path).sql(dash.query)`` runs it)."""
    clause, params = where(filters)
    pieces = clause.split("?")
    text = pieces[0] + "".join(_literal(value) + piece
                               for value, piece in zip(params, pieces[1:], strict=True))
    return f"select * from shipments\nwhere {text}\n{order.sql()}"


def _literal(value: Any) -> str:
    if isinstance(value, datetime):
        return f"timestamptz '{value.isoformat(sep=' ')}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(float(value))

