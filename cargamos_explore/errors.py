"""Every exception the toolkit raises, under one base.

    CargamosError
    ├── ConfigurationError               a setting is missing or unusable
    │   └── CredentialsNotFoundError     no credential source had a username and password
    ├── AuthenticationError              the server rejected the login (401)
    │   └── UnknownKeyError              the organisation key is unknown or disabled (403)
    ├── TokenRejectedError               a fresh token was refused again (second 401)
    ├── APIError                         the API answered with a failure envelope
    │   ├── BadRequestError              400: the request was malformed
    │   ├── NotFoundError                404: no such shipment for this shipper
    │   ├── RateLimitedError             429 after every retry
    │   ├── ServerError                  5xx after every retry
    │   └── UnexpectedResponseError      the body was not the JSON envelope (an HTML page)
    ├── TransportError                   the request failed below HTTP (connection, timeout)
    ├── UnsafePathError                  a path would send the call somewhere else (ValueError)
    ├── InvalidTrackingIdError           a value cannot be a tracking id (ValueError)
    ├── PartialResultError               a page failed part-way through a multi-page read
    ├── NotCachedError                   offline mode asked for data the cache does not hold
    ├── CassetteError                    a cassette cannot be used as asked
    │   ├── CassetteFileError            the cassette file is missing, already there, or unreadable
    │   ├── CassetteMissError            replay met a request the cassette never recorded
    │   ├── CassetteLeakError            a recording still held a secret; nothing was written
    │   └── RecordingError               a notebook failed (recorded or replayed), or wrote none
    ├── OrdersSheetError                 an orders sheet cannot be turned into orders
    ├── OrdersSubmissionError            a batch of orders failed part-way through a sheet
    ├── ExportError                      a dataset location cannot be exported to or read
    │   └── ExportLockedError            another export is writing to the same folder
    └── InvalidArgumentError             an argument's value is unusable (also a ValueError)
        └── InvalidArgumentTypeError     an argument has the wrong type (also a TypeError)

This module imports nothing from the package (but ``tracebacks``, the standard library
only, when IPython shows an error): every other module may import it.
"""

from __future__ import annotations

from typing import Any


class CargamosError(Exception):
    """Base class of every error raised by cargamos_explore.

    In IPython and Jupyter it shows as its message and the line of your code that raised
    it; ``%tb plain`` shows the full traceback of the last error (see ``tracebacks``).
    """

    def _render_traceback_(self) -> list[str]:
        """IPython's hook for the lines to show in place of the traceback."""
        from .tracebacks import render  # the standard library only; needed only in IPython

        return render(self)


class ConfigurationError(CargamosError):
    """Raised when a setting (host, key, cache location) is missing or unusable."""


class CredentialsNotFoundError(ConfigurationError):
    """Raised when no credential source provides a username and password.

    Nothing was sent to the server: the fix is to pass credentials or set them in a source.
    """


class AuthenticationError(CargamosError):
    """Raised when the login call answers 401: the username or password is wrong.

    Never retried: a retried wrong password costs money and can lock the account.
    """


class UnknownKeyError(AuthenticationError):
    """Raised when the login call answers 403: the organisation key is unknown or disabled."""


class TokenRejectedError(CargamosError):
    """Raised when a call is refused with 401 again right after a fresh login."""


class APIError(CargamosError):
    """Raised when the API answers with a failure: a non-2xx status or a FAILED envelope.

    ``status`` is the HTTP status, ``messages`` the parsed envelope messages (possibly
    empty), ``method`` and ``url`` name the call with every secret removed.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        messages: tuple[Any, ...] = (),
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.messages = messages
        self.method = method
        self.url = url


class BadRequestError(APIError):
    """Raised on 400: the server found the request malformed (see ``messages``)."""


class NotFoundError(APIError):
    """Raised on 404: the shipper has no such shipment (or the path does not exist)."""


class RateLimitedError(APIError):
    """Raised on 429 once every retry honouring ``Retry-After`` has been used."""


class ServerError(APIError):
    """Raised on a 5xx status once every retry has been used."""


class UnexpectedResponseError(APIError):
    """Raised when the body is not the JSON envelope, e.g. a proxy's HTML error page."""


class TransportError(CargamosError):
    """Raised when a request fails below HTTP: refused connection, reset, timeout.

    ``may_have_reached_server`` is False only when the connection was never established,
    so a non-idempotent call (creating orders) is known not to have happened.
    """

    def __init__(self, message: str, *, may_have_reached_server: bool) -> None:
        super().__init__(message)
        self.may_have_reached_server = may_have_reached_server


class UnsafePathError(CargamosError, ValueError):
    """Raised before anything is sent when a path given to ``get_json``, ``get_frame`` or
    ``request`` could reach another host (a full URL elsewhere, ``//host``, ``@``, a
    backslash, ``..``, control characters): the call would carry the token there."""


