"""Orders from a sheet: one row per order, columns named like the shipments frame.

The sheet is checked as a whole before any request; orders then go out in batches, and
the results come back aligned row for row with the sheet.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from tqdm.auto import tqdm

from . import contract as c
from .envelope import parse_messages
from .errors import APIError, OrdersSheetError, OrdersSubmissionError, TransportError
from .frames import order_results_frame
from .schema import ORDER_SHEET_COLUMNS, Column

MEXICO_CITY = ZoneInfo(c.TIMEZONE)
SHEET = {col.name: col for col in ORDER_SHEET_COLUMNS}
ADDRESS_PARTS = ("street", "number", "neighborhood", "alcaldia", "administrative_area")
ALWAYS_REQUIRED = ("postal_code", "recipient_name", "recipient_phone",
                   "shipper_dropoff_date", "expected_delivery_date")
#: Where each sheet column goes in the order JSON; lifted from the schema table.
ORDER_PATHS = {col.name: col.path for col in ORDER_SHEET_COLUMNS}

#: Sends one batch of orders and returns the server's per-order results.
Send = Callable[[list[dict[str, Any]]], list[Any]]


def check_sheet(sheet: pd.DataFrame) -> None:
    """Raise OrdersSheetError listing every missing and unknown column at once."""
    columns = [str(name) for name in sheet.columns]
    problems = [f"unknown column {name!r}" for name in columns if name not in SHEET]
    problems += [f"missing required column {name!r}" for name in ALWAYS_REQUIRED
                 if name not in columns]
    if "full_address" not in columns:
        problems += [f"missing column {name!r} (or give full_address instead)"
                     for name in ADDRESS_PARTS if name not in columns]
    if sheet.empty:
        problems.append("the sheet has no rows")
    if problems:
        raise OrdersSheetError(
            f"the orders sheet cannot be sent ({len(problems)} problems): "
            + "; ".join(problems) + f". Known columns: {', '.join(SHEET)}.",
            problems=tuple(problems))


def to_orders(sheet: pd.DataFrame) -> list[dict[str, Any]]:
    """One order dict per row, nested by the contract's blocks; blank cells are left out."""
    check_sheet(sheet)
    records = sheet.to_dict(orient="records")
    return [_order(row) for row in records]


def _order(row: dict[Any, Any]) -> dict[str, Any]:
    order: dict[str, Any] = {}
    for name, value in row.items():
        if _blank(value):
            continue
        target = order
        path = ORDER_PATHS[str(name)]
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = _cell(SHEET[str(name)], value)
    return order


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return bool(pd.isna(value)) if not isinstance(value, (list, dict)) else False


def _cell(col: Column, value: Any) -> Any:
    if col.name == "postal_code":
        return _postal_code(value)
    if col.kind == "datetime":
        return _iso(value)
    if col.kind in ("float", "int"):
        return _number(value, col.kind)
    if col.kind == "string" and isinstance(value, float) and value.is_integer():
        return str(int(value))  # a house number a spreadsheet read as 12.0
    return str(value).strip() if col.kind in ("string", "category") else value


def _postal_code(value: Any) -> Any:
    """Spreadsheets read 06700 as the number 6700: put the leading zero back."""
    text = str(int(value)) if isinstance(value, (int, float)) and float(value).is_integer() \
        else str(value).strip()
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text


def _iso(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return value.strip()  # sent as is; the server says why it is wrong
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=MEXICO_CITY)
        return aware.isoformat()
    return str(value)


def _number(value: Any, kind: str) -> Any:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if kind == "int" and number.is_integer() else number


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


def submit(sheet: pd.DataFrame, send: Send, *, batch_size: int = c.MAX_ORDERS_PER_REQUEST,
           progress: bool | None = None) -> pd.DataFrame:
    """Check the sheet, send it in batches, and return results aligned with its rows."""
    orders = to_orders(sheet)
    chunks = batches(len(orders), batch_size)
    rows: list[dict[str, Any]] = []
    show = progress if progress is not None else len(chunks) > 3
    for batch in tqdm(chunks, desc="order batches", disable=not show):
        try:
            answer = send(orders[batch.start:batch.stop])
        except (TransportError, APIError) as err:
            if not rows:
                raise
            raise OrdersSubmissionError(
                f"rows {batch.start} onwards failed ({err}); rows before {batch.start} were "
                "answered and are in .results. Check your shipments before sending the rest "
                "again.", results=_aligned(rows, sheet.index[:len(rows)]),
                first_unsent=batch.start,
                may_have_reached_server=getattr(err, "may_have_reached_server", True),
            ) from err
        rows += result_rows(answer if isinstance(answer, list) else [], batch)
    return _aligned(rows, sheet.index)


def _aligned(rows: list[dict[str, Any]], index: pd.Index) -> pd.DataFrame:
    df = order_results_frame(rows)
    df.index = index
    return df
