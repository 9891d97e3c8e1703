"""A page's bytes -> two Arrow tables, shipments and their events, in the dataset's schema.

The export writes pages to Parquet as they arrive; each page is parsed once, by Arrow's
JSON reader, and both tables come from the same items without a detour through pandas:
strings, labels, numbers and ISO timestamps are converted by Arrow's compute kernels.
Only what Arrow cannot do as the frames do (a column of known categories, which warns
about values this version does not know; a timestamp Arrow's strict parser refuses) goes
through the frames' converter, and a page Arrow cannot read at all takes the tolerant
record path. The tables follow the frames exactly: their schema is the empty frames' own,
pandas metadata included, so a Parquet reader that goes back to pandas gets the frames'
dtypes (Mexico City timestamps, nullable integers, categories).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import contract as c
from . import records
from .pages import Page, convert, envelope_schema, leaf, struct_of, with_arrow
from .schema import EVENT_COLUMNS, SHIPMENT_COLUMNS, Column

EVENTS_FIELD: Final = "events"
#: Every category is stored with 32-bit indices: a file's schema cannot depend on how many
#: distinct values one page happens to hold.
DICTIONARY: Final = pa.dictionary(pa.int32(), pa.string())
#: The fields of one event inside a shipment record (the rest come from the shipment).
EVENT_FIELDS: Final = tuple(col for col in EVENT_COLUMNS
                            if col.path[0] not in ("trackingId", "sequence"))


def arrow_schema(empty: pd.DataFrame) -> pa.Schema:
    """The Arrow schema of a frame, with its pandas metadata; categories as DICTIONARY."""
    schema = pa.Schema.from_pandas(empty, preserve_index=False)
    fields = [pa.field(f.name, DICTIONARY if pa.types.is_dictionary(f.type) else f.type)
              for f in schema]
    return pa.schema(fields, metadata=schema.metadata)


SHIPMENTS_SCHEMA: Final = arrow_schema(records.shipments_frame([]))
EVENTS_SCHEMA: Final = arrow_schema(records.events_frame([]))
_ITEM = pa.struct([*struct_of(SHIPMENT_COLUMNS),
                   pa.field(EVENTS_FIELD, pa.list_(struct_of(EVENT_FIELDS)))])
_ENVELOPE = envelope_schema(_ITEM)


@dataclass(frozen=True)
class Tables:
    """One page as two tables: a row per shipment, a row per state change."""

    shipments: pa.Table
    events: pa.Table


def tables_page(body: bytes) -> Page[Tables]:
    """Decode a shipments page into both tables; Arrow first, records when Arrow refuses."""
    try:
        page = with_arrow(body, _ENVELOPE)
        tables = Tables(typed_table(page.rows, SHIPMENT_COLUMNS, SHIPMENTS_SCHEMA),
                        typed_table(_event_items(page.rows), EVENT_COLUMNS, EVENTS_SCHEMA))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, IndexError, OverflowError):
        page, shipments, events = _with_records(body)
        tables = _tables(shipments, events)
    return Page(tables, page.count, page.first_id, page.total, page.status, page.version)


def typed_table(items: pa.StructArray, columns: tuple[Column, ...], schema: pa.Schema
                ) -> pa.Table:
    """The ``columns`` of ``items`` as a table of ``schema``: what ``typed_frame`` then
    ``Table.from_pandas`` would give, converted by Arrow alone where it can."""
    arrays = [_column(leaf(items, col.path), col, schema.field(col.name).type)
              for col in columns]
    return pa.Table.from_arrays(arrays, schema=schema)


def _column(values: pa.Array, col: Column, target: pa.DataType) -> pa.Array:
    if col.kind == "label":
        return _sorted_labels(values).cast(target)
    if col.kind == "datetime":
        try:
            return pc.cast(values, pa.timestamp("us", tz="UTC")).cast(target)
        except pa.ArrowInvalid:  # Arrow's ISO parser is strict: the frames' converter
            pass
    elif col.kind != "category":
        return values.cast(target)
    return pa.array(convert(values, col), type=target)


def _with_records(body: bytes) -> tuple[Page[Any], pd.DataFrame, pd.DataFrame]:
    document = json.loads(body)  # the standard parser: orjson refuses integers past 64 bits
    data = document.get("data") if isinstance(document, dict) else None
    items = data.get(c.PAGE_ITEMS_FIELD) if isinstance(data, dict) else None
    items = items if isinstance(items, list) else []
    shipments = records.shipments_frame(items)
    first = None if shipments.empty else shipments["tracking_id"].iloc[0]
    total = data.get(c.PAGE_TOTAL_FIELD) if isinstance(data, dict) else None
    page = Page(None, len(items), None if pd.isna(first) else str(first),
                total if isinstance(total, int) else 0,
                document.get("status") if isinstance(document, dict) else None,
                document.get("version") if isinstance(document, dict) else None)
    return page, shipments, records.events_frame(items)


def _sorted_labels(values: pa.Array) -> pa.DictionaryArray:
    """Strings as a dictionary in sorted order, as the frames' labels are."""
    encoded = pc.dictionary_encode(values)
    order = pc.array_sort_indices(encoded.dictionary)
    ranks = np.empty(len(order), np.int32)
    ranks[order.to_numpy()] = np.arange(len(order), dtype=np.int32)
    return pa.DictionaryArray.from_arrays(pc.take(pa.array(ranks), encoded.indices),
                                          pc.take(encoded.dictionary, order))


def _event_items(items: pa.StructArray) -> pa.StructArray:
    """Each shipment's events, flattened in the API's order, numbered from 0 per shipment."""
    lists = leaf(items, (EVENTS_FIELD,))
    parents = pc.list_parent_indices(lists)
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy()
    starts = np.cumsum(lengths) - lengths
    parent_rows = parents.to_numpy()
    sequence = np.arange(len(parent_rows)) - starts[parent_rows]
    flat = lists.flatten()
    arrays = [pc.take(leaf(items, ("trackingId",)), parents), pa.array(sequence, pa.int64()),
              *(flat.field(name) for name in ("state", "timestamp", "anomalies"))]
    return pa.StructArray.from_arrays(
        arrays, names=["trackingId", "sequence", "state", "timestamp", "anomalies"])


def _tables(shipments: pd.DataFrame, events: pd.DataFrame) -> Tables:
    return Tables(pa.Table.from_pandas(shipments, schema=SHIPMENTS_SCHEMA, preserve_index=False),
                  pa.Table.from_pandas(events, schema=EVENTS_SCHEMA, preserve_index=False))
