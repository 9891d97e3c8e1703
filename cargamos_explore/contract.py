"""The Cargamos API contract in one table: every path, field and code this toolkit assumes.

Cargamos documents the login call (DOC) and older guides describe the envelope and the
message grammar (LEGACY); everything else here is ASSUMED. Both the client and the sandbox
import these names, so correcting an assumption is one edit in this module.
"""

from __future__ import annotations

import re
from typing import Final
from zoneinfo import ZoneInfo

#: Hosts. DOC: the docs never print a base URL; these presets come from third-party code.
HOST_PRESETS: Final = {
    "production": "https://api.platform.cargamos.com",  # ASSUMED
    "test": "https://api.unstable.cargamos.com",  # ASSUMED
}

# --- Paths -----------------------------------------------------------------------------
LOGIN_PATH: Final = "/v1/login"  # DOC
PASSWORD_RECOVERY_PATH: Final = "/v1/password/recovery"  # DOC
ORDERS_PATH: Final = "/v1/orders"  # ASSUMED
SHIPMENTS_PATH: Final = "/v1/shipments"  # ASSUMED
SHIPMENT_PATH: Final = "/v1/shipments/{tracking_id}"  # ASSUMED
WEBHOOK_PATH: Final = "/v1/webhook"  # ASSUMED

# --- Query parameters and bodies -------------------------------------------------------
KEY_PARAM: Final = "key"  # DOC
#: How Basic credentials are encoded before base64: UTF-8, as RFC 7617's charset="UTF-8"
#: asks. ASSUMED: the docs' example is ASCII only.
BASIC_CHARSET: Final = "utf-8"
SIMULATE_PARAM: Final = "simulate"  # LEGACY dry-run flag, ASSUMED spelling
RECOVERY_USERNAME_FIELD: Final = "username"  # ASSUMED
ORDERS_FIELD: Final = "orders"  # ASSUMED
LIST_PARAMS: Final = {"start": "from", "end": "to", "state": "state"}  # ASSUMED
#: A list read without ``from`` starts this many days before its ``to`` (ASSUMED), so that
#: ``to`` alone is never "before" a default counted from today. A ``to`` before ``from``
#: is a window no shipment falls in: an empty page, not an error (ASSUMED).
DEFAULT_WINDOW_DAYS: Final = 30
PAGE_PARAM: Final = "page"  # ASSUMED, 1-based
LIMIT_PARAM: Final = "limit"  # ASSUMED
MAX_LIMIT: Final = 500  # ASSUMED
PAGE_ITEMS_FIELD: Final = "items"  # ASSUMED
PAGE_TOTAL_FIELD: Final = "total"  # ASSUMED

# --- Envelope ----------------------------------------------------------------------------
STATUS_OK: Final = "OK"  # DOC
STATUS_FAILED: Final = "FAILED"  # ASSUMED, after LEGACY
TOKEN_FIELD: Final = "token"  # DOC
EXPIRES_IN_FIELD: Final = "expiresIn"  # DOC: a string of seconds
TOKEN_LIFETIME_SECONDS: Final = 3600  # DOC
API_VERSION: Final = "1.0.0"  # DOC example

#: HTTP statuses of failures. ASSUMED, after LEGACY.
HTTP_MALFORMED: Final = 400
HTTP_UNAUTHORIZED: Final = 401
HTTP_FORBIDDEN_KEY: Final = 403
HTTP_NOT_FOUND: Final = 404
HTTP_RATE_LIMITED: Final = 429
HTTP_METHOD_NOT_ALLOWED: Final = 405  # with an Allow header (RFC 9110)
HTTP_UNAVAILABLE: Final = 503

#: `[LEVEL] [CODE] [ITEM_ID] free text` (LEGACY). CODE and ITEM_ID are optional.
MESSAGE_PATTERN: Final = re.compile(
    r"^\s*\[(?P<level>DEBUG|INFO|WARNING|ERROR)\]"
    r"(?:\s*\[(?P<code>[A-Z][A-Z0-9_]*)\])?"
    r"(?:\s*\[(?P<item>[^\]\s]+)\])?"
    r"\s*(?P<text>.*)$",
    re.DOTALL,
)

# --- Shipment states ---------------------------------------------------------------------
#: DOC names. The full list is not published: clients must keep unknown states.
STATES: Final = ("CREATED", "OUT_FOR_DELIVERY", "DELIVERY_ATTEMPTED", "DELIVERED", "MISHAP")
FINAL_STATES: Final = ("DELIVERED",)  # ASSUMED
MAX_ATTEMPTS: Final = 3  # ASSUMED
#: Anomaly codes of a MISHAP event (ASSUMED): why a shipment stopped on its way.
MISHAP_ATTEMPTS_EXHAUSTED: Final = "ATTEMPTS_EXHAUSTED"
MISHAP_DAMAGED_OR_LOST: Final = ("DAMAGED_PACKAGE", "LOST_PACKAGE")

