"""The column tables of every DataFrame: name, where it comes from in the JSON, its kind.

One table per frame; the README's schema tables must match them (tests/test_package.py checks).
Source paths are the contract's field names (mostly ASSUMED, see contract.py).
"""

from __future__ import annotations

from typing import Final, NamedTuple

from .. import contract as c


class Column(NamedTuple):
    """One column. ``kind`` is string, category (a known set of values, see CATEGORIES),
    label (place and package text: an open set whose values repeat from row to row, kept
    as a category of Arrow strings at 1 to 4 bytes a row), datetime, int, float or bool.
    Identifiers and the recipient's personal data stay strings: they hardly repeat."""

    name: str
    path: tuple[str, ...]  # keys from the shipment record down to the value
    kind: str
    doc: str


LOC, REC, PKG = c.LOCATION_BLOCK, c.RECIPIENT_BLOCK, c.PACKAGE_BLOCK

SHIPMENT_COLUMNS: Final = (
    Column("tracking_id", ("trackingId",), "string", "Cargamos tracking id"),
    Column("shipment_id", ("shipmentId",), "string", "Cargamos shipment id"),
    Column("shipment_tracking_id", ("shipmentTrackingId",), "string", "the shipper's barcode"),
    Column("lot_id", ("lotId",), "label", "packages that arrived together"),
    Column("state", ("state",), "category", "current state; unknown states are kept"),
    Column("created_at", ("createdAt",), "datetime", "order accepted"),
    Column("updated_at", ("updatedAt",), "datetime", "last state change"),
    Column("shipper_dropoff_date", ("shipperDropoffDate",), "datetime", "drop-off promised"),
    Column("expected_delivery_date", ("expectedDeliveryDate",), "datetime", "delivery promise"),
    Column("delivered_at", ("deliveredAt",), "datetime", "delivery time, if delivered"),
    Column("attempts", ("attempts",), "int", "delivery attempts so far"),
    Column("street", (LOC, "street"), "label", "street, without number"),
    Column("number", (LOC, "number"), "label", "exterior number"),
    Column("int_number", (LOC, "intNumber"), "label", "interior number"),
    Column("neighborhood", (LOC, "neighborhood"), "label", "colonia"),
    Column("alcaldia", (LOC, "subAdministrativeArea"), "label", "alcaldía / municipality"),
    Column("administrative_area", (LOC, "administrativeArea"), "label", "state or city"),
    Column("full_address", (LOC, c.FULL_ADDRESS_FIELD), "label", "one-line address form"),
    Column("postal_code", (LOC, c.POSTAL_CODE_FIELD), "label", "5 digits, leading zeros kept"),
    Column("country", (LOC, "country"), "label", "ISO country code"),
    Column("lat", (LOC, "lat"), "float", "latitude"),
    Column("lng", (LOC, "lng"), "float", "longitude"),
    Column("location_notes", (LOC, "notes"), "label", "delivery notes"),
    Column("location_reference", (LOC, "reference"), "label", "landmark"),
    Column("recipient_name", (REC, "fullName"), "string", "deleted once final"),
    Column("recipient_phone", (REC, "phone"), "string", "deleted once final"),
    Column("recipient_email", (REC, "email"), "string", "deleted once final"),
    Column("package_type", (PKG, "packageType"), "category", "UNIT, BOX, ENVELOPE, ..."),
    Column("package_description", (PKG, "description"), "label", "contents"),
    Column("content_value", (PKG, "contentValue"), "int", "declared value"),
    Column("value_currency", (PKG, "valueCurrency"), "label", "e.g. MXN"),
    Column("weight", (PKG, "weight"), "float", "in weight_unit"),
    Column("weight_unit", (PKG, "weightUnit"), "category", "G, KG, OZ, LB, T"),
    Column("length", (PKG, "length"), "float", "in dimensions_unit"),
    Column("width", (PKG, "width"), "float", "in dimensions_unit"),
    Column("height", (PKG, "height"), "float", "in dimensions_unit"),
    Column("dimensions_unit", (PKG, "dimensionsUnit"), "category", "CM, M, IN"),
)

EVENT_COLUMNS: Final = (
    Column("tracking_id", ("trackingId",), "string", "the shipment"),
    Column("sequence", ("sequence",), "int", "0 for the first event of a shipment"),
    Column("state", ("state",), "category", "the state entered"),
    Column("timestamp", ("timestamp",), "datetime", "when it was entered"),
    Column("anomaly_code", ("anomalies", "code"), "label", "why an attempt failed"),
    Column("anomaly_description", ("anomalies", "description"), "label", "in Spanish"),
)

ORDER_RESULT_COLUMNS: Final = (
    Column("status", ("status",), "category", "ACCEPTED or REJECTED"),
    Column("tracking_id", ("trackingId",), "string", "set when created (not when validating)"),
    Column("shipment_tracking_id", ("shipmentTrackingId",), "string", "the shipper's barcode"),
    Column("error_codes", ("error_codes",), "string", "ERROR codes, comma-separated"),
    Column("warning_codes", ("warning_codes",), "string", "WARNING codes, comma-separated"),
    Column("messages", ("messages",), "string", "every message, '; '-separated"),
)

WEBHOOK_COLUMNS: Final = (
    Column("url", ("url",), "string", "where notifications go"),
    Column("states", ("states",), "string", "states that trigger it, comma-separated"),
    Column("active", ("active",), "bool", "False while suspended"),
)

#: Categories known in advance; a value outside them is kept as an extra category.
#: (A label column has none: its categories are the values found, sorted.)
CATEGORIES: Final = {
    "state": c.STATES,
    "package_type": c.PACKAGE_TYPES,
    "weight_unit": c.WEIGHT_UNITS,
    "dimensions_unit": c.DIMENSION_UNITS,
    "status": (c.ORDER_ACCEPTED, c.ORDER_REJECTED),
}

#: Sheet columns that map onto an order's JSON: the shipment columns an order can carry,
#: plus the service-level fields.
ORDER_SHEET_COLUMNS: Final = tuple(
    col for col in SHIPMENT_COLUMNS
    if col.path[0] in (LOC, REC, PKG)
    or col.name in ("shipment_tracking_id", "lot_id", "shipper_dropoff_date",
                    "expected_delivery_date")
)


def markdown_table(columns: tuple[Column, ...]) -> str:
    """The column table as Markdown; the README embeds these (a test keeps them equal)."""
    dtypes = {"string": "string", "category": "category", "label": "category",
              "datetime": "datetime (Mexico City)",
              "int": "Int64", "float": "Float64", "bool": "boolean"}
    rows = [f"| `{col.name}` | {dtypes[col.kind]} | `{'.'.join(col.path)}` | {col.doc} |"
            for col in columns]
    return "\n".join(["| column | dtype | from | meaning |", "|---|---|---|---|", *rows])
