"""What a Session reads, as typed frames: thin layers over paging and frames."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import orjson
import pandas as pd

from . import arguments, fastpath, frames
from . import contract as c
from .errors import InvalidArgumentError, InvalidArgumentTypeError
from .paging import Decoded, PageRead, Rows, read_all

if TYPE_CHECKING:
    from .session import Session

MEXICO_CITY = ZoneInfo(c.TIMEZONE)
DEFAULT_DAYS = 30
When = date | datetime | str | None
DATE_FORMS = ("a date, a datetime, or an ISO-8601 string such as '2026-11-01' or "
              "'2026-11-01T08:00:00-06:00'")


def window(start: When, end: When, *, today: date | None = None) -> dict[str, str]:
    """The ``from``/``to`` parameters: ISO date-times with the Mexico City offset.

    A bare date means local midnight; an ``end`` date includes that whole day. Without
    bounds: the last 30 days up to the end of today (stable all day, so cacheable). A bound
    that is not a date, or an ``end`` before ``start``, raises InvalidArgumentError.

    >>> window("2026-11-01", date(2026, 11, 2))
    {'from': '2026-11-01T00:00:00-06:00', 'to': '2026-11-03T00:00:00-06:00'}
    """
    today = today or datetime.now(MEXICO_CITY).date()
    begin = (_instant("start", start, end_of_day=False)
             or _midnight(today - timedelta(days=DEFAULT_DAYS)))
    finish = _instant("end", end, end_of_day=True) or _midnight(today + timedelta(days=1))
    if finish < begin:
        raise InvalidArgumentError(
            f"end ({finish.isoformat()}) is before start ({begin.isoformat()}); swap them, or "
            "leave end out for up to the end of today", argument="end")
    return {c.LIST_PARAMS["start"]: begin.isoformat(), c.LIST_PARAMS["end"]: finish.isoformat()}


def _instant(name: str, value: Any, *, end_of_day: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = _parsed(name, value)
    if value is pd.NaT:  # a datetime by type, but no instant: checked before the next test
        raise InvalidArgumentError(f"{name} is NaT; give {DATE_FORMS}, or None",
                                   argument=name)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=MEXICO_CITY)
        return aware.astimezone(MEXICO_CITY)
    if isinstance(value, date):
        return _midnight(value + timedelta(days=1) if end_of_day else value)
    raise InvalidArgumentTypeError(f"{name} must be {DATE_FORMS}, or None; {arguments.got(value)}",
                                   argument=name)


def _parsed(name: str, text: str) -> date | datetime:
    text = text.strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError as err:
        raise InvalidArgumentError(f"{name} {text!r} is not an ISO-8601 date or date-time; "
                                   f"give {DATE_FORMS}", argument=name) from err


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), MEXICO_CITY)


def list_params(start: When, end: When, states: Any) -> dict[str, str]:
    """The list query's parameters; every argument is checked (see ``arguments``)."""
    params = window(start, end)
    chosen = arguments.states(states)
    if chosen:
        params[c.LIST_PARAMS["state"]] = c.STATE_SEPARATOR.join(chosen)
    return params


def check_read(max_rows: Any, progress: Any, concurrency: Any) -> None:
    """Refuse unusable read options before anything is sent."""
    arguments.optional_count("max_rows", max_rows,
                             meaning="the most rows to return; None for every row")
    arguments.flag("progress", progress, meaning="None shows a bar only for long reads")
    arguments.count("concurrency", concurrency, meaning="how many pages are read at once")


def decode_records(body: bytes) -> Decoded[list[Any]]:
    """A page as a list of records (for events, which need the whole record)."""
    envelope = orjson.loads(body)
    envelope = envelope if isinstance(envelope, dict) else {}
    data = envelope.get("data")
    data = data if isinstance(data, dict) else {}
    items = data.get(c.PAGE_ITEMS_FIELD)
    items = items if isinstance(items, list) else []
    total = data.get(c.PAGE_TOTAL_FIELD)
    first = items[0].get("trackingId") if items and isinstance(items[0], dict) else None
    return Decoded(items, len(items), None if first is None else str(first),
                   total if isinstance(total, int) else 0, envelope.get("status"),
                   envelope.get("version"))


def decode_frame(body: bytes) -> Decoded[fastpath.Part]:
    """A page decoded column-wise (see ``fastpath``); typed frames are made in batches."""
    page = fastpath.shipments_page(body)
    return Decoded(page.rows, page.count, _first_id(page.rows), page.total, page.status,
                   page.version)


def _first_id(rows: fastpath.Part) -> str | None:
    if len(rows) == 0:
        return None
    if isinstance(rows, pd.DataFrame):
        return str(rows["tracking_id"].iloc[0])
    return str(rows[0].as_py().get("trackingId"))


def read_shipments(session: Session, params: dict[str, str],
                   decode: Callable[[bytes], Decoded[Rows]], *, max_rows: int | None,
                   progress: bool | None, concurrency: int,
                   compact: Callable[[list[Rows]], Rows] | None = None) -> PageRead[Rows]:
    limit = c.MAX_LIMIT if max_rows is None else max(1, min(c.MAX_LIMIT, max_rows))
    return read_all(lambda n: session.fetch_page(c.SHIPMENTS_PATH, params, n, limit, decode),
                    limit=limit, max_rows=max_rows, concurrency=concurrency, progress=progress,
                    compact=compact)


def with_provenance(df: pd.DataFrame, session: Session, endpoint: str, params: dict[str, Any],
                    read: PageRead[Any] | None = None, from_cache: bool = False,
                    api_version: str | None = None) -> pd.DataFrame:
    """Record where ``df`` came from in ``df.attrs["cargamos"]``; never a secret."""
    df.attrs["cargamos"] = {
        "endpoint": endpoint,
        "params": dict(params),
        "host": session.host,
        "fetched_at": datetime.now(MEXICO_CITY).isoformat(timespec="seconds"),
        "api_version": read.api_version if read else api_version,
        "from_cache": bool(read.pages == read.pages_from_cache) if read else from_cache,
        "pages": read.pages if read else 1,
        "pages_from_cache": read.pages_from_cache if read else int(from_cache),
    }
    return df


def shipments(session: Session, start: When, end: When, states: Any, *, max_rows: int | None,
              progress: bool | None, concurrency: int) -> pd.DataFrame:
    check_read(max_rows, progress, concurrency)
    params = list_params(start, end, states)
    read = read_shipments(session, params, decode_frame, max_rows=max_rows, progress=progress,
                          concurrency=concurrency, compact=fastpath.to_frame)
    df = fastpath.to_frame(read.parts)
    df = df if max_rows is None else df.iloc[:max_rows].copy()
    return with_provenance(df, session, c.SHIPMENTS_PATH, params, read)


def events(session: Session, start: When, end: When, states: Any, *, max_rows: int | None,
           progress: bool | None, concurrency: int) -> pd.DataFrame:
    check_read(max_rows, progress, concurrency)
    params = list_params(start, end, states)
    read = read_shipments(session, params, decode_records, max_rows=max_rows,
                          progress=progress, concurrency=concurrency)
    records = [item for part in read.parts for item in part][:max_rows]
    return with_provenance(frames.events_frame(records), session, c.SHIPMENTS_PATH, params,
                           read)
