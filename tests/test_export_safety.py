"""Exports under hostile or careless use: two at once, planted links, odd folder names, a
kill mid-refresh, bad arguments. Nothing is corrupted, and every failure is a CargamosError.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

import cargamos_explore as cx
from cargamos_explore.cli import main
from cargamos_explore.export import storage as storage_module
from cargamos_explore.export.storage import Storage
from cargamos_explore.export.writer import TableFile
from cargamos_explore.sandbox import Sandbox, serve

from .conftest import ANCHOR, JOHN, open_session, user_stats

WINDOW = {"start": "2026-08-01", "end": "2026-11-30"}
QUIET = {"progress": False, "concurrency": 1}


@pytest.fixture
def shop() -> Iterator[str]:
    with serve(Sandbox(size=600, seed=3, anchor=ANCHOR)) as url:
        yield url


def counts(path: Path | str) -> tuple[int, int, int]:
    """Shipments, events, and events whose shipment is missing, as open_dataset shows them."""
    connection = cx.open_dataset(path)
    orphans = "select count(*) from events anti join shipments using (tracking_id, month)"
    found = [connection.sql(q).fetchall()[0][0] for q in (
        "select count(*) from shipments", "select count(*) from events", orphans)]
    return found[0], found[1], found[2]


def clean_counts(url: str, path: Path) -> tuple[int, int, int]:
    with open_session(url) as session:
        report = session.export(path, **WINDOW, **QUIET)
    assert counts(path) == (report.shipments, report.events, 0)
    return counts(path)


def test_a_second_export_into_the_same_folder_fails_at_once(shop: str, tmp_path: Path) -> None:
    expected = clean_counts(shop, tmp_path / "clean")
    folder, refused = tmp_path / "shared", []

    def second_export(token: object) -> None:
        # Runs inside the first export, at its first request (its login): both at once.
        with open_session(shop) as other:
            try:
                other.export(folder, **WINDOW, **QUIET)
            except cx.ExportLockedError as err:
                refused.append(str(err))

    with open_session(shop) as first:
        first.transport.add_token_listener(second_export)
        report = first.export(folder, **WINDOW, **QUIET)
    assert len(refused) == 1 and "another export is writing to" in refused[0]
    assert counts(folder) == expected and (report.shipments, report.events) == expected[:2]


def test_a_killed_export_does_not_leave_its_lock_behind(shop: str, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom cargamos_explore.export.storage import Storage\n"
         "with Storage(sys.argv[1]).lock():\n    print('locked', flush=True)\n    "
         "sys.stdin.read()", str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    with open_session(shop) as session, pytest.raises(cx.ExportLockedError):
        session.export(tmp_path, **WINDOW, **QUIET)
    holder.kill()  # SIGKILL: no cleanup runs
    holder.wait()
    with open_session(shop) as session:
        assert session.export(tmp_path, **WINDOW, **QUIET).shipments > 0


def test_planted_links_at_temporary_names_are_never_followed(shop: str, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    folder = tmp_path / "dataset"
    # Every name a fixed-name writer would use for its temporary files, as links.
    for month in ("2026-08", "2026-09", "2026-10", "2026-11"):
        for table in ("shipments", "events"):
            partial = folder / table / f"month={month}" / ".part-0.parquet.partial"
            partial.parent.mkdir(parents=True)
            partial.symlink_to(victim)
    (folder / "._manifest.json.partial").symlink_to(victim)
    expected = clean_counts(shop, tmp_path / "clean")
    with open_session(shop) as session:
        session.export(folder, **WINDOW, **QUIET)
    assert victim.read_text() == "precious" and counts(folder) == expected


@pytest.mark.parametrize("linked", ["shipments/month=2026-10", "events"])
def test_a_linked_folder_in_a_dataset_is_refused(shop: str, tmp_path: Path,
                                                 linked: str) -> None:
    elsewhere = tmp_path / "other" / "keep"
    elsewhere.mkdir(parents=True)
    (elsewhere / "report.parquet").write_text("precious")
    folder = tmp_path / "dataset"
    (folder / linked).parent.mkdir(parents=True, exist_ok=True)
    (folder / linked).symlink_to(elsewhere)
    with open_session(shop) as session, \
            pytest.raises(cx.ExportError, match=f"{folder / linked} is a link"):
        session.export(folder, **WINDOW, **QUIET)
    assert [p.name for p in elsewhere.iterdir()] == ["report.parquet"]
    assert (elsewhere / "report.parquet").read_text() == "precious"


def test_a_month_folder_replaced_by_a_link_is_refused(shop: str, tmp_path: Path) -> None:
    clean_counts(shop, tmp_path)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-other"
    elsewhere.mkdir()
    (elsewhere / "report.parquet").write_text("precious")
    month = tmp_path / "shipments" / "month=2026-11"
    shutil.rmtree(month)
    month.symlink_to(elsewhere)
    with open_session(shop) as session, pytest.raises(cx.ExportError, match="month=2026-11"):
        session.export(tmp_path, **WINDOW, **QUIET, refresh_after=timedelta(0))
    assert [p.name for p in elsewhere.iterdir()] == ["report.parquet"]


def test_a_temporary_file_is_created_exclusively(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "link").symlink_to(victim)
    storage = Storage(tmp_path)
    with pytest.raises(cx.ExportError, match="cannot write"):
        storage.create(storage.path("link"))
    assert victim.read_text() == "precious"
    assert storage_module.hidden("/d/a.parquet") != storage_module.hidden("/d/a.parquet")


@pytest.mark.parametrize("name", ["data?2026", "Exports [Q1]", "a*b"])
def test_open_dataset_takes_the_path_literally(shop: str, tmp_path: Path, name: str) -> None:
    expected = clean_counts(shop, tmp_path / "data-2026")
    for sibling in ("data-2026", "data_2026", "aXb"):
        if not (tmp_path / sibling).exists():
            shutil.copytree(tmp_path / "data-2026", tmp_path / sibling)
    shutil.copytree(tmp_path / "data-2026", tmp_path / name)
    assert counts(tmp_path / name) == expected


def test_a_refresh_killed_between_its_moves_leaves_the_committed_month(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "dataset"
    with serve(Sandbox(size=600, seed=3, anchor=ANCHOR)) as old_url:
        expected = clean_counts(old_url, folder)
    moves: list[str] = []
    real_move = Storage.move

    def killed_after_one(self: Storage, source: str, target: str) -> None:
        if moves:
            raise KeyboardInterrupt  # the kill, between the month's two moves
        moves.append(target)
        real_move(self, source, target)

    # The refresh reads other data (another seed): a half-refreshed month would show.
    with serve(Sandbox(size=400, seed=9, anchor=ANCHOR)) as new_url, \
            open_session(new_url) as session:
        monkeypatch.setattr(Storage, "move", killed_after_one)
        with pytest.raises(KeyboardInterrupt):
            session.export(folder, **WINDOW, **QUIET, refresh_after=timedelta(0))
        assert len(moves) == 1 and counts(folder) == expected
        monkeypatch.setattr(Storage, "move", real_move)
        session.export(folder, **WINDOW, **QUIET, refresh_after=timedelta(0))
        refreshed = clean_counts(new_url, tmp_path / "clean-new")
    assert counts(folder) == refreshed
    leftovers = [p for p in folder.rglob("*") if p.is_file() and "month=" in str(p)]
    assert len(leftovers) == 2 * 4  # one file per table and month, the stale ones deleted


def test_a_file_that_does_not_read_back_is_never_committed(
        shop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked = TableFile._check

    def damaged(self: TableFile) -> None:
        Path(self._temporary).write_bytes(b"PAR1 cut short")  # what a second writer left
        checked(self)

    monkeypatch.setattr(TableFile, "_check", damaged)
    with open_session(shop) as session, \
            pytest.raises(cx.PartialResultError, match="did not read back whole"):
        session.export(tmp_path, **WINDOW, **QUIET)
    assert not (tmp_path / "_manifest.json").exists()
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".partial")]


def test_a_file_written_by_an_older_version_still_reads(shop: str, tmp_path: Path) -> None:
    """Format 1 named no files: each month was ``part-0.parquet``."""
    expected = clean_counts(shop, tmp_path)
    body = json.loads((tmp_path / "_manifest.json").read_text())
    for month, part in body["partitions"].items():
        for table, relative in part.pop("files").items():
            (tmp_path / relative).rename(tmp_path / table / f"month={month}" / "part-0.parquet")
    body["format"] = 1
    (tmp_path / "_manifest.json").write_text(json.dumps(body))
    assert counts(tmp_path) == expected


def test_an_export_window_stops_at_the_current_month(shop: str, tmp_path: Path) -> None:
    with open_session(shop) as session:
        requests.post(shop + "/_sandbox/stats/reset", timeout=5)
        report = session.export(tmp_path, "2000-01-01", "2100-01-01", **QUIET)
    assert report.fetched == ("2026-08", "2026-09", "2026-10", "2026-11")
    partitions = json.loads((tmp_path / "_manifest.json").read_text())["partitions"]
    pages = sum(math.ceil(p["shipments"] / 500) or 1 for p in partitions.values())
    assert user_stats(shop, JOHN)["requests"] == 2 + pages  # two probes, then the pages


# --- errors, not tracebacks ---------------------------------------------------------------
def test_exporting_to_a_file_says_so(shop: str, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("mine")
    with open_session(shop) as session:
        with pytest.raises(cx.ExportError, match="is a file, not a folder"):
            session.export(path, **WINDOW, **QUIET)
        with pytest.raises(cx.ExportError, match="cannot write to"):
            session.export(path / "inside", **WINDOW, **QUIET)
    assert path.read_text() == "mine"


@pytest.mark.parametrize("fetched_at", ["2026-11-02T10:00:00", "yesterday", 7])
def test_a_manifest_with_a_bad_fetch_time_is_refused(shop: str, tmp_path: Path,
                                                      fetched_at: object) -> None:
    clean_counts(shop, tmp_path)
    body = json.loads((tmp_path / "_manifest.json").read_text())
    body["partitions"]["2026-11"]["fetched_at"] = fetched_at
    (tmp_path / "_manifest.json").write_text(json.dumps(body))
    with open_session(shop) as session, pytest.raises(cx.ExportError, match="delete the data"):
        session.export(tmp_path, **WINDOW, **QUIET)


@pytest.mark.parametrize("damage", ["undecodable", "a folder"])
def test_a_damaged_manifest_is_refused(shop: str, tmp_path: Path, damage: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "_manifest.json"
    if damage == "a folder":
        manifest.mkdir()
    else:
        manifest.write_bytes(b"\xff\xfejunk")
    with pytest.raises(cx.ExportError, match="delete the dataset"):
        cx.open_dataset(tmp_path)
    with open_session(shop) as session, pytest.raises(cx.ExportError, match="delete the data"):
        session.export(tmp_path, **WINDOW, **QUIET)
    assert main(["export", str(tmp_path), "--start", "2026-09-01", "--size", "20"]) == 1
    err = capsys.readouterr().err
    assert "is not a manifest" in err and "Traceback" not in err


def test_a_part_file_deleted_by_hand_is_fetched_again(shop: str, tmp_path: Path) -> None:
    expected = clean_counts(shop, tmp_path)
    body = json.loads((tmp_path / "_manifest.json").read_text())
    missing = tmp_path / body["partitions"]["2026-10"]["files"]["events"]
    missing.unlink()
    with pytest.raises(cx.ExportError, match="run the export again") as refused:
        cx.open_dataset(tmp_path)
    assert str(missing) in str(refused.value)
    with open_session(shop) as session:
        report = session.export(tmp_path, **WINDOW, **QUIET)
    assert "2026-10" in report.fetched and "2026-10" not in report.kept
    assert counts(tmp_path) == expected


def test_a_manifest_partition_under_another_month_is_refused(shop: str, tmp_path: Path) -> None:
    clean_counts(shop, tmp_path)
    body = json.loads((tmp_path / "_manifest.json").read_text())
    body["partitions"]["2026-12"] = body["partitions"].pop("2026-11")
    (tmp_path / "_manifest.json").write_text(json.dumps(body))
    with pytest.raises(cx.ExportError, match="2026-12"):
        cx.open_dataset(tmp_path)
    with open_session(shop) as session, pytest.raises(cx.ExportError, match="2026-12"):
        session.export(tmp_path, **WINDOW, **QUIET)


@pytest.mark.parametrize(("option", "value"), [("--size", "-5"), ("--size", "2000000"),
                                               ("--refresh-after", "nan"),
                                               ("--refresh-after", "-1"),
                                               ("--refresh-after", "1e13"),
                                               ("--refresh-after", "1e20")])
def test_export_options_are_checked_by_the_parser(tmp_path: Path, option: str, value: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["export", str(tmp_path), "--start", "2026-11-01", f"{option}={value}"])
    assert exited.value.code == 2
    assert f"argument {option}: {value!r} is not" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("arguments", [
    "demo --days 99999999999", "demo --days -1", "demo --size 0",
    "sandbox --port 70000", "sandbox --seed -1", "sandbox --token-lifetime nan",
    "sandbox --token-lifetime 0", "sandbox --latency 1e20", "sandbox --unavailable 1.5",
    "sandbox --rate-limited inf", "sandbox --retry-after 100000", "sandbox --dropped -0.1",
    "sandbox --html nan", "sandbox --drop-after -1", "dashboard --port -1"])
def test_every_numeric_option_is_checked_by_the_parser(
        arguments: str, capsys: pytest.CaptureFixture[str]) -> None:
    *command, option, value = arguments.split()
    with pytest.raises(SystemExit) as exited:
        main([*command, f"{option}={value}"])
    assert exited.value.code == 2
    assert f"argument {option}: {value!r} is not" in capsys.readouterr().err


def test_fault_shares_adding_up_past_one_are_an_error() -> None:
    with pytest.raises(SystemExit, match="fault rates must add up to at most 1"):
        main(["sandbox", "--unavailable=0.6", "--dropped=0.6"])


@pytest.mark.parametrize("day", ["0001-01-01", "3000-01-01", "2026-13-01"])
def test_a_recording_day_a_cassette_cannot_hold_is_a_usage_error(
        tmp_path: Path, day: str, capsys: pytest.CaptureFixture[str]) -> None:
    notebook = tmp_path / "some.ipynb"
    notebook.write_text("{}")
    with pytest.raises(SystemExit) as exited:
        main(["record", str(notebook), f"--anchor={day}"])
    assert exited.value.code == 2
    assert f"argument --anchor: {day!r} is not a day" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["record", "run-notebooks"])
def test_a_missing_notebook_is_a_usage_error(tmp_path: Path, command: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, str(tmp_path / "missing.ipynb")])
    assert exited.value.code == 2 and "no notebook at" in capsys.readouterr().err


def test_a_notebook_whose_kernel_dies_is_an_error(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    nbformat = pytest.importorskip("nbformat")
    notebook = tmp_path / "dies.ipynb"
    document = nbformat.v4.new_notebook()
    document.cells = [nbformat.v4.new_code_cell("import os\nos._exit(1)")]
    nbformat.write(document, notebook)
    code = main(["record", str(notebook), "--cassette", str(tmp_path / "dies.yaml"),
                 "--size", "20"])
    err = capsys.readouterr().err
    assert code == 1 and "the kernel running" in err and "died" in err
    assert "Traceback" not in err and not (tmp_path / "dies.yaml").exists()
