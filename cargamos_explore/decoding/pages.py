"""A page's bytes -> its rows: Arrow's JSON reader first, a tolerant path when it refuses.

Arrow parses the body column-wise in C++ and releases the GIL while it does, so pages
fetched on several threads are decoded in parallel and no Python object is made per field.
Only the fields of the column table are read (an explicit schema; the rest is skipped).
A body Arrow cannot type (a string where a number belongs, say) goes through the
record-by-record path in ``frames`` instead, which copes with anything.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from pandas.api.types import union_categoricals

from .. import contract as c
from . import records as frames
from .schema import CATEGORIES, SHIPMENT_COLUMNS, Column

ARROW_TYPES = {"string": pa.string(), "datetime": pa.string(), "category": pa.string(),
               "label": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}


#: A page's rows: Arrow's parsed items (converted later, many pages at once), or a frame
#: from the tolerant path.
#: (pyarrow ships no type information, so to mypy this is Any.)
Part: TypeAlias = Any


Rows = TypeVar("Rows")
#: A page's ``total`` when the body has none (or not a whole number).
NO_TOTAL = -1


@dataclass(frozen=True)
class Page(Generic[Rows]):
    """One page of a list: its rows, how many, the first row's id (to spot a repeated page),
    the list's total, and the envelope's status and version. ``number`` and ``from_cache``
    are filled in by whoever fetched it."""

    rows: Rows
    count: int
    first_id: str | None
    total: int
    status: str | None
    version: str | None
    number: int = 0
    from_cache: bool = False


def struct_of(columns: tuple[Column, ...], depth: int = 0) -> pa.StructType:
    """The JSON objects that hold ``columns``, as nested Arrow structs."""
    fields: dict[str, Any] = {}
    for col in columns:
        key = col.path[depth]
        if len(col.path) == depth + 1:
            fields[key] = ARROW_TYPES[col.kind]
        elif key not in fields:
            nested = tuple(o for o in columns if len(o.path) > depth + 1 and o.path[depth] == key)
            fields[key] = struct_of(nested, depth + 1)
    return pa.struct(fields)


def envelope_schema(item: pa.StructType) -> pa.Schema:
    """The list envelope, each item read as ``item`` (fields outside it are skipped)."""
    return pa.schema({
        "status": pa.string(), "version": pa.string(),
        "data": pa.struct({c.PAGE_ITEMS_FIELD: pa.list_(item), c.PAGE_TOTAL_FIELD: pa.int64()}),
    })


ENVELOPE_SCHEMA = envelope_schema(struct_of(SHIPMENT_COLUMNS))


def shipments_page(body: bytes) -> Page[Part]:
    """Decode a shipments page; Arrow first, the tolerant path when Arrow refuses."""
    try:
        return with_arrow(body)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, IndexError, OverflowError):
        # The standard parser: orjson reads integers past 64 bits as floats.
        envelope, data = _envelope(json.loads(body))
        frame = frames.shipments_frame(_items(data))
        return _page(frame, len(frame), _first_id(frame), data, envelope)


def records_page(body: bytes) -> Page[list[Any]]:
    """A page as a list of records (events need the whole record)."""
    envelope, data = _envelope(orjson.loads(body))
    items = _items(data)
    first = items[0].get("trackingId") if items and isinstance(items[0], dict) else None
    return _page(items, len(items), None if first is None else str(first), data, envelope)


def _envelope(document: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    envelope = document if isinstance(document, dict) else {}
    data = envelope.get("data")
    return envelope, data if isinstance(data, dict) else {}


def _items(data: dict[str, Any]) -> list[Any]:
    items = data.get(c.PAGE_ITEMS_FIELD)
    return items if isinstance(items, list) else []


def _page(rows: Any, count: int, first_id: str | None, data: dict[str, Any],
          envelope: dict[str, Any]) -> Page[Any]:
    total = data.get(c.PAGE_TOTAL_FIELD)
    usable = isinstance(total, int) and not isinstance(total, bool)
    return Page(rows, count, first_id, total if isinstance(total, int) and usable else NO_TOTAL,
                envelope.get("status"), envelope.get("version"))


def _first_id(rows: Part) -> str | None:
    if len(rows) == 0:
        return None
    if isinstance(rows, pd.DataFrame):
        return str(rows["tracking_id"].iloc[0])
    first = rows[0].as_py()
    return str(first.get("trackingId")) if isinstance(first, dict) else None


def shipments_from_bytes(body: bytes) -> pd.DataFrame:
    """A whole shipments response's bytes to the typed frame."""
    return to_frame([shipments_page(body).rows])


