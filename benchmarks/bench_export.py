"""Exporting 100,000 and 1,000,000 sandbox shipments to Parquet: speed and peak memory.

Each export runs in its own process (so each peak RSS is its own) against a sandbox in
another process. Prints rows per second and the peak RSS of both sizes, and the ratio of
the two peaks (goal: the larger at most 1.25x the smaller: memory does not grow with the
size of the export, because pages go to Parquet row groups as they arrive).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cargamos_explore as cx

from _common import sandbox_process, session_options

SIZES = (100_000, 1_000_000)


def child(url: str, path: str) -> None:
    """The export itself, in this process; prints its figures as JSON."""
    session = cx.Session(url, cache=False, **session_options())
    session.login()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = session.export(path, start="2000-01-01", progress=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    session.close()
    print(json.dumps({"shipments": report.shipments, "events": report.events,
                      "seconds": report.seconds, "rss_before_mb": before / 1024,
                      "peak_rss_mb": peak / 1024}))


def measure(size: int) -> dict[str, float]:
    with sandbox_process("--size", str(size)) as url, tempfile.TemporaryDirectory() as folder:
        # The sandbox makes its history on first use: not the exporter's time.
        cx.Session(url, cache=False, **session_options()).shipments(max_rows=1, progress=False)
        done = subprocess.run([sys.executable, __file__, "--child", url, folder],
                              capture_output=True, text=True, check=True)
        files = sum(p.stat().st_size for p in Path(folder).rglob("*.parquet"))
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["parquet_mb"] = files / 1e6
    return figures


def main() -> None:
    started = time.perf_counter()
    results = {size: measure(size) for size in SIZES}
    for size, r in results.items():
        print(f"{size:>9,} shipments ({r['events']:,.0f} events): {r['seconds']:.1f} s, "
              f"{r['shipments'] / r['seconds']:,.0f} shipments/s; peak RSS "
              f"{r['peak_rss_mb']:.0f} MB ({r['rss_before_mb']:.0f} MB before the export); "
              f"{r['parquet_mb']:.0f} MB of Parquet")
    small, large = (results[s]["peak_rss_mb"] for s in SIZES)
    print(f"peak RSS at {SIZES[1]:,} is {large / small:.2f}x the peak at {SIZES[0]:,} "
          "(goal <= 1.25x)")
    print(f"(benchmark ran in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        main()
