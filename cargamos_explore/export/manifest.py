"""The dataset's manifest: a small JSON file at its root, rewritten after every partition.

It records the last export's window and states, and for each complete partition its
window, row counts, when it was fetched, whether it is final, and the files that hold it.
Writing it (atomically, after the files) is what commits a month: readers open only the
files it names, so a refresh cut short leaves every reader on the month's previous files.
A partition that is not in the manifest is not complete, whatever files are there: the
next export writes it again.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from ..errors import ExportError
from .storage import Storage
from .writer import TABLES

NAME: Final = "_manifest.json"  # a leading underscore: Spark and pyarrow skip it
#: Format 2 names each partition's files; format 1 (one fixed name per month) still reads.
FORMAT: Final = 2
READABLE_FORMATS: Final = (1, 2)


@dataclass(frozen=True)
class Partition:
    """One complete month: its window, rows, fetch time and whether it can still change."""

    month: str
    start: str
    end: str
    shipments: int
    events: int
    fetched_at: str
    final: bool
    #: Each table's file, relative to the dataset's root (empty: format 1's fixed names).
    files: dict[str, str] = field(default_factory=dict)

    @property
    def fetched(self) -> datetime:
        return datetime.fromisoformat(self.fetched_at)

    def file(self, table: str) -> str:
        return self.files.get(table) or f"{table}/month={self.month}/part-0.parquet"

    def check(self) -> None:
        """Raise ValueError unless the partition can be used as it stands."""
        if self.fetched.tzinfo is None:
            raise ValueError(f"fetched_at {self.fetched_at!r} of {self.month} has no offset")
        if not isinstance(self.final, bool) or set(self.files) - set(TABLES):
            raise ValueError(f"partition {self.month} is malformed")


@dataclass(frozen=True)
class Manifest:
    start: str | None = None
    end: str | None = None
    states: str | None = None
    partitions: dict[str, Partition] = field(default_factory=dict)

    def with_partition(self, partition: Partition) -> Manifest:
        return dataclasses.replace(self, partitions={**self.partitions,
                                                     partition.month: partition})

    def to_json(self) -> bytes:
        partitions = {k: dataclasses.asdict(p) for k, p in sorted(self.partitions.items())}
        body = {"format": FORMAT, "window": {"start": self.start, "end": self.end},
                "states": self.states, "partitions": partitions}
        return json.dumps(body, indent=1).encode()


def as_of(manifest: Manifest) -> datetime | None:
    """When the dataset's figures hold: the oldest fetch of a month that could still change
    (a final month reads the same whenever it was fetched), or the newest fetch when every
    month is final; None for an empty manifest."""
    changing = [p.fetched for p in manifest.partitions.values() if not p.final]
    if changing:
        return min(changing)
    return max((p.fetched for p in manifest.partitions.values()), default=None)


def load(storage: Storage) -> Manifest:
    """The manifest at ``storage``'s root; an empty one when there is none yet."""
    try:  # reading is inside: undecodable bytes, or a folder by that name, are damage too
        text = storage.read_text(storage.path(NAME))
        return Manifest() if text is None else _parsed(json.loads(text))
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
        raise ExportError(f"{storage.path(NAME)} is not a manifest this version can read "
                          f"({err}); export to another folder, or delete the dataset") from err


def _parsed(body: dict[str, Any]) -> Manifest:
    if body["format"] not in READABLE_FORMATS:
        raise ValueError(f"format {body['format']}, expected one of {READABLE_FORMATS}")
    parts = {k: Partition(**v) for k, v in body["partitions"].items()}
    for key, part in parts.items():
        if key != part.month:  # readers and the export would disagree on the month
            raise ValueError(f"partition {key} holds month {part.month}")
        part.check()
    window = body["window"]
    return Manifest(window["start"], window["end"], body["states"], parts)


def save(storage: Storage, manifest: Manifest) -> None:
    storage.write_atomically(storage.path(NAME), manifest.to_json())
