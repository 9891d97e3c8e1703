"""``cx.explore(source)``: an interactive delivery dashboard in one widget.

- ``filters``: the selection as a frozen value, applied in pandas or written as SQL;
- ``sources``: a frame in memory or an exported dataset (DuckDB), answering for a selection;
- ``panels``: the tiles (from ``cx.kpis`` through one table) and the charts' aggregates;
- ``order``: the table's order, which its pages, the selection and the downloads follow;
- ``table``: a page of rows and a timeline as text; ``downloads``: CSV and Excel;
- ``query``: the selection as code; ``widget``: the anywidget and its ES module.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from ...arguments import got
from ...errors import InvalidArgumentTypeError
from .sources import DatasetSource, FrameSource, Moment
from .widget import PAGE_SIZE, Explorer

if TYPE_CHECKING:
    from ...session import Session

__all__ = ["Explorer", "explore"]


def explore(source: Session | pd.DataFrame | str | os.PathLike[str] | Any, *,
            events: pd.DataFrame | None = None, start: date | None = None,
            end: date | None = None, page_size: int = PAGE_SIZE,
            as_of: Moment | None = None) -> Explorer:
    """A dashboard over ``source``: a ``Session`` (live or replaying a cassette), a
    shipments frame (with its ``events`` for the failed-attempt chart and timelines), or
    an exported dataset (its path, or ``cx.open_dataset(path)``).

    The date range starts at ``start``..``end`` (default: the source's last 30 days). A
    session reads that window and the period of equal length before it, for the tiles'
    changes. The KPIs are as of ``as_of``, as ``cx.kpis`` takes it; by default, when the
    data was read (a frame's provenance, a dataset's fetches), else now.
    """
    from ...session import Session

    if isinstance(source, Session):
        return _from_session(source, start, end, page_size, as_of)
    if isinstance(source, pd.DataFrame):
        return Explorer(FrameSource(source, events, as_of), title=f"{len(source):,} shipments",
                        origin="frame", scope="in the frame", start=start, end=end,
                        page_size=page_size)
    if isinstance(source, str | os.PathLike):
        from ...export.duck import open_dataset

        return Explorer(DatasetSource(open_dataset(source), as_of), title=f"dataset {source}",
                        origin="dataset", scope="in this dataset", start=start, end=end,
                        page_size=page_size)
    import duckdb  # loaded only now: a frame or a session never needs it

    if isinstance(source, duckdb.DuckDBPyConnection):
        return Explorer(DatasetSource(source, as_of), title="dataset", origin="dataset",
                        scope="in this dataset", start=start, end=end, page_size=page_size)
    raise InvalidArgumentTypeError(
        "source: a Session, a shipments DataFrame, an exported dataset's path or "
        f"cx.open_dataset(path); {got(source)}", argument="source")


def _from_session(session: Session, start: date | None, end: date | None,
                  page_size: int, as_of: Moment | None) -> Explorer:
    end = end or session.today()
    start = start or end - timedelta(days=29)
    first = start - (end - start) - timedelta(days=1)  # the previous period too
    search = session.search(start=first, end=end, progress=False)
    frames = FrameSource(search.frame(), search.events(), as_of)
    # The session holds only the days it read: its total counts those, not the account.
    return Explorer(frames, title=f"{session.username} at {session.host}", origin="session",
                    scope=f"read from the account for {first} to {end}", start=start,
                    end=end, page_size=page_size)
