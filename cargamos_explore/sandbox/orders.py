"""Layered order validation (contract 4.1): consistency, compliance, restrictions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .. import contract as c
from .geo import COVERED_POSTAL_CODES

Problem = tuple[str, str]  # (code, text)
LOCATION_TEXTS = (*c.LOCATION_COMPONENTS, c.FULL_ADDRESS_FIELD, "intNumber", "country", "notes",
                  "reference")


@dataclass
class Verdict:
    """One order's outcome; ``errors`` empty means accepted."""

    index: int
    item_id: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.errors

    def messages(self) -> list[str]:
        tagged = [("ERROR", p) for p in self.errors] + [("WARNING", p) for p in self.warnings]
        return [f"[{lvl}] [{code}] [{self.item_id}] {text}" for lvl, (code, text) in tagged]


def item_id(order: dict[str, Any], index: int) -> str:
    barcode = order.get("shipmentTrackingId")
    return barcode if isinstance(barcode, str) and barcode.strip() else str(index)


def validate(order: dict[str, Any], index: int, is_taken: Callable[[str], bool]) -> Verdict:
    """Run the layers in order; a layer with errors stops the ones after it."""
    verdict = Verdict(index, item_id(order, index))
    for layer in (_consistency, _compliance):
        verdict.errors.extend(layer(order))
        if verdict.errors:
            return verdict
    barcode = order.get("shipmentTrackingId")
    if isinstance(barcode, str) and barcode and is_taken(barcode):
        verdict.errors.append((c.CODE_DUPLICATE_TRACKING_ID, f"{barcode} is already in use"))
    verdict.warnings.extend(_dimension_warnings(order))
    return verdict


def _consistency(order: dict[str, Any]) -> list[Problem]:
    return [*_location(order.get(c.LOCATION_BLOCK)), *_recipient(order.get(c.RECIPIENT_BLOCK)),
            *_package(order.get(c.PACKAGE_BLOCK, {})), *_service(order)]


def _missing(name: str) -> Problem:
    return (c.CODE_MISSING_FIELD, f"{name} is required")


def _invalid(name: str, why: str) -> Problem:
    return (c.CODE_INVALID_FIELD, f"{name} {why}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _location(loc: Any) -> list[Problem]:
    if not isinstance(loc, dict):
        return [_missing(c.LOCATION_BLOCK)]
    has_full = not _blank(loc.get(c.FULL_ADDRESS_FIELD))
    has_parts = any(not _blank(loc.get(f)) for f in c.LOCATION_COMPONENTS)
    problems: list[Problem] = []
    if has_full and has_parts:
        problems.append(_invalid(c.LOCATION_BLOCK, "must use components or fullAddress, not both"))
    elif not has_full:
        problems += [_missing(f) for f in c.LOCATION_COMPONENTS if _blank(loc.get(f))]
    code = loc.get(c.POSTAL_CODE_FIELD)
    if _blank(code):
        problems.append(_missing(c.POSTAL_CODE_FIELD))
    elif not _matches(c.POSTAL_CODE_PATTERN, code):
        problems.append(_invalid(c.POSTAL_CODE_FIELD, "must be a string of 5 digits"))
    return problems + _numbers(loc, ("lat", "lng")) + _texts(loc, LOCATION_TEXTS)


def _recipient(info: Any) -> list[Problem]:
    if not isinstance(info, dict):
        return [_missing(c.RECIPIENT_BLOCK)]
    problems = [_missing(f) for f in c.RECIPIENT_REQUIRED if _blank(info.get(f))]
    phone = info.get("phone")
    if not _blank(phone) and not _matches(c.PHONE_PATTERN, phone):
        problems.append(_invalid("phone", "is not a 10-digit Mexican number"))
    return problems + _texts(info, ("fullName", *c.RECIPIENT_OPTIONAL))


def _package(pkg: Any) -> list[Problem]:
    if not isinstance(pkg, dict):
        return [_invalid(c.PACKAGE_BLOCK, "must be an object")]
    problems = []
    for name, allowed in (("packageType", c.PACKAGE_TYPES), ("weightUnit", c.WEIGHT_UNITS),
                          ("dimensionsUnit", c.DIMENSION_UNITS)):
        if pkg.get(name) is not None and pkg.get(name) not in allowed:
            problems.append(_invalid(name, f"must be one of {', '.join(allowed)}"))
    problems += _numbers(pkg, ("weight", "length", "width", "height", "contentValue"))
    items = pkg.get(c.PACKAGE_ITEMS_FIELD)
    if items is not None and not (isinstance(items, list)
                                  and all(isinstance(i, dict) for i in items)):
        problems.append(_invalid(c.PACKAGE_ITEMS_FIELD, "must be a list of objects"))
    return problems + _texts(pkg, ("description", "valueCurrency"))


def _service(order: dict[str, Any]) -> list[Problem]:
    problems = []
    for name in c.SERVICE_REQUIRED:
        value = order.get(name)
        if _blank(value):
            problems.append(_missing(name))
        elif parse_datetime(value) is None:
            problems.append(_invalid(name, "must be an ISO-8601 date-time with an offset"))
    return problems + _texts(order, c.SERVICE_OPTIONAL)


def _texts(block: dict[str, Any], names: Iterable[str]) -> list[Problem]:
    """Optional text fields: absent or null is fine, any other type is not. Without this
    check a barcode of ``{}`` or ``12345`` would be accepted, stored and served back."""
    return [_invalid(n, "must be a string") for n in names
            if block.get(n) is not None and not isinstance(block.get(n), str)]


def _numbers(block: dict[str, Any], names: Iterable[str]) -> list[Problem]:
    return [_invalid(n, "must be a number") for n in names
            if block.get(n) is not None and not _is_number(block.get(n))]


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    """The contract's patterns use ``\\d`` and ``$``, which also accept other scripts' digits
    and a trailing newline; only ASCII and the whole string count here."""
    return isinstance(value, str) and value.isascii() and pattern.fullmatch(value) is not None


def _compliance(order: dict[str, Any]) -> list[Problem]:
    problems = []
    code = order[c.LOCATION_BLOCK][c.POSTAL_CODE_FIELD]
    if code not in COVERED_POSTAL_CODES:
        problems.append((c.CODE_NO_COVERAGE, f"postal code {code} is not covered"))
    dropoff, promise = (parse_datetime(order[n]) for n in c.SERVICE_REQUIRED)
    if dropoff and promise and promise - dropoff < timedelta(hours=c.MIN_PROMISE_HOURS):
        problems.append((c.CODE_UNFULFILLABLE_PROMISE,
                         f"expectedDeliveryDate must be at least {c.MIN_PROMISE_HOURS} h "
                         "after shipperDropoffDate"))
    return problems


def _dimension_warnings(order: dict[str, Any]) -> list[Problem]:
    pkg = order.get(c.PACKAGE_BLOCK) or {}
    if all(pkg.get(n) is not None for n in ("weight", "length", "width", "height")):
        return []
    return [(c.CODE_MISSING_DIMENSIONS, "weight or dimensions missing; billed by default size")]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_datetime(value: Any) -> datetime | None:
    """An ISO-8601 date-time with an explicit offset, else None."""
    if not isinstance(value, str) or not value.isascii():
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
