"""Explore your Cargamos deliveries from a notebook.

>>> import cargamos_explore as cx
>>> cx.Session.__name__
'Session'
"""

from __future__ import annotations

import typing as _typing

from .analysis import KPIReport, kpis
from .bootstrap import Credentials
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CargamosError,
    CassetteError,
    CassetteFileError,
    CassetteLeakError,
    CassetteMissError,
    ConfigurationError,
    CredentialsNotFoundError,
    DatasetClosedError,
    EmptyWindowWarning,
    ExportError,
    ExportLockedError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    InvalidTrackingIdError,
    NotCachedError,
    NotFoundError,
    OrdersSheetError,
    OrdersSubmissionError,
    PartialResultError,
    RateLimitedError,
    RecordingError,
    ServerError,
    TokenRejectedError,
    TransportError,
    UnexpectedResponseError,
    UnknownKeyError,
    UnknownValueWarning,
    UnsafePathError,
)
from .notebook.provenance import provenance
from .queries import ShipmentSearch
from .session import Session
from .start import login
from .transport import (
    CachePolicy,
    Message,
    Retries,
    Timeouts,
    Token,
    request_password_reset,
)

if _typing.TYPE_CHECKING:
    from . import sandbox
    from .cassettes import Cassette
    from .export.duck import open_dataset
    from .export.excel import to_excel
    from .notebook.explore import explore
    from .notebook.indicator import TokenIndicator
    from .notebook.login_form import LoginForm

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CachePolicy",
    "CargamosError",
    "Cassette",
    "CassetteError",
    "CassetteFileError",
    "CassetteLeakError",
    "CassetteMissError",
    "ConfigurationError",
    "Credentials",
    "CredentialsNotFoundError",
    "DatasetClosedError",
    "EmptyWindowWarning",
    "ExportError",
    "ExportLockedError",
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
    "RecordingError",
    "Retries",
    "ServerError",
    "Session",
    "ShipmentSearch",
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
    "explore",
    "kpis",
    "login",
    "open_dataset",
    "provenance",
    "request_password_reset",
    "sandbox",
    "to_excel",
]

#: Widgets load ipywidgets (and through it IPython), which would slow down every
#: ``import cargamos_explore``; they are imported on first use instead.
_LAZY = {"LoginForm": ".notebook.login_form", "TokenIndicator": ".notebook.indicator",
         "explore": ".notebook.explore",
         # The export loads pyarrow.parquet, and open_dataset DuckDB: only when used.
         "open_dataset": ".export.duck",
         # XlsxWriter: only for those who write a workbook.
         "to_excel": ".export.excel",
         # vcrpy, likewise: only sessions with a cassette need it.
         "Cassette": ".cassettes.cassette"}
#: The sandbox pulls in Flask: imported when first used, never by the client itself.
_LAZY_MODULES = {"sandbox": ".sandbox"}


def __getattr__(name: str) -> _typing.Any:
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(_LAZY_MODULES[name], __name__)
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value
