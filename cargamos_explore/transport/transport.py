"""The Transport: the one owner of the HTTP session, its token, cache and recording.

It takes a resolved host and credentials (see ``bootstrap``) and answers calls with
``requests`` responses; it knows nothing of DataFrames. Every call goes through
``request()``: the path is checked against the host, a fresh cached answer is returned
before any token is asked for, and otherwise the call is sent with the current token,
retried (each attempt with the token current at that moment) and re-sent once after a 401.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Self

import requests

from .. import contract as c
from ..bootstrap import Credentials
from ..errors import CredentialsNotFoundError, TokenRejectedError
from ..scrub import install_log_filters
from .cache import CachePolicy, HttpCache
from .cache_files import CacheOption
from .envelope import unwrap
from .http import BearerAuth, Retries, Timeouts, mount_pools, send_with_retries
from .login import log_in, request_password_reset
from .token import Clock, LoginResult, Token, TokenKeeper, TokenListener
from .urls import resolve_path

if TYPE_CHECKING:
    from ..cassettes.cassette import Cassette  # vcrpy: imported only when a cassette is used

log = logging.getLogger("cargamos_explore")
#: Sends of one call, each with a new token after a 401; see _authorized.
MAX_TOKEN_ROUNDS = 4


class Transport:
    """Authenticated, cached, retried calls to one host as one user.

    ``cassette`` (a ``Cassette``) records or replays every call of this transport, and of
    no other: it is mounted on this transport's own HTTP session. The HTTP cache is off
    then (an answer served from the cache would never reach the cassette) and the clock is
    the cassette's.
    """

    def __init__(self, host: str, credentials: Credentials, *, renew_margin: float = 60.0,
                 cache: CacheOption = True, cache_policy: CachePolicy = CachePolicy(),
                 offline: bool = False, retries: Retries = Retries(),
                 timeouts: Timeouts = Timeouts(), clock: Clock = time.time,
                 cassette: Cassette | None = None) -> None:
        self.host, self._credentials = host, credentials
        self.timeouts, self.retries = timeouts, retries
        self.cassette = cassette
        self._cache_option = False if cassette is not None else cache
        self.cache = HttpCache(cache_policy, offline=offline)
        self._connect()
        self.clock = cassette.clock if cassette is not None else clock
        self._keeper = TokenKeeper(self._login, margin=renew_margin, clock=self.clock)
        if cassette is not None:
            self._start_recording(cassette)

    def _start_recording(self, cassette: Cassette) -> None:
        """Open the cassette, and have its leak scan look for every token this session
        is issued, renewals included, besides the password and key."""
        issued: list[str] = []
        self._keeper.add_listener(lambda token: issued.append(token.value))
        cassette.add_secrets(lambda: (*self._credentials.secrets(), *issued))
        cassette.open()

    def _connect(self) -> None:
        """Open the HTTP session, and the cache named after the identity."""
        self.cache.open(self._cache_option, self.host, self._credentials)
        self._http: requests.Session = mount_pools(self.cache.session or requests.Session())
        if self.cassette is not None:
            self.cassette.attach(self._http, self.host)
        # After opening: requests-cache makes its loggers when it is first imported, and a
        # filter only sees records made on the logger it is on.
        install_log_filters()

    # --- identity and token ---------------------------------------------------------
    @property
    def credentials(self) -> Credentials:
        return self._credentials

    @property
    def token(self) -> Token | None:
        """The current token's expiry and time left, or None before the first login."""
        return self._keeper.current

    @property
    def logins(self) -> int:
        return self._keeper.logins

    def _secrets(self) -> tuple[str, ...]:
        """The password, key and current token, for scrubbing and for tests that look for
        leaks; never shown."""
        token = self._keeper.current
        return self._credentials.secrets() + ((token.value,) if token else ())

    def today(self) -> date:
        """The day date windows end on: the recording's day under a cassette, so that a
        replay next month asks for what was recorded; else today in Mexico City."""
        if self.cassette is not None:
            return self.cassette.date()
        return datetime.fromtimestamp(self.clock(), c.MEXICO_CITY).date()

    def login(self) -> Token:
        """Log in now unless the current token is still fresh."""
        return self._keeper.token()

    def renew(self) -> Token:
        """Log in now even if the token is still fresh; costs one more (billed) login."""
        return self._keeper.renew()

    def add_token_listener(self, listener: TokenListener) -> None:
        """Call ``listener(token)`` after every login, by any call or thread."""
        self._keeper.add_listener(listener)

    def use_credentials(self, credentials: Credentials) -> None:
        """Log in as ``credentials`` from now on (the notebook's login form fills them in);
        the token is forgotten and the cache reopened under the new identity."""
        if not credentials.key:  # a key from the arguments or environment still holds
            credentials = dataclasses.replace(credentials, key=self._credentials.key)
        self._credentials = credentials
        self._keeper.forget()
        self._http.close()
        self._connect()

    def name_source(self, source: str) -> None:
        """Say where the credentials came from (the login form passes them on as arguments);
        the values, and so the cache's identity, stay as they are."""
        self._credentials = dataclasses.replace(self._credentials, source=source)

    def _login(self) -> LoginResult:
        if self._credentials.pending:
            raise CredentialsNotFoundError(
                f"not logged in to {self.host} yet: log in with the form shown by cx.login() "
                "above (or pass username= and password=), then run this cell again.")
        return log_in(self._http, self.host, self._credentials, retries=self.retries,
                      timeouts=self.timeouts)

    # --- calls ----------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None) -> requests.Response:
        """Send an authenticated call to ``path`` on this host.

        A path that could reach another host raises UnsafePathError. A fresh cached answer
        is returned before any token is asked for, so a warm rerun costs no login.
        """
        url = resolve_path(self.host, path)
        cached = self.cache.lookup(method, url, path, params, self.timeouts)
        if cached is not None:
            return cached
        return self._authorized(method, url, path, params, json)

    def get_json(self, path: str, **params: Any) -> Any:
        """GET ``path`` and return the envelope's ``data``; errors raise CargamosError."""
        return unwrap(self.request("GET", path, params=params))

    def _authorized(self, method: str, url: str, path: str, params: Mapping[str, Any] | None,
                    json: Any) -> requests.Response:
        """Send until the answer is not a 401. A token that went stale on the way (a slow
        answer, a long Retry-After) may expire at the server first: that 401 says nothing
        about access, so only a second refusal of a still-fresh token is an error."""
        refused_fresh = 0
        for _ in range(MAX_TOKEN_ROUNDS):
            response, token = self._send(method, url, path, params, json)
            if response.status_code != c.HTTP_UNAUTHORIZED:
                return response
            refused_fresh += token.is_fresh
            if refused_fresh == 2:
                break
            log.info("The token was refused (revoked or expired); logging in again.")
            self._keeper.reject(token)
        raise TokenRejectedError(
            f"{method} {path} was refused with 401 even with a fresh token; the account "
            "may lack access to this endpoint.")

    def _send(self, method: str, url: str, path: str, params: Mapping[str, Any] | None,
              json: Any) -> tuple[requests.Response, Token]:
        """The answer, after retries, and the token its last attempt carried."""
        extra = self.cache.send_options(path, params)
        sent: list[Token] = []

        def attempt() -> requests.Response:
            # Asked for on every attempt: a Retry-After wait can outlast the token.
            sent.append(self._keeper.token())
            return self._http.request(method, url, params=params, json=json,
                                      timeout=self.timeouts.as_tuple(), allow_redirects=False,
                                      auth=BearerAuth(sent[-1].value), **extra)

        response = send_with_retries(attempt, method, url, self.retries)
        self.cache.count(response)
        log.debug("%s %s -> %s%s", method, path, response.status_code,
                  " (cached)" if getattr(response, "from_cache", False) else "")
        return response, sent[-1]

    def request_password_reset(self, username: str | None = None) -> None:
        """Ask Cargamos to e-mail ``username`` (default: this user) a password-reset link."""
        request_password_reset(self.host, self._credentials.key or "",
                               username or self._credentials.username, http=self._http,
                               retries=self.retries)

    # --- cache ----------------------------------------------------------------------
    def clear_cache(self) -> int:
        """Delete this user's cached answers (other users' stay); returns how many."""
        return self.cache.clear()

    @contextlib.contextmanager
    def offline(self) -> Iterator[None]:
        """Serve only cached answers; a miss raises NotCachedError instead of calling."""
        with self.cache.offline_mode():
            yield

    # --- lifecycle ------------------------------------------------------------------
    def close(self, *, keep_recording: bool = True) -> None:
        """Forget the token, close connections, and write a recording (unless
        ``keep_recording`` is false: a session that failed keeps no cassette, since
        replaying its failure would fail the same way forever)."""
        self._keeper.forget()
        self._http.close()
        if self.cassette is not None:
            self.cassette.close(keep=keep_recording)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(keep_recording=kind is None)
