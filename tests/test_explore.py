"""cx.explore() in plain pytest: build the dashboard, set its traits as the page would, and
check what every panel then holds against cx.kpis and pandas on the same rows."""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
import openpyxl
import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.decoding import events_frame, shipments_frame
from cargamos_explore.notebook.explore import panels
from cargamos_explore.notebook.explore.table import page_records, timeline_records
from cargamos_explore.sandbox.data import generate
from cargamos_explore.sandbox.render import render_rows

from .conftest import ANCHOR

ZONE = "America/Mexico_City"
SIZE = 3000


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    records = render_rows(generate(SIZE, seed=3, anchor=ANCHOR, prefix="CG1"), np.arange(SIZE))
    return shipments_frame(records), events_frame(records)


@pytest.fixture
def dash(frames: tuple[pd.DataFrame, pd.DataFrame]) -> Any:
    shipments, events = frames
    return cx.explore(shipments, events=events)


def in_window(df: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    low = pd.Timestamp(start).tz_localize(ZONE)
    high = pd.Timestamp(end + timedelta(days=1)).tz_localize(ZONE)
    return df[(df["created_at"] >= low) & (df["created_at"] < high)]


def tile_values(dash: Any) -> dict[str, float | None]:
    return {tile["field"]: tile["value"] for tile in dash.tiles}


def expected_tiles(rows: pd.DataFrame) -> dict[str, float | None]:
    overall = cx.kpis(rows).overall.iloc[0]
    return {name: None if pd.isna(overall[name]) else float(overall[name])
            for name, _, _ in panels.TILES.values()}


def sent_messages(dash: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(dash, "send", lambda content, buffers=None: sent.append(content))
    return sent


def test_the_default_range_is_the_last_30_days_and_the_tiles_are_cx_kpis(
        dash: Any, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    shipments, _ = frames
    last = shipments["created_at"].max().date()
    assert (dash.start, dash.end) == ((last - timedelta(days=29)).isoformat(), last.isoformat())
    rows = in_window(shipments, last - timedelta(days=29), last)
    assert tile_values(dash) == expected_tiles(rows)
    assert (dash.matched, dash.total) == (len(rows), SIZE)
    assert f"{len(rows):,} of {SIZE:,} shipments" in repr(dash)


def test_n_of_m_says_what_m_counts_on_the_page_and_in_the_repr(dash: Any) -> None:
    dash.alcaldias = ["Tlalpan"]
    expected = f"{dash.matched:,} of {SIZE:,} shipments in the frame"
    assert dash.count == expected  # the text the page shows
    assert f"): {expected}; showing {dash.start} to {dash.end}" in repr(dash)


def test_a_new_date_range_gives_the_kpis_of_its_rows_and_the_change_from_the_period_before(
        dash: Any, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    shipments, _ = frames
    dash.start, dash.end = "2026-10-01", "2026-10-14"
    rows = in_window(shipments, date(2026, 10, 1), date(2026, 10, 14))
    before = in_window(shipments, date(2026, 9, 17), date(2026, 9, 30))
    assert tile_values(dash) == expected_tiles(rows)
    now, old = expected_tiles(rows), expected_tiles(before)
    on_time = next(t for t in dash.tiles if t["field"] == "on_time_rate")
    assert on_time["change"] == pytest.approx(now["on_time_rate"] - old["on_time_rate"])
    assert on_time["sample"] == cx.kpis(rows).overall.iloc[0]["due"]
    assert on_time["previous_sample"] == cx.kpis(before).overall.iloc[0]["due"]
    assert on_time["text"] == f"{now['on_time_rate']:.1%}"


def test_states_alcaldias_and_search_narrow_every_panel(dash: Any) -> None:
    dash.states = ["DELIVERED", "MISHAP"]
    dash.alcaldias = ["Iztapalapa", "Coyoacán"]
    chosen = dash.selection
    assert set(chosen["state"]) <= {"DELIVERED", "MISHAP"}
    assert set(chosen["alcaldia"]) <= {"Iztapalapa", "Coyoacán"} and len(chosen) > 0
    assert dash.matched == len(chosen) and tile_values(dash) == expected_tiles(chosen)
    assert {bar["key"] for bar in dash.charts["by_alcaldia"]} <= {"Iztapalapa", "Coyoacán"}
    one = chosen.iloc[0]
    dash.states, dash.alcaldias, dash.search = [], [], one["tracking_id"][-6:].lower()
    assert one["tracking_id"] in set(dash.selection["tracking_id"])
    assert dash.selection["tracking_id"].str.endswith(one["tracking_id"][-6:]).all()


def test_the_search_finds_the_shippers_barcode(dash: Any) -> None:
    barcode = dash.selection["shipment_tracking_id"].dropna().iloc[0]
    dash.search = barcode
    assert dash.selection["shipment_tracking_id"].tolist() == [barcode]


def test_a_click_on_an_alcaldia_leaves_only_it_and_its_chip_undoes_it(dash: Any) -> None:
    everything = dash.matched
    place = dash.charts["by_alcaldia"][0]["key"]
    dash.click("alcaldia", place)
    assert dash.chips == [{"kind": "alcaldia", "value": place}]
    assert set(dash.page_rows["alcaldia"]) == {place}
    assert set(dash.selection["alcaldia"]) == {place}
    assert [bar["key"] for bar in dash.charts["by_alcaldia"]] == [place]
    dash.chips = []  # what the chip's button sends
    assert dash.matched == everything


def test_a_failed_attempt_reason_click_keeps_the_shipments_that_failed_for_it(
        dash: Any, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, events = frames
    reason = dash.charts["reasons"][0]
    dash.click("reason", reason["key"])
    failed = events[events["anomaly_description"] == reason["key"]]
    assert set(dash.selection["tracking_id"]) <= set(failed["tracking_id"])
    assert 0 < dash.matched <= reason["n"]


def test_week_and_lead_time_clicks(dash: Any) -> None:
    week = dash.charts["by_week"][1]
    dash.click("week", week["key"])
    created = dash.selection["created_at"].dt.date
    monday = date.fromisoformat(week["key"])
    assert created.between(monday, monday + timedelta(days=6)).all()
    assert next(t for t in dash.tiles if t["field"] == "on_time_rate")["value"] == \
        pytest.approx(week["rate"])
    dash.clear()
    dash.click("lead", "12-24")
    chosen = dash.selection
    hours = (chosen["delivered_at"] - chosen["shipper_dropoff_date"]).dt.total_seconds() / 3600
    assert (chosen["state"] == "DELIVERED").all() and hours.between(12, 24).all()
    assert dash.matched == next(b["n"] for b in dash.charts["lead"] if b["key"] == "12-24")


def test_the_table_is_paged_and_sorted_in_the_kernel(dash: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sent = sent_messages(dash, monkeypatch)
    dash.sort, dash.descending = "alcaldia", False
    page = sent[-1]
    assert page["type"] == "rows" and len(page["rows"]) == 50
    assert dash.pages == -(-dash.matched // 50)
    expected = dash.selection.sort_values(["alcaldia", "tracking_id"], kind="stable")
    assert [r["tracking_id"] for r in page["rows"]] == expected["tracking_id"][:50].tolist()
    dash.page = dash.pages - 1
    assert len(sent[-1]["rows"]) == dash.matched - 50 * (dash.pages - 1)
    dash.search = "CG1"  # a filter change goes back to the first page
    assert dash.page == 0


def test_the_pages_together_are_the_selection(dash: Any) -> None:
    dash.alcaldias = ["Tlalpan"]
    shown = []
    for number in range(dash.pages):
        dash.page = number
        shown += dash.page_rows["tracking_id"].tolist()
    assert sorted(shown) == sorted(dash.selection["tracking_id"])


def table_rows(dash: Any) -> list[str]:
    """The tracking ids the table shows, page after page, as a person paging through."""
    shown: list[str] = []
    for number in range(dash.pages):
        dash.page = number
        shown += dash.page_rows["tracking_id"].tolist()
    return shown


def downloaded_ids(dash: Any) -> tuple[list[str], list[str]]:
    """The tracking ids of the CSV and of the Excel download, in the files' order."""
    csv = pd.read_csv(io.BytesIO(dash.download("csv")), dtype=str, keep_default_na=False)
    sheet = openpyxl.load_workbook(io.BytesIO(dash.download("xlsx")), read_only=True)
    rows = list(sheet["shipments"].iter_rows(values_only=True))
    at = list(rows[0]).index("tracking_id")
    return csv["tracking_id"].tolist(), [row[at] for row in rows[1:]]


@pytest.mark.parametrize(("column", "descending"), [("alcaldia", True), ("state", False),
                                                      ("delivered_at", False)])
def test_the_selection_downloads_and_query_follow_the_tables_order(
        dash: Any, frames: tuple[pd.DataFrame, pd.DataFrame], column: str,
        descending: bool) -> None:
    shipments, events = frames
    dash.alcaldias = ["Tlalpan", "Coyoacán", "Iztapalapa"]
    dash.sort, dash.descending = column, descending
    table = table_rows(dash)
    assert len(table) == dash.matched > 2 * dash.page_size
    assert dash.selection["tracking_id"].tolist() == table
    assert downloaded_ids(dash) == (table, table)
    scope: dict[str, Any] = {"shipments": shipments, "events": events, "pd": pd}
    exec(dash.query, scope)
    assert scope["df"]["tracking_id"].tolist() == table


def test_a_row_click_opens_its_timeline_in_order_with_the_failure_reasons(
        dash: Any, frames: tuple[pd.DataFrame, pd.DataFrame],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, events = frames
    failed = events[events["state"] == "DELIVERY_ATTEMPTED"].iloc[0]
    sent = sent_messages(dash, monkeypatch)
    dash.selected = failed["tracking_id"]
    message = sent[-1]
    own = events[events["tracking_id"] == failed["tracking_id"]].sort_values("sequence")
    assert message["type"] == "timeline" and message["tracking_id"] == failed["tracking_id"]
    assert [e["state"] for e in message["events"]] == own["state"].astype(str).tolist()
    reasons = [e["reason"] for e in message["events"] if e["state"] == "DELIVERY_ATTEMPTED"]
    assert failed["anomaly_description"] in reasons


def test_query_is_code_that_gives_the_selection(
        dash: Any, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    shipments, events = frames
    dash.states = ["DELIVERED"]
    dash.click("alcaldia", "Iztapalapa")
    dash.click("reason", dash.charts["reasons"][0]["key"])
    dash.click("lead", "24-36")
    scope: dict[str, Any] = {"shipments": shipments, "events": events, "pd": pd}
    exec(dash.query, scope)
    assert sorted(scope["df"]["tracking_id"]) == sorted(dash.selection["tracking_id"])


def test_the_map_names_each_alcaldia_once_at_the_centre_of_its_cells(dash: Any) -> None:
    cells = pd.DataFrame(dash.charts["map"])
    labels = dash.charts["map_labels"]
    names = [label["alcaldia"] for label in labels]
    assert sorted(names) == sorted(set(cells["alcaldia"]) - {"(no alcaldía)"})
    assert len(names) >= 10
    for label in labels:
        own = cells[cells["alcaldia"] == label["alcaldia"]]
        assert label["n"] == own["n"].sum()
        assert label["lat"] == pytest.approx(np.average(own["lat"], weights=own["n"]), abs=1e-4)
        assert label["lng"] == pytest.approx(np.average(own["lng"], weights=own["n"]), abs=1e-4)
    # The busiest first: the page writes names in this order and drops one that would
    # cover a name already written.
    assert [label["n"] for label in labels] == sorted((la["n"] for la in labels), reverse=True)
    dash.click("alcaldia", names[0])
    assert [label["alcaldia"] for label in dash.charts["map_labels"]] == [names[0]]


def test_the_widget_state_holds_numbers_never_a_shipment_row(dash: Any) -> None:
    dash.selected = dash.page_rows.iloc[0]["tracking_id"]
    state = json.dumps(ipywidgets.Widget.get_manager_state(drop_defaults=False), default=str)
    shown = dash.page_rows["tracking_id"].tolist()
    assert dash.page_rows.shape[0] == 50
    assert not [tracking_id for tracking_id in shown[1:] if tracking_id in state]
    assert len(json.dumps(dash.get_state(), default=str)) < 100_000  # the ES module included


def test_the_downloads_hold_exactly_the_selection(dash: Any) -> None:
    dash.alcaldias = ["Coyoacán"]
    expected = dash.selection
    csv = pd.read_csv(io.BytesIO(dash.download("csv")), dtype=str, keep_default_na=False)
    assert csv["tracking_id"].tolist() == expected["tracking_id"].tolist()
    assert list(csv.columns) == list(expected.columns)
    sheet = openpyxl.load_workbook(io.BytesIO(dash.download("xlsx")), read_only=True)
    rows = list(sheet["shipments"].iter_rows(values_only=True))
    assert list(rows[0]) == [f"{name} (Mexico City)" if isinstance(kind, pd.DatetimeTZDtype)
                             else name for name, kind in expected.dtypes.items()]
    assert [row[0] for row in rows[1:]] == expected["tracking_id"].tolist()
    with pytest.raises(cx.InvalidArgumentError, match="csv"):
        dash.download("pdf")


def test_bad_input_says_what_to_do(dash: Any) -> None:
    with pytest.raises(cx.InvalidArgumentTypeError, match="a Session, a shipments DataFrame"):
        cx.explore([1, 2, 3])
    with pytest.raises(cx.InvalidArgumentError, match=r"needs a shipments frame.*'lat'"):
        cx.explore(pd.DataFrame({"tracking_id": ["CG1"], "created_at": [pd.Timestamp.now()]}))
    with pytest.raises(cx.InvalidArgumentError, match="chips: each chip"):
        dash.chips = [{"kind": "colour", "value": "red"}]
    with pytest.raises(cx.InvalidArgumentError, match="start: a date as YYYY-MM-DD"):
        dash.start = "last week"


def test_a_refused_day_leaves_the_dashboard_working(dash: Any) -> None:
    """A day typed wrong, or one whose range has no day after it or period before it, says
    what is accepted, and the dashboard keeps its range and answers the next change."""
    matched = dash.matched
    for name, text in (("start", "2026-13-01"), ("end", "9999-12-31"),
                       ("start", "1999-12-31"), ("end", "275760-01-01")):
        with pytest.raises(cx.InvalidArgumentError, match=f"{name}: a date as YYYY-MM-DD"):
            setattr(dash, name, text)
    assert dash.matched == matched
    dash.start, dash.end = "2000-01-01", "2099-12-31"
    assert dash.matched == dash.total and f"{dash.total:,} of" in repr(dash)
    dash.start = "2099-12-31"  # after the end: an empty window, not an error
    assert dash.matched == 0


def test_a_chip_value_that_does_not_read_is_refused_and_the_dashboard_keeps_working(
        dash: Any) -> None:
    matched = dash.matched
    for kind, value in (("week", "next week"), ("lead", "abc"), ("lead", "5")):
        with pytest.raises(cx.InvalidArgumentError, match=f"chips: a week chip.*{value}"):
            dash.click(kind, value)
    assert dash.chips == [] and dash.matched == matched
    dash.states = ["DELIVERED"]  # the next change is computed as ever
    assert 0 < dash.matched < matched


def test_an_empty_selection_still_shows_every_panel(dash: Any) -> None:
    dash.search = "no-such-shipment"
    assert dash.matched == 0 and dash.page_rows.empty
    assert tile_values(dash)["shipments"] == 0 and dash.charts["map"] == []
    assert {tile["text"] for tile in dash.tiles if tile["kind"] != "count"} == {"–"}


def test_a_session_source_reads_the_window_and_the_period_before(session: cx.Session) -> None:
    end = date(2026, 11, 18)
    dash = cx.explore(session, start=end - timedelta(days=13), end=end)
    read = session.shipments(start=end - timedelta(days=27), end=end, progress=False)
    assert dash.total == len(read)
    # A session holds only the days it read: the count says which.
    assert dash.count == (f"{dash.matched:,} of {len(read):,} shipments read from the "
                          f"account for {end - timedelta(days=27)} to {end}")
    assert dash.count in repr(dash)
    rows = in_window(read, end - timedelta(days=13), end)
    assert tile_values(dash) == expected_tiles(rows)
    assert dash.charts["reasons"], "the session's events feed the failed-attempt chart"
    dash.selected = dash.page_rows.iloc[0]["tracking_id"]
    assert dash.timeline["state"].iloc[0] == "CREATED"


def test_the_session_query_is_a_search_that_gives_the_selection(session: cx.Session) -> None:
    end = date(2026, 11, 18)
    dash = cx.explore(session, start=end - timedelta(days=13), end=end)
    dash.states = ["DELIVERED", "DELIVERY_ATTEMPTED"]
    dash.alcaldias = ["Iztapalapa", "Gustavo A. Madero", "Tlalpan"]
    assert dash.query.startswith("df = session.search(start='2026-11-05', end='2026-11-18', "
                                 "states=['DELIVERED', 'DELIVERY_ATTEMPTED']).frame()")
    scope: dict[str, Any] = {"session": session}
    exec(dash.query, scope)
    assert sorted(scope["df"]["tracking_id"]) == sorted(dash.selection["tracking_id"])
    assert dash.matched > 0


def test_a_dataset_filters_and_pages_in_duckdb_to_the_same_numbers_as_the_frame(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    path, shipments, events = dataset
    on_disk, in_memory = cx.explore(path), cx.explore(shipments, events=events)
    for dash in (on_disk, in_memory):
        dash.states = ["DELIVERED", "MISHAP", "DELIVERY_ATTEMPTED"]
        dash.click("reason", "No se encontró el domicilio")
        dash.sort, dash.descending = "alcaldia", False
    assert (on_disk.start, on_disk.end, on_disk.total) == (
        in_memory.start, in_memory.end, in_memory.total)
    assert on_disk.matched == in_memory.matched > 0
    assert on_disk.count == f"{on_disk.matched:,} of {on_disk.total:,} shipments in this dataset"
    assert on_disk.count in repr(on_disk)
    for mine, theirs in zip(on_disk.tiles, in_memory.tiles, strict=True):
        assert mine["value"] == pytest.approx(theirs["value"]), mine["label"]
    assert on_disk.charts == in_memory.charts
    assert on_disk.page_rows["tracking_id"].tolist() == \
        in_memory.page_rows["tracking_id"].tolist()
    on_disk.selected = on_disk.page_rows.iloc[0]["tracking_id"]
    in_memory.selected = on_disk.selected
    assert on_disk.timeline["state"].astype(str).tolist() == \
        in_memory.timeline["state"].astype(str).tolist()


def test_a_datasets_table_page_shows_mexico_city_times_like_the_frames(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    """The page of a dataset's table showed its times in UTC (a promise of 21:00 written
    03:00 the next day) beside a filter, a timeline and downloads in Mexico City time."""
    path, shipments, events = dataset
    on_disk, in_memory = cx.explore(path), cx.explore(shipments, events=events)
    page = page_records(on_disk.page_rows)
    assert page == page_records(in_memory.page_rows)
    first = shipments.set_index("tracking_id").loc[page[0]["tracking_id"]]
    assert page[0]["created_at"] == f"{first['created_at']:%Y-%m-%d %H:%M}"
    on_disk.selected = in_memory.selected = page[0]["tracking_id"]
    assert timeline_records(on_disk.timeline) == timeline_records(in_memory.timeline)


def test_a_datasets_query_is_its_sql_and_its_selection_the_rows(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    path, _, _ = dataset
    connection = cx.open_dataset(path)
    dash = cx.explore(connection)
    dash.alcaldias, dash.search = ["Coyoacán"], "cg"
    dash.click("lead", "24-36")
    rows = connection.sql(dash.query).df()
    assert rows["tracking_id"].tolist() == dash.selection["tracking_id"].tolist()
    assert dash.matched == len(rows) > 0
    assert "month" not in dash.selection.columns


def test_a_datasets_selection_downloads_and_sql_follow_the_tables_order(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
    path, _, _ = dataset
    connection = cx.open_dataset(path)
    dash = cx.explore(connection, page_size=20)
    dash.alcaldias = ["Coyoacán", "Tlalpan"]
    dash.sort, dash.descending = "delivered_at", False  # undelivered ones last
    table = table_rows(dash)
    assert len(table) == dash.matched > 2 * dash.page_size
    assert dash.selection["tracking_id"].tolist() == table
    assert downloaded_ids(dash) == (table, table)
    assert connection.sql(dash.query).df()["tracking_id"].tolist() == table


def test_a_frame_with_a_repeated_shipment_still_counts_its_failed_attempts(
        frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    shipments, events = frames
    doubled = pd.concat([shipments.head(1000), shipments.head(10)], ignore_index=True)
    dash = cx.explore(doubled, events=events, start=date(2026, 8, 1), end=date(2026, 11, 30))
    failed = events[(events["state"] == "DELIVERY_ATTEMPTED")
                    & events["tracking_id"].isin(doubled["tracking_id"])]
    assert sum(bar["n"] for bar in dash.charts["reasons"]) == len(failed)


def test_the_repr_names_the_chips(dash: Any) -> None:
    dash.click("alcaldia", "Tlalpan")
    dash.click("lead", "120-inf")
    dash.click("reason", "Nadie en el domicilio")
    assert repr(dash).endswith("; Tlalpan; lead time ≥ 120 h; failed: Nadie en el domicilio")


def test_a_cassette_replay_opens_with_the_kpis_of_its_last_30_days() -> None:
    cassette = Path(__file__).parent.parent / "cassettes" / "04_explore.yaml"
    with cx.login(cassette=str(cassette)) as session:
        today = session.today()
        dash = cx.explore(session)
        read = session.shipments(start=today - timedelta(days=59), end=today, progress=False)
    assert (dash.start, dash.end) == ((today - timedelta(days=29)).isoformat(),
                                      today.isoformat())
    assert tile_values(dash) == expected_tiles(in_window(read, today - timedelta(days=29),
                                                         today))


def test_the_dashboard_command_serves_a_cassette_dataset_or_host_and_prints_the_address(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from cargamos_explore import cli
    from cargamos_explore.notebook.explore import app

    served: list[str] = []

    class Finished:
        def wait(self) -> int:
            return 0

    @contextlib.contextmanager
    def fake_voila(code: str, port: int = 0) -> Iterator[tuple[str, Finished]]:
        served.append(code)
        yield f"http://127.0.0.1:{port}/", Finished()

    monkeypatch.setattr(app, "voila", fake_voila)
    assert cli.main(["dashboard", "--cassette", "cassettes/04_explore.yaml",
                     "--port", "8123"]) == 0
    assert "Cargamos dashboard on http://127.0.0.1:8123/" in capsys.readouterr().out
    assert "cx.login(cassette=" in served[0] and "04_explore.yaml" in served[0]
    cli.main(["dashboard", "--dataset", "data"])
    assert f"cx.explore({str(Path('data').absolute())!r})" in served[1]
    cli.main(["dashboard", "--host", "production"])
    assert "cx.login('production')" in served[2]
    cli.main(["dashboard"])
    assert "cx.login()" in served[3]  # the local sandbox


def test_the_dashboard_command_refuses_a_port_in_use_before_printing_an_address(
        capsys: pytest.CaptureFixture[str]) -> None:
    from cargamos_explore import cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["dashboard", "--dataset", "data", "--port", str(port)]) == 1
    out, err = capsys.readouterr()
    assert "Cargamos dashboard on" not in out
    assert f"error: port: {port} is in use on 127.0.0.1" in err and "--port" in err


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie left for its parent to reap does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_the_dashboard_command_killed_stops_its_voila_server(tmp_path: Path) -> None:
    """``kill`` on the command (not Ctrl-C) still stops the server it started, which would
    otherwise go on serving on its port. Its folder has a space, brackets and a non-ASCII
    letter, written into the served cell as they are."""
    folder = tmp_path / "mis datos [ñ]?"
    command = subprocess.Popen(
        [sys.executable, "-m", "cargamos_explore.cli", "dashboard", "--dataset", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    servers: list[int] = []
    try:
        assert "Cargamos dashboard on http://127.0.0.1:" in command.stdout.readline()  # type: ignore[union-attr]
        pid = command.pid
        servers += [int(kid) for kid in
                   Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        assert servers
        command.send_signal(signal.SIGTERM)
        assert command.wait(60) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 30
        while any(alive(server) for server in servers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(server) for server in servers)
    finally:
        command.kill()
        command.wait(30)
        for server in filter(alive, servers):  # what a failure left: the server it started
            os.kill(server, signal.SIGTERM)


def page_text(outputs: list[Any]) -> str:
    """What a cell's outputs show on a page, less the widget: HTML tags dropped."""
    shown = [o.get("text", "") for o in outputs if o["output_type"] == "stream"]
    for output in outputs:
        data = output.get("data", {})
        if "application/vnd.jupyter.widget-view+json" not in data:
            shown.append(re.sub(r"<[^>]+>", "", data.get("text/html", data.get("text/plain",
                                                                                ""))))
    return html.unescape(" ".join(shown))


def test_the_sandbox_page_says_what_the_data_is_and_how_to_open_an_account(
        tmp_path: Path) -> None:
    """The page of a plain `cargamos-explore dashboard`, run as Voilà runs it: in a kernel,
    which starts the local sandbox. No cx.login() advice (there is no code to change on a
    web page) and no character a common font lacks (the page's font drew ⓘ as a box)."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    from cargamos_explore.notebook.explore import app

    page = nbformat.from_dict(app.notebook(app.dashboard_code()))
    nbclient.NotebookClient(page, timeout=300, resources={"metadata": {
        "path": str(tmp_path)}}).execute()
    outputs = page.cells[0].outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in outputs), "the dashboard is shown"
    text = page_text(outputs)
    assert "demo sandbox running on this computer" in text
    assert "cargamos-explore dashboard --host" in text
    assert "cargamos-explore dashboard --help" in text
    assert "cx.login" not in text and "cx.LoginForm" not in text
    assert all(32 <= ord(ch) < 127 or ch == "\n" for ch in text), text


def test_without_voila_the_command_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from cargamos_explore.notebook.explore import app

    monkeypatch.setattr(app.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(cx.ConfigurationError, match=r"cargamos-explore\[dashboard\]"), \
            app.voila("print(1)"):
        pass
