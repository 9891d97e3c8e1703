"""JSON Schemas of the contract's bodies, built from ``contract`` so that the two cannot drift.

``openapi`` assembles them into the document the sandbox serves at ``/openapi.json``.
"""

from __future__ import annotations

from typing import Any, Final

from .. import contract as c

Schema = dict[str, Any]

STRING: Final[Schema] = {"type": "string"}
NULLABLE_STRING: Final[Schema] = {"type": ["string", "null"]}
NUMBER: Final[Schema] = {"type": "number"}
LEVELS: Final = "DEBUG|INFO|WARNING|ERROR"  # the message grammar (contract.MESSAGE_PATTERN)
#: Tagged messages (LEGACY): `[LEVEL] [CODE] [ITEM_ID] free text`, CODE and ITEM_ID optional.
MESSAGE: Final[Schema] = {"type": "string", "pattern": rf"^\s*\[({LEVELS})\]"}
ERROR_MESSAGE: Final[Schema] = {"type": "string", "pattern": r"^\[ERROR\] \[[A-Z][A-Z0-9_]*\] "}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def ok_envelope(data: Schema) -> Schema:
    """The success envelope (DOC) around ``data``."""
    return {
        "type": "object",
        "required": ["version", "status", "timestamp", "data"],
        "properties": {
            "version": {"type": "string", "examples": [c.API_VERSION]},
            "status": {"const": c.STATUS_OK},
            "timestamp": {"type": "integer", "description": "epoch milliseconds"},
            "data": data,
            "msgs": {"type": "array", "items": MESSAGE},
        },
    }


def failure_envelope() -> Schema:
    """The failure envelope (ASSUMED, after LEGACY): FAILED, no data, tagged ERROR messages."""
    return {
        "type": "object",
        "required": ["version", "status", "timestamp", "data", "msgs"],
        "properties": {
            "version": STRING,
            "status": {"const": c.STATUS_FAILED},
            "timestamp": {"type": "integer"},
            "data": {"type": "null"},
            "msgs": {"type": "array", "minItems": 1, "items": ERROR_MESSAGE},
        },
    }


def login_data() -> Schema:
    return {
        "type": "object",
        "required": [c.TOKEN_FIELD, c.EXPIRES_IN_FIELD],
        "properties": {
            c.TOKEN_FIELD: {"type": "string", "minLength": 1},
            c.EXPIRES_IN_FIELD: {"type": "string", "pattern": "^[0-9]+$",
                                 "description": "seconds, as a string (DOC)"},
        },
    }


def event() -> Schema:
    return {
        "type": "object",
        "required": ["state", "timestamp", "anomalies"],
        "properties": {"state": ref("State"), "timestamp": NULLABLE_STRING,
                       "anomalies": {"type": ["object", "null"]}},
    }


