"""Pure JSON -> DataFrame conversions. No I/O: every function takes parsed JSON.

Each frame follows its column table in ``schema``; an empty input gives the same columns
and dtypes as a full one, and ragged or wrongly typed values become missing values.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from typing import Any

import pandas as pd

from .. import contract as c
from ..errors import UnknownValueWarning
from .schema import (
    CATEGORIES,
    EVENT_COLUMNS,
    ORDER_RESULT_COLUMNS,
    SHIPMENT_COLUMNS,
    WEBHOOK_COLUMNS,
    Column,
)

Record = dict[str, Any]
EMPTY: Record = {}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
STRING = pd.StringDtype("pyarrow")  # the same dtype on pandas 2 and 3
TIMEZONE = c.TIMEZONE


def shipments_frame(records: Iterable[Any]) -> pd.DataFrame:
    """One row per shipment, columns as in ``schema.SHIPMENT_COLUMNS``.

    >>> shipments_frame([{"trackingId": "CG1", "state": "DELIVERED",
    ...                   "recipientLocation": {"postalCode": "06700"}}]).loc[0, "postal_code"]
    '06700'
    """
    return frame(records, SHIPMENT_COLUMNS)


def events_frame(records: Iterable[Any]) -> pd.DataFrame:
    """One row per state change of each shipment, in the order the API lists them."""
    rows = [
        {**_as_dict(event), "trackingId": record.get("trackingId"), "sequence": i}
        for record in map(_as_dict, records)
        for i, event in enumerate(_as_list(record.get("events")))
    ]
    return frame(rows, EVENT_COLUMNS)


def webhook_frame(data: Any) -> pd.DataFrame:
    record = dict(_as_dict(data))
    states = record.get("states")
    record["states"] = ",".join(map(str, states)) if isinstance(states, list) else states
    return frame([record], WEBHOOK_COLUMNS)


def order_results_frame(results: Sequence[Record]) -> pd.DataFrame:
    """Per-order results (already aligned with the input rows) with parsed messages."""
    return frame(results, ORDER_RESULT_COLUMNS)


def generic_frame(data: Any) -> pd.DataFrame:
    """Best-effort frame for endpoints without a schema: snake_case flattened columns."""
    if isinstance(data, dict) and isinstance(data.get(c.PAGE_ITEMS_FIELD), list):
        data = data[c.PAGE_ITEMS_FIELD]
    records = data if isinstance(data, list) else [data]
    flat = pd.json_normalize([_as_dict(r) for r in records], sep="_")
    return flat.rename(columns=snake_case).convert_dtypes()


def snake_case(name: str) -> str:
    """camelCase to snake_case.

    >>> snake_case("recipientLocation_postalCode")
    'recipient_location_postal_code'
    """
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name).lstrip("_")


def frame(records: Iterable[Any], columns: Sequence[Column]) -> pd.DataFrame:
    """Build a typed frame from records following a column table."""
    values = _extract([_as_dict(r) for r in records], columns)
    data = {col.name: CONVERTERS[col.kind](values[col.name], col.name) for col in columns}
    return pd.DataFrame(data, columns=[col.name for col in columns])


def _extract(records: list[Record], columns: Sequence[Column]) -> dict[str, list[Any]]:
    """Column-wise values; each nested block is looked up once per record, not per column."""
    blocks: dict[tuple[str, ...], list[Record]] = {(): records}
    out = {}
    for col in columns:
        parent = col.path[:-1]
        for depth in range(1, len(parent) + 1):
            if parent[:depth] not in blocks:
                above, key = blocks[parent[: depth - 1]], parent[depth - 1]
                blocks[parent[:depth]] = [v if type(v) is dict else EMPTY
                                          for v in map(dict.get, above, repeat(key))]
        # map(dict.get, ...) runs in C: this loop is most of the work for large pages.
        out[col.name] = list(map(dict.get, blocks[parent], repeat(col.path[-1])))
    return out


def _only(values: list[Any], *types: type) -> bool:
    """True when every value is None or exactly one of ``types`` (a fast-path check)."""
    return set(map(type, values)) <= {type(None), *types}


def _as_dict(value: Any) -> Record:
    return value if isinstance(value, dict) else EMPTY


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(values: list[Any], name: str) -> pd.api.extensions.ExtensionArray:
    clean = values if _only(values, str) else [
        v if isinstance(v, str) or v is None else _text(v) for v in values]
    strings: pd.api.extensions.ExtensionArray = pd.array(clean, dtype=STRING)
    return strings


def _text(value: Any) -> str | None:
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _datetimes(values: list[Any], name: str) -> pd.Series:
    clean = pd.Series(values if _only(values, str) else
                      [v if isinstance(v, str) else None for v in values], dtype=object)
    parsed = pd.to_datetime(clean, utc=True, errors="coerce", format="ISO8601")
    return parsed.dt.tz_convert(TIMEZONE).dt.as_unit("us")


def _integers(values: list[Any], name: str) -> pd.api.extensions.ExtensionArray:
    if _only(values, int):
        with contextlib.suppress(OverflowError, TypeError, ValueError):  # past 64 bits
            fast: pd.api.extensions.ExtensionArray = pd.array(values, dtype="Int64")
            return fast
    return pd.array([_int(v) for v in values], dtype="Int64")


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else None
    if isinstance(value, float) and value.is_integer():
        return _int(int(value))
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return _int(int(value))
    return None


def _floats(values: list[Any], name: str) -> pd.api.extensions.ExtensionArray:
    if _only(values, int, float):
        return pd.array(values, dtype="Float64").fillna(pd.NA)  # NaN is missing too
    return pd.array([_float(v) for v in values], dtype="Float64")


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _booleans(values: list[Any], name: str) -> pd.api.extensions.ExtensionArray:
    return pd.array([v if isinstance(v, bool) else None for v in values], dtype="boolean")


def _categories(values: list[Any], name: str) -> pd.Categorical:
    known = CATEGORIES.get(name, ())
    clean = values if _only(values, str) else [v if isinstance(v, str) else None
                                                 for v in values]
    extra = sorted({v for v in clean if v is not None} - set(known))
    if extra:
        warnings.warn(f"{name} has values this version does not know: {', '.join(extra)}; "
                      "they are kept as extra categories", UnknownValueWarning, stacklevel=4)
    return pd.Categorical(clean, categories=[*known, *extra])


def _labels(values: list[Any], name: str) -> pd.Categorical:
    """An open set of repeated strings: a category of its values, sorted so that sorting
    the column sorts alphabetically."""
    return labels(_strings(values, name))


def labels(strings: Any) -> pd.Categorical:
    """Arrow strings as a category with sorted Arrow-string categories; empty input gives
    the same dtype family (a category whose categories are strings)."""
    return pd.Categorical(strings)


CONVERTERS: dict[str, Callable[[list[Any], str], Any]] = {
    "string": _strings,
    "datetime": _datetimes,
    "int": _integers,
    "float": _floats,
    "bool": _booleans,
    "category": _categories,
    "label": _labels,
}
