"""``POST /v1/orders``: the integrity layer (whole request) around per-order validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Response

from .. import contract as c
from .orders import Verdict, validate
from .wire import Failure, bool_arg, envelope, json_body

if TYPE_CHECKING:
    from .store import ShipperData

BODY_SHAPE = 'the body must be {"orders": [<order>, ...]} with at least one order'


def post_orders(data: ShipperData) -> Response:
    # Read first and strictly: a flag read as false by mistake would create real shipments.
    simulate = bool_arg(c.SIMULATE_PARAM, default=False)
    orders = _orders_in_body()
    batch: set[str] = set()
    results, msgs = [], [f"[INFO] {len(orders)} orders were successfully parsed"]
    for index, order in enumerate(orders):
        verdict = validate(order, index, lambda b: b in batch or data.barcode_taken(b))
        results.append(_result(order, verdict))
        if verdict.accepted:
            barcode = order.get("shipmentTrackingId")
            if isinstance(barcode, str) and barcode:
                batch.add(barcode)
            if not simulate:
                results[-1]["trackingId"] = data.create(order)
        else:
            msgs.append(f"[WARNING] [{c.CODE_ORDER_REJECTED}] [{verdict.item_id}] "
                        f"order {verdict.item_id} was rejected")
    return envelope(results, msgs)


def _orders_in_body() -> list[dict[str, Any]]:
    body = json_body()
    orders = body.get(c.ORDERS_FIELD) if isinstance(body, dict) else None
    if not isinstance(orders, list) or not orders or not all(isinstance(o, dict) for o in orders):
        raise Failure(c.HTTP_MALFORMED, c.CODE_MALFORMED_REQUEST, BODY_SHAPE)
    if len(orders) > c.MAX_ORDERS_PER_REQUEST:
        raise Failure(c.HTTP_MALFORMED, c.CODE_MALFORMED_REQUEST,
                      f"at most {c.MAX_ORDERS_PER_REQUEST} orders per request")
    return orders


def _result(order: dict[str, Any], verdict: Verdict) -> dict[str, Any]:
    barcode = order.get("shipmentTrackingId")
    return {"index": verdict.index, "msgs": verdict.messages(),
            "status": c.ORDER_ACCEPTED if verdict.accepted else c.ORDER_REJECTED,
            # Echo the shipper's barcode only when it is one: a rejected order with a wrong
            # type must not push that value into the response.
            "shipmentTrackingId": barcode if isinstance(barcode, str) else None}