def shipment() -> Schema:
    texts = ("trackingId", "shipmentId", "createdAt", "updatedAt")
    optional_texts = ("shipmentTrackingId", "lotId", "shipperDropoffDate",
                      "expectedDeliveryDate", "deliveredAt")
    blocks = (c.LOCATION_BLOCK, c.RECIPIENT_BLOCK, c.PACKAGE_BLOCK)
    properties: Schema = {
        **{name: STRING for name in texts},
        **{name: NULLABLE_STRING for name in optional_texts},
        **{name: {"type": ["object", "null"]} for name in blocks},
        "state": ref("State"),
        "attempts": {"type": "integer", "minimum": 0},
        "events": {"type": "array", "items": ref("Event")},
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def shipment_page() -> Schema:
    counts = (c.PAGE_PARAM, c.LIMIT_PARAM, c.PAGE_TOTAL_FIELD)
    return {
        "type": "object",
        "required": [c.PAGE_ITEMS_FIELD, *counts],
        "properties": {
            c.PAGE_ITEMS_FIELD: {"type": "array", "maxItems": c.MAX_LIMIT,
                                 "items": ref("Shipment")},
            **{name: {"type": "integer", "minimum": 0} for name in counts},
        },
    }


def order_result() -> Schema:
    return {
        "type": "object",
        "required": ["index", "status", "msgs", "shipmentTrackingId"],
        "properties": {
            "index": {"type": "integer", "minimum": 0},
            "status": {"enum": [c.ORDER_ACCEPTED, c.ORDER_REJECTED]},
            "msgs": {"type": "array", "items": MESSAGE},
            "trackingId": {"type": "string",
                           "description": "only when accepted and not simulated"},
            "shipmentTrackingId": NULLABLE_STRING,
        },
    }


def orders_request() -> Schema:
    """Only the integrity layer is a schema: an order that breaks ``Order`` is rejected on its
    own, inside a 200 (contract 4.1), so declaring it here would call that 200 a mistake."""
    return {
        "type": "object",
        "required": [c.ORDERS_FIELD],
        "properties": {c.ORDERS_FIELD: {
            "type": "array", "minItems": 1, "maxItems": c.MAX_ORDERS_PER_REQUEST,
            "items": {"type": "object", "description": "an order: see the Order schema"},
        }},
    }


def order() -> Schema:
    """An order as the sandbox validates it (DOC content, ASSUMED names). Documentation only:
    see ``orders_request``."""
    return {
        "type": "object",
        "required": [c.LOCATION_BLOCK, c.RECIPIENT_BLOCK, *c.SERVICE_REQUIRED],
        "properties": {
            c.LOCATION_BLOCK: _location(),
            c.RECIPIENT_BLOCK: _recipient(),
            c.PACKAGE_BLOCK: _package(),
            **{name: {"type": "string", "format": "date-time"} for name in c.SERVICE_REQUIRED},
            **{name: NULLABLE_STRING for name in c.SERVICE_OPTIONAL},
        },
    }


def _location() -> Schema:
    texts = (*c.LOCATION_COMPONENTS, c.FULL_ADDRESS_FIELD, "intNumber", "country", "notes",
             "reference")
    return {
        "type": "object",
        "required": [c.POSTAL_CODE_FIELD],
        "description": f"either the components ({', '.join(c.LOCATION_COMPONENTS)}) or "
                       f"{c.FULL_ADDRESS_FIELD}, never both",
        "properties": {
            **{name: NULLABLE_STRING for name in texts},
            c.POSTAL_CODE_FIELD: {"type": "string", "pattern": c.POSTAL_CODE_PATTERN.pattern},
            "lat": NUMBER, "lng": NUMBER,
        },
    }


def _recipient() -> Schema:
    return {
        "type": "object",
        "required": list(c.RECIPIENT_REQUIRED),
        "properties": {"fullName": STRING,
                       "phone": {"type": "string", "pattern": c.PHONE_PATTERN.pattern},
                       **{name: NULLABLE_STRING for name in c.RECIPIENT_OPTIONAL}},
    }


def _package() -> Schema:
    enums = {"packageType": c.PACKAGE_TYPES, "weightUnit": c.WEIGHT_UNITS,
             "dimensionsUnit": c.DIMENSION_UNITS}
    numbers = ("contentValue", "weight", "length", "width", "height")
    return {
        "type": "object",
        "properties": {
            **{name: {"enum": list(values)} for name, values in enums.items()},
            **{name: NUMBER for name in numbers},
            "description": NULLABLE_STRING, "valueCurrency": NULLABLE_STRING,
            c.PACKAGE_ITEMS_FIELD: {"type": "array", "items": {"type": "object"}},
        },
    }


def webhook(*, request: bool) -> Schema:
    """The webhook settings; a new shipper's webhook has no URL yet, so only the answer may
    carry a null one."""
    url: Schema = ({"type": "string", "pattern": "^https?://"} if request
                   else {"type": ["string", "null"]})
    return {
        "type": "object",
        "required": ["url", "states", "active"],
        "properties": {"url": url,
                       "states": {"type": "array", "items": {"type": "string", "minLength": 1}},
                       "active": {"type": "boolean"}},
    }


def components() -> dict[str, Schema]:
    return {
        "Failure": failure_envelope(),
        "State": {"type": "string", "description": "open set; documented names: "
                  + ", ".join(c.STATES), "examples": list(c.STATES)},
        "Event": event(),
        "Shipment": shipment(),
        "ShipmentPage": shipment_page(),
        "LoginData": login_data(),
        "OrderResult": order_result(),
        "Order": order(),
        "Webhook": webhook(request=False),
    }