# --- Orders ------------------------------------------------------------------------------
ORDER_ACCEPTED: Final = "ACCEPTED"  # ASSUMED
ORDER_REJECTED: Final = "REJECTED"  # ASSUMED
#: Message codes the sandbox emits. ASSUMED, except ORDER_REJECTED and the LEGACY examples.
CODE_ORDER_REJECTED: Final = "ORDER_REJECTED"  # LEGACY
CODE_MISSING_FIELD: Final = "MISSING_FIELD"
CODE_INVALID_FIELD: Final = "INVALID_FIELD"
CODE_NO_COVERAGE: Final = "NO_COVERAGE"
CODE_UNFULFILLABLE_PROMISE: Final = "UNFULFILLABLE_PROMISE"
CODE_DUPLICATE_TRACKING_ID: Final = "DUPLICATE_TRACKING_ID"
CODE_MISSING_DIMENSIONS: Final = "MISSING_DIMENSIONS"
CODE_MALFORMED_REQUEST: Final = "MALFORMED_REQUEST"
CODE_UNAUTHORIZED: Final = "UNAUTHORIZED"
CODE_FORBIDDEN: Final = "FORBIDDEN"
CODE_NOT_FOUND: Final = "NOT_FOUND"
CODE_RATE_LIMITED: Final = "RATE_LIMITED"
CODE_UNAVAILABLE: Final = "UNAVAILABLE"
CODE_METHOD_NOT_ALLOWED: Final = "METHOD_NOT_ALLOWED"

#: Order blocks (DOC content, ASSUMED property names).
LOCATION_BLOCK: Final = "recipientLocation"
RECIPIENT_BLOCK: Final = "recipientInformation"
PACKAGE_BLOCK: Final = "package"

LOCATION_COMPONENTS: Final = (
    "street", "number", "neighborhood", "subAdministrativeArea", "administrativeArea",
)  # DOC: required in component form
LOCATION_OPTIONAL: Final = ("intNumber", "country", "lat", "lng", "notes", "reference")  # DOC
FULL_ADDRESS_FIELD: Final = "fullAddress"  # DOC
POSTAL_CODE_FIELD: Final = "postalCode"  # DOC
RECIPIENT_REQUIRED: Final = ("fullName", "phone")  # DOC
RECIPIENT_OPTIONAL: Final = ("email",)  # DOC
PACKAGE_FIELDS: Final = (
    "packageType", "description", "contentValue", "valueCurrency", "weight", "weightUnit",
    "length", "width", "height", "dimensionsUnit",
)  # DOC
PACKAGE_ITEMS_FIELD: Final = "items"  # DOC (Carta Porte lines)
PACKAGE_TYPES: Final = ("UNIT", "BOX", "ENVELOPE", "BAG", "BUNDLE", "PALLET", "DUMMY")  # DOC
WEIGHT_UNITS: Final = ("G", "KG", "OZ", "LB", "T")  # DOC
DIMENSION_UNITS: Final = ("CM", "M", "IN")  # DOC CM; M and IN ASSUMED
SERVICE_REQUIRED: Final = ("shipperDropoffDate", "expectedDeliveryDate")  # DOC meaning
SERVICE_OPTIONAL: Final = ("lotId", "shipmentTrackingId")  # DOC meaning
#: Accepted phone forms (DOC): 5511112222, +525511112222, +52 5511112222, +52 55 11112222.
PHONE_PATTERN: Final = re.compile(r"^(?:\+52 ?)?(?:\d{10}|\d{2} \d{8})$")
POSTAL_CODE_PATTERN: Final = re.compile(r"^\d{5}$")

#: Mexico City is UTC-06:00 all year (no DST since 2022).
#: The sandbox's history: shipments created in the days up to today (ASSUMED for a real
#: account, which keeps what it created). An empty read outside it warns why.
SANDBOX_HISTORY_DAYS: Final = 90
TIMEZONE: Final = "America/Mexico_City"
MEXICO_CITY: Final = ZoneInfo(TIMEZONE)

#: Sandbox-only endpoints, outside /v1 so they can never be mistaken for the API.
SANDBOX_STATS_PATH: Final = "/_sandbox/stats"
SANDBOX_REVOKE_PATH: Final = "/_sandbox/revoke"
SANDBOX_FAULTS_PATH: Final = "/_sandbox/faults"
#: The contract as an OpenAPI 3.1 document, served by the sandbox.
OPENAPI_PATH: Final = "/openapi.json"

#: Orders per request (ASSUMED) and the shortest promise the sandbox honours (ASSUMED).
MAX_ORDERS_PER_REQUEST: Final = 100
MIN_PROMISE_HOURS: Final = 12
#: States filter: several states joined by commas in one parameter (ASSUMED).
STATE_SEPARATOR: Final = ","
