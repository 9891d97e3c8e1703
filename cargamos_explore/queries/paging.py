"""Multi-page reads, in thin layers: pages -> their parts in order -> one result.

Pages after the first are fetched concurrently (bounded) on the one session and handed
back in page order; the first page's total sets how many pages there are, so a server
that never stops sending cannot keep us reading. A page's rows are whatever its decoder
made of the body: a list of records, or a ready frame.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any, Generic, TypeVar

from tqdm.auto import tqdm

from ..arguments import flag
from ..decoding import Page
from ..errors import CargamosError, CassetteMissError, PartialResultError

Rows = TypeVar("Rows")
T = TypeVar("T")


@dataclass(frozen=True)
class PageRead(Generic[Rows]):
    """What a multi-page read produced: each page's rows, in page order."""

    parts: list[Rows]
    rows: int
    pages: int
    pages_from_cache: int
    api_version: str | None


def pages(fetch: Callable[[int], Page[Rows]], *, limit: int, max_rows: int | None,
          concurrency: int, progress: bool | None) -> Iterator[Page[Rows]]:
    """Yield every page in order, fetching ``concurrency`` at a time.

    The total is known only once page 1 arrives; pages 2 to ``concurrency`` are asked for
    alongside it (when more than one page may be wanted), which saves a whole round trip
    on long reads and costs a few empty pages on short ones.
    """
    workers = max(1, concurrency)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        guess = workers if max_rows is None or max_rows > limit else 1
        ahead = {n: pool.submit(fetch, n) for n in range(1, guess + 1)}
        first = ahead.pop(1).result()
        yield first
        wanted = first.total if max_rows is None else min(first.total, max_rows)
        count = max(1, math.ceil(wanted / limit))
        with progress_bar(range(count), progress, desc="shipments", unit="rows",
                          total=wanted) as bar:
            bar.update(min(first.count, wanted))
            for page in _in_order(pool, fetch, range(2, count + 1), ahead, workers):
                bar.update(page.count)
                yield page


def progress_bar(steps: Iterable[T], progress: bool | None, *, desc: str, unit: str,
                 total: int | None = None) -> tqdm[T]:
    """A tqdm bar over ``steps``: shown when ``progress`` is True, or, when it is None, for
    work of more than three steps (a short read should not flash a bar)."""
    progress = flag("progress", progress, meaning="None shows a bar only for long work")
    steps = list(steps)
    show = progress if progress is not None else len(steps) > 3
    return tqdm(steps, total=total, desc=desc, unit=unit, disable=not show)


def _in_order(pool: ThreadPoolExecutor, fetch: Callable[[int], Page[Rows]], numbers: range,
              ahead: dict[int, Future[Page[Rows]]], workers: int) -> Iterator[Page[Rows]]:
    """Yield pages in order. Only a small window is queued, so stopping early (an error)
    does not go on to fetch every remaining page."""
    for number in [n for n in ahead if n not in numbers]:
        # Asked for on speculation and not needed. Not cancelled: whether a cancel wins the
        # race with a worker thread is chance, and a warm rerun must make the same requests
        # as the cold run that filled the cache (or it misses, and logs in).
        ahead.pop(number)
    todo = iter(numbers)
    window: deque[Future[Page[Rows]]] = deque()
    for number in islice(todo, 2 * workers):
        found = ahead.pop(number) if number in ahead else None
        window.append(found or pool.submit(fetch, number))
    try:
        while window:
            page = window.popleft().result()
            window.extend(pool.submit(fetch, n) for n in islice(todo, 1))
            yield page
    finally:
        for future in window:
            future.cancel()


def read_all(fetch: Callable[[int], Page[Rows]], *, limit: int, max_rows: int | None = None,
             concurrency: int = 4, progress: bool | None = None,
             compact: Callable[[list[Rows]], Rows] | None = None,
             every: int = 8) -> PageRead[Rows]:
    """Every page's rows, with guards against empty, repeated and missing pages.

    With ``compact``, each run of ``every`` pages is merged into one part as soon as it
    arrives, while the worker threads fetch the next pages.
    """
    tally = _Tally(max_rows)
    parts: list[Rows] = []
    merged: list[Rows] = []
    try:
        for page in pages(fetch, limit=limit, max_rows=max_rows, concurrency=concurrency,
                          progress=progress):
            tally.add(page)
            parts.append(page.rows)
            if compact is not None and len(parts) >= every:
                merged.append(compact(parts))
                parts = []
        tally.check_complete()
    except CargamosError as err:
        # A replay missing a page says so itself; nothing arrived, likewise.
        if tally.rows == 0 or isinstance(err, CassetteMissError):
            raise
        raise PartialResultError(
            f"reading stopped after {tally.rows} rows: {err}. Nothing was returned; call "
            "again (pages already read may come from the cache).", rows_fetched=tally.rows,
        ) from err
    return PageRead(merged + parts, tally.rows, tally.pages, tally.cached, tally.version)


class _Tally:
    """What a read has received so far, checked page by page against the first total."""

    def __init__(self, max_rows: int | None) -> None:
        self.max_rows, self.expected = max_rows, -1
        self.rows = self.cached = self.pages = 0
        self.version: str | None = None
        self.seen: set[str] = set()

    def add(self, page: Page[Any]) -> None:
        _check(page, self.seen, self.rows)
        if self.expected < 0:
            self.expected = page.total if self.max_rows is None else min(page.total,
                                                                        self.max_rows)
        self.rows, self.cached = self.rows + page.count, self.cached + page.from_cache
        self.pages += 1
        self.version = self.version or page.version

    def check_complete(self) -> None:
        """A page shorter than it should be leaves the read short: never return that."""
        if self.rows < self.expected:
            raise CargamosError(f"the server announced {self.expected} rows but sent "
                                f"{self.rows}; a page came back short")


def checked(read: Iterable[Page[Rows]]) -> Iterator[Page[Rows]]:
    """The same pages, each checked as ``read_all`` checks them, none kept."""
    seen: set[str] = set()
    rows = 0
    for page in read:
        _check(page, seen, rows)
        rows += page.count
        yield page


def _check(page: Page[Any], seen: set[str], rows_so_far: int) -> None:
    if page.count == 0 and rows_so_far < page.total and page.number > 1:
        raise CargamosError(f"page {page.number} came back empty before the total of "
                            f"{page.total} rows was reached")
    if page.first_id is not None:
        if page.first_id in seen:
            raise CargamosError(f"page {page.number} repeats an earlier page; the server may "
                                "be ignoring the page parameter")
        seen.add(page.first_id)
