"""Transport settings: urllib3 retries and timeouts mounted on a requests session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from .errors import TransportError
from .scrub import scrub

HTTP = TypeVar("HTTP", bound=requests.Session)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# POST is absent on purpose: creating orders twice is worse than an error.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class BoundedRetry(Retry):
    """urllib3's Retry, but a server's ``Retry-After`` can never stall us past a cap."""

    max_retry_after: float = 30.0

    def get_retry_after(self, response: Any) -> float | None:
        after = super().get_retry_after(response)
        return None if after is None else min(after, self.max_retry_after)


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

    def to_urllib3(self) -> Retry:
        retry = BoundedRetry(
            total=self.total, connect=self.total, read=2, status=self.total,
            backoff_factor=self.backoff_factor, backoff_max=self.backoff_max,
            status_forcelist=RETRY_STATUSES, allowed_methods=IDEMPOTENT_METHODS,
            respect_retry_after_header=True, raise_on_status=False,
        )
        retry.max_retry_after = self.max_retry_after
        return retry


@dataclass(frozen=True)
class Timeouts:
    """Seconds to connect, and to wait for each read of the answer."""

    connect: float = 5.0
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


def mount_retries(http: HTTP, retries: Retries, pool: int = 8) -> HTTP:
    adapter = HTTPAdapter(max_retries=retries.to_urllib3(), pool_connections=pool,
                          pool_maxsize=pool)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


def transport_error(err: requests.RequestException, method: str, url: str) -> TransportError:
    """Describe a failure below HTTP, saying whether the server may have seen the request.

    Raise it ``from None``: the library's own exception repeats the URL, ``?key=`` and
    all, so its scrubbed text is carried in the message instead of as the cause.
    """
    reached = not _never_connected(err)
    where = f"{method} {scrub(url)}"
    if reached:
        advice = ("the server may have received it" + (
            "; check your shipments before sending these orders again" if method == "POST"
            else ""))
    else:
        advice = "the connection was never made, so the server did not receive it"
    detail = scrub(str(err))[:300]
    return TransportError(f"{where} failed: {type(err).__name__}; {advice}. ({detail})",
                          may_have_reached_server=reached)


def _never_connected(err: BaseException) -> bool:
    if isinstance(err, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, (NewConnectionError, ConnectTimeoutError)):
            return True
        cause = getattr(cause, "reason", None) or cause.__cause__ or (
            cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None)
    return False
