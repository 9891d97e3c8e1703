"""The date window of a list read: ``from``/``to`` in Mexico City time, checked up front."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from .. import arguments
from .. import contract as c
from ..errors import InvalidArgumentError, InvalidArgumentTypeError

MEXICO_CITY = c.MEXICO_CITY
DEFAULT_DAYS = c.DEFAULT_WINDOW_DAYS
FIRST_YEAR, LAST_YEAR = 1970, 2999
When = date | datetime | str | None
DATE_FORMS = ("a date, a datetime, or an ISO-8601 string such as '2026-11-01' or "
              "'2026-11-01T08:00:00-06:00'")


def window(start: When, end: When, *, today: date | None = None) -> dict[str, str]:
    """The ``from``/``to`` parameters: ISO date-times with the Mexico City offset.

    A bare date means local midnight; an ``end`` date includes that whole day. Without
    ``start``: the 30 days before the end's day, and that day; without either, the last
    30 days up to the end of today (stable all day, so cacheable). A bound
    that is not a date, or an ``end`` before ``start``, raises InvalidArgumentError.

    >>> window("2026-11-01", date(2026, 11, 2))
    {'from': '2026-11-01T00:00:00-06:00', 'to': '2026-11-03T00:00:00-06:00'}
    """
    today = today or datetime.now(MEXICO_CITY).date()
    finish = _instant("end", end, end_of_day=True) or _midnight(today + timedelta(days=1))
    last_day = (finish - timedelta(microseconds=1)).date()
    # Counted back from the end, as the server counts a missing ``from`` back from ``to``.
    begin = (_instant("start", start, end_of_day=False)
             or _midnight(last_day - timedelta(days=DEFAULT_DAYS)))
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
    if isinstance(value, date):
        return _in_range(name, _aware(value, end_of_day=end_of_day))
    raise InvalidArgumentTypeError(f"{name} must be {DATE_FORMS}, or None; {arguments.got(value)}",
                                   argument=name)


def _aware(value: date, *, end_of_day: bool) -> datetime:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=MEXICO_CITY)
        return aware.astimezone(MEXICO_CITY)
    if end_of_day and value == date.max:
        return datetime.max.replace(tzinfo=MEXICO_CITY)  # refused just below, not overflowed
    return _midnight(value + timedelta(days=1) if end_of_day else value)


def _in_range(name: str, instant: datetime) -> datetime:
    """Years this API can hold: before 1922 Mexico City kept local mean time (an offset
    of -06:36), and past 2999 is no date a shipment has."""
    if not FIRST_YEAR <= instant.year <= LAST_YEAR:
        raise InvalidArgumentError(
            f"{name} {instant.date().isoformat()} is outside the years {FIRST_YEAR} to "
            f"{LAST_YEAR}; give a date when shipments could exist", argument=name)
    return instant


def _parsed(name: str, text: str) -> date | datetime:
    text = text.strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError as err:
        raise InvalidArgumentError(f"{name} {text!r} is not an ISO-8601 date or date-time; "
                                   f"give {DATE_FORMS}", argument=name) from err


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), MEXICO_CITY)


def list_params(start: When, end: When, states: Any, *, today: date | None = None
                ) -> dict[str, str]:
    """The list query's parameters; every argument is checked (see ``arguments``)."""
    params = window(start, end, today=today)
    chosen = arguments.states(states)
    if chosen:
        params[c.LIST_PARAMS["state"]] = c.STATE_SEPARATOR.join(chosen)
    return params


def empty_reason(params: dict[str, str], today: date) -> str | None:
    """Why a read of the window in ``params`` came back empty, when the window itself says
    so (it lies wholly after today, or ended before the sandbox's history begins); None when
    an empty answer may simply mean that nothing was created then.

    >>> empty_reason({"from": "2026-10-01T00:00:00-06:00", "to": "2026-11-01T00:00:00-06:00"},
    ...              date(2027, 2, 15))[:72]
    'no shipments created between 2026-10-01 and 2026-10-31: the window ended'
    """
    begin = datetime.fromisoformat(params[c.LIST_PARAMS["start"]])
    finish = datetime.fromisoformat(params[c.LIST_PARAMS["end"]])
    last_day = (finish - timedelta(microseconds=1)).date()
    if begin >= _midnight(today + timedelta(days=1)):
        where = "starts after today"
    elif finish <= _midnight(today - timedelta(days=c.SANDBOX_HISTORY_DAYS)):
        where = f"ended {(today - last_day).days} days before today"
    else:
        return None
    return (f"no shipments created between {begin.date()} and {last_day}: the window {where} "
            f"({today}). The sandbox holds the {c.SANDBOX_HISTORY_DAYS} days up to today, and "
            "an account only what it has created; for a window that moves with the calendar, "
            "pass dates relative to today, e.g. start=date.today() - timedelta(days=90).")
