"""The Session: what an analyst reads and sends, as typed frames, over the Client's calls."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import pandas as pd
import requests

from . import contract as c
from . import frames, orders, reading
from .client import Client
from .envelope import unwrap, unwrap_body
from .errors import InvalidTrackingIdError, UnexpectedResponseError
from .paging import Decoded, Page, Rows
from .reading import When


class Session(Client):
    """A logged-in connection to one Cargamos host as one user, answering in DataFrames.

    Credentials come from the arguments, else the environment, keyring, .netrc or a prompt.
    With no host anywhere, an embedded sandbox is started and its demo account used.
    """

    def fetch_page(self, path: str, params: Mapping[str, Any], number: int, limit: int,
                   decode: Callable[[bytes], Decoded[Rows]]) -> Page[Rows]:
        """One page of a list endpoint (1-based ``number``), its body made into rows by
        ``decode``; any failure raises the same errors as ``get_json``."""
        response = self.request("GET", path, params={**params, c.PAGE_PARAM: number,
                                                     c.LIMIT_PARAM: limit})
        decoded = _decoded(response, decode)
        return Page(number, decoded.rows, decoded.count, decoded.first_id, decoded.total,
                    bool(getattr(response, "from_cache", False)), decoded.version)

    # --- frames ---------------------------------------------------------------------
    def shipments(self, start: When = None, end: When = None, states: Any = None, *,
                  max_rows: int | None = None, progress: bool | None = None,
                  concurrency: int = 4) -> pd.DataFrame:
        """Shipments created between ``start`` and ``end`` (dates, datetimes or ISO
        strings; default the last 30 days), one row each, optionally only some ``states``."""
        return reading.shipments(self, start, end, states, max_rows=max_rows,
                                 progress=progress, concurrency=concurrency)

    def events(self, start: When = None, end: When = None, states: Any = None, *,
               max_rows: int | None = None, progress: bool | None = None,
               concurrency: int = 4) -> pd.DataFrame:
        """One row per state change of the same shipments ``shipments()`` returns."""
        return reading.events(self, start, end, states, max_rows=max_rows,
                              progress=progress, concurrency=concurrency)

    def shipment(self, tracking_id: str) -> pd.DataFrame:
        """One shipment as a one-row frame; its events are in ``shipment_events()``."""
        return self._one(shipment_path(tracking_id), lambda data: frames.shipments_frame([data]))

    def shipment_events(self, tracking_id: str) -> pd.DataFrame:
        """The state changes of one shipment, one row each."""
        return self._one(shipment_path(tracking_id), lambda data: frames.events_frame([data]))

    def webhook(self) -> pd.DataFrame:
        """The organisation's webhook settings as a one-row frame."""
        return self._one(c.WEBHOOK_PATH, frames.webhook_frame)

    def get_frame(self, path: str, **params: Any) -> pd.DataFrame:
        """Any GET endpoint as a frame with flattened snake_case columns (no schema)."""
        return self._one(path, frames.generic_frame, params)

    def _one(self, path: str, build: Callable[[Any], pd.DataFrame],
             params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        response = self.request("GET", path, params=params)
        body = unwrap_body(response)
        return reading.with_provenance(build(body.get("data")), self, path, dict(params or {}),
                                       from_cache=bool(getattr(response, "from_cache", False)),
                                       api_version=body.get("version"))

    def validate_orders(self, sheet: pd.DataFrame, *, progress: bool | None = None
                        ) -> pd.DataFrame:
        """Dry run: check every row of an orders sheet with the server; nothing is created.

        A sheet with no rows returns an empty results frame without calling the server.
        """
        return orders.submit(sheet, lambda batch: self._post_orders(batch, simulate=True),
                             creates=False, progress=progress)

    def create_orders(self, sheet: pd.DataFrame, *, progress: bool | None = None
                      ) -> pd.DataFrame:
        """Create a shipment per accepted row. Never retried blindly: if a batch fails
        part-way, OrdersSubmissionError says which rows were created, may exist, or were
        never sent. A sheet with no rows returns an empty results frame and sends nothing.
        """
        return orders.submit(sheet, lambda batch: self._post_orders(batch, simulate=False),
                             creates=True, progress=progress)

    def _post_orders(self, batch: list[dict[str, Any]], *, simulate: bool) -> Any:
        params = {c.SIMULATE_PARAM: str(simulate).lower()}
        return unwrap(self.request("POST", c.ORDERS_PATH, params=params,
                                   json={c.ORDERS_FIELD: batch}))


def login(host: str | None = None, **options: Any) -> Session:
    """Create a Session and log in at once, so bad credentials fail here.

    >>> import cargamos_explore as cx
    >>> with cx.login(sandbox_options={"size": 50}) as session:
    ...     session.logins
    1
    """
    session = Session(host, **options)
    if options.get("offline") or session.credentials_pending:
        # Offline, nothing may be sent; a pending session logs in when its form is used.
        return session
    try:
        session.login()
    except BaseException:
        session.close()
        raise
    return session


def shipment_path(tracking_id: object) -> str:
    """The path of one shipment, its id checked and encoded as one path segment.

    >>> shipment_path("CG1000000001")
    '/v1/shipments/CG1000000001'
    """
    if not isinstance(tracking_id, str):
        problem = f"is a {type(tracking_id).__name__}, not a string"
    elif tracking_id in ("", ".", ".."):
        problem = "is empty or a path step"
    elif any(ch in "/\\?#%" or ch.isspace() or not ch.isprintable() for ch in tracking_id):
        problem = "contains '/', '\\', '?', '#', '%', whitespace or a control character"
    else:
        # Encoded even when checked: quoting is what keeps the id one segment.
        return c.SHIPMENT_PATH.format(tracking_id=quote(tracking_id, safe=""))
    shown = repr(tracking_id)[:60] if isinstance(tracking_id, str) else "it"
    raise InvalidTrackingIdError(
        f"tracking_id {shown} {problem}, so it cannot be a tracking id; pass one as the "
        "shipments frame shows it, e.g. 'CG1000000001'.")


def _decoded(response: requests.Response, decode: Callable[[bytes], Decoded[Rows]]
             ) -> Decoded[Rows]:
    """Decode a successful page; anything else raises the envelope's error."""
    decoded = None
    if response.ok:
        with contextlib.suppress(ValueError):  # not JSON: unwrap() below says what it was
            decoded = decode(response.content)
    if decoded is None or decoded.status != c.STATUS_OK:
        unwrap(response)
        raise UnexpectedResponseError(
            f"a page of {response.request.path_url.split('?')[0]} could not be read",
            status=response.status_code)
    return decoded
