"""Where the dashboard reads from: a dataset's queries run beside the KPIs' pandas work,
and a connection whose views are its own is still read, in one thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import cargamos_explore as cx

from .test_explore import dataset  # noqa: F401  (the fixture: an exported dataset)


def own_views(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection of the analyst's with temporary views: no other connection sees them."""
    connection = duckdb.connect()
    for name in ("shipments", "events"):
        connection.sql(f"create temp view {name} as select * from read_parquet("
                       f"'{path / name}/**/*.parquet', hive_partitioning = true)")
    return connection


def test_a_connection_whose_views_are_its_own_gives_the_same_dashboard(
        dataset: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:  # noqa: F811
    path = dataset[0]
    shared, own = cx.explore(cx.open_dataset(path)), cx.explore(own_views(path))
    for dash in (shared, own):
        dash.states = ["DELIVERED", "MISHAP", "DELIVERY_ATTEMPTED"]
        dash.sort = "alcaldia"
    assert own.matched == shared.matched > 0
    assert own.charts == shared.charts
    assert [t["value"] for t in own.tiles] == pytest.approx([t["value"] for t in shared.tiles])
    assert own.page_rows["tracking_id"].tolist() == shared.page_rows["tracking_id"].tolist()
