"""Multi-page reads, in thin layers: pages of dicts -> records -> a typed frame.

Pages after the first are fetched concurrently (bounded) on the one session and handed
back in page order; the first page's total sets how many pages there are, so a server
that never stops sending cannot keep us reading.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any

from tqdm.auto import tqdm

from . import contract as c
from .errors import CargamosError, PartialResultError


@dataclass(frozen=True)
class Page:
    """One page's records, and whether it was served from the cache."""

    number: int
    items: list[Any]
    total: int
    from_cache: bool
    api_version: str | None


FetchPage = Callable[[int], Page]


@dataclass(frozen=True)
class PageRead:
    """What a multi-page read produced."""

    items: list[Any]
    pages: int
    pages_from_cache: int
    api_version: str | None


def pages(fetch: FetchPage, *, limit: int, max_rows: int | None, concurrency: int,
          progress: bool | None) -> Iterator[Page]:
    """Yield every page in order; page 1 first, then the rest ``concurrency`` at a time."""
    first = fetch(1)
    yield first
    wanted = first.total if max_rows is None else min(first.total, max_rows)
    count = max(1, math.ceil(wanted / limit))
    show = progress if progress is not None else count > 3
    with tqdm(total=wanted, unit="rows", disable=not show, desc="shipments") as bar:
        bar.update(min(len(first.items), wanted))
        for page in _in_order(fetch, range(2, count + 1), concurrency):
            bar.update(len(page.items))
            yield page


def _in_order(fetch: FetchPage, numbers: range, concurrency: int) -> Iterator[Page]:
    """Fetch pages on ``concurrency`` threads, yielding them in order. Only a small window
    is queued, so stopping early (an error) does not go on to fetch every remaining page."""
    todo = iter(numbers)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        window = deque(pool.submit(fetch, n) for n in islice(todo, 2 * max(1, concurrency)))
        try:
            while window:
                page = window.popleft().result()
                window.extend(pool.submit(fetch, n) for n in islice(todo, 1))
                yield page
        finally:
            for future in window:
                future.cancel()


def read_all(fetch: FetchPage, *, limit: int, max_rows: int | None = None,
             concurrency: int = 4, progress: bool | None = None) -> PageRead:
    """Every record of every page, with guards against empty and repeated pages."""
    items: list[Any] = []
    seen_first: set[str] = set()
    count = cached = 0
    version: str | None = None
    try:
        for page in pages(fetch, limit=limit, max_rows=max_rows, concurrency=concurrency,
                          progress=progress):
            _check(page, seen_first, len(items))
            items.extend(page.items[:limit])
            count, cached = count + 1, cached + page.from_cache
            version = version or page.api_version
    except CargamosError as err:
        raise PartialResultError(
            f"reading stopped after {len(items)} rows: {err}. Nothing was returned; call "
            "again (pages already read may come from the cache).", rows_fetched=len(items),
        ) from err
    return PageRead(items[:max_rows] if max_rows is not None else items, count, cached, version)


def _check(page: Page, seen_first: set[str], rows_so_far: int) -> None:
    if not page.items and rows_so_far < page.total and page.number > 1:
        raise CargamosError(f"page {page.number} came back empty before the total of "
                            f"{page.total} rows was reached")
    if page.items:
        marker = repr(page.items[0])
        if marker in seen_first:
            raise CargamosError(f"page {page.number} repeats an earlier page; the server may "
                                "be ignoring the page parameter")
        seen_first.add(marker)


def page_from_envelope(number: int, body: dict[str, Any], from_cache: bool) -> Page:
    data = body.get("data")
    data = data if isinstance(data, dict) else {}
    items = data.get(c.PAGE_ITEMS_FIELD)
    total = data.get(c.PAGE_TOTAL_FIELD)
    return Page(number, items if isinstance(items, list) else [],
                total if isinstance(total, int) and total >= 0 else 0, from_cache,
                body.get("version"))
