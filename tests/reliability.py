"""Helpers of the reliability suite: hammering a session, and the figures it reports.

The suite (``tests/test_reliability.py``) runs at a size that fits CI inside ``make test``
and at a larger one through ``make reliability``, which also writes ``RELIABILITY.md``.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import requests

import cargamos_explore as cx


@dataclass
class Calls:
    """What a run of calls did: how long each took, and what each raised."""

    seconds: list[float] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, call: Callable[[], Any]) -> None:
        started = time.perf_counter()
        try:
            call()
        except Exception as err:  # counted and reported, never raised inside a thread
            with self.lock:
                self.errors.append(err)
            return
        with self.lock:
            self.seconds.append(time.perf_counter() - started)

    def percentile(self, q: int) -> float:
        if len(self.seconds) < 2:
            return self.seconds[0] if self.seconds else 0.0
        return statistics.quantiles(self.seconds, n=100)[q - 1]


def hammer(call: Callable[[], Any], threads: int, duration: float) -> tuple[Calls, float]:
    """``call`` from ``threads`` threads until ``duration`` seconds have passed."""
    calls = Calls()
    deadline = time.monotonic() + duration

    def worker() -> None:
        while time.monotonic() < deadline:
            calls.run(call)

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return calls, time.monotonic() - started


def bare_call(url: str, token: str) -> Callable[[], Any]:
    """The same call with plain requests and no toolkit: the baseline for overhead."""
    http = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    return lambda: http.get(url, headers=headers, timeout=10).raise_for_status()


@dataclass
class Figures:
    """Rows of the report, by section; written as Markdown when a path is given."""

    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    scale: int = 1
    totals: dict[str, float] = field(default_factory=dict)

    def add(self, section: str, **row: Any) -> None:
        self.sections.setdefault(section, []).append(row)

    def total(self, name: str, value: float, *, keep: str = "sum") -> None:
        """A headline figure: summed over the run, or its largest value (``keep="max"``)."""
        before = self.totals.get(name)
        if before is None:
            self.totals[name] = value
        else:
            self.totals[name] = max(before, value) if keep == "max" else before + value

    def markdown(self) -> str:
        parts = [HEADER.format(scale=self.scale), "## Summary\n", "| figure | value |",
                 "|---|---|"]
        parts += [f"| {name} | {_cell(value)} |" for name, value in self.totals.items()]
        parts.append("")
        for section, rows in self.sections.items():
            columns = list(rows[0])
            parts.append(f"## {section}\n")
            parts.append("| " + " | ".join(columns) + " |")
            parts.append("|" + "---|" * len(columns))
            parts += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |"
                      for row in rows]
            parts.append("")
        return "\n".join(parts)

    def write(self, path: Path) -> None:
        path.write_text(self.markdown())


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


HEADER = """# Reliability figures

Measured by the reliability suite against the sandbox on 127.0.0.1 (scale {scale}):

```bash
make reliability   # the same tests at a larger scale; rewrites this file
```

`make test` runs the same tests at scale 1 on every change. Each test asserts the zeros below
(false authentication errors, lost or duplicated orders, silent partial results, secrets
found); the other figures are measured, not asserted, because this machine is shared and
noisy.
"""


def outcome(call: Callable[[], Any]) -> str:
    """What ``call`` did, in a few words: the error's type and the head of its message."""
    try:
        result = call()
    except cx.CargamosError as err:
        return f"{type(err).__name__}: {str(err)[:90]}"
    if isinstance(result, pd.DataFrame) and "status" in result:
        counts = result["status"].value_counts()
        return f"ok, {len(result)} rows: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    if hasattr(result, "__len__"):
        return f"ok, {len(result)} rows"
    return "ok"
