"""Fault injection: the sandbox misbehaves like a real API behind a real proxy."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

FAULT_KINDS = ("unavailable", "rate_limited", "dropped", "html")


@dataclass(frozen=True)
class Faults:
    """Probabilities (0 to 1) of each fault on a /v1 request.

    unavailable: a 503 envelope; rate_limited: a 429 with ``Retry-After: retry_after``;
    dropped: the connection is closed with no answer; html: a proxy's 502 HTML page.
    """

    unavailable: float = 0.0
    rate_limited: float = 0.0
    dropped: float = 0.0
    html: float = 0.0
    retry_after: int = 1

    def __post_init__(self) -> None:
        for name in FAULT_KINDS:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"fault rate {name} must be between 0 and 1")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: dict[str, Any]) -> Faults:
        known = {f.name: f.type for f in fields(self)}
        unknown = set(changes) - set(known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        rates = {k: float(v) for k, v in changes.items() if k in FAULT_KINDS}
        wait = int(changes.get("retry_after", self.retry_after))
        return replace(self, retry_after=wait, **rates)


class FaultPicker:
    """Draws the fault (or none) for each request from a seeded generator."""

    def __init__(self, faults: Faults, seed: int) -> None:
        self.faults = faults
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def pick(self) -> str | None:
        with self._lock:
            draw = self._random.random()
        threshold = 0.0
        for kind in FAULT_KINDS:
            threshold += getattr(self.faults, kind)
            if draw < threshold:
                return kind
        return None
