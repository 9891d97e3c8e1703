"""The wire: one object owns the authenticated, cached, retried HTTP session."""

from __future__ import annotations

from .cache import CachePolicy
from .envelope import Message
from .http import Retries, Timeouts
from .login import request_password_reset
from .token import Token
from .transport import Transport

__all__ = ["CachePolicy", "Message", "Retries", "Timeouts", "Token", "Transport",
           "request_password_reset"]
