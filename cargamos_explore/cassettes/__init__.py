"""Cassettes: a session's calls recorded into a YAML file, replayed later with no network.

Everything about cassettes lives in this folder:

- ``cassette``: ``Cassette``, the recording or replay one session opens;
- ``adapter``: the requests adapter that plugs it into that session alone;
- ``tape``: vcrpy's cassette, used to hold and match the interactions;
- ``files``: the file format (plain vcrpy, plus a first-line comment), read and written;
- ``redaction``: the redaction preset and the leak scan (also as vcrpy options);
- ``record_order``, ``recorder``, ``replays``: ``cargamos-explore record`` and
  ``run-notebooks``, which record and replay whole notebooks.

The pytest fixtures that replay cassettes are in ``cargamos_explore.testing``. vcrpy is
imported only when a cassette is used, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .record_order import RecordOrder, record_order

if TYPE_CHECKING:
    from .cassette import Cassette
    from .redaction import vcr_options

__all__ = ["Cassette", "RecordOrder", "record_order", "vcr_options"]


def __getattr__(name: str) -> Any:
    # vcrpy is imported only when a cassette is used: importing it with the package slowed
    # every import and made pytest warn that vcr.matchers could not be rewritten.
    if name == "Cassette":
        from .cassette import Cassette

        return Cassette
    if name == "vcr_options":
        from .redaction import vcr_options

        return vcr_options
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
