"""Shipments and their events, streamed month by month into a Parquet dataset.

Each month is one partition of each table, read by its own ``ShipmentSearch`` and written
page by page, so memory stays bounded whatever the window. A month is complete once both
files are in place and the manifest names them; an interrupted export (Ctrl-C, a dropped
connection, a kill) leaves complete months alone, and the same export run again fetches
only the others. A later run also refreshes the months that can still change: those
holding shipments not yet in a final state, or that ended in the last ``settle_days``. A
refresh writes new files and commits them in the manifest before deleting the old ones,
so readers see a month's old files or its new ones, never a mix. Months after the current
one cannot hold shipments yet and are never asked for.
"""

from __future__ import annotations

import os
import posixpath
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .. import arguments
from .. import contract as c
from ..decoding import records_page
from ..decoding.tables import EVENTS_SCHEMA, SHIPMENTS_SCHEMA, tables_page
from ..errors import CargamosError, ExportError, PartialResultError
from ..queries import ShipmentSearch
from ..queries.paging import progress_bar
from ..queries.search import MAX_CONCURRENCY
from ..queries.window import When, list_params
from ..transport import Transport
from . import manifest as manifests
from .manifest import Manifest, Partition
from .months import Month, months
from .storage import Storage
from .writer import TABLES, TableFile, month_folder, partition_file


@dataclass(frozen=True)
class ExportReport:
    """What one export did: the months fetched and kept, and the rows written."""

    path: str
    fetched: tuple[str, ...]
    kept: tuple[str, ...]
    shipments: int
    events: int
    seconds: float

    def __str__(self) -> str:
        return (f"{self.shipments:,} shipments and {self.events:,} events written to "
                f"{self.path} in {self.seconds:.1f} s; months fetched: {_span(self.fetched)}; "
                f"kept: {_span(self.kept)}")


def _span(keys: tuple[str, ...]) -> str:
    if len(keys) < 3:
        return ", ".join(keys) or "none"
    return f"{keys[0]} to {keys[-1]} ({len(keys)})"


