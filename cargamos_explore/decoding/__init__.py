"""Bytes and records -> typed columns, following the column tables in ``schema``."""

from __future__ import annotations

from .pages import Page, records_page, shipments_page, to_frame
from .records import events_frame, generic_frame, shipments_frame, webhook_frame

__all__ = ["Page", "events_frame", "generic_frame", "records_page", "shipments_frame",
           "shipments_page", "to_frame", "webhook_frame"]
