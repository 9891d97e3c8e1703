"""A list read as one object: its parameters, its pages in order, its frame, its count.

``ShipmentSearch`` holds what to read (a date window, states) and how (``max_rows``,
``progress``, ``concurrency``), checked when it is made; nothing is sent until one of its
results is asked for. Each page is fetched through the transport and decoded on arrival.
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import requests

from .. import arguments
from .. import contract as c
from ..decoding import Page, events_frame, records_page, shipments_page, to_frame
from ..errors import EmptyWindowWarning, UnexpectedResponseError
from ..transport import Transport
from ..transport.envelope import unwrap
from . import paging
from .paging import PageRead, Rows, read_all
from .provenance import with_provenance
from .window import When, empty_reason, list_params

Decode = Callable[[bytes], Page[Rows]]
#: More pages at once than this only queues requests at the server (and may earn 429s).
MAX_CONCURRENCY = 16


@dataclass(frozen=True)
class ShipmentSearch:
    """Shipments created between ``start`` and ``end`` (dates, datetimes or ISO strings;
    a date means midnight in Mexico City and an ``end`` date includes that day; default the
    last 30 days), only those in ``states`` when given.

    ``max_rows`` caps the rows read; ``progress`` shows a bar (None: for long reads only);
    ``concurrency`` pages are fetched at once, and handed back in order.
    """

    transport: Transport = field(repr=False, compare=False)
    start: When = None
    end: When = None
    states: Any = None
    max_rows: int | None = None
    progress: bool | None = None
    concurrency: int = 4
    params: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        arguments.optional_count("max_rows", self.max_rows,
                                 meaning="the most rows to return; None for every row")
        arguments.flag("progress", self.progress, meaning="None shows a bar only for long reads")
        arguments.count("concurrency", self.concurrency, most=MAX_CONCURRENCY,
                        meaning="how many pages are read at once")
        # The default window ends on the session's day: a replay asks what was recorded.
        params = list_params(self.start, self.end, self.states, today=self.transport.today())
        object.__setattr__(self, "params", params)

    @property
    def limit(self) -> int:
        """Rows per page: the most the API gives, or fewer when fewer are wanted."""
        return c.MAX_LIMIT if self.max_rows is None else min(c.MAX_LIMIT, self.max_rows)

    def frame(self) -> pd.DataFrame:
        """One row per shipment, typed (see the README's shipments table)."""
        read = self.read(shipments_page, compact=to_frame)
        df = to_frame(read.parts)
        df = df if self.max_rows is None else df.iloc[:self.max_rows].copy()
        return self._provenance(df, read)

    def events(self) -> pd.DataFrame:
        """One row per state change of the same shipments."""
        read = self.read(records_page)
        records = [item for part in read.parts for item in part][:self.max_rows]
        return self._provenance(events_frame(records), read)

    def count(self) -> int:
        """How many shipments match, from the list's total: one small call."""
        return self.fetch(1, records_page, limit=1).total

    def read(self, decode: Decode[Rows], compact: Callable[[list[Rows]], Rows] | None = None
             ) -> PageRead[Rows]:
        """Every page, decoded by ``decode``, in order (see ``paging.read_all``)."""
        return read_all(lambda number: self.fetch(number, decode), limit=self.limit,
                        max_rows=self.max_rows, concurrency=self.concurrency,
                        progress=self.progress, compact=compact)

    def pages(self, decode: Decode[Rows]) -> Iterator[Page[Rows]]:
        """Every page, decoded by ``decode``, in order, one at a time: nothing is kept, so a
        read too large for one frame can be streamed somewhere else (see ``export``)."""
        return paging.checked(paging.pages(
            lambda number: self.fetch(number, decode), limit=self.limit,
            max_rows=self.max_rows, concurrency=self.concurrency, progress=self.progress))

    def fetch(self, number: int, decode: Decode[Rows], *, limit: int | None = None
              ) -> Page[Rows]:
        """Page ``number`` (1-based); any failure raises the same errors as ``get_json``."""
        page_params = {c.PAGE_PARAM: number, c.LIMIT_PARAM: limit or self.limit}
        response = self.transport.request("GET", c.SHIPMENTS_PATH,
                                          params={**self.params, **page_params})
        page = _decoded(response, decode)
        return dataclasses.replace(page, number=number,
                                   from_cache=bool(getattr(response, "from_cache", False)))

    def _provenance(self, df: pd.DataFrame, read: PageRead[Any]) -> pd.DataFrame:
        if df.empty:
            self._explain_empty()
        return with_provenance(df, self.transport.host, c.SHIPMENTS_PATH, self.params,
                               pages=read.pages, pages_from_cache=read.pages_from_cache,
                               api_version=read.api_version, fetched_at=self.transport.clock())

    def _explain_empty(self) -> None:
        """Warn when the window is why nothing came back (a fixed date gone stale)."""
        reason = empty_reason(self.params, self.transport.today())
        if reason is not None:
            # Four frames up: _provenance, frame() or events(), the Session shortcut, the caller.
            warnings.warn(reason, EmptyWindowWarning, stacklevel=5)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        """Not iterable: say how to get the rows (a frame, or the events)."""
        raise TypeError("a ShipmentSearch is not a list of rows: call .frame() (or .events())")


def _decoded(response: requests.Response, decode: Decode[Rows]) -> Page[Rows]:
    """Decode a successful page; anything else raises the envelope's error."""
    page = None
    if response.ok:
        with contextlib.suppress(ValueError):  # not JSON: unwrap() below says what it was
            page = decode(response.content)
    if page is None or page.status != c.STATUS_OK:
        unwrap(response)
        raise UnexpectedResponseError(
            f"a page of {c.SHIPMENTS_PATH} could not be read", status=response.status_code)
    if page.total < 0:
        # Without the total, a short read could not be told from a complete one.
        raise UnexpectedResponseError(
            f"a page of {c.SHIPMENTS_PATH} has no whole-number {c.PAGE_TOTAL_FIELD!r}, so "
            "whether every row arrived cannot be told; nothing was returned.",
            status=response.status_code)
    return page
