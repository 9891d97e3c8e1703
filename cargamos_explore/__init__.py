"""Explore your Cargamos deliveries from a notebook.

>>> import cargamos_explore as cx
>>> cx.Session.__name__
'Session'
"""

from __future__ import annotations

from . import sandbox
from .auth import Token
from .config import Credentials
from .envelope import Message
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CargamosError,
    ConfigurationError,
    CredentialsNotFoundError,
    NotCachedError,
    NotFoundError,
    OrdersSheetError,
    PartialResultError,
    RateLimitedError,
    ServerError,
    TokenRejectedError,
    TransportError,
    UnexpectedResponseError,
    UnknownKeyError,
)
from .http import Retries, Timeouts
from .session import Session, login, request_password_reset

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CargamosError",
    "ConfigurationError",
    "Credentials",
    "CredentialsNotFoundError",
    "Message",
    "NotCachedError",
    "NotFoundError",
    "OrdersSheetError",
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
    "__version__",
    "login",
    "request_password_reset",
    "sandbox",
]
