"""Before a client exists: which host, which credentials, and the embedded sandbox."""

from __future__ import annotations

from .connect import REPLAY_HOST, Connection, connect
from .credentials import DEFAULT_SOURCES, Credentials, Source, find_credentials
from .hosts import resolve_host

__all__ = ["DEFAULT_SOURCES", "REPLAY_HOST", "Connection", "Credentials", "Source",
           "connect", "find_credentials", "resolve_host"]
