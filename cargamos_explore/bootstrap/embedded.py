"""The embedded sandbox that blank logins share: one per process (per set of options).

A blank ``cx.login()`` means "the local sandbox". Starting a new server for each one would
put every session of a kernel on its own port, with its own copy of the data and its own
logins, so a second blank login would not see what the first one did. So the first blank
login starts it, and every later one in the process is served by the same server, which
runs until the process ends.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Mapping
from typing import Any, Final


class SharedSandboxes:
    """Sandbox servers by their options, each started on first use. Thread-safe: two
    threads asking at once for the same options get the same server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._urls: dict[str, str] = {}
        self._servers = contextlib.ExitStack()
        # Stopped while the process exits, before its daemon threads are frozen: left to
        # the garbage collector, stopping would wait forever for a frozen server thread.
        atexit.register(self._servers.close)

    def url(self, options: Mapping[str, Any]) -> str:
        """The base URL of the sandbox started with ``options``, starting it if needed."""
        # Imported here: the sandbox pulls in Flask, which a session with a host never needs.
        from ..sandbox import serve

        key = repr(sorted(options.items()))  # the options are plain values and Faults
        with self._lock:  # held while starting, so a second caller waits for the first
            if key not in self._urls:
                self._urls[key] = self._servers.enter_context(serve(**options))
            return self._urls[key]


#: The only process-wide state of the toolkit, on purpose (see the module's docstring).
SHARED: Final = SharedSandboxes()
