"""Rows as the page shows them: every value already text, in Mexico City time."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ... import contract as c


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        # Whatever zone a source hands a time in, the page writes Mexico City's, as the
        # filters, the timeline and the downloads count days.
        local = value.tz_convert(c.TIMEZONE) if value.tzinfo is not None else value
        return f"{local:%Y-%m-%d %H:%M}"
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, str]]:
    columns = list(frame.columns)
    return [dict(zip(columns, map(_text, row), strict=True))
            for row in frame.itertuples(index=False, name=None)]


def page_records(frame: pd.DataFrame) -> list[dict[str, str]]:
    """One table page, at most a page's rows, each value as text."""
    return _records(frame)


def timeline_records(frame: pd.DataFrame) -> list[dict[str, str]]:
    """One shipment's events in order, a failed attempt's reason in ``reason``."""
    records = _records(frame)
    for record in records:
        record["reason"] = record.pop("anomaly_description", "") or \
            record.get("anomaly_code", "")
    return records
