"""The export's speed against the frames it stands beside, and the frame path's decoding
against Arrow's single-thread JSON floor. Prints two ratios measured in one run:

1. ``session.export`` over reading the same shipments and events as frames (and over
   reading them and writing each with ``to_parquet``); goal: export <= 1.0x the frames.
2. Decoding pages into the shipments frame over ``pyarrow.json`` parsing the same pages
   on one thread (the floor); goal <= 1.8x.

The sandbox runs in its own process; the runs of (1) are interleaved and the fastest of
each kept, so other load on the machine weighs on both sides alike. Argument: the number
of shipments (default 100,000).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.json as pa_json

import cargamos_explore as cx
from cargamos_explore.decoding import records_page
from cargamos_explore.decoding.pages import shipments_page, to_frame
from cargamos_explore.queries import ShipmentSearch

from _common import sandbox_process, session_options

REPEATS = 3
PAGES = 40  # the pages of ratio 2: 20,000 shipments
WINDOW = {"start": "2000-01-01", "progress": False}


def timed(work: object) -> float:
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - started


def export(session: cx.Session) -> None:
    with tempfile.TemporaryDirectory() as folder:
        session.export(folder, **WINDOW)


def frames(session: cx.Session, write: bool) -> None:
    shipments, events = session.shipments(**WINDOW), session.events(**WINDOW)
    if write:
        with tempfile.TemporaryDirectory() as folder:
            shipments.to_parquet(Path(folder, "shipments.parquet"))
            events.to_parquet(Path(folder, "events.parquet"))


def page_bodies(session: cx.Session, count: int) -> list[bytes]:
    bodies: list[bytes] = []

    def keep(body: bytes) -> object:
        bodies.append(body)
        return records_page(body)

    search = ShipmentSearch(session.transport, "2000-01-01", None, None)
    for number in range(1, count + 1):
        search.fetch(number, keep)  # type: ignore[arg-type]
    return bodies


def decoding_ratio(bodies: list[bytes]) -> tuple[float, float]:
    options = pa_json.ReadOptions(use_threads=False, block_size=1 << 24)
    ours = min(timed(lambda: to_frame([shipments_page(b).rows for b in bodies]))
               for _ in range(REPEATS))  # what session.shipments does with its pages
    floor = min(timed(lambda: [pa_json.read_json(io.BytesIO(b), read_options=options)
                               for b in bodies]) for _ in range(REPEATS))
    return ours, floor


def main(size: int) -> None:
    started = time.perf_counter()
    with sandbox_process("--size", str(size)) as url, \
            cx.Session(url, cache=False, **session_options()) as session:
        session.shipments(max_rows=1, progress=False)  # the sandbox makes its history
        runs: dict[str, list[float]] = {"export": [], "frames": [], "frames+parquet": []}
        for _ in range(REPEATS):  # interleaved
            runs["export"].append(timed(lambda: export(session)))
            runs["frames"].append(timed(lambda: frames(session, write=False)))
            runs["frames+parquet"].append(timed(lambda: frames(session, write=True)))
        pages = min(PAGES, -(-size // 500))
        ours, floor = decoding_ratio(page_bodies(session, pages))
    best = {name: min(times) for name, times in runs.items()}
    print(f"{size:,} shipments, best of {REPEATS} interleaved runs: " + ", ".join(
        f"{name} {seconds:.1f} s" for name, seconds in best.items()))
    print(f"  export / frames: {best['export'] / best['frames']:.2f}x (goal <= 1.0x); "
          f"export / frames written with to_parquet: "
          f"{best['export'] / best['frames+parquet']:.2f}x")
    print(f"  frame decoding / pyarrow.json single-thread floor ({pages} pages): "
          f"{ours / floor:.2f}x (goal <= 1.8x; {ours:.2f} s vs {floor:.2f} s)")
    print(f"(benchmark ran in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if sys.argv[1:] else 100_000)