def to_frame(parts: list[Part]) -> pd.DataFrame:
    """Pages' rows, in order, as one typed frame; runs of Arrow pages convert together."""
    done: list[pd.DataFrame] = []
    run: list[pa.StructArray] = []
    for part in [*parts, None]:
        if isinstance(part, pa.StructArray):
            run.append(part)
            continue
        if run:
            done.append(typed_frame(pa.concat_arrays(run), SHIPMENT_COLUMNS))
            run = []
        if part is not None:
            done.append(part)
    if not done:
        return frames.shipments_frame([])
    return concat(done) if len(done) > 1 else done[0]


def concat(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames with the same columns, one after the other. pandas turns categories that
    differ between pieces into plain strings, so category columns are united apart: known
    categories keep their order, labels stay sorted."""
    first = pieces[0]
    kept = [n for n in first.columns if isinstance(first[n].dtype, pd.CategoricalDtype)]
    df = pd.concat([p.drop(columns=kept) for p in pieces], ignore_index=True)
    for name in kept:
        df[name] = union_categoricals([p[name] for p in pieces],
                                      sort_categories=name not in CATEGORIES)
    return df[list(first.columns)]


def with_arrow(body: bytes, schema: pa.Schema = ENVELOPE_SCHEMA) -> Page[Part]:
    """A page parsed by Arrow's JSON reader into a StructArray of its items; raises
    ArrowInvalid (and the like) when the body does not fit ``schema``."""
    options = pa_json.ReadOptions(block_size=len(body) + 1, use_threads=False)
    parse = pa_json.ParseOptions(explicit_schema=schema,
                                 unexpected_field_behavior="ignore")
    table = pa_json.read_json(io.BytesIO(body), read_options=options, parse_options=parse)
    if table.num_rows != 1:
        raise pa.ArrowInvalid("not a single JSON envelope")
    data = table.column("data").combine_chunks()
    items = data.field(c.PAGE_ITEMS_FIELD).flatten()
    total = data.field(c.PAGE_TOTAL_FIELD)[0].as_py()
    return Page(items, len(items), _first_id(items), NO_TOTAL if total is None else int(total),
                table.column("status")[0].as_py(), table.column("version")[0].as_py())


def typed_frame(items: pa.StructArray, columns: tuple[Column, ...]) -> pd.DataFrame:
    """The ``columns`` of ``items`` (parsed by Arrow), converted to the frame's dtypes."""
    data = {col.name: convert(leaf(items, col.path), col) for col in columns}
    return pd.DataFrame(data, columns=[col.name for col in columns])


def leaf(struct: pa.StructArray, path: tuple[str, ...]) -> pa.Array:
    """The values at ``path``, null wherever a parent object was null."""
    for key in path:
        index = struct.type.get_field_index(key)
        struct = struct.flatten()[index]  # flatten() applies the parent's nulls
    return struct


def _labels(values: pa.Array) -> pd.Categorical:
    """Strings as a category with sorted categories, encoded by Arrow: about a quarter
    faster than pandas' factorize, and this runs for every label column of every page."""
    encoded = pc.dictionary_encode(values)
    order = pc.array_sort_indices(encoded.dictionary).to_numpy()
    ranks = np.empty(len(order), np.int64)
    ranks[order] = np.arange(len(order))
    indices = pc.fill_null(encoded.indices, -1).to_numpy()
    codes = np.where(indices < 0, -1, ranks[np.maximum(indices, 0)] if len(order) else -1)
    categories = pd.Index(pd.arrays.ArrowStringArray(pc.take(encoded.dictionary, order)))
    return pd.Categorical.from_codes(codes, categories=categories, validate=False)


def convert(values: pa.Array, col: Column) -> Any:
    """One column parsed by Arrow as the frame's pandas array."""
    if col.kind == "string":
        return pd.arrays.ArrowStringArray(values)
    if col.kind == "label":
        return _labels(values)
    if col.kind == "int":
        return values.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get).array
    if col.kind == "float":
        return values.to_pandas(types_mapper={pa.float64(): pd.Float64Dtype()}.get).array
    if col.kind == "bool":
        return values.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get).array
    if col.kind == "datetime":
        with contextlib.suppress(pa.ArrowInvalid):  # Arrow's ISO parser is strict: fall back
            utc = pc.cast(values, pa.timestamp("us", tz="UTC")).to_pandas()
            return utc.dt.tz_convert(c.TIMEZONE).array
    return frames.CONVERTERS[col.kind](values.to_pylist(), col.name)
