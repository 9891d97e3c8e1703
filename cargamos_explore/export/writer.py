"""One Parquet file of a partition, written row group by row group under a hidden name.

Pages arrive with a few hundred rows each; they are gathered into row groups of
``ROW_GROUP_ROWS`` (small row groups make Parquet slow to scan), so at most one row group
per file is held in memory, whatever the size of the export.
"""

from __future__ import annotations

import secrets
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ExportError
from .storage import Storage

ROW_GROUP_ROWS: Final = 64_000
TABLES: Final = ("shipments", "events")


def month_folder(table: str, month: str) -> str:
    """Where a month's files of ``table`` live, hive-style: ``table/month=YYYY-MM``."""
    return f"{table}/month={month}"


def partition_file(table: str, month: str, tag: str | None = None) -> str:
    """A new name for a month's file of ``table``, relative to the root. Each fetch of a
    month writes new names (``tag``, random by default), so a refresh never overwrites the
    files that the manifest, and so every reader, still follows."""
    return f"{month_folder(table, month)}/part-{tag or secrets.token_hex(6)}.parquet"


class TableFile:
    """A Parquet file being written; ``commit`` puts it in place, ``abort`` removes it."""

    def __init__(self, storage: Storage, path: str, schema: pa.Schema,
                 row_group_rows: int = ROW_GROUP_ROWS) -> None:
        self.storage, self.path, self.schema = storage, path, schema
        self.rows, self._row_group_rows = 0, row_group_rows
        self._pending: list[pa.Table] = []
        self._temporary = storage.staging(path)
        self._stream: Any = storage.create(self._temporary)
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
        """Finish the file, check that it reads back whole, and move it into place."""
        self._flush()
        self._writer.close()
        self._stream.close()
        self._check()
        self.storage.put_in_place(self._temporary, self.path)

    def _check(self) -> None:
        try:
            with self.storage.fs.open_input_file(self._temporary) as stream:
                rows = pq.ParquetFile(stream).metadata.num_rows
        except (OSError, pa.ArrowException) as err:
            rows, cause = -1, err
        else:
            cause = None
        if rows != self.rows:
            raise ExportError(
                f"{self.path} did not read back whole ({rows} of {self.rows} rows; {cause}); "
                "nothing was committed: run the export again") from cause

    def abort(self) -> None:
        """Close and delete the temporary file; never raises (it runs while unwinding)."""
        try:
            self._writer.close()
            self._stream.close()
            self.storage.delete(self._temporary)
        except Exception:  # the interruption that got us here is the error worth raising
            pass
