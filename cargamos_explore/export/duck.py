"""A dataset written by ``export``, queried with DuckDB (embedded, no server).

DuckDB reads a local folder's Parquet files itself. Object storage (``s3://...``) is read
through pyarrow's filesystem and datasets, which DuckDB scans (filters and the columns a
query needs are pushed down): DuckDB's own httpfs extension would be downloaded at run
time, which a locked-down machine cannot do. Either way the views read the files the
manifest names, never a listing of the folder: a month being refreshed shows its
committed files until the new ones are committed, a file a killed export left behind is
never read, and the dataset's path is a literal path, whatever characters it holds.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from .. import contract as c
from ..errors import ExportError
from . import manifest as manifests
from .manifest import Partition
from .storage import Storage
from .writer import TABLES

if TYPE_CHECKING:
    import duckdb

#: The DuckDB variable holding when the dataset's figures hold (``manifest.as_of``):
#: ``select getvariable('cargamos_as_of')``; the dashboard computes its KPIs as of then.
AS_OF_VARIABLE: Final = "cargamos_as_of"
#: The KPIs of ``cx.kpis(df).by_alcaldia`` that are counts and rates, in SQL over the
#: ``shipments`` view, as of the parameter ``$as_of`` (the README shows it; tests check
#: that both give the same numbers). Lead times are Kaplan-Meier estimates: not here.
KPIS_BY_ALCALDIA_SQL: Final = """\
select
    alcaldia,
    count(*) as shipments,
    count(*) filter (where expected_delivery_date <= $as_of) as due,
    count(*) filter (where state in ('DELIVERED', 'MISHAP')) as closed,
    count(*) filter (where state = 'DELIVERED') as delivered,
    avg(coalesce(state = 'DELIVERED' and delivered_at <= expected_delivery_date,
                 false)::double)
        filter (where expected_delivery_date <= $as_of) as on_time_rate,
    avg(coalesce(delivered_at <= expected_delivery_date, false)::double)
        filter (where state = 'DELIVERED') as on_time_among_delivered_rate,
    avg(coalesce(state = 'DELIVERED' and attempts = 1, false)::double)
        filter (where attempts >= 1) as first_attempt_rate,
    avg((state = 'MISHAP')::double)
        filter (where state in ('DELIVERED', 'MISHAP')) as mishap_rate
from shipments
group by alcaldia
order by alcaldia"""


def open_dataset(path: str | os.PathLike[str], *, endpoint_url: str | None = None
                 ) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the views ``shipments`` and ``events`` over the dataset
    that ``Session.export`` wrote at ``path`` (a folder or a URI such as ``s3://...``;
    ``endpoint_url`` points ``s3://`` at an S3-compatible store).

    Each view has the frame's columns plus ``month`` (``'2026-10'``), the partition.
    Timestamps are shown in Mexico City time. ``getvariable('cargamos_as_of')`` is when the
    figures hold: the oldest fetch of a month that can still change. Raises ExportError
    when nothing has been exported there yet.
    """
    import duckdb  # a large module: loaded only by those who query a dataset

    storage = Storage(path, endpoint_url)
    manifest = manifests.load(storage)
    partitions = manifest.partitions
    if not partitions:
        raise ExportError(f"no exported dataset at {storage.uri}: run session.export() "
                          "(or cargamos-explore export) to that location first")
    _check_files(storage, partitions.values())
    connection = duckdb.connect()
    connection.execute(f"set TimeZone = '{c.TIMEZONE}'")
    for table in TABLES:
        files = [p.file(table) for _, p in sorted(partitions.items())]
        if storage.local:
            _local_view(connection, storage, table, files)
        else:
            _arrow_view(connection, storage, table, files)
    # When its figures hold, for whoever computes KPIs over it (``AS_OF_VARIABLE``).
    connection.execute(f"set variable {AS_OF_VARIABLE} = ?::timestamptz",
                       [manifests.as_of(manifest)])
    return connection


def _check_files(storage: Storage, partitions: Iterable[Partition]) -> None:
    """Raise ExportError naming the first file the manifest names that is not there."""
    for partition in partitions:
        for table in TABLES:
            path = storage.path(partition.file(table))
            if not storage.exists(path):
                raise ExportError(
                    f"{path} is missing, yet the manifest of {storage.uri} names it (month "
                    f"{partition.month}): run the export again to fetch that month again")


def _local_view(connection: duckdb.DuckDBPyConnection, storage: Storage, table: str,
                files: list[str]) -> None:
    listed = ", ".join(_literal(_unglobbed(storage.url(name))) for name in files)
    connection.execute(
        f"create view {table} as select * from read_parquet([{listed}], "
        "hive_partitioning = true, hive_types = {'month': varchar})")


def _arrow_view(connection: duckdb.DuckDBPyConnection, storage: Storage, table: str,
                files: list[str]) -> None:
    """The view over a pyarrow dataset of exactly ``files``, month read from their paths."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    months = ds.partitioning(pa.schema([("month", pa.string())]), flavor="hive")
    dataset = ds.dataset([storage.path(name) for name in files], filesystem=storage.fs,
                         format="parquet", partitioning=months,
                         partition_base_dir=storage.path(table))
    connection.register(f"_{table}_files", dataset)  # the connection keeps it alive
    connection.execute(f"create view {table} as select * from _{table}_files")


def _unglobbed(path: str) -> str:
    """``path`` with DuckDB's glob characters each in a one-character class: DuckDB
    expands every path it reads, so ``data?2026`` would also read ``data-2026``.

    >>> _unglobbed("/data/Exports [Q1]/a*.parquet")
    '/data/Exports [[]Q1]/a[*].parquet'
    """
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in path)


def _literal(text: str) -> str:
    """A SQL string literal (a view's definition cannot take a parameter)."""
    return "'" + text.replace("'", "''") + "'"
