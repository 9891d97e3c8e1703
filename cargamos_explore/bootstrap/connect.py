"""Where a session goes and as whom, decided once, before any client exists.

``connect()`` resolves the host (an argument, ``CARGAMOS_HOST`` or a preset), then the
credentials (arguments, environment, keyring, ``.netrc``, a prompt). With no host anywhere
it uses the embedded sandbox (one per process, shared by every blank login) and its demo
account; replaying a cassette it needs neither host nor credentials.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .credentials import DEFAULT_SOURCES, Credentials, Source, find_credentials
from .embedded import SHARED
from .frontend import announce_demo
from .hosts import resolve_host

#: Where a replayed cassette's requests go: a name that can never resolve (RFC 2606).
REPLAY_HOST: Final = "https://cargamos.invalid"
REPLAY_CREDENTIALS: Final = Credentials("replay", "replay", "replay", "cassette")


@dataclass(frozen=True)
class Connection:
    """A resolved host and credentials. ``close()`` leaves an embedded sandbox running:
    other sessions of the process share it."""

    host: str
    credentials: Credentials
    embedded: bool = False
    replaying: bool = False
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack, repr=False,
                                         compare=False)

    def close(self) -> None:
        self._stack.close()


def connect(host: str | None = None, *, key: str | None = None, username: str | None = None,
            password: str | None = None, env: Mapping[str, str] | None = None,
            sources: tuple[Source, ...] = DEFAULT_SOURCES,
            sandbox_options: Mapping[str, Any] | None = None,
            replaying: bool = False) -> Connection:
    """Resolve the host and credentials, starting the embedded sandbox when no host is set.

    >>> connection = connect(sandbox_options={"size": 10})
    >>> connection.embedded, connection.credentials.source
    (True, 'sandbox demo')
    >>> connection.close()
    """
    if replaying:
        return Connection(REPLAY_HOST, REPLAY_CREDENTIALS, replaying=True)
    env = os.environ if env is None else env
    explicit = Credentials(username or "", password or "", key)
    resolved = resolve_host(host, env)
    if resolved is not None:
        return Connection(resolved, _find(resolved, explicit, explicit.key, env, sources))
    return _embedded(explicit, env, sources, sandbox_options or {})


def _find(host: str, explicit: Credentials, key: str | None, env: Mapping[str, str],
          sources: tuple[Source, ...]) -> Credentials:
    return find_credentials(host, username=explicit.username or None,
                            password=explicit.password or None, key=key, env=env,
                            sources=sources)


def _embedded(explicit: Credentials, env: Mapping[str, str], sources: tuple[Source, ...],
              options: Mapping[str, Any]) -> Connection:
    # Imported here: the sandbox pulls in Flask, which a session with a host never needs.
    from ..sandbox import DEMO_ORGANISATIONS

    url = SHARED.url(options)
    org = DEMO_ORGANISATIONS[0]
    username, password = next(iter(org.users.items()))
    demo = Credentials(username, password, explicit.key or org.key, "sandbox demo")
    if explicit.username or explicit.password:
        demo = _find(url, explicit, demo.key, env, sources)
    if demo.source == "sandbox demo":
        announce_demo(url, demo.username)
    return Connection(url, demo, embedded=True)
