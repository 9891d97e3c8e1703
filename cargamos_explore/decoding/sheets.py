"""An orders sheet -> the orders' JSON: one row per order, columns named like the
shipments frame. The sheet is checked as a whole, and every problem reported at once,
before anything is sent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd

from .. import contract as c
from ..arguments import got
from ..errors import InvalidArgumentTypeError, OrdersSheetError
from .schema import ORDER_SHEET_COLUMNS, Column

MEXICO_CITY = c.MEXICO_CITY
SHEET = {col.name: col for col in ORDER_SHEET_COLUMNS}
ADDRESS_PARTS = ("street", "number", "neighborhood", "alcaldia", "administrative_area")
ALWAYS_REQUIRED = ("postal_code", "recipient_name", "recipient_phone",
                   "shipper_dropoff_date", "expected_delivery_date")
#: Where each sheet column goes in the order JSON; lifted from the schema table.
ORDER_PATHS = {col.name: col.path for col in ORDER_SHEET_COLUMNS}

TEXT_KINDS = ("string", "label")
NOT_FINITE = "not a finite number"
NOT_JSON = "cannot be sent as JSON; give text or a number"

#: One cell that cannot be sent: (row counted from 1, column, what is wrong with it).
CellProblem = tuple[int, str, str]


def checked_sheet(sheet: Any) -> pd.DataFrame:
    """``sheet`` itself if it is a DataFrame; anything else is refused before any request."""
    if isinstance(sheet, pd.DataFrame):
        return sheet
    raise InvalidArgumentTypeError(
        f"sheet must be a pandas DataFrame with one row per order; {got(sheet)}. Build one "
        "with pd.DataFrame(records), pd.read_csv(path) or pd.read_excel(path).",
        argument="sheet")


def column_problems(sheet: pd.DataFrame) -> list[str]:
    """Every missing and unknown column, in words."""
    columns = [str(name) for name in sheet.columns]
    twice = sorted({name for name in columns if columns.count(name) > 1})
    problems = [f"column {name!r} appears more than once" for name in twice]
    problems += [f"unknown column {name!r}" for name in columns if name not in SHEET]
    problems += [f"missing required column {name!r}" for name in ALWAYS_REQUIRED
                 if name not in columns]
    if "full_address" not in columns:
        problems += [f"missing column {name!r} (or give full_address instead)"
                     for name in ADDRESS_PARTS if name not in columns]
    return problems


def to_orders(sheet: pd.DataFrame) -> list[dict[str, Any]]:
    """One order dict per row, nested by the contract's blocks; blank cells are left out.

    Raises OrdersSheetError listing every bad column and every cell that cannot be sent
    (an infinite weight, "nan" typed as a number) at once. A sheet with no rows gives [].
    """
    problems = column_problems(sheet)
    if any("more than once" in problem for problem in problems):
        raise _sheet_error(problems, [])  # rows cannot be read when a column is ambiguous
    problems += _duplicate_barcodes(sheet)
    known = sheet[[name for name in sheet.columns if str(name) in SHEET]]
    orders: list[dict[str, Any]] = []
    cells: list[CellProblem] = []
    for position, row in enumerate(known.to_dict(orient="records"), start=1):
        order, bad = _order(row, position)
        orders.append(order)
        cells += bad
    if problems or cells:
        raise _sheet_error(problems, cells)
    return orders


def _duplicate_barcodes(sheet: pd.DataFrame) -> list[str]:
    """A barcode twice in one sheet: the second would be refused only once the first was
    created (and a dry run in batches would not see it), so it is refused up front."""
    if "shipment_tracking_id" not in sheet.columns:
        return []
    codes = sheet["shipment_tracking_id"].reset_index(drop=True).dropna().astype(str)
    repeated = codes[codes.duplicated(keep=False)]
    return [f"shipment_tracking_id {code!r} appears in rows "
            f"{row_spans(int(i) + 1 for i in repeated.index[repeated == code])}"
            for code in sorted(set(repeated))]


def _sheet_error(problems: list[str], cells: list[CellProblem]) -> OrdersSheetError:
    listed = [f"row {row}, column {name!r}: {why}" for row, name, why in cells]
    by_column: dict[tuple[str, str], list[int]] = {}
    for row, name, why in cells:
        kind = NOT_FINITE if why.endswith(NOT_FINITE) else NOT_JSON
        by_column.setdefault((name, kind), []).append(row)
    summary = problems + [f"column {name!r}: {kind} in {row_spans(rows)}"
                          for (name, kind), rows in by_column.items()]
    known = f" Known columns: {', '.join(SHEET)}." if problems else ""
    return OrdersSheetError(
        f"the orders sheet cannot be sent ({_plural(len(problems) + len(cells), 'problem')}; "
        f"nothing was sent): {'; '.join(summary)}. Rows are counted from 1 in sheet order; "
        f"fix these (leave a cell blank to leave a field out) and send it again.{known}",
        problems=tuple(problems + listed))


def _order(row: dict[Any, Any], position: int) -> tuple[dict[str, Any], list[CellProblem]]:
    order: dict[str, Any] = {}
    problems: list[CellProblem] = []
    for name, value in row.items():
        if _blank(value):
            continue
        cell = _cell(SHEET[str(name)], value)
        why = _unsendable(value, cell)
        if why:
            problems.append((position, str(name), why))
        target = order
        path = ORDER_PATHS[str(name)]
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = cell
    return order, problems


def _unsendable(raw: Any, cell: Any) -> str | None:
    """Why ``cell`` cannot go into the JSON body, or None.

    JSON has no inf or NaN: requests would refuse the whole body while sending, which
    looked like a network failure; a sheet problem is what it is.
    """
    if isinstance(cell, (str, bool, int)) or cell is None:
        return None
    if isinstance(cell, float):
        shown = str(raw) if isinstance(raw, (float, int)) else repr(raw)
        return None if math.isfinite(cell) else f"{shown} is {NOT_FINITE}"
    try:
        json.dumps(cell, allow_nan=False)
    except (TypeError, ValueError):
        return f"a {type(raw).__name__} value {NOT_JSON}"
    return None


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
    if col.kind in TEXT_KINDS and isinstance(value, float) and value.is_integer():
        return str(int(value))  # a house number a spreadsheet read as 12.0
    return str(value).strip() if col.kind in (*TEXT_KINDS, "category") else value


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


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def row_spans(rows: Iterable[int], most: int = 8) -> str:
    """Row numbers as short ranges.

    >>> row_spans([1, 2, 3, 5, 7, 8])
    'rows 1-3, 5, 7-8'
    """
    spans: list[list[int]] = []
    for row in rows:
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    if len(spans) == 1 and spans[0][0] == spans[0][1]:
        return f"row {spans[0][0]}"
    shown = [f"{a}-{b}" if a != b else str(a) for a, b in spans[:most]]
    more = f" and {len(spans) - most} more ranges" if len(spans) > most else ""
    return "rows " + ", ".join(shown) + more
