"""Exporting a window far wider than the data: 2000 to 2100 against the sandbox's 90 days.

Prints the requests and seconds of both exports of 3,000 shipments, and their ratio (goal:
the wide window at most 1.25x the tight one: months after the current one are never asked
for, and the empty months at either end cost two one-row requests in all).
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta

import requests

import cargamos_explore as cx

from _common import best_of, sandbox_process, session_options, stats

SIZE = 3_000


def export(url: str, start: str, end: str) -> tuple[float, int]:
    """Seconds (best of three, each into a fresh folder) and requests of one export."""
    session = cx.Session(url, cache=False, **session_options())
    session.shipments(max_rows=1, progress=False)  # the sandbox builds its history first

    def once() -> None:
        requests.post(url + "/_sandbox/stats/reset", timeout=10)
        with tempfile.TemporaryDirectory() as folder:
            session.export(folder, start, end, progress=False)

    seconds = best_of(3, once)
    session.close()
    return seconds, sum(u["requests"] for u in stats(url)["users"].values())


def main() -> None:
    today = date.today()
    with sandbox_process("--size", str(SIZE)) as url:
        tight = export(url, (today - timedelta(days=90)).isoformat(), today.isoformat())
        wide = export(url, "2000-01-01", "2100-01-01")
    for name, (seconds, sent) in (("90 days", tight), ("2000 to 2100", wide)):
        print(f"{name:>13}: {seconds:.2f} s, {sent} requests")
    print(f"the wide window takes {wide[0] / tight[0]:.2f}x the time of the tight one "
          "(goal <= 1.25x)")


if __name__ == "__main__":
    main()
