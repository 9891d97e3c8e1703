"""Deterministic synthetic shipments, generated column-wise with numpy.

A shipper's history is a set of arrays (one value per shipment) plus a matrix of event
times; JSON dicts are built only for the rows a request asks for, which is why a million
shipments are ready in seconds and cost no JSON until served.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from .. import contract as c
from .geo import COLONIAS, FIRST_NAMES, LAST_NAMES, STREETS

HOUR: Final = 3600
DAY: Final = 24 * HOUR
UTC_OFFSET: Final = -6 * HOUR  # Mexico City, all year
NEVER: Final = np.iinfo(np.int64).max
HISTORY_DAYS: Final = c.SANDBOX_HISTORY_DAYS

# Event columns: created, (out, attempt) x 3, mishap.
CREATED_COL, MISHAP_COL = 0, 7
FAILED_REASONS: Final = (
    ("RECIPIENT_ABSENT", "Nadie en el domicilio"),
    ("ADDRESS_NOT_FOUND", "No se encontró el domicilio"),
    ("ACCESS_DENIED", "Sin acceso al edificio"),
    ("RECIPIENT_REFUSED", "El destinatario rechazó el paquete"),
)
MISHAP_REASONS: Final = (
    (c.MISHAP_DAMAGED_OR_LOST[0], "Paquete dañado en ruta"),
    (c.MISHAP_DAMAGED_OR_LOST[1], "Paquete extraviado"),
    (c.MISHAP_ATTEMPTS_EXHAUSTED, "Se agotaron los intentos de entrega"),
)
DESCRIPTIONS: Final = ("Ropa", "Libros", "Electrónica", "Calzado", "Cosméticos", "Juguetes")
PHONE_FORMS: Final = ("{n}", "+52{n}", "+52 {n}", "+52 {a} {b}")


@dataclass(frozen=True)
class ShipmentTable:
    """One shipper's generated shipments, sorted by creation time then tracking id."""

    prefix: str
    anchor: int
    events: np.ndarray  # (n, 8) epoch seconds, NEVER where the event does not happen
    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return int(self.events.shape[0])


def generate(size: int, *, seed: int, anchor: int, prefix: str) -> ShipmentTable:
    """Generate ``size`` shipments created in the ``HISTORY_DAYS`` before ``anchor``."""
    rng = np.random.default_rng(seed)
    created = np.sort(anchor - rng.integers(0, HISTORY_DAYS * DAY, size))
    dropoff = created + rng.integers(2 * HOUR, 20 * HOUR, size)
    events = _timeline(rng, created, dropoff)
    columns = _attributes(rng, size, created, dropoff)
    columns["state"], columns["attempts"] = _states_at(events, anchor)
    return ShipmentTable(prefix=prefix, anchor=anchor, events=events, columns=columns)


def _timeline(rng: np.random.Generator, created: np.ndarray, dropoff: np.ndarray) -> np.ndarray:
    n = created.size
    events = np.full((n, 8), NEVER, dtype=np.int64)
    events[:, CREATED_COL] = created
    success = rng.random((n, 3)) < np.array([0.86, 0.7, 0.6])
    first_success = np.where(success.any(axis=1), success.argmax(axis=1), 3)
    ready = dropoff + rng.integers(4 * HOUR, 30 * HOUR, n)
    for k in range(3):
        attempt = _in_delivery_hours(rng, ready + rng.integers(HOUR, 8 * HOUR, n))
        # The van leaves one to three hours before the attempt, never before the parcel is
        # ready for it (the drop-off, or the previous attempt).
        out = np.maximum(ready, attempt - rng.integers(HOUR, 3 * HOUR, n))
        happens = first_success >= k
        events[happens, 1 + 2 * k] = out[happens]
        events[happens, 2 + 2 * k] = attempt[happens]
        ready = _next_morning(attempt) + rng.integers(0, 2 * HOUR, n)
    exhausted = first_success == 3
    events[exhausted, MISHAP_COL] = events[exhausted, 6] + 2 * HOUR
    _random_mishaps(rng, events)
    return events


def _random_mishaps(rng: np.random.Generator, events: np.ndarray) -> None:
    """About 2% of shipments go wrong before completion; later events never happen."""
    hit = rng.random(events.shape[0]) < 0.02
    when = events[:, CREATED_COL] + rng.integers(HOUR, 3 * DAY, events.shape[0])
    last = np.where(events[:, 1:7] == NEVER, -1, events[:, 1:7]).max(axis=1)
    hit &= (when < last) & (events[:, MISHAP_COL] == NEVER)
    rows = np.flatnonzero(hit)
    for col in range(1, 7):
        cut = rows[events[rows, col] > when[rows]]
        events[cut, col] = NEVER
    events[rows, MISHAP_COL] = when[rows]


