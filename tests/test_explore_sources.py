"""Where the dashboard reads from: a dataset's queries run beside the KPIs' pandas work, a
connection whose views are its own is still read (in one thread), and a dataset's KPIs are
as of when its figures hold."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.export import manifest as manifests
from cargamos_explore.export.manifest import Manifest, Partition
from cargamos_explore.export.storage import Storage
from cargamos_explore.notebook.explore.table import page_records


def own_views(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection of the analyst's with temporary views: no other connection sees them."""
    connection = duckdb.connect()
    for name in ("shipments", "events"):
        connection.sql(f"create temp view {name} as select * from read_parquet("
                       f"'{path / name}/**/*.parquet', hive_partitioning = true)")
    return connection


def test_a_connection_whose_views_are_its_own_gives_the_same_dashboard(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    path = dataset[0]
    shared, own = cx.explore(cx.open_dataset(path)), cx.explore(own_views(path))
    for dash in (shared, own):
        dash.states = ["DELIVERED", "MISHAP", "DELIVERY_ATTEMPTED"]
        dash.sort = "alcaldia"
    assert own.matched == shared.matched > 0
    assert own.charts == shared.charts
    assert [t["value"] for t in own.tiles] == pytest.approx([t["value"] for t in shared.tiles])
    assert own.page_rows["tracking_id"].tolist() == shared.page_rows["tracking_id"].tolist()


def test_a_datasets_kpis_are_as_of_its_oldest_month_that_can_still_change(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    path = dataset[0]
    months = manifests.load(Storage(path)).partitions.values()
    changing = min(p.fetched for p in months if not p.final)
    dash = cx.explore(path)
    assert dash.as_of == f"as of {changing:%Y-%m-%d %H:%M} (Mexico City)"
    # The selection carries that moment: cx.kpis on it gives the tiles, as of then.
    report = cx.kpis(dash.selection)
    assert report.as_of == pd.Timestamp(changing)
    assert [t["value"] for t in dash.tiles][:2] == [report.overall.iloc[0]["shipments"],
                                                    report.overall.iloc[0]["delivered"]]
    assert dash.tiles[2]["value"] == pytest.approx(report.overall.iloc[0]["on_time_rate"])


def test_the_as_of_rule_of_a_manifest() -> None:
    def month(name: str, fetched: str, final: bool) -> Partition:
        return Partition(name, "", "", 0, 0, fetched, final)

    early, late = "2026-11-01T10:00:00-06:00", "2026-11-20T10:00:00-06:00"
    final_early, open_late = month("2026-09", early, True), month("2026-10", late, False)
    assert manifests.as_of(Manifest(partitions={"2026-09": final_early,
                                                "2026-10": open_late})).isoformat() == late
    assert manifests.as_of(Manifest(partitions={
        "2026-09": month("2026-09", late, False),
        "2026-10": month("2026-10", early, False)})).isoformat() == early
    assert manifests.as_of(Manifest(partitions={"2026-09": final_early})).isoformat() == early
    assert manifests.as_of(Manifest()) is None


def test_as_of_sets_the_moment_of_every_kpi_and_of_the_selection(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    """A frame read back from a file has no provenance: the analyst says when it holds."""
    path, shipments, events = dataset
    bare = shipments.copy()
    bare.attrs = {}
    moment = pd.Timestamp("2026-11-20 09:00", tz="America/Mexico_City")
    for dash in (cx.explore(bare, events=events, as_of="2026-11-20 09:00"),
                 cx.explore(path, as_of=moment)):
        assert dash.as_of == "as of 2026-11-20 09:00 (Mexico City)"
        report = cx.kpis(dash.selection)
        assert report.as_of == moment
        assert dash.tiles[2]["value"] == pytest.approx(report.overall.iloc[0]["on_time_rate"])
        assert dash.tiles[2]["sample"] == report.overall.iloc[0]["due"]


def test_the_unfinished_week_is_drawn_apart_and_weeks_still_due_are_provisional(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    """As in the KPI report: the week holding the as-of time is "so far", not a point
    like the others, and a week whose promises have not all passed is provisional."""
    _, shipments, events = dataset
    wednesday = shipments["created_at"].max().normalize() - pd.Timedelta(days=14)
    wednesday -= pd.Timedelta(days=(wednesday.day_of_week - 2) % 7)
    dash = cx.explore(shipments, events=events, as_of=wednesday + pd.Timedelta(hours=12),
                      end=wednesday.date())
    report = cx.kpis(dash.selection)
    weeks = dash.charts["by_week"]
    *ended, current = weeks
    monday = (wednesday - pd.Timedelta(days=2)).date().isoformat()
    assert (current["key"], current["partial"], current["provisional"]) == (monday, True, True)
    assert current["label"].endswith("(so far)")
    assert current["n"] == report.current_week.iloc[0]["due"]
    assert [bar["key"] for bar in ended] == [str(k) for k in report.by_week.index]
    assert [bar["provisional"] for bar in ended] == report.by_week["provisional"].tolist()
    assert not any(bar.get("partial") for bar in ended)
    dash.click("week", current["key"])
    assert set(dash.selection["created_at"].dt.date) <= {
        (wednesday - pd.Timedelta(days=d)).date() for d in range(3)}


def local_text(moments: pd.Series) -> list[str]:
    return [f"{moment:%Y-%m-%d %H:%M}" for moment in moments.dt.tz_convert("America/Mexico_City")]


def test_every_page_of_a_dataset_shows_mexico_city_times(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    """The first page after a change is read beside the KPIs, on a cursor of the
    connection: it shows the same local times as a page read when sorting."""
    path, shipments, _ = dataset
    dash = cx.explore(path)
    last = shipments["created_at"].dt.tz_convert("America/Mexico_City").max()
    assert dash.end == f"{last:%Y-%m-%d}"
    dash.states = ["DELIVERED"]
    first = page_records(dash.page_rows)
    expected = dash.selection.head(dash.page_size)
    assert [row["created_at"] for row in first] == local_text(expected["created_at"])
    assert [row["delivered_at"] for row in first] == local_text(expected["delivered_at"])


def test_the_analyst_may_query_the_connection_from_another_thread_meanwhile(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    """A DuckDB connection refuses a second call while one runs: the dashboard reads through
    cursors of its own, so the analyst's query on the connection in another thread and
    the dashboard's refresh both finish (the query is held open until the refresh is done)."""
    connection = cx.open_dataset(dataset[0])
    dash = cx.explore(connection)
    running, release = threading.Event(), threading.Event()

    def hold(_value: int) -> int:
        running.set()
        release.wait(30)
        return 1

    connection.create_function("hold", hold, [int], int)  # type: ignore[list-item]
    answer: list[Any] = []
    analyst = threading.Thread(target=lambda: answer.append(
        connection.sql("select hold(1)").fetchall()))
    analyst.start()
    try:
        assert running.wait(30)
        dash.states = ["MISHAP"]
        assert dash.matched == len(dash.selection) > 0
    finally:
        release.set()
        analyst.join(30)
    assert answer == [[(1,)]]


def test_a_closed_connection_says_to_open_the_dataset_again(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    connection = cx.open_dataset(dataset[0])
    dash = cx.explore(connection)
    connection.close()
    with pytest.raises(cx.DatasetClosedError, match="open the dataset again"):
        dash.states = ["MISHAP"]
    with pytest.raises(cx.DatasetClosedError, match="open the dataset again"):
        dash.download("csv")
