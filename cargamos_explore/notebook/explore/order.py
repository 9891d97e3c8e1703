"""The table's order: the one definition the table's pages, ``dash.selection``, the
downloads and ``dash.query`` all follow, in pandas and in DuckDB.

Rows are sorted by the column the person clicked, in its direction, empty values last, and
then by tracking id in the same direction, so ties (many shipments share a state or an
alcaldía) always come out in the same order and a page never repeats or skips a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

#: The table's columns, in order; also the columns it may be sorted by.
TABLE_COLUMNS: Final = ("tracking_id", "shipment_tracking_id", "state", "alcaldia",
                        "created_at", "expected_delivery_date", "delivered_at", "attempts")
#: The order a new dashboard opens with: the newest shipments first.
DEFAULT_COLUMN: Final = "created_at"
TIE_BREAK: Final = "tracking_id"


@dataclass(frozen=True)
class Order:
    """Sort by ``column`` (one of ``TABLE_COLUMNS``; any other name means the default),
    ``descending`` or not, then by tracking id."""

    column: str = DEFAULT_COLUMN
    descending: bool = True

    def __post_init__(self) -> None:
        # Never sort by (nor write into SQL) a name that is not one of the table's columns.
        if self.column not in TABLE_COLUMNS:
            object.__setattr__(self, "column", DEFAULT_COLUMN)

    @property
    def keys(self) -> list[str]:
        return [self.column] if self.column == TIE_BREAK else [self.column, TIE_BREAK]

    def sort(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame``'s rows in this order (a new frame)."""
        return frame.sort_values(self.keys, ascending=not self.descending, kind="stable",
                                 na_position="last")

    def sql(self) -> str:
        """The same order as DuckDB's ``order by`` clause."""
        way = "desc" if self.descending else "asc"
        return "order by " + ", ".join(f"{key} {way} nulls last" for key in self.keys)

    def pandas_code(self) -> str:
        """The line of ``dash.query`` that puts ``df`` in this order."""
        return (f"df = df.sort_values({self.keys!r}, ascending={not self.descending}, "
                "kind='stable', na_position='last')")
