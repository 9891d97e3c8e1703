"""How long a login to a host that is not there takes to fail: a closed port on 127.0.0.1.

Goal: under 5 s with the default retries and timeouts (it was about 8 s when a refused
connection was retried five times with backoff). Prints the median of a few tries.
"""

from __future__ import annotations

import socket
import statistics
import time

import cargamos_explore as cx

from _common import session_options

RUNS = 5
GOAL = 5.0


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def timed() -> float:
    started = time.perf_counter()
    try:
        cx.login(closed_port(), **session_options())
    except cx.TransportError:
        return time.perf_counter() - started
    raise AssertionError("a closed port answered")


def main() -> None:
    median = statistics.median(timed() for _ in range(RUNS))
    print(f"unreachable host: fails in {median:.2f} s (median of {RUNS}); goal under {GOAL:.0f} s"
          f" ({median / GOAL:.2f}x the goal)")


if __name__ == "__main__":
    main()
