"""The current selection as a file: CSV, or an Excel workbook.

Datetimes are written in Mexico City time, the frames' own zone; Excel cannot hold a time
zone, so its cells carry the local time without one (the column names say so).
"""

from __future__ import annotations

import io
from typing import Final

import pandas as pd

from ...errors import InvalidArgumentError

FORMATS: Final = {"csv": "text/csv",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def file_bytes(frame: pd.DataFrame, kind: str) -> bytes:
    """``frame`` as the bytes of a ``kind`` file ("csv" or "xlsx")."""
    if kind == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if kind == "xlsx":
        return excel_bytes(frame)
    raise InvalidArgumentError(f"kind: downloads are 'csv' or 'xlsx', not {kind!r}",
                               argument="kind")


def excel_bytes(frame: pd.DataFrame) -> bytes:
    """One sheet, "shipments", with the frame's columns; datetimes in local time."""
    local = frame.copy()
    for name in local.columns:
        if isinstance(local[name].dtype, pd.DatetimeTZDtype):
            local[name] = local[name].dt.tz_localize(None)
    buffer = io.BytesIO()
    local.to_excel(buffer, sheet_name="shipments", index=False, engine="openpyxl")
    return buffer.getvalue()
