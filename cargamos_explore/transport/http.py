"""Transport settings and the one retry loop: timeouts, retries, pools, transport errors."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    InvalidHeader,
    NameResolutionError,
    NewConnectionError,
)
from urllib3.util.retry import Retry

from ..errors import TransportError
from ..scrub import scrub

HTTP = TypeVar("HTTP", bound=requests.Session)
#: One attempt of a call; called anew for every retry, so it can fetch a fresh token.
Attempt = Callable[[], requests.Response]
Sleep = Callable[[float], None]
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Answers that say the request was not processed: throttled, or refused while unavailable.
#: A 502 or 504 comes from a gateway that may have forwarded the request before its
#: upstream failed, so a call that must not run twice (a billed login) is not resent.
UNPROCESSED_STATUSES = frozenset({429, 503})
# POST is absent on purpose: creating orders twice is worse than an error.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Failures after the request went out (reset, read timeout): it may have been processed.
READ_RETRIES = 2
#: A login (the first contact with a host) whose connection is refused, or whose name does
#: not resolve, is tried once more: a host that is not there fails in seconds. A read of
#: a host that has answered retries a refused connection with the usual backoff (a server
#: restarting mid-read). A connect timeout is never retried: it would cost the same wait.
CONNECT_RETRIES = 1
RETRYABLE_FAILURES = (requests.ConnectionError, requests.Timeout,
                      requests.exceptions.ChunkedEncodingError)
NEVER_RETRIED = (requests.exceptions.InvalidJSONError,)


@dataclass(frozen=True)
class Retries:
    """How hard to try: at most ``total`` retries, backing off exponentially.

    The worst case waits about ``sum(backoff_factor * 2**n)`` capped at ``backoff_max`` per
    retry, plus ``max_retry_after`` per 429: bounded, whatever the server says.
    """

    total: int = 5
    backoff_factor: float = 0.25
    backoff_max: float = 8.0
    max_retry_after: float = 30.0

    def backoff(self, retry: int) -> float:
        """Seconds before retry number ``retry`` (1-based); the first goes at once."""
        return 0.0 if retry <= 1 else min(self.backoff_max,
                                          self.backoff_factor * 2 ** (retry - 1))

    def wait(self, response: requests.Response | None, retry: int) -> float:
        """The server's ``Retry-After`` (capped at ``max_retry_after``), else the backoff."""
        header = None if response is None else response.headers.get("Retry-After")
        try:
            after = None if header is None else Retry(0).parse_retry_after(header)
        except InvalidHeader:
            after = None
        return self.backoff(retry) if after is None else min(after, self.max_retry_after)


def send_with_retries(attempt: Attempt, method: str, url: str, retries: Retries, *,
                      resend: bool = True, sleep: Sleep = time.sleep) -> requests.Response:
    """Call ``attempt`` until it answers with a status not worth retrying, or retries end.

    Retries live here rather than in urllib3 because urllib3 resends the very same prepared
    request: after a long ``Retry-After`` wait that request carries an expired token, so
    each of our attempts prepares its request again. Failures below HTTP raise
    TransportError; the last answer is returned when every retry is used. ``resend=False``
    retries only what the server cannot have processed (a login is billed): a connection
    never made, a 429 or a 503, never a 502 or 504 (see UNPROCESSED_STATUSES).
    """
    failures = {"read": 0, "connect": 0}
    for retry in range(1, retries.total + 2):
        outcome = _try(attempt)
        last = retry > retries.total
        response = outcome if isinstance(outcome, requests.Response) else None
        if response is not None and (last or not _retry_status(response, method, resend)):
            return response
        if not isinstance(outcome, requests.Response):
            failures["connect" if _never_connected(outcome) else "read"] += 1
            if last or not _may_retry(outcome, method, failures, resend=resend):
                # Raised outside the except block, so nothing chains the library's
                # exception, whose text and request repeat ?key= and the Authorization.
                raise transport_error(outcome, method, url)
        sleep(retries.wait(response, retry))
    raise AssertionError("unreachable: the last try returns or raises")


def _try(attempt: Attempt) -> requests.Response | requests.RequestException:
    try:
        return attempt()
    except requests.RequestException as err:  # every one becomes a TransportError
        return err


