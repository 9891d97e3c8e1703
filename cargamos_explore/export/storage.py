"""Where a dataset lives: a root on any filesystem pyarrow supports, written atomically.

A local folder, or object storage named by a URI (``s3://bucket/prefix``, ``gs://...``):
the same files then serve DuckDB, Spark, Dask or Trino. Files are written under a hidden
temporary name and moved into place once complete; readers (pyarrow, DuckDB's globs,
Spark) skip names starting with a dot, so a half-written file is never read.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any

import pyarrow.fs as pafs

from ..errors import ExportError


class Storage:
    """The root folder of a dataset and the few operations the export needs."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        text = os.fspath(path)
        try:
            if "://" in text:
                self.fs, root = pafs.FileSystem.from_uri(text)
            else:
                self.fs, root = pafs.LocalFileSystem(), os.path.abspath(text)
        except (OSError, ValueError) as err:  # pyarrow: unknown scheme, no such bucket
            raise ExportError(f"cannot use {text!r} as a dataset location: {err}") from err
        self.uri = text if "://" in text else root
        self.root = root.rstrip("/")

    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def read_text(self, path: str) -> str | None:
        """The file's text, or None when there is no such file."""
        if self.fs.get_file_info(path).type == pafs.FileType.NotFound:
            return None
        with self.fs.open_input_stream(path) as stream:
            return bytes(stream.read()).decode()

    def open_output(self, path: str) -> Any:
        """A stream writing ``path``; missing parent folders are created."""
        self.fs.create_dir(posixpath.dirname(path), recursive=True)
        return self.fs.open_output_stream(path)

    def write_atomically(self, path: str, data: bytes) -> None:
        temporary = hidden(path)
        with self.open_output(temporary) as stream:
            stream.write(data)
        self.fs.move(temporary, path)

    def move(self, source: str, target: str) -> None:
        self.fs.move(source, target)

    def delete(self, path: str) -> None:
        """Delete ``path`` if it is there (cleaning up after an interruption)."""
        if self.fs.get_file_info(path).type != pafs.FileType.NotFound:
            self.fs.delete_file(path)


def hidden(path: str) -> str:
    """The temporary name of ``path``: same folder, a leading dot, a ``.partial`` suffix."""
    folder, name = posixpath.split(path)
    return posixpath.join(folder, f".{name}.partial")
