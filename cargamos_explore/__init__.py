"""Explore your Cargamos deliveries from a notebook.

>>> import cargamos_explore as cx
>>> cx.Session.__name__
'Session'
"""

from __future__ import annotations

import typing as _typing

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
from .notebook.provenance import provenance
from .session import Session, login

if _typing.TYPE_CHECKING:
    from .notebook.indicator import TokenIndicator
    from .notebook.login_form import LoginForm

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
    "LoginForm",
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
    "TokenIndicator",
    "TokenRejectedError",
    "TransportError",
    "UnexpectedResponseError",
    "UnknownKeyError",
    "UnknownValueWarning",
    "UnsafePathError",
    "__version__",
    "kpis",
    "login",
    "provenance",
    "request_password_reset",
    "sandbox",
]

#: Widgets load ipywidgets (and through it IPython), which would slow down every
#: ``import cargamos_explore``; they are imported on first use instead.
_LAZY = {"LoginForm": ".notebook.login_form", "TokenIndicator": ".notebook.indicator"}


def __getattr__(name: str) -> _typing.Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value
