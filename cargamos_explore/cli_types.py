"""The argparse types of ``cargamos-explore``'s options: each refuses, as a usage error,
a value the command would otherwise fail on with a raw error (``timedelta``,
``time.sleep``, a socket's port, a cassette's day)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path

from .cassettes.files import FIRST_YEAR, LAST_YEAR

#: The most shipments per shipper a sandbox makes.
MAX_SANDBOX_SIZE = 1_000_000
#: Bounds of the other numeric options: past them a value is a typo, and the standard
#: library fails on it (timedelta, time.sleep, a socket's port) with a raw error.
MAX_REFRESH_MINUTES = 366 * 24 * 60  # a year
MAX_DAYS = 100 * 366  # date arithmetic stays far from year 1
MAX_PORT = 65_535
MAX_SECONDS = 366 * 24 * 3600  # a token's lifetime, a request's added latency


def whole(low: int, high: int | None, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (None: no upper bound)."""
    bounds = f"from {low:,} to {high:,}" if high is not None else f"({low} or more)"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} {bounds}")
        return value

    return parse


def real(low: float, high: float, what: str, *,
         above_low: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number from ``low`` (excluded if ``above_low``) to
    ``high``; nan, inf and anything past the bounds are refused."""
    bounds = f"{'above' if above_low else 'from'} {low:g} to {high:,g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        fits = low < value <= high if above_low else low <= value <= high
        if not (math.isfinite(value) and fits):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} {bounds}")
        return value

    return parse


size = whole(1, MAX_SANDBOX_SIZE, "a whole number of shipments")
days = whole(0, MAX_DAYS, "a whole number of days")
port = whole(0, MAX_PORT, "a port number")
natural = whole(0, None, "a whole number")
minutes = real(0, MAX_REFRESH_MINUTES, "a number of minutes")
lifetime = real(0, MAX_SECONDS, "a number of seconds", above_low=True)
latency = real(0, MAX_SECONDS, "a number of seconds")
share = real(0, 1, "a share")


def anchor_day(text: str) -> date:
    """An argparse type: a day a recording may stand at (a cassette outside those years
    would be refused when it is replayed)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = date.min
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a day (YYYY-MM-DD) from {FIRST_YEAR} to {LAST_YEAR}")
    return day


def notebook_file(text: str) -> Path:
    """An argparse type: a notebook file that exists."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no notebook at {text} (check the path)")
    return path
