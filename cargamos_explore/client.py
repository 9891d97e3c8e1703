"""The Client: the only owner of the HTTP session, the token, the cache and the credentials."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any, Self

import requests

from . import contract as c
from . import formatters
from .auth import Clock, LoginResult, Token, TokenKeeper, TokenListener, parse_expires_in
from .cache import CacheOption, CachePolicy, cached_session, clear_identity, identity_prefix
from .config import DEFAULT_SOURCES, Credentials, Source, find_credentials, resolve_host
from .envelope import read_envelope, unwrap
from .errors import (
    AuthenticationError,
    CredentialsNotFoundError,
    NotCachedError,
    TokenRejectedError,
    UnexpectedResponseError,
    UnknownKeyError,
)
from .http import (
    NO_AUTH,
    BearerAuth,
    Retries,
    Timeouts,
    mount_pools,
    resolve_path,
    send_with_retries,
)
from .scrub import install_log_filters, scrub

log = logging.getLogger("cargamos_explore")
STALE_FOREVER = 10 * 365 * 24 * 3600
#: Sends of one call, each with a new token after a 401; see _authorized.
MAX_TOKEN_ROUNDS = 4


class Client:
    """A logged-in connection to one Cargamos host as one user: calls in, JSON out.

    Credentials come from the arguments, else the environment, keyring, .netrc or a prompt.
    With no host anywhere, an embedded sandbox is started and its demo account used.
    """

    def __init__(
        self,
        host: str | None = None,
        *,
        key: str | None = None,
        username: str | None = None,
        password: str | None = None,
        renew_margin: float = 60.0,
        cache: CacheOption = True,
        cache_policy: CachePolicy = CachePolicy(),
        offline: bool = False,
        retries: Retries = Retries(),
        timeouts: Timeouts = Timeouts(),
        clock: Clock = time.time,
        env: Mapping[str, str] | None = None,
        sources: tuple[Source, ...] = DEFAULT_SOURCES,
        sandbox_options: Mapping[str, Any] | None = None,
    ) -> None:
        install_log_filters()
        self._exit = contextlib.ExitStack()
        env = os.environ if env is None else env
        explicit = Credentials(username or "", password or "", key)
        self.host, self._credentials, embedded = self._identify(
            host, explicit, env, sources, sandbox_options or {})
        if embedded and cache is True:
            cache = "memory"  # the sandbox's port changes every run: a file could never hit
        self.timeouts = timeouts
        self.cache_policy = cache_policy
        self._cache_option, self._retries = cache, retries
        self._connect()
        self._keeper = TokenKeeper(self._login, margin=renew_margin, clock=clock)
        self._offline = offline
        self._counts = Counter[str]()
        self._count_lock = threading.Lock()
        if self.credentials_pending:
            self._show_login_form(env)

    def _connect(self) -> None:
        """Open the HTTP session (and the cache, named after the identity)."""
        cache, creds = self._cache_option, self._credentials
        self._cache_prefix = "" if cache is False or creds.pending else identity_prefix(
            self.host, creds.key or "", creds.username, creds.password)
        self._cache = None if not self._cache_prefix else cached_session(cache,
                                                                          self._cache_prefix)
        self._http: requests.Session = mount_pools(self._cache or requests.Session())

    def _identify(self, host: str | None, explicit: Credentials, env: Mapping[str, str],
                  sources: tuple[Source, ...], sandbox_options: Mapping[str, Any]
                  ) -> tuple[str, Credentials, bool]:
        """(host, credentials, whether the embedded sandbox was started)."""
        def find(url: str, key: str | None) -> Credentials:
            return find_credentials(url, username=explicit.username or None,
                                    password=explicit.password or None, key=key, env=env,
                                    sources=sources)

        resolved = resolve_host(host, env)
        if resolved is not None:
            return resolved, find(resolved, explicit.key), False
        url, demo = self._start_sandbox(sandbox_options)
        if not (explicit.username or explicit.password):
            demo = dataclasses.replace(demo, key=explicit.key or demo.key)
        else:
            demo = find(url, explicit.key or demo.key)
        log.warning("No Cargamos host configured: using the local sandbox at %s as %s.",
                    url, demo.username)
        return url, demo, True

    def _start_sandbox(self, options: Mapping[str, Any]) -> tuple[str, Credentials]:
        from .sandbox import DEMO_ORGANISATIONS, serve

        url = self._exit.enter_context(serve(**options))
        org = DEMO_ORGANISATIONS[0]
        username, password = next(iter(org.users.items()))
        return url, Credentials(username, password, org.key, "sandbox demo")

    # --- identity and token ---------------------------------------------------------
    @property
    def username(self) -> str:
        return self._credentials.username

    @property
    def credentials_source(self) -> str:
        """Which source supplied the credentials (never their values)."""
        return self._credentials.source

    @property
    def token(self) -> Token | None:
        """The current token's expiry and time left, or None before the first login."""
        return self._keeper.current

    @property
    def logins(self) -> int:
        """How many logins this session has performed."""
        return self._keeper.logins

    def _secrets(self) -> tuple[str, ...]:
        """The password, key and current token, for scrubbing and for tests that look
        for leaks; never shown."""
        token = self._keeper.current
        return self._credentials.secrets() + ((token.value,) if token else ())

    def login(self) -> Token:
        """Log in now unless the current token is still fresh."""
        return self._keeper.token()

    # --- the notebook's login form (wiring only; it lives in cargamos_explore.notebook) ---
    @property
    def credentials_pending(self) -> bool:
        """True while the session waits for the notebook's login form to be used."""
        return self._credentials.pending

    def use_credentials(self, credentials: Credentials) -> None:
        """Log in as ``credentials`` from now on: the login form fills them in. The token
        is forgotten and the cache reopened under the new identity."""
        if not credentials.key:  # a key from the arguments or environment still holds
            credentials = dataclasses.replace(credentials, key=self._credentials.key)
        self._credentials = credentials
        self._keeper.forget()
        self._http.close()
        self._connect()

    def _show_login_form(self, env: Mapping[str, str]) -> None:
        from .notebook.prompt import show_login_form

        show_login_form(self, env)

    def renew(self) -> Token:
        """Log in now even if the token is still fresh; costs one more (billed) login."""
        return self._keeper.renew()

    def add_token_listener(self, listener: TokenListener) -> None:
        """Call ``listener(token)`` after every login, by any call or thread; its errors are
        logged, never raised. Notebook widgets use it to restart their countdown."""
        self._keeper.add_listener(listener)

    def _login(self) -> LoginResult:
        url = self.host + c.LOGIN_PATH
        creds = self._credentials
        if creds.pending:
            raise CredentialsNotFoundError(
                f"not logged in to {self.host} yet: log in with the form shown by cx.login() "
                "above, then run this cell again.")
        # The docs' cURL example sends an empty JSON body on this GET; so do we.
        response = send_with_retries(
            lambda: self._http.get(url, params={c.KEY_PARAM: creds.key}, json={},
                                   auth=(creds.username, creds.password),
                                   timeout=self.timeouts.as_tuple()),
            "GET", url, self._retries)
        self._check_login(response)
        data = unwrap(response)
        try:
            token, lifetime = data[c.TOKEN_FIELD], parse_expires_in(data[c.EXPIRES_IN_FIELD])
        except (TypeError, KeyError, ValueError) as err:
            raise UnexpectedResponseError(
                f"the login answer has no usable token or {c.EXPIRES_IN_FIELD}",
                status=response.status_code, method="GET", url=scrub(url)) from err
        log.info("Logged in to %s as %s; token valid for %.0f s.", self.host, creds.username,
                 lifetime)
        return str(token), lifetime

    def _check_login(self, response: requests.Response) -> None:
        status = response.status_code
        if status == c.HTTP_UNAUTHORIZED:
            raise AuthenticationError(
                f"{self.host} rejected the username or password for {self.username} "
                f"(credentials from {self.credentials_source}); check them, or request a "
                "reset with request_password_reset().")
        if status == c.HTTP_FORBIDDEN_KEY:
            raise UnknownKeyError(
                f"{self.host} does not know the organisation key, or it is disabled "
                f"(key from {self.credentials_source}); check the key Cargamos issued.")
        read_envelope(response)  # an HTML page raises here, with its status

    # --- calls ----------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None) -> requests.Response:
        """Send an authenticated call to ``path`` on this host; on 401 log in once more and
        retry it. A path that could reach another host raises UnsafePathError.

        A fresh cached answer is returned before any token is asked for, so a warm rerun
        costs no login. Offline, only cached answers (even stale ones) are returned.
        """
        url = resolve_path(self.host, path)
        cached = self._cached(method, url, path, params)
        if cached is not None:
            return cached
        return self._authorized(method, url, path, params, json)

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
        extra: dict[str, Any] = {}
        if self._cache is not None:
            extra["expire_after"] = self.cache_policy.expire_after(path, dict(params or {}))
        sent: list[Token] = []

        def attempt() -> requests.Response:
            # Asked for on every attempt: a Retry-After wait can outlast the token.
            sent.append(self._keeper.token())
            return self._http.request(method, url, params=params, json=json,
                                      timeout=self.timeouts.as_tuple(),
                                      auth=BearerAuth(sent[-1].value), **extra)

        response = send_with_retries(attempt, method, url, self._retries)
        self._count(response)
        log.debug("%s %s -> %s%s", method, path, response.status_code,
                  " (cached)" if getattr(response, "from_cache", False) else "")
        return response, sent[-1]

    def _cached(self, method: str, url: str, path: str, params: Mapping[str, Any] | None
                ) -> requests.Response | None:
        """The cached answer, if any, without sending anything or logging in."""
        if self._cache is None or method != "GET":
            if self._offline:
                raise NotCachedError(f"{method} {path} cannot be answered offline: only "
                                     "GET calls can, with the cache on")
            return None
        # Offline, an expired answer beats none: the notebook is rerun to see old results.
        headers = {"Cache-Control": f"stale-if-error={STALE_FOREVER}"} if self._offline else {}
        response = self._cache.request(method, url, params=params, headers=headers,
                                       only_if_cached=True, timeout=self.timeouts.as_tuple(),
                                       auth=NO_AUTH)
        # A miss comes back as requests-cache's own 504 "Not Cached"; only 200s are stored.
        if response.status_code == 200:
            self._count(response)
            return response
        if self._offline:
            raise NotCachedError(
                f"GET {path} with {dict(params or {})} is not in the cache; run it once "
                "online, or leave offline mode.")
        return None

    # --- cache ----------------------------------------------------------------------
    @property
    def caching(self) -> bool:
        return self._cache is not None

    @property
    def cache_hits(self) -> int:
        return self._counts["hits"]

    @property
    def cache_misses(self) -> int:
        return self._counts["misses"]

    def _count(self, response: requests.Response) -> None:
        if self.caching:
            with self._count_lock:
                self._counts["hits" if getattr(response, "from_cache", False) else "misses"] += 1

    def clear_cache(self) -> int:
        """Delete this user's cached answers (other users' stay); returns how many."""
        return 0 if self._cache is None else clear_identity(self._cache, self._cache_prefix)

    @contextlib.contextmanager
    def offline(self) -> Iterator[None]:
        """Serve only cached answers; a miss raises NotCachedError instead of calling."""
        previous, self._offline = self._offline, True
        try:
            yield
        finally:
            self._offline = previous

    @contextlib.contextmanager
    def cache_disabled(self) -> Iterator[None]:
        """Neither read nor write the cache inside this block."""
        if self._cache is None:
            yield
            return
        with self._cache.cache_disabled():
            yield

    def get_json(self, path: str, **params: Any) -> Any:
        """GET ``path`` and return the envelope's ``data``; errors raise CargamosError."""
        return unwrap(self.request("GET", path, params=params))

    def request_password_reset(self, username: str | None = None) -> None:
        """Ask Cargamos to e-mail ``username`` (default: this user) a password-reset link."""
        request_password_reset(self.host, self._credentials.key or "",
                               username or self.username, http=self._http,
                               retries=self._retries)

    # --- lifecycle ------------------------------------------------------------------
    def close(self) -> None:
        """Forget the token, close connections and stop an embedded sandbox."""
        self._keeper.forget()
        self._http.close()
        self._exit.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def summary(self) -> dict[str, Any]:
        """What the notebook card shows: no password, token or key, only their effects."""
        token = self._keeper.current
        return {"host": self.host, "username": self.username,
                "credentials_source": self.credentials_source, "logins": self.logins,
                "token_seconds_left": token.time_left.total_seconds() if token else None,
                "token_lifetime": token.lifetime if token else None,
                "caching": self.caching, "cache_hits": self.cache_hits,
                "cache_misses": self.cache_misses, "offline": self._offline}

    def _repr_html_(self) -> str:
        return formatters.session_html(self.summary())

    def __repr__(self) -> str:
        token = self._keeper.current
        state = f"valid {int(token.time_left.total_seconds())}s" if token else "none yet"
        cache = (f"cache={self.cache_hits} hits/{self.cache_misses} misses" if self.caching
                 else "cache=off")
        return (f"<{type(self).__name__} {self.host} user={self.username} "
                f"source={self.credentials_source} logins={self.logins} token={state} "
                f"{cache}{' offline' if self._offline else ''}>")


def request_password_reset(host: str, key: str, username: str, *,
                           http: requests.Session | None = None,
                           retries: Retries = Retries()) -> None:
    """Ask Cargamos to e-mail ``username`` a reset link; needs no password.

    The server answers the same whether or not the user exists, so this reveals nothing.
    """
    base = resolve_host(host, {}) or host
    url = base + c.PASSWORD_RECOVERY_PATH
    sender = http or mount_pools(requests.Session())
    response = send_with_retries(
        lambda: sender.post(url, params={c.KEY_PARAM: key},
                            json={c.RECOVERY_USERNAME_FIELD: username}, timeout=(5, 30),
                            auth=NO_AUTH),
        "POST", url, retries)
    if response.status_code == c.HTTP_FORBIDDEN_KEY:
        raise UnknownKeyError(f"{base} does not know the organisation key, or it is disabled.")
    unwrap(response)
