"""The two calls made without a token: logging in, and asking for a password reset."""

from __future__ import annotations

import logging

import requests
import requests.auth

from .. import contract as c
from ..bootstrap import Credentials, resolve_host
from ..errors import (
    AuthenticationError,
    InvalidArgumentError,
    UnexpectedResponseError,
    UnknownKeyError,
)
from ..scrub import scrub
from .envelope import read_envelope, unwrap
from .http import NO_AUTH, Retries, Timeouts, mount_pools, send_with_retries
from .token import LoginResult, parse_expires_in

log = logging.getLogger("cargamos_explore")


def log_in(http: requests.Session, host: str, credentials: Credentials, *, retries: Retries,
           timeouts: Timeouts) -> LoginResult:
    """One login: the token and its lifetime, or the error that says why not."""
    url = host + c.LOGIN_PATH
    # The docs' cURL example sends an empty JSON body on this GET; so do we.
    response = send_with_retries(
        lambda: http.get(url, params={c.KEY_PARAM: credentials.key}, json={},
                         auth=basic_auth(credentials),
                         timeout=timeouts.as_tuple(), allow_redirects=False),
        "GET", url, retries, resend=False)  # a login the server may have seen is billed
    _check_login(response, host, credentials)
    data = unwrap(response)
    try:
        token, lifetime = data[c.TOKEN_FIELD], parse_expires_in(data[c.EXPIRES_IN_FIELD])
    except (TypeError, KeyError, ValueError) as err:
        raise UnexpectedResponseError(
            f"the login answer has no usable token or {c.EXPIRES_IN_FIELD}",
            status=response.status_code, method="GET", url=scrub(url)) from err
    log.info("Logged in to %s as %s; token valid for %.0f s.", host, credentials.username,
             lifetime)
    return str(token), lifetime


def basic_auth(credentials: Credentials) -> requests.auth.HTTPBasicAuth:
    """The username and password as bytes in the contract's charset: requests encodes
    text as Latin-1, which cannot carry "€" (its UnicodeEncodeError holds the password)
    and turns "ñ" into a byte a UTF-8 server reads as another password (RFC 7617)."""
    encoded = _encoded(credentials)
    if encoded is None:  # raised here, not while handling the error that holds the password
        raise InvalidArgumentError(
            "the username or password holds a character that cannot be sent (a lone "
            "surrogate, as a broken copy and paste can leave); type it again",
            argument="password")
    return requests.auth.HTTPBasicAuth(*encoded)


def _encoded(credentials: Credentials) -> tuple[bytes, bytes] | None:
    try:
        return (credentials.username.encode(c.BASIC_CHARSET),
                credentials.password.encode(c.BASIC_CHARSET))
    except UnicodeEncodeError:
        return None


def _check_login(response: requests.Response, host: str, credentials: Credentials) -> None:
    status, source = response.status_code, credentials.source
    if status == c.HTTP_UNAUTHORIZED:
        raise AuthenticationError(
            f"{host} rejected the username or password for {credentials.username} "
            f"(credentials from {source}); check them, or request a reset with "
            "request_password_reset().")
    if status == c.HTTP_FORBIDDEN_KEY:
        raise UnknownKeyError(
            f"{host} does not know the organisation key, or it is disabled "
            f"(key from {source}); check the key Cargamos issued.")
    read_envelope(response)  # an HTML page raises here, with its status


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
                            auth=NO_AUTH, allow_redirects=False),
        "POST", url, retries)
    if response.status_code == c.HTTP_FORBIDDEN_KEY:
        raise UnknownKeyError(f"{base} does not know the organisation key, or it is disabled.")
    unwrap(response)
