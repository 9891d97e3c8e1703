"""Reads answered by one call: one shipment, the webhook settings, any GET endpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from .. import contract as c
from ..decoding import events_frame, generic_frame, shipments_frame, webhook_frame
from ..transport import Transport
from ..transport.envelope import unwrap_body
from ..transport.urls import shipment_path
from .provenance import with_provenance


def read_one(transport: Transport, path: str, build: Callable[[Any], pd.DataFrame],
             params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """GET ``path``, make a frame of the envelope's data with ``build``, note provenance."""
    response = transport.request("GET", path, params=params)
    body = unwrap_body(response)
    cached = bool(getattr(response, "from_cache", False))
    return with_provenance(build(body.get("data")), transport.host, path, dict(params or {}),
                           pages_from_cache=int(cached), api_version=body.get("version"),
                           fetched_at=transport.clock())


def shipment(transport: Transport, tracking_id: str) -> pd.DataFrame:
    return read_one(transport, shipment_path(tracking_id), lambda data: shipments_frame([data]))


def shipment_events(transport: Transport, tracking_id: str) -> pd.DataFrame:
    return read_one(transport, shipment_path(tracking_id), lambda data: events_frame([data]))


def webhook(transport: Transport) -> pd.DataFrame:
    return read_one(transport, c.WEBHOOK_PATH, webhook_frame)


def any_frame(transport: Transport, path: str, params: Mapping[str, Any]) -> pd.DataFrame:
    return read_one(transport, path, generic_frame, params)
