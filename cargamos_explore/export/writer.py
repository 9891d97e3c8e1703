"""One Parquet file of a partition, written row group by row group under a hidden name.

Pages arrive with a few hundred rows each; they are gathered into row groups of
``ROW_GROUP_ROWS`` (small row groups make Parquet slow to scan), so at most one row group
per file is held in memory, whatever the size of the export.
"""

from __future__ import annotations

from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from .storage import Storage, hidden

ROW_GROUP_ROWS: Final = 64_000
TABLES: Final = ("shipments", "events")


def partition_file(storage: Storage, table: str, month: str) -> str:
    """Where a month's table lives: hive-style ``table/month=YYYY-MM/part-0.parquet``."""
    return storage.path(table, f"month={month}", "part-0.parquet")


class TableFile:
    """A Parquet file being written; ``commit`` moves it into place, ``abort`` removes it."""

    def __init__(self, storage: Storage, path: str, schema: pa.Schema,
                 row_group_rows: int = ROW_GROUP_ROWS) -> None:
        self.storage, self.path, self.schema = storage, path, schema
        self.rows, self._row_group_rows = 0, row_group_rows
        self._pending: list[pa.Table] = []
        self._stream: Any = storage.open_output(hidden(path))
        self._writer = pq.ParquetWriter(self._stream, schema, compression="zstd")

    def add(self, table: pa.Table) -> None:
        self._pending.append(table)
        self.rows += table.num_rows
        if sum(t.num_rows for t in self._pending) >= self._row_group_rows:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.concat_tables(self._pending))
            self._pending = []

    def commit(self) -> None:
        self._flush()
        self._writer.close()
        self._stream.close()
        self.storage.move(hidden(self.path), self.path)

    def abort(self) -> None:
        """Close and delete the temporary file; never raises (it runs while unwinding)."""
        try:
            self._writer.close()
            self._stream.close()
            self.storage.delete(hidden(self.path))
        except Exception:  # the interruption that got us here is the error worth raising
            pass