def _in_delivery_hours(rng: np.random.Generator, ts: np.ndarray) -> np.ndarray:
    """Attempts happen between 08:00 and 21:00 in Mexico City: one that would fall outside
    moves to the next morning's round (08:00 to 14:00), except a few (3%) that run late,
    before 22:00, as a carrier's late vans do."""
    seconds = (ts + UTC_OFFSET) % DAY
    late = (seconds >= 21 * HOUR) & (seconds < 22 * HOUR) & (rng.random(ts.size) < 0.03)
    outside = ((seconds < 8 * HOUR) | (seconds >= 21 * HOUR)) & ~late
    day_start = ts - seconds + np.where(seconds >= 8 * HOUR, DAY, 0)
    morning = day_start + 8 * HOUR + rng.integers(0, 6 * HOUR, ts.size)
    return np.where(outside, morning, ts)


def _next_morning(ts: np.ndarray) -> np.ndarray:
    local_day = (ts + UTC_OFFSET) // DAY
    return (local_day + 1) * DAY - UTC_OFFSET + 8 * HOUR


def _attributes(
    rng: np.random.Generator, n: int, created: np.ndarray, dropoff: np.ndarray
) -> dict[str, np.ndarray]:
    promise = rng.choice([1, 2, 3], n, p=[0.5, 0.35, 0.15])
    local_day = (dropoff + UTC_OFFSET) // DAY
    colonia = rng.integers(0, len(COLONIAS), n)
    return {
        "created": created,
        "dropoff": dropoff,
        "expected": (local_day + promise) * DAY - UTC_OFFSET + 21 * HOUR,
        "colonia": colonia,
        "jitter": rng.normal(0, 0.004, (n, 2)),
        "street": rng.integers(0, len(STREETS), n),
        "number": rng.integers(1, 2500, n),
        "int_number": np.where(rng.random(n) < 0.35, rng.integers(1, 40, n), 0),
        "first": rng.integers(0, len(FIRST_NAMES), n),
        "last": rng.integers(0, len(LAST_NAMES), (n, 2)),
        "phone": rng.integers(5510000000, 5599999999, n),
        "phone_form": rng.integers(0, len(PHONE_FORMS), n),
        "has_email": rng.random(n) < 0.6,
        "package_type": rng.choice(len(c.PACKAGE_TYPES), n, p=[.45, .3, .12, .08, .03, .01, .01]),
        "weight": np.round(rng.gamma(2.0, 600.0, n), 1),
        "dims": np.round(rng.uniform(5, 60, (n, 3)), 1),
        "has_dims": rng.random(n) < 0.93,
        "content_value": rng.integers(99, 15000, n),
        "description": rng.integers(0, len(DESCRIPTIONS), n),
        "item_units": rng.integers(1, 6, n),
        "has_barcode": rng.random(n) < 0.6,
        "lot": rng.integers(0, 4, n),
        "reason": rng.integers(0, len(FAILED_REASONS), (n, 3)),
        "mishap_reason": rng.integers(0, 2, n),
    }


def _states_at(events: np.ndarray, now: int) -> tuple[np.ndarray, np.ndarray]:
    """State index (into contract.STATES) and attempts made, as seen at ``now``."""
    visible = events <= now
    steps = visible[:, :7].sum(axis=1)  # events are a prefix in time order
    attempts = visible[:, 2:7:2].sum(axis=1)
    delivered_col = _delivered_col(events)
    state = np.select(
        [visible[:, MISHAP_COL], steps == 1, steps % 2 == 0],
        [4, 0, 1],
        default=2,
    )
    state = np.where((state == 2) & (delivered_col == steps - 1), 3, state)
    return state.astype(np.int8), attempts.astype(np.int8)


def _delivered_col(events: np.ndarray) -> np.ndarray:
    """Column of the successful attempt: the last attempt when no mishap followed it."""
    last = np.where(events[:, :7] == NEVER, 0, 1).sum(axis=1) - 1
    ok = (events[:, MISHAP_COL] == NEVER) & (last % 2 == 0) & (last > 0)
    return np.where(ok, last, -1)


def iso(ts: np.ndarray) -> list[str | None]:
    """Epoch seconds to ISO-8601 strings in Mexico City time; NEVER becomes None."""
    text = np.datetime_as_string((ts + UTC_OFFSET).astype("datetime64[s]"))
    pairs = zip(ts.tolist(), text.tolist(), strict=True)
    return [None if t == NEVER else f"{s}-06:00" for t, s in pairs]
