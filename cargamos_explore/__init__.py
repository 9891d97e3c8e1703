"""Explore your Cargamos deliveries from a notebook.

>>> import cargamos_explore as cx
>>> cx.Session.__name__
'Session'
"""

from __future__ import annotations

from . import sandbox
from .auth import Token
from .cache import CachePolicy
from .client import request_password_reset
from .config import Credentials
from .envelope import Message
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CargamosError,
    ConfigurationError,
    CredentialsNotFoundError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    InvalidTrackingIdError,
    NotCachedError,
    NotFoundError,
    OrdersSheetError,
    OrdersSubmissionError,
    PartialResultError,
    RateLimitedError,
    ServerError,
    TokenRejectedError,
    TransportError,
    UnexpectedResponseError,
    UnknownKeyError,
    UnknownValueWarning,
    UnsafePathError,
)
from .http import Retries, Timeouts
from .kpis import KPIReport, kpis
from .session import Session, login

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CachePolicy",
    "CargamosError",
    "ConfigurationError",
    "Credentials",
    "CredentialsNotFoundError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "InvalidTrackingIdError",
    "KPIReport",
    "Message",
    "NotCachedError",
    "NotFoundError",
    "OrdersSheetError",
    "OrdersSubmissionError",
    "PartialResultError",
    "RateLimitedError",
    "Retries",
    "ServerError",
    "Session",
    "Timeouts",
    "Token",
    "TokenRejectedError",
    "TransportError",
    "UnexpectedResponseError",
    "UnknownKeyError",
    "UnknownValueWarning",
    "UnsafePathError",
    "__version__",
    "kpis",
    "login",
    "request_password_reset",
    "sandbox",
]
