"""``cx.to_excel``: frames and a KPI report as an Excel workbook an analyst can work in.

Excel has no time zones, so every tz-aware column is written as Mexico City local time and
its header says so (``created_at (Mexico City)``). Rates stay numbers between 0 and 1 and
are shown as percentages by their cell format, so Excel can sort and sum them; integers are
numbers; each sheet has a frozen header row, an autofilter and readable column widths.

The KPI report is read generically: every DataFrame it holds (but the shipments and events
it was computed from, which have their own arguments) gets a sheet, in the report's order,
and its ``as_of`` time, when it has one, heads each of those sheets.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd

from .. import contract as c
from ..errors import ExportError, InvalidArgumentTypeError

LOCAL_TIME: Final = "Mexico City"
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT: Final = "yyyy-mm-dd"
PERCENT_FORMAT: Final = "0.0%"
HOURS_FORMAT: Final = "0.0"
#: Share columns whose names do not end in ``rate`` or ``_pct``.
PERCENT_COLUMNS: Final = frozenset({"attempts_0", "attempts_1", "attempts_2", "attempts_3"})
#: The frames a report was computed from: written only when passed as shipments= / events=.
REPORT_INPUTS: Final = frozenset({"shipments", "events"})
MIN_WIDTH, MAX_WIDTH, SAMPLE_ROWS = 8, 50, 200


def to_excel(path: str | os.PathLike[str], *, shipments: pd.DataFrame | None = None,
             events: pd.DataFrame | None = None, kpis: Any = None,
             sheets: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """Write the frames to an ``.xlsx`` workbook at ``path``, one sheet each: ``shipments``,
    ``events``, each table of the ``kpis`` report (``cx.kpis(...)``), then ``sheets`` (any
    other frames, by sheet name). Returns the path written.

    >>> import pandas as pd, tempfile, pathlib
    >>> rates = pd.DataFrame({"on_time_rate": [0.5]})
    >>> to_excel(pathlib.Path(tempfile.mkdtemp()) / "rates.xlsx", sheets={"rates": rates}).name
    'rates.xlsx'
    """
    frames = dict(_frames(shipments, events, kpis, sheets))
    if not frames:
        raise InvalidArgumentTypeError(
            "to_excel needs at least one frame: pass shipments=, events=, kpis= or sheets=",
            argument="shipments")
    target = Path(path)
    as_of = getattr(kpis, "as_of", None)
    with _writer(target) as writer:
        for name, (frame, from_report) in frames.items():
            _write_sheet(writer, name, frame, as_of if from_report else None)
    return target


def _frames(shipments: pd.DataFrame | None, events: pd.DataFrame | None, kpis: Any,
            sheets: Mapping[str, pd.DataFrame] | None
            ) -> Iterator[tuple[str, tuple[pd.DataFrame, bool]]]:
    """(sheet name, (frame, whether it is one of the report's tables)), in sheet order."""
    given = {"shipments": shipments, "events": events}
    for name, frame in given.items():
        if frame is not None:
            yield name, (_checked(name, frame), False)
    if kpis is not None:
        for name, frame in report_tables(kpis).items():
            yield name, (frame, True)
    for name, frame in (sheets or {}).items():
        yield _sheet_name(name), (_checked(name, frame), False)


def report_tables(report: Any) -> dict[str, pd.DataFrame]:
    """Every DataFrame a report holds, by attribute name, in its order; not its inputs.

    Read from the report's fields (a dataclass) or attributes, never from its properties,
    which may compute or draw (``report.plot``)."""
    if dataclasses.is_dataclass(report):
        names = [f.name for f in dataclasses.fields(report)]
    else:
        names = list(getattr(report, "__dict__", ()))
    tables = {name: getattr(report, name) for name in names
              if not name.startswith("_") and name not in REPORT_INPUTS}
    found = {name: frame for name, frame in tables.items() if isinstance(frame, pd.DataFrame)}
    if not found:
        raise InvalidArgumentTypeError(
            f"kpis= takes a KPI report (cx.kpis(shipments)); {type(report).__name__} holds "
            "no table", argument="kpis")
    return found


def _checked(name: str, frame: Any) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidArgumentTypeError(
            f"{name}= takes a DataFrame, not {type(frame).__name__}", argument=name)
    return frame


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or "sheet"


def _writer(target: Path) -> pd.ExcelWriter:
    if target.suffix.lower() != ".xlsx":
        raise ExportError(f"{target} does not end in .xlsx: Excel opens the workbook by its "
                          "extension; name it e.g. deliveries.xlsx")
    if not target.parent.is_dir():
        raise ExportError(f"cannot write {target}: the folder {target.parent} does not exist")
    # A text is a text: a shipper's barcode or an alcaldía starting with "=" must not turn
    # into a formula that Excel runs on opening, nor a URL into a live link.
    return pd.ExcelWriter(target, engine="xlsxwriter", datetime_format=DATETIME_FORMAT,
                          date_format=DATE_FORMAT,
                          engine_kwargs={"options": {"strings_to_formulas": False,
                                                     "strings_to_urls": False}})


def _write_sheet(writer: pd.ExcelWriter, name: str, frame: pd.DataFrame,
                 as_of: Any) -> None:
    table = excel_ready(frame)
    top = 0 if as_of is None else 1
    table.to_excel(writer, sheet_name=name, startrow=top, index=False, freeze_panes=(top + 1, 0))
    sheet = writer.sheets[name]
    if as_of is not None:
        sheet.write(0, 0, f"As of {_local_text(as_of)} ({LOCAL_TIME})")
    if len(table.columns):
        sheet.autofilter(top, 0, top + len(table), len(table.columns) - 1)
    book = writer.book
    for position, column in enumerate(table.columns):
        style = _number_format(str(column))
        cell = book.add_format({"num_format": style}) if style else None
        sheet.set_column(position, position, _width(table[column], str(column)), cell)


def excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as Excel can hold it: a named index (a report's ``week``, ``alcaldia``) as
    the first columns, an unnamed one (row numbers left by a filter) dropped, tz-aware times
    as Mexico City local time named so in the header, categories and Arrow strings as plain
    values."""
    table = pd.DataFrame(frame).reset_index(drop=not any(frame.index.names))
    columns = {}
    for name in table.columns:
        series = table[name]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            columns[f"{name} ({LOCAL_TIME})"] = series.dt.tz_convert(c.TIMEZONE).dt.tz_localize(
                None)
        elif isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(
                series.dtype):
            columns[str(name)] = series.astype(object).where(series.notna(), None)
        else:
            columns[str(name)] = series
    return pd.DataFrame(columns, index=table.index)


def _number_format(column: str) -> str | None:
    if is_percent(column):
        return PERCENT_FORMAT
    if column.endswith("_h"):
        return HOURS_FORMAT
    return None


def is_percent(column: str) -> bool:
    """A share between 0 and 1, shown as a percentage: ``*rate``, ``*_pct`` or declared."""
    return column.endswith(("rate", "_pct")) or column in PERCENT_COLUMNS


def _width(series: pd.Series[Any], header: str) -> int:
    sample = series.head(SAMPLE_ROWS).dropna()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        longest = len("2026-01-01 00:00:00")
    else:
        longest = max((len(str(value)) for value in sample), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, max(longest, len(header)) + 2))


def _local_text(moment: Any) -> str:
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(c.TIMEZONE)
    return datetime.strftime(stamp.to_pydatetime(), "%Y-%m-%d %H:%M:%S")
