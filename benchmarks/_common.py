"""Helpers shared by the benchmarks: a sandbox in its own process, and timing."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

from cargamos_explore.sandbox import DEMO_ORGANISATIONS

ORG = DEMO_ORGANISATIONS[0]
USER, PASSWORD = next(iter(ORG.users.items()))


@contextlib.contextmanager
def sandbox_process(*flags: str) -> Iterator[str]:
    """A sandbox in a separate process, so its work never shares the client's GIL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cargamos_explore.cli", "sandbox", "--port", "0", *flags],
        stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split(" on ")[1].split(" ")[0]
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def session_options(**extra: Any) -> dict[str, Any]:
    return {"key": ORG.key, "username": USER, "password": PASSWORD, "env": {}, "sources": (),
            **extra}


def stats(url: str) -> dict[str, Any]:
    data: dict[str, Any] = requests.get(url + "/_sandbox/stats", timeout=10).json()["data"]
    return data


def best_of(repeats: int, work: Callable[[], Any]) -> float:
    """The fastest of ``repeats`` runs, in seconds: the least disturbed by other load."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)