class InvalidTrackingIdError(CargamosError, ValueError):
    """Raised before anything is sent when a ``tracking_id`` is not a string, is empty, or
    holds characters no tracking id has (``/``, ``?``, ``#``, whitespace, ``.``/``..``)."""


class PartialResultError(CargamosError):
    """Raised when one page of a multi-page read fails after its retries.

    ``rows_fetched`` counts the rows that did arrive; no partial frame is returned.
    """

    def __init__(self, message: str, *, rows_fetched: int) -> None:
        super().__init__(message)
        self.rows_fetched = rows_fetched


class NotCachedError(CargamosError):
    """Raised in offline mode when the requested data is not in the cache."""


class CassetteError(CargamosError):
    """Raised when a cassette cannot be used as asked: one ``Cassette`` opened by a second
    session while the first still has it open, used after it was closed, or opened while
    requests-cache is installed globally (its answers would bypass the recording)."""


class CassetteFileError(CassetteError):
    """Raised before any request when the cassette file does not suit the mode: ``replay``
    and no file, ``record`` and a file already there, or a file that cannot be replayed,
    whatever is wrong with it (unreadable, not YAML, a ``!!python/`` tag, an interaction
    without a valid method, URI, status, headers or body, a first line without the
    recording's clock and day); the message names the file and the fault."""


class CassetteMissError(CassetteError):
    """Raised during replay, instead of any network call, when a request was never
    recorded. ``method`` and ``path`` name it (with the organisation key redacted)."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class CassetteLeakError(CassetteError):
    """Raised when a finished recording still contains a secret value (a password, the
    organisation key, a Basic value, an issued token, a cookie, or a value the caller
    named). Nothing is written: an existing cassette at that path is left as it was.
    The message says where the value was found, never the value."""


class RecordingError(CassetteError):
    """Raised by ``cargamos-explore record`` when the notebook it runs fails (nothing is
    recorded then; an existing cassette is left as it was), or runs to the end without
    writing its cassette (it never called ``cx.login(cassette=...)`` or
    ``session.close()``); and by ``cargamos-explore run-notebooks`` when a notebook fails
    while replaying its cassette (the saved notebook is left as it was)."""


class OrdersSheetError(CargamosError):
    """Raised before any request when an orders sheet has missing or unknown columns, or
    cells that cannot be sent (an infinite weight); ``problems`` lists every one at once."""

    def __init__(self, message: str, *, problems: tuple[str, ...]) -> None:
        super().__init__(message)
        self.problems = problems


class OrdersSubmissionError(CargamosError):
    """Raised when one batch of a sheet's orders fails and the sheet had other rows
    (answered before it, or never sent after it).

    ``results`` holds every row of the sheet (aligned with its index) with an ``outcome``
    column saying what became of it (see ``outcomes.OUTCOMES``), and the server's answer for
    the rows it answered (tracking ids of the created ones). ``first_unsent`` is the first
    input position not known to be sent, and ``may_have_reached_server`` whether the
    failing batch may have been created anyway.
    """

    def __init__(self, message: str, *, results: Any, first_unsent: int,
                 may_have_reached_server: bool) -> None:
        super().__init__(message)
        self.results = results
        self.first_unsent = first_unsent
        self.may_have_reached_server = may_have_reached_server


class ExportError(CargamosError):
    """Raised before anything is fetched when a dataset location cannot be used: pyarrow
    does not know its filesystem, its manifest is unreadable or was written by another
    export (other states, a newer format), a folder of the dataset is a symbolic link, or
    ``open_dataset`` finds no dataset there or a file its manifest names is missing; also
    when a file written cannot be read back."""


class ExportLockedError(ExportError):
    """Raised at once, before anything is fetched, when another export (another process or
    thread) is writing to the same dataset folder. Nothing was written; run the export
    again once the other one has finished."""


class DatasetClosedError(ExportError):
    """Raised by a dashboard over a dataset (``cx.explore(connection)``) when its DuckDB
    connection has been closed under it; open the dataset again for a new dashboard."""


class InvalidArgumentError(CargamosError, ValueError):
    """Raised before any request when an argument's value cannot be used (a ``start`` that
    is not a date, ``max_rows=0``, ``end`` before ``start``).

    ``argument`` names the argument; the message starts with it and says what is accepted.
    """

    def __init__(self, message: str, *, argument: str) -> None:
        super().__init__(message)
        self.argument = argument


class InvalidArgumentTypeError(InvalidArgumentError, TypeError):
    """Raised before any request when an argument has the wrong type (``start=20260101``,
    ``max_rows=True``, a list where an orders DataFrame belongs); also a TypeError."""


class UnknownValueWarning(UserWarning):
    """Warned when a category column (a state, a package type) holds a value the toolkit
    does not know; the value is kept as an extra category."""


class EmptyWindowWarning(UserWarning):
    """Warned when a list read comes back empty and its date window explains why: the
    window lies wholly after today, or ended before the sandbox's history begins (the
    sandbox holds the 90 days up to today; a fixed date in an example goes out of it)."""
