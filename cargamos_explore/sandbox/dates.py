"""The list filter's ``from`` and ``to``: RFC 3339 dates and date-times, read as epoch seconds.

The OpenAPI document declares them with the ``date`` and ``date-time`` formats, so the sandbox
accepts exactly those: no more (``datetime.fromisoformat`` also takes ``20261101T0000+0000``)
and no less (RFC 3339 allows a lower-case ``t`` and ``z``, a leap second and year 0000).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as midnight
from typing import Final
from zoneinfo import ZoneInfo

from .. import contract as c

MEXICO_CITY: Final = ZoneInfo(c.TIMEZONE)
DAY_SECONDS: Final = 86_400
RFC3339: Final = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:[Tt](?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):(?P<s>[0-9]{2})(?P<frac>\.[0-9]+)?"
    r"(?P<tz>[Zz]|[+-][0-9]{2}:[0-9]{2}))?"
)


def epoch_bound(text: str, *, end_of_day: bool) -> float | None:
    """Epoch seconds of ``text``, or None when it is not an RFC 3339 date or date-time.

    A bare date is local midnight in Mexico City; with ``end_of_day`` it is the next midnight,
    so that ``to`` includes that whole day.
    """
    match = RFC3339.fullmatch(text)
    if match is None:
        return None
    parts = match.groupdict()
    try:
        # Year 0000 is valid RFC 3339 but not a Python date; no shipment is that old anyway.
        day = date(max(int(parts["y"]), 1), int(parts["mo"]), int(parts["d"]))
        if parts["h"] is None:
            return _midnight(day, next_day=end_of_day)
        return _moment(day, parts)
    except ValueError:  # 2026-02-30, 25:00:00, an offset of 24 hours or more
        return None


def _moment(day: date, parts: dict[str, str]) -> float:
    # A leap second (:60) is valid RFC 3339; Python times stop at :59.
    second = min(int(parts["s"]), 59)
    local = datetime(day.year, day.month, day.day, int(parts["h"]), int(parts["mi"]), second,
                     tzinfo=_offset(parts["tz"]))
    return local.timestamp() + float("0" + (parts["frac"] or ""))


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return UTC
    hours, minutes = int(text[1:3]), int(text[4:6])
    if minutes > 59:
        raise ValueError("offset minutes must be below 60")
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _midnight(day: date, *, next_day: bool) -> float:
    start = datetime.combine(day, midnight(), MEXICO_CITY).timestamp()
    if not next_day:
        return start
    if day == date.max:  # 9999-12-31 has no next day as a date; count its 24 hours instead
        return start + DAY_SECONDS
    return datetime.combine(day + timedelta(days=1), midnight(), MEXICO_CITY).timestamp()
