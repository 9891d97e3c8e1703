"""One shipper's data: generated history, shipments created through the API, its webhook."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson

from .. import contract as c
from .accounts import Organisation
from .data import ShipmentTable, generate, iso
from .render import render_rows

PAGE_CACHE_SIZE = 512
# ASCII digits and fullmatch: `\d` and `$` would also take other scripts' digits and a
# trailing newline, and answer for a shipment under an id that is not its own.
TRACKING_ID = re.compile(r"CG([0-9])([0-9]{10})")
GENERATED_BARCODE = re.compile(r"SHP([0-9]{8})")


class ShipperData:
    """Shipments of one organisation. The history is generated on first use."""

    def __init__(self, org: Organisation, *, size: int, seed: int, anchor: int) -> None:
        self.org = org
        self._size, self._seed, self._anchor = size, seed, anchor
        self._table: ShipmentTable | None = None
        self._created: list[dict[str, Any]] = []
        self._barcodes: set[str] = set()
        self.webhook: dict[str, Any] = {"url": None, "states": [], "active": False}
        self._pages: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def table(self) -> ShipmentTable:
        with self._lock:
            if self._table is None:
                self._table = generate(self._size, seed=self._seed * 1000 + self.org.number,
                                       anchor=self._anchor, prefix=self.org.prefix)
            return self._table

    def page_json(self, start: float, end: float, states: set[str] | None,
                  page: int, limit: int) -> bytes:
        """The ``data`` object of a list response, serialised. Recently served pages are
        kept, so that repeated reads measure the client rather than this server."""
        key = (start, end, frozenset(states or ()), page, limit, len(self._created))
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        items, total = self.page(start, end, states, page, limit)
        body = orjson.dumps({c.PAGE_ITEMS_FIELD: items, c.PAGE_PARAM: page,
                             c.LIMIT_PARAM: limit, c.PAGE_TOTAL_FIELD: total})
        with self._lock:
            self._pages[key] = body
            while len(self._pages) > PAGE_CACHE_SIZE:
                self._pages.popitem(last=False)
        return body

    def page(self, start: float, end: float, states: set[str] | None,
             page: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """Rows ``(page-1)*limit`` onwards of the matches, and the number of matches."""
        rows = self._matching_rows(start, end, states)
        extra = [s for s in self._created_snapshot()
                 if start <= _epoch(s["createdAt"]) < end and (not states or s["state"] in states)]
        first = (page - 1) * limit
        chosen = rows[first:first + limit]
        items = render_rows(self.table, chosen)
        if len(items) < limit:
            skip = max(0, first - rows.size)
            items += extra[skip:skip + limit - len(items)]
        return items, int(rows.size) + len(extra)

    def _matching_rows(self, start: float, end: float, states: set[str] | None) -> np.ndarray:
        created = self.table.columns["created"]
        lo, hi = np.searchsorted(created, [start, end], side="left")
        rows = np.arange(lo, hi)
        if states:
            wanted = [i for i, name in enumerate(c.STATES) if name in states]
            rows = rows[np.isin(self.table.columns["state"][lo:hi], wanted)]
        return rows

    def find(self, tracking_id: str) -> dict[str, Any] | None:
        match = TRACKING_ID.fullmatch(tracking_id)
        if not match or int(match.group(1)) != self.org.number:
            return None
        row = int(match.group(2))
        if row < len(self.table):
            return render_rows(self.table, np.array([row]))[0]
        return next((s for s in self._created_snapshot() if s["trackingId"] == tracking_id), None)

    def barcode_taken(self, barcode: str) -> bool:
        generated = GENERATED_BARCODE.fullmatch(barcode)
        if generated and int(generated.group(1)) < len(self.table):
            return bool(self.table.columns["has_barcode"][int(generated.group(1))])
        with self._lock:
            return barcode in self._barcodes

    def create(self, order: dict[str, Any]) -> str:
        """Store an accepted order as a CREATED shipment; returns its tracking id."""
        now = iso(np.array([int(time.time())]))[0]
        with self._lock:
            number = self._size + len(self._created)
            tracking_id = f"{self.org.prefix}{number:010d}"
            barcode = order.get("shipmentTrackingId")
            if isinstance(barcode, str) and barcode:
                self._barcodes.add(barcode)
            self._created.append(_new_shipment(order, tracking_id, now))
        return tracking_id

    def _created_snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._created)


def _new_shipment(order: dict[str, Any], tracking_id: str, now: str | None) -> dict[str, Any]:
    return {
        "trackingId": tracking_id,
        "shipmentId": tracking_id[2:],
        "shipmentTrackingId": order.get("shipmentTrackingId"),
        "lotId": order.get("lotId"),
        "state": "CREATED",
        "createdAt": now,
        "updatedAt": now,
        "shipperDropoffDate": order.get("shipperDropoffDate"),
        "expectedDeliveryDate": order.get("expectedDeliveryDate"),
        "deliveredAt": None,
        "attempts": 0,
        c.LOCATION_BLOCK: order.get(c.LOCATION_BLOCK),
        c.RECIPIENT_BLOCK: order.get(c.RECIPIENT_BLOCK),
        c.PACKAGE_BLOCK: order.get(c.PACKAGE_BLOCK),
        "events": [{"state": "CREATED", "timestamp": now, "anomalies": None}],
    }


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).astimezone(UTC).timestamp()
