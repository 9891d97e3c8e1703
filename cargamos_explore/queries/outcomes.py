"""What became of each row of an orders sheet when sending it stopped part-way.

A failed batch must never hide the batches before it: their shipments exist, and a user
who cannot see them would send them again. So every row gets an outcome, and the message
names them as row ranges.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import contract as c
from ..decoding.records import order_results_frame
from ..decoding.sheets import row_spans
from ..errors import (
    APIError,
    CargamosError,
    NotCachedError,
    OrdersSubmissionError,
    TokenRejectedError,
    TransportError,
)
from ..scrub import scrub


def aligned(rows: list[dict[str, Any]], index: pd.Index) -> pd.DataFrame:
    """The per-order results as a frame carrying the sheet's index."""
    df = order_results_frame(rows)
    df.index = index
    return df


#: What became of each row when a sheet stopped part-way: the ``outcome`` column of
#: OrdersSubmissionError.results, with the advice its message gives.
OUTCOMES = {
    "created": " (tracking ids in .results)",
    "accepted": " (the server would create these)",
    "rejected": " (refused by the server, nothing created; see .results messages)",
    "may exist": (": the request may have reached the server, so look these up (by "
                  "shipment_tracking_id, or in session.shipments()) before sending them again"),
    "not created": ": the server refused the whole request, so they can be sent again",
    "not validated": ": validate these again",
    "never sent": ": send these again",
}


def stopped(index: pd.Index, rows: list[dict[str, Any]], batch: range, err: Exception, *,
            creates: bool) -> OrdersSubmissionError:
    """The error for a sheet whose ``batch`` failed with ``err`` after ``rows`` (the
    answers to every earlier batch) came back; ``creates`` is False for a dry run."""
    reached = _may_have_reached(err)
    failed = ("may exist" if reached else "not created") if creates else "not validated"
    outcomes = ([_answered(row, creates) for row in rows] + [failed] * len(batch)
                + ["never sent"] * (len(index) - batch.stop))
    results = aligned(rows + [{}] * (len(index) - len(rows)), index)
    results["outcome"] = pd.Categorical(outcomes, categories=list(OUTCOMES))
    return OrdersSubmissionError(
        _stopped_message(outcomes, batch, err, creates=creates), results=results,
        first_unsent=batch.start, may_have_reached_server=reached)


def _answered(row: dict[str, Any], creates: bool) -> str:
    if row.get("status") == c.ORDER_REJECTED:
        return "rejected"
    if row.get("status") == c.ORDER_ACCEPTED:
        return "created" if creates else "accepted"
    return "may exist" if creates else "not validated"  # answered, but not with a verdict


def _may_have_reached(err: Exception) -> bool:
    """Whether the failed request may have been acted on. Only a refusal of the whole
    request (a 4xx answer, a refused token, offline mode) proves nothing was created."""
    if isinstance(err, TransportError):
        return err.may_have_reached_server
    if isinstance(err, APIError) and err.status is not None and 400 <= err.status < 500:
        return False
    return not isinstance(err, (TokenRejectedError, NotCachedError))


def _stopped_message(outcomes: list[str], batch: range, err: Exception, *,
                     creates: bool) -> str:
    verb = "create_orders" if creates else "validate_orders (a dry run: nothing was created)"
    reason = str(err) if isinstance(err, CargamosError) else f"{type(err).__name__}: {err}"
    lines = [f"- {name}: {row_spans(i + 1 for i, o in enumerate(outcomes) if o == name)}"
             f"{advice}" for name, advice in OUTCOMES.items() if name in outcomes]
    return "\n".join([
        f"{verb} stopped at {row_spans(range(batch.start + 1, batch.stop + 1))} of "
        f"{len(outcomes)}: {scrub(reason)[:400]}",
        *lines,
        "Rows are counted from 1 in sheet order; .results has every row, aligned with the "
        "sheet, with its outcome" + (" and the tracking ids of created rows." if creates
                                     else "."),
    ])
