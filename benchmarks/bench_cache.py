"""The cache: a warm shipments() against a cold one, and against decoding from memory.

Prints ratios measured in one run: 10,000 shipments from a sandbox answering each
request after 50 ms, read cold (cache empty) and warm (goal: warm at least 10x faster),
and the warm read against building the same frame from page bytes already in memory
(goal: within 1.5x, i.e. the cache adds little).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import cargamos_explore as cx
from cargamos_explore.decoding import pages as fastpath
from cargamos_explore.queries import window as reading

from _common import best_of, sandbox_process, session_options

ROWS, LATENCY = 10_000, 0.05
WINDOW = {"start": "2000-01-01", "end": "2100-01-01"}


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    with sandbox_process("--size", str(ROWS), "--latency", str(LATENCY)) as url:
        cold_times, sequential_times = [], []
        for attempt in range(3):
            for concurrency, times in ((4, cold_times), (1, sequential_times)):
                session = cx.Session(url, cache=folder / f"cold{attempt}-{concurrency}.sqlite",
                                     **session_options())
                session.login()
                started = time.perf_counter()
                frame = session.shipments(**WINDOW, progress=False, concurrency=concurrency)
                times.append(time.perf_counter() - started)
        warm = best_of(5, lambda: session.shipments(**WINDOW, progress=False))
        assert session.shipments(**WINDOW, progress=False).attrs["cargamos"]["from_cache"]
        bodies = _page_bodies(session, frame.attrs["cargamos"]["pages"])
        session.close()
    in_memory = best_of(5, lambda: fastpath.to_frame(
        [fastpath.shipments_page(body).rows for body in bodies]))
    cold, sequential = min(cold_times), min(sequential_times)
    print(f"{len(frame):,} shipments, {len(bodies)} pages, {LATENCY * 1e3:.0f} ms latency:")
    print(f"  cold {cold:.2f} s (4 pages at a time, the default), warm {warm:.3f} s "
          f"-> warm is {cold / warm:.1f}x faster (goal >= 10x)")
    print(f"  cold read one page at a time: {sequential:.2f} s -> warm is "
          f"{sequential / warm:.1f}x faster")
    print(f"  from bytes in memory {in_memory:.3f} s -> warm is {warm / in_memory:.2f}x that "
          "(goal <= 1.5x)")


def _page_bodies(session: cx.Session, pages: int) -> list[bytes]:
    params = reading.list_params(WINDOW["start"], WINDOW["end"], None)
    bodies = []
    for number in range(1, pages + 1):
        body = session.request("GET", "/v1/shipments",
                               params={**params, "page": number, "limit": 500}).content
        bodies.append(body)
    return bodies


if __name__ == "__main__":
    main()
