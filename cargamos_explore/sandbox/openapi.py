"""The contract as an OpenAPI 3.1 document, served by the sandbox at ``/openapi.json``.

Paths, parameters, fields and statuses all come from ``contract``, so correcting an
assumption there corrects the document too. Every status an operation can answer is listed,
each failure with the FAILED envelope, so that a generic tool (Schemathesis in the tests) can
hold the sandbox to it. The ``/_sandbox/*`` knobs are not part of the contract and are left out.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from .. import contract as c
from .schemas import Schema, components, ok_envelope, orders_request, ref, webhook
from .wire import MAX_PAGE

BASIC: Final[list[dict[str, list[str]]]] = [{"basicAuth": []}]
BEARER: Final[list[dict[str, list[str]]]] = [{"bearerAuth": []}]
#: Statuses any /v1 call may get whatever it asks: throttling, outages, a proxy's error page.
TROUBLE: Final = (c.HTTP_RATE_LIMITED, c.HTTP_UNAVAILABLE, 502)
FAILURES: Final = {
    c.HTTP_MALFORMED: "malformed request: a missing, repeated or invalid parameter or body",
    c.HTTP_UNAUTHORIZED: "bad credentials, or a missing, expired or revoked token",
    c.HTTP_FORBIDDEN_KEY: "unknown or disabled key",
    c.HTTP_NOT_FOUND: "no such shipment for this shipper",
    c.HTTP_RATE_LIMITED: "too many requests; retry after Retry-After seconds",
    c.HTTP_UNAVAILABLE: "server trouble; try again later",
}
#: An order the sandbox accepts: Roma Norte is covered, the promise is 35 h after drop-off.
EXAMPLE_ORDER: Final = {
    c.LOCATION_BLOCK: {"street": "Calle Durango", "number": "120", "neighborhood": "Roma Norte",
                       "subAdministrativeArea": "Cuauhtémoc",
                       "administrativeArea": "Ciudad de México", c.POSTAL_CODE_FIELD: "06700"},
    c.RECIPIENT_BLOCK: {"fullName": "Sofía Reyes", "phone": "+52 55 11112222"},
    c.PACKAGE_BLOCK: {"packageType": "BOX", "weight": 800, "length": 20, "width": 15,
                      "height": 10},
    "shipperDropoffDate": "2026-12-01T10:00:00-06:00",
    "expectedDeliveryDate": "2026-12-02T21:00:00-06:00",
}
DESCRIPTION: Final = (
    "The Cargamos shipper API as cargamos-explore assumes it (see the project's contract: "
    "DOC items come from Cargamos' documentation, the rest are LEGACY or ASSUMED). Every "
    "failure is the FAILED envelope; a method a path does not list gets 405 with an Allow "
    "header."
)


def document() -> bytes:
    """The document, serialised once: it never changes while a sandbox runs."""
    return orjson.dumps(spec())


def spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Cargamos shipper API (cargamos-explore contract)",
                 "version": c.API_VERSION, "description": DESCRIPTION},
        "paths": {
            c.LOGIN_PATH: {"get": _login()},
            c.PASSWORD_RECOVERY_PATH: {"post": _recovery()},
            c.SHIPMENTS_PATH: {"get": _shipments()},
            c.SHIPMENT_PATH.replace("tracking_id", "trackingId"): {"get": _shipment()},
            c.ORDERS_PATH: {"post": _orders()},
            c.WEBHOOK_PATH: {"get": _webhook_get(), "put": _webhook_put()},
        },
        "components": {
            "schemas": components(),
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic",
                              "description": "e-mail and password, only to log in (DOC), "
                                             f"encoded as {c.BASIC_CHARSET} (ASSUMED)"},
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": f"the login's token, valid "
                                              f"{c.TOKEN_LIFETIME_SECONDS} s (DOC)"},
            },
        },
    }


def _responses(data: Schema, *failures: int, links: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK", "content": _json(ok_envelope(data))}
    if links:
        ok["links"] = links
    answers = {"200": ok}
    for status in sorted((*failures, *TROUBLE)):
        answers[str(status)] = _failure(status)
    return answers


def _failure(status: int) -> dict[str, Any]:
    if status == 502:
        return {"description": "a proxy's error page, not JSON (clients must cope)",
                "content": {"text/html": {"schema": {"type": "string"}}}}
    answer: dict[str, Any] = {"description": FAILURES[status], "content": _json(ref("Failure"))}
    if status == c.HTTP_RATE_LIMITED:
        answer["headers"] = {"Retry-After": {"required": True, "description": "seconds",
                                             "schema": {"type": "string",
                                                        "pattern": "^[0-9]+$"}}}
    return answer


def _json(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _query(name: str, schema: Schema, description: str, *, required: bool = False
           ) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def _key() -> dict[str, Any]:
    return _query(c.KEY_PARAM, {"type": "string", "minLength": 1},
                  "the shipper organisation's key (DOC)", required=True)


def _login() -> dict[str, Any]:
    return {
        "operationId": "login", "security": BASIC,
        "summary": "Log in with Basic credentials and the organisation key (DOC)",
        "description": "The docs' example also sends a body of {} on this GET; it is ignored.",
        "parameters": [_key()],
        "responses": _responses(ref("LoginData"), c.HTTP_MALFORMED, c.HTTP_UNAUTHORIZED,
                                c.HTTP_FORBIDDEN_KEY),
    }


def _recovery() -> dict[str, Any]:
    body = {"type": "object", "required": [c.RECOVERY_USERNAME_FIELD],
            "properties": {c.RECOVERY_USERNAME_FIELD: {"type": "string"}}}
    return {
        "operationId": "recoverPassword", "security": [],
        "summary": "E-mail a password reset link; answers alike whether the user exists (DOC)",
        "parameters": [_key()],
        "requestBody": {"required": True, "content": _json(body)},
        "responses": _responses({"type": "null"}, c.HTTP_MALFORMED, c.HTTP_FORBIDDEN_KEY),
    }


def _shipments() -> dict[str, Any]:
    moment = {"anyOf": [{"type": "string", "format": "date"},
                        {"type": "string", "format": "date-time"}]}
    start, end, state = (c.LIST_PARAMS[k] for k in ("start", "end", "state"))
    return {
        "operationId": "listShipments", "security": BEARER,
        "summary": "The shipper's shipments created in a date range, a page at a time",
        "parameters": [
            _query(start, moment, "from this date (local midnight) or moment; default "
                                  f"{c.DEFAULT_WINDOW_DAYS} days before {end} (ASSUMED)"),
            _query(end, moment, "until this date (inclusive) or moment, default tomorrow; "
                                f"before {start}, no shipment matches (ASSUMED)"),
            _query(state, {"type": "string"},
                   f"states joined by '{c.STATE_SEPARATOR}', e.g. MISHAP,CREATED"),
            _query(c.PAGE_PARAM, {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                  "default": 1}, "1-based page number"),
            _query(c.LIMIT_PARAM, {"type": "integer", "minimum": 1, "maximum": c.MAX_LIMIT,
                                   "default": 100}, "shipments per page"),
        ],
        "responses": _responses(ref("ShipmentPage"), c.HTTP_MALFORMED, c.HTTP_UNAUTHORIZED),
    }


def _shipment() -> dict[str, Any]:
    return {
        "operationId": "getShipment", "security": BEARER,
        "summary": "One shipment with its events",
        "parameters": [{"name": "trackingId", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": _responses(ref("Shipment"), c.HTTP_UNAUTHORIZED, c.HTTP_NOT_FOUND),
    }


def _orders() -> dict[str, Any]:
    link = {"GetShipmentOfOrder": {
        "operationId": "getShipment",
        "parameters": {"trackingId": "$response.body#/data/0/trackingId"},
        "description": "the shipment the first order became (when accepted, not simulated)",
    }}
    return {
        "operationId": "createOrders", "security": BEARER,
        "summary": "Validate orders and turn the accepted ones into shipments",
        "description": "Per-order rejections do not fail the request: each order gets its "
                       "own ACCEPTED or REJECTED result inside a 200.",
        "parameters": [_query(c.SIMULATE_PARAM, {"type": "boolean", "default": False},
                              "true: validate only, create nothing (exactly true or false)")],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": orders_request(), "example": {c.ORDERS_FIELD: [EXAMPLE_ORDER]}}}},
        "responses": _responses({"type": "array", "items": ref("OrderResult")},
                                c.HTTP_MALFORMED, c.HTTP_UNAUTHORIZED, links=link),
    }


def _webhook_get() -> dict[str, Any]:
    return {"operationId": "getWebhook", "security": BEARER,
            "summary": "The shipper's webhook settings",
            "responses": _responses(ref("Webhook"), c.HTTP_UNAUTHORIZED)}


def _webhook_put() -> dict[str, Any]:
    return {"operationId": "putWebhook", "security": BEARER,
            "summary": "Replace the shipper's webhook settings",
            "requestBody": {"required": True, "content": _json(webhook(request=True))},
            "responses": _responses(ref("Webhook"), c.HTTP_MALFORMED, c.HTTP_UNAUTHORIZED)}
