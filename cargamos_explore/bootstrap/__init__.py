"""Before a client exists: which host, which credentials, and the embedded sandbox."""

from __future__ import annotations

from .connect import REPLAY_HOST, Connection, connect
from .credentials import DEFAULT_SOURCES, Credentials, Source, find_credentials
from .hosts import resolve_host
from .record_order import RecordOrder, record_order

__all__ = ["DEFAULT_SOURCES", "REPLAY_HOST", "Connection", "Credentials", "RecordOrder",
           "Source", "connect", "find_credentials", "record_order", "resolve_host"]
