"""Paging: order, guards against repeated, empty and endless pages, and partial failures."""

from __future__ import annotations

import threading
import time

import pytest

import cargamos_explore as cx
from cargamos_explore.decoding import Page
from cargamos_explore.queries.paging import read_all


def fake_pages(total: int, limit: int, *, fail: int | None = None, repeat: int | None = None,
               empty: int | None = None, delay: float = 0.0):  # type: ignore[no-untyped-def]
    asked: list[int] = []
    lock = threading.Lock()

    def fetch(number: int) -> Page[list[int]]:
        with lock:
            asked.append(number)
        time.sleep(delay * (number % 3))  # pages finish out of order
        if number == fail:
            raise cx.ServerError("boom", status=503)
        start = (number - 1) * limit
        rows = list(range(start, min(total, start + limit)))
        if number == repeat:
            rows = list(range(limit))
        if number == empty:
            rows = []
        first = None if not rows else str(rows[0])
        return Page(rows, len(rows), first, total, "OK", "1.0.0", number=number)

    return fetch, asked


def test_pages_come_back_in_order_however_they_finish() -> None:
    fetch, _ = fake_pages(total=2_000, limit=100, delay=0.01)
    read = read_all(fetch, limit=100, concurrency=4, progress=False)
    assert [row for part in read.parts for row in part] == list(range(2_000))
    assert read.pages == 20 and read.rows == 2_000


def test_a_failing_page_says_how_many_rows_arrived() -> None:
    fetch, asked = fake_pages(total=5_000, limit=100, fail=4)
    with pytest.raises(cx.PartialResultError) as caught:
        read_all(fetch, limit=100, concurrency=2, progress=False)
    assert caught.value.rows_fetched == 300 and "after 300 rows" in str(caught.value)
    assert max(asked) < 12  # it stopped asking soon after the failure


def test_a_failure_on_the_first_page_is_raised_as_it_is() -> None:
    fetch, _ = fake_pages(total=500, limit=100, fail=1)
    with pytest.raises(cx.ServerError):
        read_all(fetch, limit=100, progress=False)


def test_a_repeated_page_is_refused() -> None:
    fetch, _ = fake_pages(total=1_000, limit=100, repeat=3)
    with pytest.raises(cx.PartialResultError, match="repeats an earlier page"):
        read_all(fetch, limit=100, progress=False)


def test_an_early_empty_page_is_refused() -> None:
    fetch, _ = fake_pages(total=1_000, limit=100, empty=5)
    with pytest.raises(cx.PartialResultError, match="came back empty"):
        read_all(fetch, limit=100, progress=False)


def test_the_first_total_bounds_the_read() -> None:
    fetch, asked = fake_pages(total=250, limit=100)
    read = read_all(fetch, limit=100, concurrency=4, progress=False)
    assert read.rows == 250 and read.pages == 3
    assert [row for part in read.parts for row in part] == list(range(250))
    # Page 4 is asked for on speculation alongside page 1, always (a rerun from the cache
    # must ask for the same pages), and never used; nothing past it is asked for.
    assert sorted(asked) == [1, 2, 3, 4]


def test_max_rows_stops_early() -> None:
    fetch, asked = fake_pages(total=10_000, limit=100)
    read = read_all(fetch, limit=100, max_rows=250, concurrency=2, progress=False)
    assert read.rows == 300 and max(asked) == 3
