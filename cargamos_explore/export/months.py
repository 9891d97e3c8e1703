"""An export window cut into calendar months of Mexico City time: one partition each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .. import contract as c
from ..queries.window import When, window


@dataclass(frozen=True)
class Month:
    """The part of the export window inside one calendar month; ``end`` is exclusive.

    >>> [m.key for m in months("2026-10-15", "2026-12-01")]
    ['2026-10', '2026-11', '2026-12']
    """

    key: str
    start: datetime
    end: datetime

    @property
    def window(self) -> tuple[str, str]:
        return self.start.isoformat(), self.end.isoformat()


def months(start: When, end: When, *, today: date | None = None) -> list[Month]:
    """The months from ``start`` to ``end`` (read as every list read reads them, the
    default window ending on ``today``)."""
    params = window(start, end, today=today)
    begin = datetime.fromisoformat(params[c.LIST_PARAMS["start"]])
    finish = datetime.fromisoformat(params[c.LIST_PARAMS["end"]])
    found: list[Month] = []
    first = begin.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while first < finish:
        after = _next_month(first)
        found.append(Month(first.strftime("%Y-%m"), max(first, begin), min(after, finish)))
        first = after
    return found


def _next_month(first: datetime) -> datetime:
    return first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
