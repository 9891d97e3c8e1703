"""Where a dataset lives: a local folder or object storage, and how a file is committed.

A local folder, or object storage named by a URI (``s3://bucket/prefix``, ``gs://...``):
the same files then serve DuckDB, Spark, Dask or Trino. Locally, files are written under a
hidden, unique temporary name, created exclusively (a planted link is never followed), and
moved into place once complete; readers (pyarrow, DuckDB's globs, Spark) skip names
starting with a dot. Object storage has no atomic rename (a "move" is a copy and a delete),
but an object appears only once its upload is complete: there each file is written straight
to its new, unique name, and the manifest, written last, is what makes it part of the
dataset.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import secrets
from collections.abc import Iterator
from typing import Any, Final
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from ..errors import ExportError, ExportLockedError

#: Held by the export writing the dataset; a leading dot keeps it out of every reader.
LOCK_NAME: Final = ".export.lock"


class Storage:
    """The root folder of a dataset and the few operations the export needs."""

    def __init__(self, path: str | os.PathLike[str], endpoint_url: str | None = None) -> None:
        text = os.fspath(path)
        try:
            self.fs, root = _filesystem(text, endpoint_url)
        except (OSError, ValueError) as err:  # pyarrow: unknown scheme, no such bucket
            raise ExportError(f"cannot use {text!r} as a dataset location: {err}") from err
        self.uri = text if "://" in text else root
        self.root = root.rstrip("/")
        self.local = isinstance(self.fs, pafs.LocalFileSystem)
        if self.local and os.path.isfile(self.root):
            raise ExportError(f"{self.uri} is a file, not a folder: give a folder (new or "
                              "holding an exported dataset) as the dataset location")

    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def folder(self, relative: str) -> str:
        """The folder ``relative`` under the root, refused (ExportError) when it, or a
        folder between it and the root, is a symbolic link: writing or deleting through a
        link planted in the dataset would reach files outside it. Object storage has no
        links."""
        path = self.root
        for part in relative.split("/"):
            path = posixpath.join(path, part)
            if self.local and os.path.islink(path):
                raise ExportError(
                    f"{path} is a link, not a folder of the dataset: an export never writes "
                    f"or deletes through a link; remove the link from {self.uri} (or export "
                    "to another folder) and run the export again")
        return path

    def url(self, relative: str) -> str:
        """``relative`` under the root, as DuckDB names it (with the URI's scheme)."""
        return f"{self.uri.rstrip('/')}/{relative}"

    def read_text(self, path: str) -> str | None:
        """The file's text, or None when there is no such file."""
        if self.fs.get_file_info(path).type == pafs.FileType.NotFound:
            return None
        with self.fs.open_input_stream(path) as stream:
            return bytes(stream.read()).decode()

    def staging(self, path: str) -> str:
        """Where the file ``path`` is written before it is complete: a hidden name beside
        it locally; on object storage ``path`` itself (an upload cut short leaves nothing,
        and a rename would copy every byte again)."""
        return hidden(path) if self.local else path

    def create(self, path: str) -> Any:
        """A stream writing the new file ``path``; missing parent folders are created.
        Locally the file must not exist yet, not even as a link (O_CREAT | O_EXCL)."""
        try:
            if not self.local:  # object storage has no folders to create
                return self.fs.open_output_stream(path)
            self.fs.create_dir(posixpath.dirname(path), recursive=True)
            return open(path, "xb")
        except OSError as err:
            raise ExportError(f"cannot write {path} ({err}); check that the dataset location "
                              "is a folder you may write to") from err

    def write_atomically(self, path: str, data: bytes) -> None:
        """Replace ``path`` by ``data``: a reader sees the old bytes or the new, whole.
        An object store replaces an object in one step; a folder needs the rename."""
        temporary = self.staging(path)
        with self.create(temporary) as stream:
            stream.write(data)
        self.put_in_place(temporary, path)

    def put_in_place(self, staged: str, path: str) -> None:
        """Make the complete file ``staged`` (from ``staging(path)``) the file ``path``."""
        if staged != path:
            self.move(staged, path)

    def move(self, source: str, target: str) -> None:
        self.fs.move(source, target)

    def exists(self, path: str) -> bool:
        return bool(self.fs.get_file_info(path).type != pafs.FileType.NotFound)

    def delete(self, path: str) -> None:
        """Delete ``path`` if it is there (cleaning up after an interruption)."""
        if self.exists(path):
            self.fs.delete_file(path)

    def files(self, folder: str) -> list[str]:
        """The files directly in ``folder`` (none when it is missing)."""
        selector = pafs.FileSelector(folder, allow_not_found=True)
        return [i.path for i in self.fs.get_file_info(selector) if i.type == pafs.FileType.File]

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the dataset's lock, or raise ExportLockedError at once if another export
        holds it. An OS lock (flock), so a killed export's lock goes with its process.
        Object storage has no such lock: there, one export at a time is up to the user."""
        if not self.local:
            yield
            return
        from filelock import FileLock, Timeout

        lock = FileLock(self.path(LOCK_NAME), timeout=0, fallback_to_soft=False)
        try:
            self.fs.create_dir(self.root, recursive=True)
            lock.acquire()
        except Timeout as err:
            raise ExportLockedError(
                f"another export is writing to {self.uri} right now; wait for it to finish "
                "and run this one again (it then fetches only what is still missing)") from err
        except OSError as err:  # a file where a folder should be, no permission
            raise ExportError(f"cannot write to {self.uri} ({err}); give a folder you may "
                              "write to as the dataset location") from err
        try:
            yield
        finally:
            lock.release()


def hidden(path: str) -> str:
    """A new temporary name for ``path``: same folder, a leading dot, a random part (two
    writers never share one) and a ``.partial`` suffix."""
    folder, name = posixpath.split(path)
    return posixpath.join(folder, f".{name}.{secrets.token_hex(8)}.partial")


def _filesystem(text: str, endpoint_url: str | None) -> tuple[pafs.FileSystem, str]:
    """pyarrow's filesystem for ``text`` and the root path in it. Credentials come from
    the usual AWS sources (variables, ``~/.aws``, an instance role); ``endpoint_url``
    points ``s3://`` at an S3-compatible store (MinIO, Ceph, a test server)."""
    if "://" not in text:
        if endpoint_url is not None:
            raise ValueError("endpoint_url applies only to s3:// locations")
        return pafs.LocalFileSystem(), os.path.abspath(text)
    if endpoint_url is None:
        found: tuple[pafs.FileSystem, str] = pafs.FileSystem.from_uri(text)
        return found
    parts, endpoint = urlsplit(text), urlsplit(endpoint_url)
    if parts.scheme != "s3" or endpoint.scheme not in ("http", "https") or not endpoint.netloc:
        raise ValueError("endpoint_url is an http(s) URL such as http://127.0.0.1:9000 and "
                         "applies only to s3:// locations")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") \
        or "us-east-1"  # an S3-compatible store rarely cares; pyarrow must not look it up
    fs = pafs.S3FileSystem(endpoint_override=endpoint.netloc, scheme=endpoint.scheme,
                           region=region)
    return fs, f"{parts.netloc}{parts.path}"
