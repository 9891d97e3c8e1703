"""Export to a Parquet dataset: the frames' schema, resumption, refresh, DuckDB's KPIs."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest
import requests

import cargamos_explore as cx
from cargamos_explore.export import KPIS_BY_ALCALDIA_SQL
from cargamos_explore.sandbox import Faults, Sandbox, serve

from .conftest import ANCHOR, JOHN, open_session, user_stats

WINDOW = {"start": "2026-01-01", "end": "2026-11-30"}
#: One page at a time: the requests a rerun makes can then be counted exactly.
QUIET = {"progress": False, "concurrency": 1}


@pytest.fixture
def shop() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(size=3000, seed=3, anchor=ANCHOR)
    with serve(sandbox) as url:
        yield sandbox, url


def table(path: Path, name: str) -> pd.DataFrame:
    """A table of the dataset through pyarrow.dataset, in a stable order."""
    found = ds.dataset(path / name, format="parquet", partitioning="hive").to_table()
    keys = ["tracking_id", "sequence"] if name == "events" else ["tracking_id"]
    return found.to_pandas().sort_values(keys, ignore_index=True)


def manifest(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((path / "_manifest.json").read_text())
    return loaded


def test_the_dataset_holds_the_frames_rows_with_their_dtypes(shop: tuple[Sandbox, str],
                                                            tmp_path: Path) -> None:
    _, url = shop
    with open_session(url) as session:
        report = session.export(tmp_path, **WINDOW, **QUIET)
        frame = session.shipments(**WINDOW, progress=False)
        events = session.events(**WINDOW, progress=False)
    assert report.fetched == ("2026-08", "2026-09", "2026-10", "2026-11")
    assert (report.shipments, report.events) == (len(frame), len(events))
    shipments = table(tmp_path, "shipments")
    assert list(shipments.columns) == [*frame.columns, "month"]
    for name in frame.columns:  # the Parquet files carry the frame's dtypes back to pandas
        assert str(shipments[name].dtype) == str(frame[name].dtype), name
    expected = frame.sort_values("tracking_id", ignore_index=True)
    pd.testing.assert_frame_equal(shipments[frame.columns].astype(str), expected.astype(str))
    assert len(table(tmp_path, "events")) == len(events)
    counts = {k: p["shipments"] for k, p in manifest(tmp_path)["partitions"].items()}
    assert counts == frame.groupby(frame["created_at"].dt.strftime("%Y-%m")).size().to_dict()


def test_an_interrupted_export_fetches_only_the_missing_months_again(
        shop: tuple[Sandbox, str], tmp_path: Path) -> None:
    sandbox, url = shop
    clean, resumed = tmp_path / "clean", tmp_path / "resumed"
    with open_session(url, retries=cx.Retries(total=0)) as session:
        session.export(clean, **WINDOW, **QUIET)
        rows = {k: p["shipments"] for k, p in manifest(clean)["partitions"].items()}
        # The connection goes away for good in the third month: after the probes for the
        # first and last shipments, month one (1 page) and month two (2 pages), page 2 of
        # month three.
        sandbox.set_faults(drop_after=2 + 1 + 2 + 1)
        with pytest.raises(cx.PartialResultError, match="stopped in month 2026-10"):
            session.export(resumed, **WINDOW, **QUIET)
        done = set(manifest(resumed)["partitions"])
        assert done == {"2026-08", "2026-09"}
        assert not list(resumed.rglob("*2026-10*/*"))  # nothing half-written, even hidden
        sandbox.set_faults(drop_after=None)
        requests.post(url + "/_sandbox/stats/reset", timeout=5)
        report = session.export(resumed, **WINDOW, **QUIET)
    missing = [k for k in rows if k not in done]
    assert report.fetched == tuple(missing) and set(report.kept) >= done
    pages = sum(math.ceil(rows[k] / 500) for k in missing)
    assert user_stats(url, JOHN)["requests"] == 2 + pages  # the probes, then missing pages
    for name in ("shipments", "events"):
        pd.testing.assert_frame_equal(table(resumed, name), table(clean, name))


def test_a_rerun_refreshes_only_the_months_that_can_still_change(
        shop: tuple[Sandbox, str], tmp_path: Path) -> None:
    _, url = shop
    settled = {"final_states": ("DELIVERED", "MISHAP"), **QUIET}
    with open_session(url) as session:
        session.export(tmp_path, **WINDOW, **settled)
        assert session.export(tmp_path, **WINDOW, **settled).fetched == ()  # all fresh
        finals = {k: p["final"] for k, p in manifest(tmp_path)["partitions"].items()}
        # Months that ended over a week ago with every shipment delivered or in MISHAP are
        # final; the last month still moves.
        assert finals == {"2026-08": True, "2026-09": True, "2026-10": True, "2026-11": False}
        later = session.export(tmp_path, **WINDOW, **settled, refresh_after=timedelta(0))
        assert later.fetched == ("2026-11",) and later.kept == ("2026-08", "2026-09",
                                                                  "2026-10")


def test_duckdb_over_the_dataset_gives_the_kpis_of_the_frame(shop: tuple[Sandbox, str],
                                                             tmp_path: Path) -> None:
    _, url = shop
    with open_session(url) as session:
        session.export(tmp_path, **WINDOW, **QUIET)
        frame = session.shipments(**WINDOW, progress=False)
    connection = cx.open_dataset(tmp_path)
    assert connection.sql("select count(*) from shipments").fetchall() == [(len(frame),)]
    report = cx.kpis(frame)  # as of the read
    in_pandas = report.by_alcaldia
    in_sql = connection.execute(KPIS_BY_ALCALDIA_SQL, {"as_of": report.as_of}).df().set_index(
        "alcaldia")
    assert list(in_sql.index) == [str(v) for v in in_pandas.index]
    for name in in_sql.columns:
        assert in_sql[name].to_numpy(dtype=float) == pytest.approx(
            in_pandas[name].to_numpy(dtype=float), nan_ok=True), name
    months = connection.sql("select distinct month from events order by 1").fetchall()
    assert [m for (m,) in months] == ["2026-08", "2026-09", "2026-10", "2026-11"]


def test_polars_reads_the_same_files(shop: tuple[Sandbox, str], tmp_path: Path) -> None:
    polars = pytest.importorskip("polars")
    _, url = shop
    with open_session(url) as session:
        report = session.export(tmp_path, **WINDOW, **QUIET)
    scan = polars.scan_parquet(tmp_path / "shipments" / "**" / "*.parquet",
                               hive_partitioning=True)
    assert scan.select(polars.len()).collect().item() == report.shipments


def test_another_states_filter_is_not_mixed_into_a_dataset(shop: tuple[Sandbox, str],
                                                           tmp_path: Path) -> None:
    _, url = shop
    with open_session(url) as session:
        session.export(tmp_path, **WINDOW, **QUIET)
        with pytest.raises(cx.ExportError, match="states"):
            session.export(tmp_path, **WINDOW, states="MISHAP", **QUIET)


def test_open_dataset_says_when_nothing_was_exported(tmp_path: Path) -> None:
    with pytest.raises(cx.ExportError, match="no exported dataset"):
        cx.open_dataset(tmp_path)


def test_an_unreadable_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / "_manifest.json").write_text("{not json")
    with pytest.raises(cx.ExportError, match="not a manifest"):
        cx.open_dataset(tmp_path)


def test_the_drop_after_knob_is_checked() -> None:
    with pytest.raises(ValueError, match="drop_after"):
        Faults(drop_after=-1)
    assert Faults(drop_after=3).updated({"drop_after": None}).drop_after is None


def test_an_empty_page_keeps_the_schema() -> None:
    from cargamos_explore.decoding.tables import SHIPMENTS_SCHEMA, tables_page

    body = b'{"status": "OK", "version": "1.0.0", "data": {"items": [], "total": 0}}'
    page = tables_page(body)
    assert page.count == 0 and page.rows.shipments.schema.equals(SHIPMENTS_SCHEMA)
    assert page.rows.shipments.schema.field("alcaldia").type == pa.dictionary(
        pa.int32(), pa.string())


def test_the_readme_shows_the_tested_kpi_sql() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert f"```sql\n{KPIS_BY_ALCALDIA_SQL}\n```" in readme


@pytest.mark.parametrize("timestamp", [None, "2026-08-21T12:50:44.123456789-06:00"])
def test_the_export_tables_are_the_frames_of_the_same_page(timestamp: str | None) -> None:
    """Arrow converts the export's pages itself; the frames' converters decide what the
    values are. A timestamp Arrow's ISO parser refuses takes the frames' converter."""
    from cargamos_explore.decoding import events_frame, shipments_frame
    from cargamos_explore.decoding.tables import EVENTS_SCHEMA, SHIPMENTS_SCHEMA, tables_page

    document = json.loads((Path(__file__).parent / "fixtures/shipments_page.json").read_text())
    items = document["data"]["items"]
    items[0]["state"], items[1]["alcaldia"] = "MISHAP", None
    if timestamp:
        items[0]["events"][1]["timestamp"] = items[2]["deliveredAt"] = timestamp
    page = tables_page(json.dumps(document).encode())
    for got, frame, schema in [(page.rows.shipments, shipments_frame(items), SHIPMENTS_SCHEMA),
                               (page.rows.events, events_frame(items), EVENTS_SCHEMA)]:
        expected = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        assert got.schema.equals(schema) and got.num_rows == len(frame) > 0
        pd.testing.assert_frame_equal(got.to_pandas(), expected.to_pandas())
