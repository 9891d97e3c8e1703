"""The current selection as a file: CSV, or an Excel workbook.

The workbook is ``cx.to_excel``'s: Excel cannot hold a time zone, so datetimes are written
in Mexico City local time and their column names say so.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Final

import pandas as pd

from ...errors import InvalidArgumentError
from ...export.excel import to_excel

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
    """One sheet, "shipments", written by ``cx.to_excel``: local times named so in the
    header, numbers as numbers, a frozen header row and an autofilter."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "selection.xlsx"
        to_excel(path, shipments=frame)
        return path.read_bytes()
