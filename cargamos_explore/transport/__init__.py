"""The wire: one object owns the authenticated, cached, retried HTTP session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .cache import CachePolicy
from .envelope import Message
from .http import Retries, Timeouts
from .login import request_password_reset
from .token import Token
from .transport import Transport

if TYPE_CHECKING:
    from .recording import Cassette

__all__ = ["CachePolicy", "Cassette", "Message", "Retries", "Timeouts", "Token", "Transport",
           "request_password_reset"]


def __getattr__(name: str) -> Any:
    # vcrpy is imported only when a cassette is used: importing it with the package slowed
    # every import and made pytest warn that vcr.matchers could not be rewritten.
    if name != "Cassette":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .recording import Cassette

    return Cassette
