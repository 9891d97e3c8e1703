"""cx.explore: kernel time of a filter change and of a table page, next to cx.kpis alone.

1. 100,000 shipments in memory (pandas): a filter change recomputes every panel (goal
   <= 250 ms); a table page (goal <= 50 ms);
2. 1,000,000 shipments from an exported dataset (DuckDB; exported from a sandbox in another
   process, or pass ``--dataset PATH`` to reuse one): a filter change (goal <= 1 s) and a
   page (goal <= 50 ms).
A filter change is everything the kernel does before the page can redraw: cx.kpis of the
range, the overall row of the period before (for the tiles' changes), the failed attempts
by reason, the charts' aggregates and the table's first page; for a dataset, the DuckDB
reads of the period before, the reasons and the page run in a worker thread meanwhile.
Each figure is the best of several runs, each on a selection not seen before (the
dashboard keeps the last few selections), printed beside cx.kpis on the same rows and the
machine's load average.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np

import cargamos_explore as cx
from cargamos_explore.decoding import events_frame, shipments_frame
from cargamos_explore.sandbox.data import generate
from cargamos_explore.sandbox.render import render_rows

from _common import sandbox_process, session_options

REPEATS = 5


def changes(dash: Any) -> Iterator[Callable[[], None]]:
    """Filter changes, each to a date range not used before."""
    end = date.fromisoformat(dash.end)
    for shift in range(1, 1000):
        start = (end - timedelta(days=29 + shift)).isoformat()
        yield lambda start=start: setattr(dash, "start", start)  # type: ignore[misc]


def best(runs: Iterator[Callable[[], None]]) -> float:
    times = []
    for _ in range(REPEATS):
        work = next(runs)
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def report(name: str, dash: Any, goal: float) -> None:
    update = best(changes(dash))
    rows = dash.source.rows(dash.filters)
    alone = min(_timed(lambda: cx.kpis(rows)) for _ in range(REPEATS))
    pages = iter([lambda n=n: setattr(dash, "page", n) for n in range(1, 1 + REPEATS)])
    page = best(pages)
    print(f"{name}: a filter change updates every panel in {update * 1000:.0f} ms "
          f"(goal <= {goal * 1000:.0f} ms) over {len(rows):,} matching rows; cx.kpis alone "
          f"on them {alone * 1000:.0f} ms ({update / alone:.1f}x); a table page "
          f"{page * 1000:.0f} ms (goal <= 50 ms)")


def _timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def in_memory(size: int = 100_000) -> Any:
    records = render_rows(generate(size, seed=1, anchor=1_795_000_000, prefix="CG1"),
                          np.arange(size))
    return cx.explore(shipments_frame(records), events=events_frame(records))


def exported(folder: str, size: int = 1_000_000) -> None:
    with sandbox_process("--size", str(size)) as url:
        session = cx.Session(url, cache=False, **session_options())
        session.export(folder, start="2000-01-01", progress=False)
        session.close()


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    report("100,000 shipments in memory", in_memory(), 0.25)
    given = sys.argv[sys.argv.index("--dataset") + 1] if "--dataset" in sys.argv else None
    with tempfile.TemporaryDirectory() as scratch:
        folder = given or scratch
        if given is None:
            started = time.perf_counter()
            exported(folder)
            print(f"(exported 1,000,000 shipments in {time.perf_counter() - started:.0f} s)")
        report("1,000,000 shipments from a dataset", cx.explore(folder), 1.0)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
