"""Raw page bytes -> typed frame through Arrow's JSON reader.

Arrow parses the body column-wise in C++ and releases the GIL while it does, so pages
fetched on several threads are decoded in parallel and no Python object is made per field.
Only the fields of the column table are read (an explicit schema; the rest is skipped).
A body Arrow cannot type (a string where a number belongs, say) goes through the
record-by-record path in ``frames`` instead, which copes with anything.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from . import contract as c
from . import frames
from .schema import SHIPMENT_COLUMNS, Column

ARROW_TYPES = {"string": pa.string(), "datetime": pa.string(), "category": pa.string(),
               "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}


@dataclass(frozen=True)
class DecodedPage:
    """One page: its rows as a frame, the envelope's status and version, the list total."""

    frame: pd.DataFrame
    total: int
    status: str | None
    version: str | None


def _struct(columns: tuple[Column, ...], depth: int) -> pa.StructType:
    fields: dict[str, Any] = {}
    for col in columns:
        key = col.path[depth]
        if len(col.path) == depth + 1:
            fields[key] = ARROW_TYPES[col.kind]
        elif key not in fields:
            nested = tuple(o for o in columns if len(o.path) > depth + 1 and o.path[depth] == key)
            fields[key] = _struct(nested, depth + 1)
    return pa.struct(fields)


ENVELOPE_SCHEMA = pa.schema({
    "status": pa.string(), "version": pa.string(),
    "data": pa.struct({c.PAGE_ITEMS_FIELD: pa.list_(_struct(SHIPMENT_COLUMNS, 0)),
                       c.PAGE_TOTAL_FIELD: pa.int64()}),
})


def shipments_page(body: bytes) -> DecodedPage:
    """Decode a shipments page; Arrow first, the tolerant path when Arrow refuses."""
    try:
        return _with_arrow(body)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, IndexError, OverflowError):
        # The standard parser: orjson reads integers past 64 bits as floats.
        envelope = json.loads(body)
        data = envelope.get("data") if isinstance(envelope, dict) else None
        data = data if isinstance(data, dict) else {}
        total = data.get(c.PAGE_TOTAL_FIELD)
        return DecodedPage(frames.shipments_frame(data.get(c.PAGE_ITEMS_FIELD) or []),
                           total if isinstance(total, int) else 0,
                           envelope.get("status"), envelope.get("version"))


def shipments_from_bytes(body: bytes) -> pd.DataFrame:
    """A whole shipments response's bytes to the typed frame."""
    return shipments_page(body).frame


def _with_arrow(body: bytes) -> DecodedPage:
    options = pa_json.ReadOptions(block_size=len(body) + 1, use_threads=False)
    parse = pa_json.ParseOptions(explicit_schema=ENVELOPE_SCHEMA,
                                 unexpected_field_behavior="ignore")
    table = pa_json.read_json(io.BytesIO(body), read_options=options, parse_options=parse)
    if table.num_rows != 1:
        raise pa.ArrowInvalid("not a single JSON envelope")
    data = table.column("data").combine_chunks()
    items = data.field(c.PAGE_ITEMS_FIELD).flatten()
    total = data.field(c.PAGE_TOTAL_FIELD)[0].as_py()
    return DecodedPage(_frame(items, SHIPMENT_COLUMNS), total or 0,
                       table.column("status")[0].as_py(), table.column("version")[0].as_py())


def _frame(items: pa.StructArray, columns: tuple[Column, ...]) -> pd.DataFrame:
    data = {col.name: _convert(_leaf(items, col.path), col) for col in columns}
    return pd.DataFrame(data, columns=[col.name for col in columns])


def _leaf(struct: pa.StructArray, path: tuple[str, ...]) -> pa.Array:
    """The values at ``path``, null wherever a parent object was null."""
    for key in path:
        index = struct.type.get_field_index(key)
        struct = struct.flatten()[index]  # flatten() applies the parent's nulls
    return struct


def _convert(values: pa.Array, col: Column) -> Any:
    if col.kind == "string":
        return pd.arrays.ArrowStringArray(values)
    if col.kind == "int":
        return values.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get).array
    if col.kind == "float":
        return values.to_pandas(types_mapper={pa.float64(): pd.Float64Dtype()}.get).array
    if col.kind == "bool":
        return values.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get).array
    return frames.CONVERTERS[col.kind](values.to_pylist(), col.name)
