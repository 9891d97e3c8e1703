"""The dataset's manifest: a small JSON file at its root, rewritten after every partition.

It records the last export's window and states, and for each complete partition its
window, row counts, when it was fetched and whether it is final. A partition that is not
in the manifest is not complete, whatever files are there: the next export writes it again.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from ..errors import ExportError
from .storage import Storage

NAME: Final = "_manifest.json"  # a leading underscore: Spark and pyarrow skip it
FORMAT: Final = 1


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

    @property
    def fetched(self) -> datetime:
        return datetime.fromisoformat(self.fetched_at)


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


def load(storage: Storage) -> Manifest:
    """The manifest at ``storage``'s root; an empty one when there is none yet."""
    text = storage.read_text(storage.path(NAME))
    if text is None:
        return Manifest()
    try:
        return _parsed(json.loads(text))
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise ExportError(f"{storage.path(NAME)} is not a manifest this version can read "
                          f"({err}); export to another folder, or delete the dataset") from err


def _parsed(body: dict[str, Any]) -> Manifest:
    if body["format"] != FORMAT:
        raise ValueError(f"format {body['format']}, expected {FORMAT}")
    parts = {k: Partition(**v) for k, v in body["partitions"].items()}
    window = body["window"]
    return Manifest(window["start"], window["end"], body["states"], parts)


def save(storage: Storage, manifest: Manifest) -> None:
    storage.write_atomically(storage.path(NAME), manifest.to_json())
