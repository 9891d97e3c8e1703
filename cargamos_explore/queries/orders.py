"""Sending an orders sheet: checked whole, sent in batches, results aligned with its rows.

Creating orders is never retried blindly (see ``transport.http``); if a batch fails part
way through a sheet, ``outcomes`` says what became of every row.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from .. import contract as c
from ..arguments import flag
from ..decoding.sheets import checked_sheet, to_orders
from ..transport import Transport
from ..transport.envelope import parse_messages, unwrap
from .outcomes import aligned, stopped
from .paging import progress_bar

#: Sends one batch of orders and returns the server's per-order results.
Send = Callable[[list[dict[str, Any]]], Any]


def batches(count: int, size: int = c.MAX_ORDERS_PER_REQUEST) -> list[range]:
    """Row ranges of at most ``size`` orders.

    >>> batches(250, 100)
    [range(0, 100), range(100, 200), range(200, 250)]
    """
    return [range(i * size, min(count, (i + 1) * size)) for i in range(math.ceil(count / size))]


def result_rows(answer: list[Any], batch: range) -> list[dict[str, Any]]:
    """The server's per-order results for one batch, in input order, messages parsed."""
    by_index = {r.get("index"): r for r in answer if isinstance(r, dict)}
    return [_result(by_index.get(i - batch.start, {})) for i in batch]


def _result(raw: dict[str, Any]) -> dict[str, Any]:
    messages = parse_messages(raw.get("msgs"))
    return {
        "status": raw.get("status"),
        "trackingId": raw.get("trackingId"),
        "shipmentTrackingId": raw.get("shipmentTrackingId"),
        "error_codes": _codes(messages, "ERROR"),
        "warning_codes": _codes(messages, "WARNING"),
        "messages": "; ".join(str(m) for m in messages) or None,
    }


def _codes(messages: Any, level: str) -> str | None:
    codes = [m.code for m in messages if m.level == level and m.code]
    return ",".join(codes) or None


def submit(sheet: pd.DataFrame, send: Send, *, creates: bool = True,
           batch_size: int = c.MAX_ORDERS_PER_REQUEST, progress: bool | None = None
           ) -> pd.DataFrame:
    """Check the sheet, send it in batches, and return results aligned with its rows.

    ``send`` posts one batch (see ``sender``); ``creates`` False is a dry run, which only
    changes how a failure part-way through is reported. A sheet
    with no rows sends nothing and returns an empty results frame. If a batch fails and
    the sheet has other batches, OrdersSubmissionError says what became of every row; a
    one-batch sheet raises the failure itself, which is then about every row.
    """
    flag("progress", progress, meaning="None shows a bar only for more than 3 batches")
    orders = to_orders(checked_sheet(sheet))
    chunks = batches(len(orders), batch_size)
    rows: list[dict[str, Any]] = []
    for batch in progress_bar(chunks, progress, desc="order batches", unit="batch"):
        try:
            answer = send(orders[batch.start:batch.stop])
        # Any failure at all: the rows answered so far must reach the user, or the
        # shipments they created would be lost from view and sent again.
        except Exception as err:
            if len(chunks) == 1:
                raise
            raise stopped(sheet.index, rows, batch, err, creates=creates) from err
        rows += result_rows(answer if isinstance(answer, list) else [], batch)
    return aligned(rows, sheet.index)


def sender(transport: Transport, *, simulate: bool) -> Send:
    """Posts one batch of orders through ``transport``; ``simulate`` validates only."""
    params = {c.SIMULATE_PARAM: str(simulate).lower()}

    def send(batch: list[dict[str, Any]]) -> Any:
        return unwrap(transport.request("POST", c.ORDERS_PATH, params=params,
                                        json={c.ORDERS_FIELD: batch}))

    return send