def _retry_status(response: requests.Response, method: str, resend: bool) -> bool:
    statuses = RETRY_STATUSES if resend else UNPROCESSED_STATUSES
    return response.status_code in statuses and method.upper() in IDEMPOTENT_METHODS


def _may_retry(failure: requests.RequestException, method: str, failures: dict[str, int], *,
               resend: bool) -> bool:
    """A connection never made is safe to retry unless it timed out (a login only once,
    ``CONNECT_RETRIES``); a connection lost mid-answer only for an idempotent method, a few
    times; anything else (a body that cannot be encoded or decoded) never: it fails again."""
    if not isinstance(failure, RETRYABLE_FAILURES) or isinstance(failure, NEVER_RETRIED):
        return False
    if _never_connected(failure):
        return (_unreachable_reason(failure) != "timed out"
                and (resend or failures["connect"] <= CONNECT_RETRIES))
    return (resend and method.upper() in IDEMPOTENT_METHODS
            and failures["read"] <= READ_RETRIES)


@dataclass(frozen=True)
class Timeouts:
    """Seconds to connect, and to wait for each read of the answer."""

    # Short: a host that does not answer should fail in seconds, not a minute. A slow
    # answer is the read timeout's business, so the two are separate.
    connect: float = 3.05
    read: float = 60.0

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


class BearerAuth(requests.auth.AuthBase):
    """Sends the bearer token. Passed as ``auth=`` rather than as a header because requests
    applies a matching ``.netrc`` entry to any call without auth of its own, replacing the
    Authorization header with Basic credentials."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(REDACTED)"


class NoAuth(requests.auth.AuthBase):
    """No credentials at all, and none taken from ``.netrc`` either (see BearerAuth)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


NO_AUTH = NoAuth()


def mount_pools(http: HTTP, pool: int = 8) -> HTTP:
    """Size the connection pools; urllib3 itself never retries (see send_with_retries)."""
    adapter = HTTPAdapter(max_retries=0, pool_connections=pool, pool_maxsize=pool)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


def transport_error(err: requests.RequestException, method: str, url: str) -> TransportError:
    """Describe a failure below HTTP, saying whether the server may have seen the request.

    Raise it outside the ``except`` block: the library's own exception repeats the URL,
    ``?key=`` and all, so its scrubbed text is carried in the message instead of as the
    cause or context.
    """
    reached = not _never_connected(err)
    where = f"{method} {scrub(url)}"
    reason = None if reached else _unreachable_reason(err)
    if reason is not None:
        # The library's text (pools, retries, object addresses) says nothing more to a user.
        sent = err.request.url if err.request is not None and err.request.url else url
        return TransportError(
            f"could not reach {urlsplit(url).netloc}: {reason}. {method} {scrub(sent)} "
            "failed before a "
            "connection was made, so the server did not receive it; check the host and "
            "your network.", may_have_reached_server=False)
    if reached:
        advice = ("the server may have received it" + (
            "; check your shipments before sending these orders again" if method == "POST"
            else ""))
    else:
        advice = "the connection was never made, so the server did not receive it"
    detail = scrub(str(err))[:300]
    return TransportError(f"{where} failed: {type(err).__name__}; {advice}. ({detail})",
                          may_have_reached_server=reached)


def _unreachable_reason(err: BaseException) -> str | None:
    """Why a connection was never made, in words: refused, timed out or name not found."""
    causes = list(_causes(err))
    if any(isinstance(c, NameResolutionError | socket.gaierror) for c in causes):
        return "name not found"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused"
    # urllib3's NewConnectionError is a ConnectTimeoutError too: only a real timeout counts.
    if any(isinstance(c, requests.ConnectTimeout | ConnectTimeoutError | TimeoutError)
           and not isinstance(c, NewConnectionError) for c in causes):
        return "timed out"
    return None


def _causes(err: BaseException) -> Iterator[BaseException]:
    """``err`` and what it wraps: urllib3 keeps the cause in ``reason`` or ``args[0]``."""
    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = getattr(cause, "reason", None) or cause.__cause__ or (
            cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None)


def _never_connected(err: BaseException) -> bool:
    # A body requests cannot encode (NaN, say) fails before any connection is made.
    if isinstance(err, (requests.ConnectTimeout, requests.exceptions.InvalidJSONError)):
        return True
    return any(isinstance(c, NewConnectionError | ConnectTimeoutError) for c in _causes(err))
