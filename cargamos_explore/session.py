"""The Session: what an analyst reads and sends, as typed frames.

A Session is three layers put together: ``bootstrap.connect`` decides the host and the
credentials (starting the embedded sandbox when no host is set), a ``Transport`` owns the
HTTP session (token, retries, cache, recording), and the ``queries`` turn calls into frames.
"""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Self, TypeVar

import pandas as pd
import requests

from . import formatters
from .bootstrap import DEFAULT_SOURCES, Credentials, Source, connect
from .cassettes import record_order
from .queries import ShipmentSearch, orders, single
from .transport import Token, Transport
from .transport.token import TokenListener

if TYPE_CHECKING:
    from .cassettes import Cassette  # vcrpy: only imported when a cassette is used
    from .export import ExportReport


F = TypeVar("F", bound=Callable[..., Any])


def _reads(method: F) -> F:
    """Give a ShipmentSearch shortcut the search's own signature, for help() and editors:
    the read options are declared once, on ShipmentSearch."""
    parameters = list(inspect.signature(ShipmentSearch).parameters.values())
    parameters = [p for p in parameters if p.name not in ("transport", "params")]
    method.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *parameters])
    return method


class Session:
    """A connection to one Cargamos host as one user, answering in DataFrames.

    The host is ``host`` (a URL, or the presets ``"production"`` and ``"test"``), else
    ``CARGAMOS_HOST``; with neither, the process's embedded sandbox (started by the first
    such session, shared by the others) and its demo account are used.
    Credentials come from the arguments, else the environment, keyring, ``.netrc`` or a
    prompt. ``cassette`` (a path or a ``Cassette``) records every call into a file, or
    replays the file when it exists, with no network and no credentials. Other keyword
    options configure the ``Transport``: ``renew_margin``, ``cache``, ``cache_policy``,
    ``offline``, ``retries``, ``timeouts``, ``clock``.
    """

    def __init__(self, host: str | None = None, *, key: str | None = None,
                 username: str | None = None, password: str | None = None,
                 env: Mapping[str, str] | None = None,
                 sources: tuple[Source, ...] = DEFAULT_SOURCES,
                 sandbox_options: Mapping[str, Any] | None = None,
                 cassette: str | os.PathLike[str] | Cassette | None = None,
                 **transport_options: Any) -> None:
        recording, sandbox_options = _open_cassette(cassette, env, sandbox_options)
        self._connection = connect(host, key=key, username=username, password=password,
                                   env=env, sources=sources, sandbox_options=sandbox_options,
                                   replaying=bool(recording and recording.replaying))
        if self._connection.embedded and transport_options.get("cache", True) is True:
            transport_options["cache"] = "memory"  # its port changes every process: no hit
        try:
            self.transport = Transport(self._connection.host, self._connection.credentials,
                                       cassette=recording, **transport_options)
        except BaseException:
            self._connection.close()
            raise
        self.recording = recording

    # --- reads ----------------------------------------------------------------------
    @_reads
    def search(self, *args: Any, **options: Any) -> ShipmentSearch:
        """A list read, not yet sent: ``.frame()``, ``.events()``, ``.count()``."""
        return ShipmentSearch(self.transport, *args, **options)

    @_reads
    def shipments(self, *args: Any, **options: Any) -> pd.DataFrame:
        """Shipments created between ``start`` and ``end`` (default: the last 30 days), one
        row each, optionally only some ``states``; see ``ShipmentSearch``."""
        return self.search(*args, **options).frame()

    @_reads
    def events(self, *args: Any, **options: Any) -> pd.DataFrame:
        """One row per state change of the same shipments ``shipments()`` returns."""
        return self.search(*args, **options).events()

    def shipment(self, tracking_id: str) -> pd.DataFrame:
        """One shipment as a one-row frame; its events are in ``shipment_events()``."""
        return single.shipment(self.transport, tracking_id)

    def shipment_events(self, tracking_id: str) -> pd.DataFrame:
        """The state changes of one shipment, one row each."""
        return single.shipment_events(self.transport, tracking_id)

    def webhook(self) -> pd.DataFrame:
        """The organisation's webhook settings as a one-row frame."""
        return single.webhook(self.transport)

    def get_frame(self, path: str, **params: Any) -> pd.DataFrame:
        """Any GET endpoint as a frame with flattened snake_case columns (no schema)."""
        return single.any_frame(self.transport, path, params)

    def get_json(self, path: str, **params: Any) -> Any:
        """GET ``path`` on this host and return the envelope's ``data``."""
        return self.transport.get_json(path, **params)

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None) -> requests.Response:
        """Any authenticated call on this host, as a ``requests`` response (its ``.request``
        no longer carries the token)."""
        response = self.transport.request(method, path, params=params, json=json)
        if response.request is not None:
            response.request.headers.pop("Authorization", None)
        return response

    def export(self, path: str | os.PathLike[str], *args: Any, **options: Any) -> ExportReport:
        """Stream the shipments created between ``start`` and ``end``, and their events,
        into a Parquet dataset at ``path`` (a folder or a URI such as ``s3://...``), one
        partition per month, never holding more than a row group in memory. Run it again
        to resume an interrupted export or refresh the months that can still change; query
        the result with ``cx.open_dataset(path)``. Options: see ``export.Export``."""
        from .export import Export  # pyarrow.parquet: loaded by those who export

        return Export(self.transport, path, *args, **options).run()

    # --- orders ---------------------------------------------------------------------
    def validate_orders(self, sheet: pd.DataFrame, *, progress: bool | None = None
                        ) -> pd.DataFrame:
        """Dry run: check every row of an orders sheet with the server; nothing is created.
        An empty sheet sends nothing and returns an empty result."""
        send = orders.sender(self.transport, simulate=True)
        return orders.submit(sheet, send, creates=False, progress=progress)

    def create_orders(self, sheet: pd.DataFrame, *, progress: bool | None = None
                      ) -> pd.DataFrame:
        """Create a shipment per accepted row, in batches, never retried blindly. If a batch
        fails part-way, OrdersSubmissionError.results says what became of every row."""
        send = orders.sender(self.transport, simulate=False)
        return orders.submit(sheet, send, creates=True, progress=progress)

    # --- identity and token ---------------------------------------------------------
    def today(self) -> date:
        """The day to count date windows from: with a cassette, the day it was recorded
        (so a replay next month asks for the same dates); else today in Mexico City."""
        return self.transport.today()

    @property
    def host(self) -> str:
        return self.transport.host

    @property
    def username(self) -> str:
        return self.transport.credentials.username

    @property
    def credentials_source(self) -> str:
        """Which source supplied the credentials (never their values)."""
        return self.transport.credentials.source

    @property
    def credentials_pending(self) -> bool:
        """True while the session waits for the notebook's login form to be used."""
        return self.transport.credentials.pending

    @property
    def token(self) -> Token | None:
        """The current token's expiry and time left, or None before the first login."""
        return self.transport.token

    @property
    def logins(self) -> int:
        """How many logins this session has performed."""
        return self.transport.logins

    def login(self) -> Token:
        """Log in now unless the current token is still fresh."""
        return self.transport.login()

    def renew(self) -> Token:
        """Log in now even if the token is still fresh; costs one more (billed) login."""
        return self.transport.renew()

    def use_credentials(self, credentials: Credentials) -> None:
        """Log in as ``credentials`` from now on (what the notebook's login form does)."""
        self.transport.use_credentials(credentials)

    def add_token_listener(self, listener: TokenListener) -> None:
        """Call ``listener(token)`` after every login, by any call or thread; its errors are
        logged, never raised. The token indicator uses it to restart its countdown."""
        self.transport.add_token_listener(listener)

    def request_password_reset(self, username: str | None = None) -> None:
        """Ask Cargamos to e-mail ``username`` (default: this user) a password-reset link."""
        self.transport.request_password_reset(username)

    def _secrets(self) -> tuple[str, ...]:
        return self.transport._secrets()

    # --- cache ----------------------------------------------------------------------
    @property
    def caching(self) -> bool:
        return self.transport.cache.enabled

    @property
    def cache_hits(self) -> int:
        return self.transport.cache.hits

    @property
    def cache_misses(self) -> int:
        return self.transport.cache.misses

    def clear_cache(self) -> int:
        """Delete this user's cached answers (other users' stay); returns how many."""
        return self.transport.clear_cache()

    @contextlib.contextmanager
    def offline(self) -> Iterator[None]:
        """Serve only cached answers; a miss raises NotCachedError instead of calling."""
        with self.transport.offline():
            yield

    @contextlib.contextmanager
    def cache_disabled(self) -> Iterator[None]:
        """Neither read nor write the cache inside this block."""
        with self.transport.cache.disabled():
            yield

    # --- lifecycle and display ------------------------------------------------------
    def close(self, *, keep_recording: bool = True) -> None:
        """Forget the token, close connections, write a recording (unless
        ``keep_recording`` is false), stop a sandbox."""
        try:
            self.transport.close(keep_recording=keep_recording)
        finally:
            self._connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(keep_recording=kind is None)  # a failed block's recording is not kept

    def summary(self) -> dict[str, Any]:
        """What the notebook card shows: no password, token or key, only their effects."""
        token = self.token
        return {"host": self.host, "username": self.username,
                "credentials_source": self.credentials_source, "logins": self.logins,
                "token_seconds_left": token.time_left.total_seconds() if token else None,
                "token_lifetime": token.lifetime if token else None,
                "caching": self.caching, "cache_hits": self.cache_hits,
                "cache_misses": self.cache_misses, "offline": self.transport.cache.offline}

    def _repr_html_(self) -> str:
        return formatters.session_html(self.summary())

    def __repr__(self) -> str:
        token, cache = self.token, self.transport.cache
        state = f"valid {int(token.time_left.total_seconds())}s" if token else "none yet"
        stored = f"cache={cache.hits} hits/{cache.misses} misses" if cache.enabled else "cache=off"
        return (f"<{type(self).__name__} {self.host} user={self.username} "
                f"source={self.credentials_source} logins={self.logins} token={state} "
                f"{stored}{' offline' if cache.offline else ''}>")


def _open_cassette(cassette: str | os.PathLike[str] | Cassette | None,
                   env: Mapping[str, str] | None,
                   sandbox_options: Mapping[str, Any] | None,
                   ) -> tuple[Cassette | None, Mapping[str, Any] | None]:
    """The session's cassette, and the sandbox options to go with it. A record order left
    by ``cargamos-explore record`` (see ``cassettes.record_order``) turns a notebook's
    cassette into a fresh recording at the order's path, instant and sandbox seed."""
    if cassette is None:
        return None, sandbox_options
    from .cassettes.cassette import Cassette  # vcrpy, only now that a cassette is used

    order = record_order(os.environ if env is None else env)
    if order is not None:
        options = {**(sandbox_options or {}), **order.sandbox_options()}
        return Cassette(order.cassette, "rewrite", anchor=order.anchor), options
    return (cassette if isinstance(cassette, Cassette) else Cassette(cassette)), sandbox_options
