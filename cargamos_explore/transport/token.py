"""The bearer token: its expiry, and renewal that logs in once however many threads ask."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from ..errors import AuthenticationError

log = logging.getLogger("cargamos_explore")

Clock = Callable[[], float]
#: What a login returns: the token value and its lifetime in seconds.
LoginResult = tuple[str, float]
#: Told about every new token, e.g. to restart a countdown in a notebook.
TokenListener = Callable[["Token"], object]


def parse_expires_in(raw: object) -> float:
    """``expiresIn`` is a string of seconds in the docs; accept numbers as well.

    >>> parse_expires_in("3600"), parse_expires_in(3600), parse_expires_in(" 59.5 ")
    (3600.0, 3600.0, 59.5)
    """
    if isinstance(raw, bool):
        raise ValueError("expiresIn must be a number of seconds")
    seconds = float(raw.strip() if isinstance(raw, str) else raw)  # type: ignore[arg-type]
    if not seconds > 0:
        raise ValueError("expiresIn must be a positive number of seconds")
    return seconds


@dataclass(frozen=True)
class Token:
    """A bearer token. Its value never appears in the repr.

    The expiry counts from when the login request was *sent*, not answered, so a slow
    login can only make us renew early, never late.
    """

    value: str = field(repr=False)
    sent_at: float
    lifetime: float
    margin: float
    clock: Clock = field(repr=False, compare=False)

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.sent_at + self.lifetime, UTC)

    @property
    def renew_at(self) -> float:
        # Never more than half the lifetime early: a short-lived token must not turn
        # into a login on every call.
        return self.sent_at + self.lifetime - min(self.margin, self.lifetime / 2)

    @property
    def time_left(self) -> timedelta:
        return timedelta(seconds=max(0.0, self.sent_at + self.lifetime - self.clock()))

    @property
    def is_fresh(self) -> bool:
        """True until the renewal point (expiry minus the margin)."""
        return self.clock() < self.renew_at

    def __reduce__(self) -> NoReturn:
        # A pickle is a file, a cache entry or a saved notebook: a live token must not ride.
        raise TypeError("a Token cannot be pickled: it holds a live bearer token. Keep "
                        "expires_at if you need it; log in again for a new token.")

    def __copy__(self) -> Token:
        return self  # frozen: a copy would be equal in every way

    def __deepcopy__(self, memo: object) -> Token:
        return self

    def __repr__(self) -> str:
        left = int(self.time_left.total_seconds())
        expires = self.expires_at.isoformat(timespec="seconds")
        return f"Token(expires_at={expires}, time_left={left}s)"


class TokenKeeper:
    """Holds the current token and renews it single-flight.

    The first caller that finds the token stale logs in while holding the lock; every other
    caller waits on the lock and then reuses the new token, so one lifetime costs one login.
    """

    def __init__(self, login: Callable[[], LoginResult], *, margin: float = 60.0,
                 clock: Clock) -> None:
        self._login = login
        self._margin = margin
        self._clock = clock
        self._token: Token | None = None
        self._lock = threading.Lock()
        self._listeners: list[TokenListener] = []
        self._refused: AuthenticationError | None = None
        self.logins = 0

    @property
    def current(self) -> Token | None:
        return self._token

    def token(self) -> Token:
        """A fresh token, logging in only if the current one is missing or stale."""
        token = self._token
        if token is not None and token.is_fresh:
            return token
        with self._lock:
            token = self._token
            if token is not None and token.is_fresh:
                return token
            token = self._log_in()
        self._notify(token)
        return token

    def renew(self) -> Token:
        """Log in now even if the current token is fresh (one more billed login)."""
        with self._lock:
            token = self._log_in()
        self._notify(token)
        return token

    def _log_in(self) -> Token:
        if self._refused is not None:
            # The same credentials would be refused again: each try is billed, and several
            # can lock the account. Threads that queued behind the refusal get it too.
            raise type(self._refused)(str(self._refused)) from None
        sent_at = self._clock()
        try:
            value, lifetime = self._login()
        except AuthenticationError as err:
            self._refused = err
            raise
        self.logins += 1
        self._token = Token(value, sent_at, lifetime, self._margin, self._clock)
        return self._token

    def add_listener(self, listener: TokenListener) -> None:
        """Call ``listener(token)`` after every login, outside the lock (so it may read the
        keeper); a listener's exception is logged and never reaches the caller."""
        self._listeners.append(listener)

    def _notify(self, token: Token) -> None:
        for listener in list(self._listeners):
            try:
                listener(token)
            except Exception:
                log.exception("A token listener failed; the login itself succeeded.")

    def reject(self, token: Token) -> None:
        """Forget ``token`` after the server refused it; only the first of several threads
        that saw the same refusal clears it, so they share one re-login."""
        with self._lock:
            if self._token is token:
                self._token = None

    def forget(self) -> None:
        """Drop the token, and any refusal: new credentials may follow."""
        with self._lock:
            self._token = None
            self._refused = None
