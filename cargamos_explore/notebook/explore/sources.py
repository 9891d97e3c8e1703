"""Where the dashboard's shipments live: a frame in memory, or an exported dataset.

Both answer the same questions for a ``Filters`` value: the matching rows (for
``cx.kpis``), one sorted page of the table, failed attempts by reason, one shipment's
timeline. A frame is filtered with pandas; a dataset with DuckDB, so only the matching rows
of the KPI columns, and one page of the table, ever reach pandas.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np
import pandas as pd

from ... import contract as c
from ...analysis import anomalies
from ...analysis.kpis import REQUIRED, resolve_as_of
from ...errors import DatasetClosedError, InvalidArgumentError
from .filters import Filters, mask, months, where
from .order import TABLE_COLUMNS, Order

if TYPE_CHECKING:
    import duckdb

#: A moment as ``cx.kpis(as_of=...)`` takes it.
Moment = datetime | date | str | pd.Timestamp
#: What the tiles and charts read from a dataset: the KPIs' columns and the map's
#: coordinates (the failed-attempt reasons are counted in SQL, so no tracking id).
PANEL_COLUMNS: Final = (*REQUIRED, "lat", "lng")
TIMELINE_COLUMNS: Final = ("sequence", "state", "timestamp", "anomaly_code",
                           "anomaly_description")
#: Text columns that come back as categories from a dataset (grouped and compared often).
CATEGORIES: Final = ("state", "alcaldia")
#: Filtered frames kept per source: the current and previous periods, and a step back.
CACHED: Final = 4


class Source(Protocol):
    """What the dashboard reads; ``FrameSource`` and ``DatasetSource`` implement it."""

    kind: str
    #: Whether its answers may be read from another thread while this one computes.
    parallel: bool
    #: When its figures hold (None: the frame says, else now): the KPIs are as of then.
    as_of: pd.Timestamp | None

    def bounds(self) -> tuple[date, date]: ...
    def choices(self) -> tuple[list[str], list[str]]: ...
    def total(self) -> int: ...
    def rows(self, filters: Filters) -> pd.DataFrame: ...
    def selection(self, filters: Filters, order: Order) -> pd.DataFrame: ...
    def reasons(self, filters: Filters) -> pd.Series: ...
    def page(self, filters: Filters, order: Order, number: int,
             size: int) -> pd.DataFrame: ...
    def timeline(self, tracking_id: str) -> pd.DataFrame: ...


def moment(as_of: Moment | None) -> pd.Timestamp | None:
    """``as_of`` as ``cx.kpis`` reads it (a naive time is Mexico City's), or None."""
    return None if as_of is None else resolve_as_of(pd.DataFrame(), as_of)


def stamped(frame: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """``frame`` marked as holding at ``as_of``, so that ``cx.kpis(frame)`` is as of then."""
    if as_of is not None:
        frame.attrs["cargamos"] = {**frame.attrs.get("cargamos", {}),
                                   "fetched_at": as_of.isoformat()}
    return frame


def ordered_states(found: list[str]) -> list[str]:
    """The documented states in their lifecycle order, then any others found."""
    return [s for s in c.STATES if s in found] + sorted(set(found) - set(c.STATES))


class FrameSource:
    """Shipments (and optionally their events) already in memory."""

    kind = "frame"
    parallel = False  # pandas keeps the interpreter busy: nothing to gain, a cache to guard
    as_of: pd.Timestamp | None = None  # the frame's own fetch time (attrs), as cx.kpis reads

    def __init__(self, shipments: pd.DataFrame, events: pd.DataFrame | None = None,
                 as_of: Moment | None = None) -> None:
        self.as_of = moment(as_of)
        missing = [name for name in dict.fromkeys((*PANEL_COLUMNS, *TABLE_COLUMNS))
                   if name not in shipments.columns]
        if missing:
            raise InvalidArgumentError(
                "source: the dashboard needs a shipments frame (session.shipments(...)); "
                f"missing columns: {missing}", argument="source")
        self.shipments, self.events = shipments, events
        self.failed = anomalies.reasons(events) if events is not None else None
        # Each failed attempt's shipment, by position (-1: not in the frame), found once:
        # matching tracking ids as text on every filter change costs more than the KPIs.
        self._failed_at = np.empty(0, dtype=np.intp) if self.failed is None else \
            _positions(shipments["tracking_id"], self.failed["tracking_id"])
        self._matched: OrderedDict[Filters, tuple[np.ndarray, pd.DataFrame]] = OrderedDict()

    def bounds(self) -> tuple[date, date]:
        created = self.shipments["created_at"].dropna()
        if created.empty:
            return pd.Timestamp.now(c.TIMEZONE).date(), pd.Timestamp.now(c.TIMEZONE).date()
        return created.min().date(), created.max().date()

    def choices(self) -> tuple[list[str], list[str]]:
        states = self.shipments["state"].dropna().astype(str).unique().tolist()
        places = self.shipments["alcaldia"].dropna().astype(str).unique().tolist()
        return ordered_states(states), sorted(places)

    def total(self) -> int:
        return len(self.shipments)

    def _match(self, filters: Filters) -> tuple[np.ndarray, pd.DataFrame]:
        if filters not in self._matched:
            keep = mask(self.shipments, filters, self.failed).to_numpy()
            self._matched[filters] = keep, self.shipments[keep]
            while len(self._matched) > CACHED:
                self._matched.popitem(last=False)
        self._matched.move_to_end(filters)
        return self._matched[filters]

    def rows(self, filters: Filters) -> pd.DataFrame:
        return self._match(filters)[1]

    def selection(self, filters: Filters, order: Order) -> pd.DataFrame:
        return stamped(order.sort(self.rows(filters)), self.as_of)

    def reasons(self, filters: Filters) -> pd.Series:
        if self.failed is None:
            return pd.Series([], dtype="int64")
        keep = np.append(self._match(filters)[0], False)  # position -1 reads that False
        return anomalies.by_reason(self.failed[keep[self._failed_at]])

    def page(self, filters: Filters, order: Order, number: int,
             size: int) -> pd.DataFrame:
        ranked = order.sort(self.rows(filters))
        return ranked.iloc[number * size:(number + 1) * size].loc[:, list(TABLE_COLUMNS)]

    def timeline(self, tracking_id: str) -> pd.DataFrame:
        if self.events is None:
            return pd.DataFrame(columns=list(TIMELINE_COLUMNS))
        own = self.events[self.events["tracking_id"] == tracking_id]
        return own.sort_values("sequence").loc[:, list(TIMELINE_COLUMNS)]


def _positions(ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Where each of ``wanted`` is in ``ids`` (its first row), -1 where it is not."""
    first = pd.Index(ids).drop_duplicates()
    return np.asarray(first.get_indexer(wanted), dtype=np.intp) if first.size == ids.size \
        else np.asarray(pd.Series(np.arange(len(ids)), index=ids).groupby(level=0).first()
                        .reindex(wanted).fillna(-1), dtype=np.intp)


class DatasetSource:
    """A dataset ``Session.export`` wrote, queried through a DuckDB connection."""

    kind = "dataset"
    parallel = True

    def __init__(self, connection: duckdb.DuckDBPyConnection,
                 as_of: Moment | None = None) -> None:
        self.connection = connection
        self._cursors = threading.local()
        self.parallel = _shared(connection)
        self._zone = connection.sql("select current_setting('TimeZone')").fetchall()[0][0]
        self.as_of = _as_of(connection) if as_of is None else moment(as_of)

    def _db(self) -> duckdb.DuckDBPyConnection:
        """A cursor of the connection for each thread (the connection itself when its views
        are its own): a DuckDB connection refuses a second query while one runs, and the
        analyst may be running one on it from another thread."""
        if not self.parallel:
            return self.connection
        if not hasattr(self._cursors, "cursor"):
            cursor = self.connection.cursor()
            # A cursor starts with DuckDB's settings, not the connection's: without its time
            # zone, times would come back in UTC and days be counted in UTC.
            cursor.execute(f"set TimeZone = '{self._zone}'")
            self._cursors.cursor = cursor
        return self._cursors.cursor  # type: ignore[no-any-return]

    @contextmanager
    def _open(self) -> Iterator[None]:
        """Queries on the connection, saying what to do when it was closed meanwhile."""
        import duckdb

        try:
            yield
        except duckdb.ConnectionException as err:
            raise DatasetClosedError(
                "the dashboard's DuckDB connection was closed; open the dataset again for "
                "a new dashboard: cx.explore(cx.open_dataset(path))") from err

    def _frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """The result through Arrow (half the time of ``.df()`` at 300,000 rows), its
        repeated text as categories, as in the frames ``Session.shipments`` returns."""
        import pyarrow.compute as pc

        with self._open():
            table = self._db().sql(sql, params=params or []).to_arrow_table()
        for name in CATEGORIES:
            if name in table.column_names:
                at = table.column_names.index(name)
                table = table.set_column(at, name, pc.dictionary_encode(table[name]))
        frame: pd.DataFrame = table.to_pandas()
        return stamped(frame, self.as_of)

    def bounds(self) -> tuple[date, date]:
        with self._open():
            low, high = self._db().sql("select min(created_at)::date, max(created_at)::date "
                                       "from shipments").fetchall()[0]
        today = pd.Timestamp.now(c.TIMEZONE).date()
        return (low or today), (high or today)

    def choices(self) -> tuple[list[str], list[str]]:
        states = self._frame("select distinct state from shipments where state is not null")
        places = self._frame("select distinct alcaldia from shipments "
                             "where alcaldia is not null order by alcaldia")
        return (ordered_states(states["state"].astype(str).tolist()),
                places["alcaldia"].astype(str).tolist())

    def total(self) -> int:
        with self._open():
            return int(self._db().sql("select count(*) from shipments").fetchall()[0][0])

    def rows(self, filters: Filters) -> pd.DataFrame:
        clause, params = where(filters)
        return self._frame(f"select {', '.join(PANEL_COLUMNS)} from shipments where {clause}",
                           params)

    def selection(self, filters: Filters, order: Order) -> pd.DataFrame:
        clause, params = where(filters)
        return self._frame(f"select * exclude (month) from shipments where {clause} "
                           f"{order.sql()}", params)

    def reasons(self, filters: Filters) -> pd.Series:
        clause, params = where(filters)
        found = self._frame(
            "select coalesce(anomaly_description, anomaly_code, ?) as reason, count(*) as n "
            "from events where state = ? and month >= ? and month <= ? and tracking_id in "
            f"(select tracking_id from shipments where {clause}) "
            "group by reason order by n desc, reason",
            [anomalies.NO_REASON, anomalies.FAILED_STATE, *months(filters), *params])
        return pd.Series(found["n"].astype("int64").to_numpy(), index=found["reason"].tolist())

    def page(self, filters: Filters, order: Order, number: int,
             size: int) -> pd.DataFrame:
        clause, params = where(filters)
        return self._frame(
            f"select {', '.join(TABLE_COLUMNS)} from shipments where {clause} "
            f"{order.sql()} limit ? offset ?", [*params, size, number * size])

    def timeline(self, tracking_id: str) -> pd.DataFrame:
        return self._frame(f"select {', '.join(TIMELINE_COLUMNS)} from events "
                           "where tracking_id = ? order by sequence", [tracking_id])


def _shared(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether a cursor of ``connection`` sees its tables (``cx.open_dataset``'s views do;
    a temporary view of the caller's is the connection's own)."""
    import duckdb

    try:
        with connection.cursor() as cursor:
            cursor.sql("select 1 from shipments, events limit 0").fetchall()
    except duckdb.Error:
        return False
    return True


def _as_of(connection: duckdb.DuckDBPyConnection) -> pd.Timestamp | None:
    """When the dataset's figures hold, as ``cx.open_dataset`` recorded it (None: not
    recorded, as in a connection of the caller's own)."""
    import duckdb

    from ...export.duck import AS_OF_VARIABLE

    try:
        moment = connection.sql(f"select getvariable('{AS_OF_VARIABLE}')").fetchall()[0][0]
    except duckdb.Error:
        return None
    return None if moment is None else pd.Timestamp(moment).tz_convert(c.TIMEZONE)
