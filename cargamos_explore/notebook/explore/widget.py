"""The dashboard widget: one anywidget whose ES module draws filters, tiles, charts, the
table and a timeline, from numbers the kernel computes.

Traits carry what the person chose (browser -> kernel) and the aggregates drawn (kernel ->
browser). The table's page and a shipment's timeline travel as messages instead, so that
no shipment row is ever kept in the widget state a saved notebook holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Final, TypeVar

import anywidget
import pandas as pd
import traitlets

from ...analysis import KPIReport, kpis
from ...analysis.kpis import overall, resolve_as_of
from ...errors import InvalidArgumentError
from . import panels
from .downloads import FORMATS, file_bytes
from .filters import CHIP_KINDS, Chip, Filters
from .order import DEFAULT_COLUMN, TABLE_COLUMNS, Order
from .query import python_query, sql_query
from .sources import Source
from .table import page_records, timeline_records

HERE: Final = Path(__file__).parent
PAGE_SIZE: Final = 50
DEFAULT_DAYS: Final = 30
#: The days a range may start or end on: the day after its end and the period of equal
#: length before it must still be days pandas places in Mexico City (9999-12-31 has no next
#: day; midnight of a day in 1600 cannot be localised in pandas 2).
FIRST_DAY: Final = date(2000, 1, 1)
LAST_DAY: Final = date(2099, 12, 31)


class Explorer(anywidget.AnyWidget):
    """Shipments, KPIs and charts that follow one set of filters.

    ``selection`` is the matching shipments frame and ``query`` the code (or SQL) that
    gives it; set the filter traits (``start``, ``end``, ``states``, ``alcaldias``,
    ``search``, ``chips``) from Python or use the page.
    """

    _esm = HERE / "explore.js"
    _css = HERE / "explore.css"
    # Chosen in the page or from Python.
    start = traitlets.Unicode("").tag(sync=True)
    end = traitlets.Unicode("").tag(sync=True)
    states = traitlets.List(traitlets.Unicode()).tag(sync=True)
    alcaldias = traitlets.List(traitlets.Unicode()).tag(sync=True)
    search = traitlets.Unicode("").tag(sync=True)
    chips = traitlets.List(traitlets.Dict()).tag(sync=True)
    sort = traitlets.Unicode(DEFAULT_COLUMN).tag(sync=True)
    descending = traitlets.Bool(True).tag(sync=True)
    page = traitlets.Int(0).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    # Computed in the kernel: aggregates and counts only.
    choices = traitlets.Dict().tag(sync=True)
    tiles = traitlets.List(traitlets.Dict()).tag(sync=True)
    charts = traitlets.Dict().tag(sync=True)
    matched = traitlets.Int(0).tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    pages = traitlets.Int(1).tag(sync=True)
    #: What ``total`` counts: "in the frame", "in this dataset", or the window a session read.
    scope = traitlets.Unicode("").tag(sync=True)
    #: "N of M shipments <scope>", as the page and the repr both show it.
    count = traitlets.Unicode("").tag(sync=True)
    columns = traitlets.List(traitlets.Unicode(), list(TABLE_COLUMNS)).tag(sync=True)
    page_size = traitlets.Int(PAGE_SIZE).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    as_of = traitlets.Unicode("").tag(sync=True)  # "as of 2026-11-18 09:30 (Mexico City)"

    def __init__(self, source: Source, *, title: str, origin: str, scope: str,
                 start: date | None = None, end: date | None = None,
                 page_size: int = PAGE_SIZE) -> None:
        self.source, self.origin = source, origin
        self.page_rows = pd.DataFrame(columns=list(TABLE_COLUMNS))
        self.timeline = pd.DataFrame()
        self._ready = False  # the traits set by __init__ must not each recompute
        first, last = source.bounds()
        end = end or last
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
        states, places = source.choices()
        super().__init__(title=title, start=start.isoformat(), end=end.isoformat(),
                         page_size=page_size, total=source.total(), scope=scope,
                         choices={"states": states, "alcaldias": places,
                                  "first": first.isoformat(), "last": last.isoformat()})
        self.on_msg(self._on_message)
        self._ready = True
        self._refresh()

    # --- what the selection is --------------------------------------------------------
    @property
    def filters(self) -> Filters:
        return Filters(start=_day(self.start, "start"), end=_day(self.end, "end"),
                       states=tuple(self.states), alcaldias=tuple(self.alcaldias),
                       search=self.search.strip(),
                       chips=tuple(Chip(c["kind"], str(c["value"])) for c in self.chips))

    @property
    def order(self) -> Order:
        """The table's order (``sort``, ``descending``): ``selection`` follows it too."""
        return Order(self.sort, self.descending)

    @property
    def selection(self) -> pd.DataFrame:
        """The shipments matching the filters, every column: the table's rows, in the
        table's order (all its pages)."""
        return self.source.selection(self.filters, self.order)

    @property
    def query(self) -> str:
        """``session.search(...)`` and pandas (or SQL for a dataset) giving ``selection``,
        in the table's order."""
        if self.origin == "dataset":
            return sql_query(self.filters, self.order)
        return python_query(self.filters, self.origin, self.order)

    def click(self, kind: str, value: str) -> None:
        """What a click on a chart does: add a chip (week, alcaldia, reason or lead)."""
        chip = {"kind": kind, "value": str(value)}
        if chip not in self.chips:
            self.chips = [*self.chips, chip]

    def clear(self, kind: str | None = None) -> None:
        """Remove the chips of ``kind``, or every chip."""
        self.chips = [chip for chip in self.chips if kind is not None and chip["kind"] != kind]

    def download(self, kind: str = "csv") -> bytes:
        """The selection as a CSV or Excel ("xlsx") file's bytes: the table's rows, in its
        order."""
        return file_bytes(self.selection, kind)

    # --- keeping the panels current -------------------------------------------------------
    @traitlets.validate("start", "end")
    def _check_day(self, proposal: dict[str, Any]) -> str:
        # Refused before it is stored: a bad day kept in the trait would break every later
        # change of the dashboard, not only this one.
        name = proposal["trait"].name
        _day(proposal["value"], name)
        return str(proposal["value"])

    @traitlets.validate("chips")
    def _check_chips(self, proposal: dict[str, Any]) -> list[dict[str, Any]]:
        for chip in proposal["value"]:
            if chip.get("kind") not in CHIP_KINDS or "value" not in chip:
                raise InvalidArgumentError(
                    f"chips: each chip is {{'kind': one of {list(CHIP_KINDS)}, 'value': ...}}"
                    f"; got {chip!r}", argument="chips")
            _check_chip_value(Chip(chip["kind"], str(chip["value"])))
        return list(proposal["value"])

    @traitlets.observe("start", "end", "states", "alcaldias", "search", "chips")
    def _on_filters(self, _change: dict[str, Any]) -> None:
        if self._ready:
            self._refresh()

    @traitlets.observe("sort", "descending", "page")
    def _on_order(self, _change: dict[str, Any]) -> None:
        if self._ready:
            self._send_page()

    @traitlets.observe("selected")
    def _on_selected(self, _change: dict[str, Any]) -> None:
        if self._ready:
            self._send_timeline()

    def _refresh(self) -> None:
        report, previous, reasons, first = self._panels(self.filters)
        with self.hold_sync():
            self.as_of = report.as_of_text
            self.tiles = panels.tiles(report.overall, previous)
            self.charts = panels.charts(report, reasons)
            self.matched = len(report.shipments)
            self.count = f"{self.matched:,} of {self.total:,} shipments {self.scope}"
            self.pages = max(1, -(-self.matched // self.page_size))
            with self._quietly():  # back to the first page, already read: no second read
                self.page = 0
        self._show_page(first)

    def _panels(self, filters: Filters) -> tuple[KPIReport, pd.DataFrame, pd.Series,
                                                  pd.DataFrame]:
        """The KPIs of the selection, the overall row of the period before, the failed
        attempts by reason and the table's first page."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            # A dataset answers these in DuckDB (its own threads) while pandas counts the
            # current period's KPIs; a frame in memory answers them at once, in order.
            later = partial(_later, pool if self.source.parallel else None)
            before = later(self.source.rows, filters.previous())
            reasons = later(self.source.reasons, filters)
            first = later(self.source.page, filters, self.order, 0, self.page_size)
            rows = self.source.rows(filters)
            report = kpis(rows, as_of=resolve_as_of(rows, self.source.as_of))
            # The previous period shows in the tiles' changes only: its overall row suffices.
            return report, overall(before(), as_of=report.as_of), reasons(), first()

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Trait changes that recompute nothing (their result is already at hand)."""
        self._ready = False
        try:
            yield
        finally:
            self._ready = True

    def _send_page(self) -> None:
        self._show_page(self.source.page(self.filters, self.order, self.page, self.page_size))

    def _show_page(self, rows: pd.DataFrame) -> None:
        self.page_rows = rows
        self.send({"type": "rows", "page": self.page, "rows": page_records(rows)})

    def _send_timeline(self) -> None:
        self.timeline = self.source.timeline(self.selected) if self.selected else \
            pd.DataFrame()
        self.send({"type": "timeline", "tracking_id": self.selected,
                   "events": timeline_records(self.timeline)})

    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("type") == "ready":
            self._send_page()
            if self.selected:
                self._send_timeline()
        elif content.get("type") == "download" and content.get("format") in FORMATS:
            kind = content["format"]
            name = f"shipments-{self.start}-to-{self.end}.{kind}"
            self.send({"type": "file", "name": name, "mime": FORMATS[kind]},
                      [self.download(kind)])

    def __repr__(self) -> str:
        chips = "".join(f"; {chip.label}" for chip in self.filters.chips)
        return (f"Cargamos dashboard ({self.title}): {self.count}; showing {self.start} to "
                f"{self.end}{chips}")


T = TypeVar("T")


def _later(pool: ThreadPoolExecutor | None, work: Callable[..., T], *args: Any
           ) -> Callable[[], T]:
    """``work(*args)`` started in ``pool`` (its result when called), or done now."""
    if pool is None:
        result = work(*args)
        return lambda: result
    return pool.submit(work, *args).result


def _check_chip_value(chip: Chip) -> None:
    """A week's Monday or a lead-time bin that reads, or a clear error before it is kept
    (kept, it would break every later change of the dashboard)."""
    try:
        if chip.kind == "week":
            date.fromisoformat(chip.value)
        elif chip.kind == "lead":
            chip.bounds()
    except ValueError as err:
        raise InvalidArgumentError(
            "chips: a week chip's value is its Monday as YYYY-MM-DD, a lead chip's its hours "
            f"as 'low-high' such as '12-24' or '120-inf'; got {chip.value!r}",
            argument="chips") from err


def _day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError as err:
        raise _bad_day(text, name) from err
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _bad_day(text, name)
    return day


def _bad_day(text: str, name: str) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"{name}: a date as YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}, such as "
        f"'2026-11-01'; got {text!r}", argument=name)

