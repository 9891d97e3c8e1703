"""Pure JSON -> DataFrame: fixed schema, right dtypes, no crash on ragged input."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cargamos_explore.decoding import pages as fastpath
from cargamos_explore.decoding import records as frames
from cargamos_explore.decoding.schema import EVENT_COLUMNS, SHIPMENT_COLUMNS
from cargamos_explore.errors import UnknownValueWarning

PAGE = json.loads((Path(__file__).parent / "fixtures" / "shipments_page.json").read_text())
ITEMS: list[dict[str, Any]] = PAGE["data"]["items"]


def dtypes(df: pd.DataFrame) -> list[tuple[str, str]]:
    return [(name, str(dtype)) for name, dtype in df.dtypes.items()]


def test_columns_follow_the_schema_table() -> None:
    df = frames.shipments_frame(ITEMS)
    assert list(df.columns) == [col.name for col in SHIPMENT_COLUMNS]
    assert len(df) == len(ITEMS)


def test_an_empty_result_has_the_same_columns_and_dtypes() -> None:
    full, empty = frames.shipments_frame(ITEMS), frames.shipments_frame([])
    assert empty.empty and dtypes(empty) == dtypes(full)
    assert dtypes(frames.events_frame([])) == dtypes(frames.events_frame(ITEMS))


def test_dtypes_are_typed_not_object() -> None:
    df = frames.shipments_frame(ITEMS)
    assert not any(str(dtype) == "object" for dtype in df.dtypes)
    assert str(df["created_at"].dt.tz) == "America/Mexico_City"
    assert str(df["attempts"].dtype) == "Int64"
    assert str(df["lat"].dtype) == "Float64"
    assert isinstance(df["tracking_id"].dtype, pd.StringDtype)
    # Repeated place text is a category of strings: 1 byte a row instead of ~13.
    assert isinstance(df["postal_code"].dtype, pd.CategoricalDtype)
    assert isinstance(df["postal_code"].cat.categories.dtype, pd.StringDtype)
    assert list(df["postal_code"].cat.categories) == sorted(df["postal_code"].dropna().unique())
    assert isinstance(df["state"].dtype, pd.CategoricalDtype)
    assert list(df["state"].cat.categories) == [
        "CREATED", "OUT_FOR_DELIVERY", "DELIVERY_ATTEMPTED", "DELIVERED", "MISHAP"]


def test_values_are_faithful() -> None:
    df = frames.shipments_frame(ITEMS)
    first = ITEMS[0]
    row = df.iloc[0]
    assert row["tracking_id"] == first["trackingId"]
    assert row["postal_code"] == first["recipientLocation"]["postalCode"]
    assert row["created_at"] == pd.Timestamp(first["createdAt"])
    assert row["attempts"] == first["attempts"]
    assert pd.isna(row["recipient_name"])  # deleted once delivered
    assert df["delivered_at"].isna().sum() == sum(i["deliveredAt"] is None for i in ITEMS)


def test_leading_zeros_survive() -> None:
    df = frames.shipments_frame([{"recipientLocation": {"postalCode": "01000"}}])
    assert df.loc[0, "postal_code"] == "01000"


def test_missing_integers_stay_integers() -> None:
    df = frames.shipments_frame([{"attempts": 2}, {"attempts": None}, {}])
    assert str(df["attempts"].dtype) == "Int64"
    assert df["attempts"].tolist()[0] == 2 and df["attempts"].isna().sum() == 2


def test_an_unknown_state_is_kept_with_a_warning() -> None:
    with pytest.warns(UnknownValueWarning, match="RETURNED_TO_SENDER"):
        df = frames.shipments_frame([*ITEMS, {"trackingId": "X", "state": "RETURNED_TO_SENDER"}])
    assert df["state"].iloc[-1] == "RETURNED_TO_SENDER"
    assert list(df.columns) == [col.name for col in SHIPMENT_COLUMNS]


def test_events_one_row_per_state_change() -> None:
    events = frames.events_frame(ITEMS)
    assert list(events.columns) == [col.name for col in EVENT_COLUMNS]
    assert len(events) == sum(len(i["events"]) for i in ITEMS)
    attempted = events[events["state"] == "DELIVERY_ATTEMPTED"]
    assert attempted["anomaly_code"].notna().all()
    first = events[events["tracking_id"] == ITEMS[0]["trackingId"]]
    assert first["sequence"].tolist() == list(range(len(ITEMS[0]["events"])))
    assert first["timestamp"].is_monotonic_increasing


def test_the_arrow_path_matches_the_record_path() -> None:
    page = fastpath.shipments_page(json.dumps(PAGE).encode())
    assert (page.total, page.status, page.version) == (5, "OK", "1.0.0")
    pd.testing.assert_frame_equal(fastpath.to_frame([page.rows]), frames.shipments_frame(ITEMS))


def test_a_body_arrow_cannot_type_falls_back() -> None:
    ragged = json.loads(json.dumps(PAGE))
    ragged["data"]["items"][0]["recipientLocation"]["number"] = 120  # a number, not a string
    page = fastpath.shipments_page(json.dumps(ragged).encode())
    frame = fastpath.to_frame([page.rows])
    assert frame.loc[0, "number"] == "120" and len(frame) == len(ITEMS)


def test_generic_frame_flattens_to_snake_case() -> None:
    df = frames.generic_frame({"items": [{"trackingId": "A", "recipientLocation": {"postalCode":
                                                                                "06700"}}]})
    assert list(df.columns) == ["tracking_id", "recipient_location_postal_code"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from([
    "trackingId", "state", "createdAt", "attempts", "deliveredAt", "recipientLocation",
    "package", "events", "recipientInformation", "expectedDeliveryDate"])
ragged_record = st.one_of(
    st.dictionaries(field_names, json_values, max_size=8),
    st.builds(lambda base, key, value: {**base, key: value},
              st.sampled_from(ITEMS), field_names, json_values),
    json_values,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ragged_record, max_size=6))
def test_ragged_records_never_crash_or_change_the_schema(records: list[Any]) -> None:
    expected = dtypes(frames.shipments_frame([]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownValueWarning)
        df = frames.shipments_frame(records)
        events = frames.events_frame(records)
    assert len(df) == len(records)
    assert [(n, d) for n, d in dtypes(df) if n != "state" and n != "package_type"
            and not n.endswith("_unit")] == \
        [(n, d) for n, d in expected if n != "state" and n != "package_type"
         and not n.endswith("_unit")]
    for name in ("state", "package_type", "weight_unit", "dimensions_unit"):
        assert isinstance(df[name].dtype, pd.CategoricalDtype)
    assert list(events.columns) == [col.name for col in EVENT_COLUMNS]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ragged_record, max_size=4))
def test_both_paths_agree_on_any_body(records: list[Any]) -> None:
    body = json.dumps({"status": "OK", "version": "1", "data": {"items": records,
                                                                "total": len(records)}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownValueWarning)
        fast = fastpath.to_frame([fastpath.shipments_page(body.encode()).rows])
        slow = frames.shipments_frame(records)
    pd.testing.assert_frame_equal(fast, slow)
