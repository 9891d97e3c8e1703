"""Fault injection: the sandbox misbehaves like a real API behind a real proxy."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

FAULT_KINDS = ("unavailable", "rate_limited", "dropped", "html")
#: A day: longer waits are a typo, and an unbounded one cannot be sent as a header.
MAX_RETRY_AFTER = 86_400


@dataclass(frozen=True)
class Faults:
    """Probabilities (0 to 1) of each fault on a /v1 request.

    unavailable: a 503 envelope; rate_limited: a 429 with ``Retry-After: retry_after``;
    dropped: the connection is closed with no answer; html: a proxy's 502 HTML page.

    drop_after: not a rate. Once that many /v1 requests have been answered (counted from
    when the setting is made), every later one is dropped: a connection that goes away
    for good at a known point of a long read, and stays away until the setting is cleared.
    """

    unavailable: float = 0.0
    rate_limited: float = 0.0
    dropped: float = 0.0
    html: float = 0.0
    retry_after: int = 1
    drop_after: int | None = None

    def __post_init__(self) -> None:
        for name in FAULT_KINDS:
            if not _is_real(getattr(self, name)) or not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"fault rate {name} must be a number between 0 and 1")
        # One draw picks at most one fault, so rates are shares of the same unit (the slack
        # lets 0.1 + 0.2 + 0.3 + 0.4 through despite rounding).
        if sum(getattr(self, name) for name in FAULT_KINDS) > 1.0 + 1e-9:
            raise ValueError("fault rates must add up to at most 1")
        wait = self.retry_after
        if not _is_whole(wait) or not 0 <= wait <= MAX_RETRY_AFTER:
            raise ValueError(f"retry_after must be a whole number of seconds between 0 and "
                             f"{MAX_RETRY_AFTER}")
        if self.drop_after is not None and not (_is_whole(self.drop_after)
                                                and self.drop_after >= 0):
            raise ValueError("drop_after must be a whole number of requests (0 or more), "
                             "or null to stop dropping")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: dict[str, Any]) -> Faults:
        known = {f.name for f in fields(self)}
        unknown = set(changes) - set(known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        # replace() runs __post_init__, so a bad value raises before anything is applied.
        return replace(self, **changes)


class FaultPicker:
    """Draws the fault (or none) for each request from a seeded generator."""

    def __init__(self, faults: Faults, seed: int) -> None:
        self._faults = faults
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._answered = 0

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults, self._answered = faults, 0  # drop_after counts from now

    def pick(self) -> str | None:
        with self._lock:
            draw = self._random.random()
            limit = self._faults.drop_after
            self._answered += 1
            if limit is not None and self._answered > limit:
                return "dropped"
        threshold = 0.0
        for kind in FAULT_KINDS:
            threshold += getattr(self.faults, kind)
            if draw < threshold:
                return kind
        return None


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
