"""The Session: the only owner of the HTTP session, the token and the credentials."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import requests

from . import contract as c
from . import frames, orders, reading
from .auth import Clock, LoginResult, Token, TokenKeeper, parse_expires_in
from .config import DEFAULT_SOURCES, Source, find_credentials, resolve_host
from .envelope import read_envelope, unwrap, unwrap_body
from .errors import (
    AuthenticationError,
    TokenRejectedError,
    UnexpectedResponseError,
    UnknownKeyError,
)
from .http import Retries, Timeouts, mount_retries, transport_error
from .paging import Page, page_from_envelope
from .reading import When
from .scrub import install_log_filters, scrub

log = logging.getLogger("cargamos_explore")


class Session:
    """A logged-in connection to one Cargamos host as one user.

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
        resolved = resolve_host(host, env)
        demo = resolved is None and username is None and password is None
        if resolved is None:
            resolved, username, password, key = self._start_sandbox(
                username, password, key, sandbox_options or {})
        self.host = resolved
        self._credentials = find_credentials(
            self.host, username=username, password=password, key=key, env=env, sources=sources)
        if demo:
            self._credentials = dataclasses.replace(self._credentials, source="sandbox demo")
        self.timeouts = timeouts
        self._http = mount_retries(requests.Session(), retries)
        self._keeper = TokenKeeper(self._login, margin=renew_margin, clock=clock)

    def _start_sandbox(self, username: str | None, password: str | None, key: str | None,
                       options: Mapping[str, Any]) -> tuple[str, str | None, str | None, str]:
        from .sandbox import DEMO_ORGANISATIONS, serve

        url = self._exit.enter_context(serve(**options))
        demo = DEMO_ORGANISATIONS[0]
        demo_user, demo_password = next(iter(demo.users.items()))
        log.warning("No Cargamos host configured: using the local sandbox at %s as %s.",
                    url, username or demo_user)
        if username is None and password is None:
            return url, demo_user, demo_password, key or demo.key
        return url, username, password, key or demo.key

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

    def secrets(self) -> tuple[str, ...]:
        token = self._keeper.current
        return self._credentials.secrets() + ((token.value,) if token else ())

    def login(self) -> Token:
        """Log in now unless the current token is still fresh."""
        return self._keeper.token()

    def _login(self) -> LoginResult:
        url = self.host + c.LOGIN_PATH
        creds = self._credentials
        try:
            # The docs' cURL example sends an empty JSON body on this GET; so do we.
            response = self._http.get(url, params={c.KEY_PARAM: creds.key}, json={},
                                      auth=(creds.username, creds.password),
                                      timeout=self.timeouts.as_tuple())
        except requests.RequestException as err:
            raise transport_error(err, "GET", url) from err
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
        """Send an authenticated call; on 401 log in once more and retry it once."""
        token = self._keeper.token()
        response = self._send(method, path, params, json, token)
        if response.status_code != c.HTTP_UNAUTHORIZED:
            return response
        log.info("The token was refused (revoked or expired early); logging in again.")
        self._keeper.reject(token)
        response = self._send(method, path, params, json, self._keeper.token())
        if response.status_code == c.HTTP_UNAUTHORIZED:
            raise TokenRejectedError(
                f"{method} {path} was refused with 401 even with a fresh token; the account "
                "may lack access to this endpoint.")
        return response

    def _send(self, method: str, path: str, params: Mapping[str, Any] | None, json: Any,
              token: Token) -> requests.Response:
        url = self.host + path
        try:
            response = self._http.request(
                method, url, params=params, json=json, timeout=self.timeouts.as_tuple(),
                headers={"Authorization": f"Bearer {token.value}"})
        except requests.RequestException as err:
            raise transport_error(err, method, url) from err
        log.debug("%s %s -> %s", method, path, response.status_code)
        return response

    def get_json(self, path: str, **params: Any) -> Any:
        """GET ``path`` and return the envelope's ``data``; errors raise CargamosError."""
        return unwrap(self.request("GET", path, params=params))

    def fetch_page(self, path: str, params: Mapping[str, Any], number: int,
                   limit: int) -> Page:
        """One page of a list endpoint (1-based ``number``)."""
        response = self.request("GET", path, params={**params, c.PAGE_PARAM: number,
                                                     c.LIMIT_PARAM: limit})
        return page_from_envelope(number, unwrap_body(response),
                                  bool(getattr(response, "from_cache", False)))

    # --- frames ---------------------------------------------------------------------
    def shipments(self, start: When = None, end: When = None, states: Any = None, *,
                  max_rows: int | None = None, progress: bool | None = None,
                  concurrency: int = 4) -> pd.DataFrame:
        """Shipments created between ``start`` and ``end`` (dates, datetimes or ISO
        strings; default the last 30 days), one row each, optionally only some ``states``."""
        return reading.shipments(self, start, end, states, max_rows=max_rows,
                                 progress=progress, concurrency=concurrency)

    def events(self, start: When = None, end: When = None, states: Any = None, *,
               max_rows: int | None = None, progress: bool | None = None,
               concurrency: int = 4) -> pd.DataFrame:
        """One row per state change of the same shipments ``shipments()`` returns."""
        return reading.events(self, start, end, states, max_rows=max_rows,
                              progress=progress, concurrency=concurrency)

    def shipment(self, tracking_id: str) -> pd.DataFrame:
        """One shipment as a one-row frame; its events are in ``shipment_events()``."""
        return self._one(c.SHIPMENT_PATH.format(tracking_id=tracking_id),
                         lambda data: frames.shipments_frame([data]))

    def shipment_events(self, tracking_id: str) -> pd.DataFrame:
        return self._one(c.SHIPMENT_PATH.format(tracking_id=tracking_id),
                         lambda data: frames.events_frame([data]))

    def webhook(self) -> pd.DataFrame:
        """The organisation's webhook settings as a one-row frame."""
        return self._one(c.WEBHOOK_PATH, frames.webhook_frame)

    def get_frame(self, path: str, **params: Any) -> pd.DataFrame:
        """Any GET endpoint as a frame with flattened snake_case columns (no schema)."""
        return self._one(path, frames.generic_frame, params)

    def _one(self, path: str, build: Callable[[Any], pd.DataFrame],
             params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        response = self.request("GET", path, params=params)
        body = unwrap_body(response)
        return reading.with_provenance(build(body.get("data")), self, path, dict(params or {}),
                                       from_cache=bool(getattr(response, "from_cache", False)),
                                       api_version=body.get("version"))

    def validate_orders(self, sheet: pd.DataFrame, *, progress: bool | None = None
                        ) -> pd.DataFrame:
        """Dry run: check every row of an orders sheet with the server; nothing is created."""
        return orders.submit(sheet, lambda batch: self._post_orders(batch, simulate=True),
                             progress=progress)

    def create_orders(self, sheet: pd.DataFrame, *, progress: bool | None = None
                      ) -> pd.DataFrame:
        """Create a shipment per accepted row. Never retried blindly: see the errors."""
        return orders.submit(sheet, lambda batch: self._post_orders(batch, simulate=False),
                             progress=progress)

    def _post_orders(self, batch: list[dict[str, Any]], *, simulate: bool) -> Any:
        params = {c.SIMULATE_PARAM: str(simulate).lower()}
        return unwrap(self.request("POST", c.ORDERS_PATH, params=params,
                                   json={c.ORDERS_FIELD: batch}))

    def request_password_reset(self, username: str | None = None) -> None:
        """Ask Cargamos to e-mail ``username`` (default: this user) a password-reset link."""
        request_password_reset(self.host, self._credentials.key or "",
                               username or self.username, http=self._http)

    # --- lifecycle ------------------------------------------------------------------
    def close(self) -> None:
        """Forget the token, close connections and stop an embedded sandbox."""
        self._keeper.forget()
        self._http.close()
        self._exit.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        token = self._keeper.current
        state = f"valid {int(token.time_left.total_seconds())}s" if token else "none yet"
        return (f"<Session {self.host} user={self.username} "
                f"source={self.credentials_source} logins={self.logins} token={state}>")


def request_password_reset(host: str, key: str, username: str, *,
                           http: requests.Session | None = None) -> None:
    """Ask Cargamos to e-mail ``username`` a reset link; needs no password.

    The server answers the same whether or not the user exists, so this reveals nothing.
    """
    url = resolve_host(host, {}) or host
    sender = http or mount_retries(requests.Session(), Retries())
    try:
        response = sender.post(url + c.PASSWORD_RECOVERY_PATH, params={c.KEY_PARAM: key},
                               json={c.RECOVERY_USERNAME_FIELD: username}, timeout=(5, 30))
    except requests.RequestException as err:
        raise transport_error(err, "POST", url + c.PASSWORD_RECOVERY_PATH) from err
    if response.status_code == c.HTTP_FORBIDDEN_KEY:
        raise UnknownKeyError(f"{url} does not know the organisation key, or it is disabled.")
    unwrap(response)


def login(host: str | None = None, **options: Any) -> Session:
    """Create a Session and log in at once, so bad credentials fail here.

    >>> import cargamos_explore as cx
    >>> with cx.login(sandbox_options={"size": 50}) as session:
    ...     session.logins
    1
    """
    session = Session(host, **options)
    try:
        session.login()
    except BaseException:
        session.close()
        raise
    return session