@dataclass(frozen=True)
class Export:
    """Shipments created between ``start`` and ``end`` (as in every list read), only
    ``states`` when given, exported to ``path`` (a folder or a URI such as ``s3://...``;
    ``endpoint_url`` points ``s3://`` at an S3-compatible store).

    A non-final month fetched less than ``refresh_after`` ago is kept (a rerun after an
    interruption resumes); a month that ended more than ``settle_days`` ago and whose
    shipments are all in ``final_states`` is final and never fetched again. While it runs
    the export holds the folder's lock: a second export into it raises ExportLockedError.
    """

    transport: Transport = field(repr=False, compare=False)
    path: str | os.PathLike[str] = "."
    start: When = None
    end: When = None
    states: Any = None
    progress: bool | None = None
    concurrency: int = 4
    refresh_after: timedelta = timedelta(hours=1)
    settle_days: int = 7
    final_states: tuple[str, ...] = c.FINAL_STATES
    endpoint_url: str | None = None

    def __post_init__(self) -> None:
        arguments.count("concurrency", self.concurrency, most=MAX_CONCURRENCY,
                        meaning="how many pages are read at once")
        list_params(self.start, self.end, self.states)  # every argument checked up front

    @property
    def state_filter(self) -> str | None:
        return list_params(self.start, self.end, self.states).get(c.LIST_PARAMS["state"])

    def run(self) -> ExportReport:
        """Fetch every month that is missing or may have changed; see the class."""
        started, storage = time.perf_counter(), Storage(self.path, self.endpoint_url)
        with storage.lock():
            manifest = self._manifest(storage)
            today = self.transport.today()  # a replay's day is its recording's
            plan = [m for m in months(self.start, self.end, today=today)
                    if m.start.date() <= today]  # months that cannot hold data yet are skipped
            _refuse_links(storage, plan)  # before anything is fetched
            now = datetime.fromtimestamp(self.transport.clock(), c.MEXICO_CITY)  # a replay's too
            stale = [m for m in plan
                     if not self._keeps(storage, manifest.partitions.get(m.key), m, now)]
            kept = tuple(m.key for m in plan if m not in stale)
            done = self._fetch(storage, manifest, self._with_shipments(stale))
        return ExportReport(storage.uri, tuple(p.month for p in done), kept,
                            sum(p.shipments for p in done), sum(p.events for p in done),
                            time.perf_counter() - started)

    def _manifest(self, storage: Storage) -> Manifest:
        found = manifests.load(storage)
        if found.partitions and found.states != self.state_filter:
            raise ExportError(
                f"{storage.uri} holds an export of states {found.states or 'all'}, not "
                f"{self.state_filter or 'all'}: mixing them would give wrong totals; export "
                "to another folder")
        # The session's day, not the wall clock's: a replay asks for the recorded window.
        window = list_params(self.start, self.end, self.states, today=self.transport.today())
        return Manifest(window[c.LIST_PARAMS["start"]], window[c.LIST_PARAMS["end"]],
                        self.state_filter, found.partitions)

    def _with_shipments(self, todo: list[Month]) -> list[Month]:
        """The months from that of the first shipment to that of the last: two one-row
        pages (the first, and the one numbered by the first's ``total``) spare the empty
        months a window like 2000 to 2100 asks for (a request and two files each)."""
        if len(todo) < 2:
            return todo
        search = ShipmentSearch(self.transport, todo[0].start, todo[-1].end, self.states)
        page = search.fetch(1, records_page, limit=1)
        if not page.rows:
            return []
        tail = search.fetch(page.total, records_page, limit=1).rows if page.total > 1 \
            else page.rows
        first, last = _month_of(page.rows[0]), _month_of(tail[-1]) if tail else None
        return [m for m in todo if (first or m.key) <= m.key <= (last or m.key)]

    def _keeps(self, storage: Storage, recorded: Partition | None, month: Month,
               now: datetime) -> bool:
        if recorded is None or (recorded.start, recorded.end) != month.window:
            return False
        if not all(storage.exists(storage.path(recorded.file(t))) for t in TABLES):
            return False  # a file deleted by hand: only a new fetch repairs the month
        return recorded.final or now - recorded.fetched < self.refresh_after

    def _fetch(self, storage: Storage, manifest: Manifest, todo: list[Month]
               ) -> list[Partition]:
        done: list[Partition] = []
        with progress_bar(todo, self.progress, desc="export", unit="rows", total=0) as bar:
            for month in todo:
                try:
                    done.append(self._month(storage, month, bar))
                except CargamosError as err:
                    raise self._stopped(month, done, err) from err
                manifest = manifest.with_partition(done[-1])
                manifests.save(storage, manifest)  # the commit: readers now follow it
                _prune(storage, done[-1])
        return done

    def _stopped(self, month: Month, done: list[Partition], err: Exception
                 ) -> PartialResultError:
        return PartialResultError(
            f"the export stopped in month {month.key} ({len(done)} months written by this "
            f"run are complete): {err}. Run the same export again: complete months are not "
            "fetched again.", rows_fetched=sum(p.shipments for p in done))

    def _month(self, storage: Storage, month: Month, bar: Any) -> Partition:
        search = ShipmentSearch(self.transport, month.start, month.end, self.states,
                                progress=False, concurrency=self.concurrency)
        names = [partition_file(table, month.key) for table in TABLES]
        for table in TABLES:  # checked again: a link may have been planted since the start
            storage.folder(month_folder(table, month.key))
        files = [TableFile(storage, storage.path(name), schema)
                 for name, schema in zip(names, (SHIPMENTS_SCHEMA, EVENTS_SCHEMA), strict=True)]
        try:
            final = self._write_pages(search, files, bar, month)
            for file in files:  # new names: no reader follows them before the manifest does
                file.commit()
        except BaseException:
            for file in files:  # a file already moved is deleted by the month's next commit
                file.abort()
            raise
        fetched_at = datetime.now(c.MEXICO_CITY)
        settled = fetched_at - month.end > timedelta(days=self.settle_days)
        return Partition(month.key, *month.window, files[0].rows, files[1].rows,
                         fetched_at.isoformat(timespec="seconds"), final and settled,
                         dict(zip(TABLES, names, strict=True)))

    def _write_pages(self, search: ShipmentSearch, files: list[TableFile], bar: Any,
                     month: Month) -> bool:
        """Write every page; True when every shipment is in a final state."""
        final = True
        bar.set_postfix_str(month.key)
        for number, page in enumerate(search.pages(tables_page), start=1):
            if number == 1:
                bar.total += page.total
                bar.refresh()
            files[0].add(page.rows.shipments)
            files[1].add(page.rows.events)
            final = final and _all_final(page.rows.shipments, self.final_states)
            bar.update(page.count)
        return final


def _month_of(row: object) -> str | None:
    """The month a shipment was created in, or None when its date cannot be read."""
    created = row.get("createdAt") if isinstance(row, dict) else None
    try:
        return datetime.fromisoformat(str(created)).astimezone(c.MEXICO_CITY).strftime("%Y-%m")
    except ValueError:
        return None  # a date we cannot read: that end of the window is not trimmed


def _prune(storage: Storage, partition: Partition) -> None:
    """Delete the month's files the manifest no longer names: those it replaced, and any
    left by a run killed before its commit (the lock says no other export writes here)."""
    keep = {storage.path(partition.file(table)) for table in TABLES}
    for table in TABLES:
        folder = storage.folder(month_folder(table, partition.month))
        for path in storage.files(folder):
            if path not in keep and posixpath.basename(path).endswith((".parquet", ".partial")):
                storage.delete(path)


def _refuse_links(storage: Storage, plan: list[Month]) -> None:
    """Raise ExportError if a folder the export may write or prune in is a link."""
    for month in plan:
        for table in TABLES:
            storage.folder(month_folder(table, month.key))


def _all_final(shipments: pa.Table, final_states: tuple[str, ...]) -> bool:
    states = pc.cast(shipments.column("state"), pa.string())
    found = pc.is_in(states, value_set=pa.array(final_states, pa.string()))  # null: False
    return pc.all(found).as_py() is not False  # an empty page holds nothing unsettled
