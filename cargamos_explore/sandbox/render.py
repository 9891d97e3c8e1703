"""Turn rows of a generated ShipmentTable into the API's JSON shape (contract 4.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import contract as c
from .geo import CITY, COLONIAS, FIRST_NAMES, LAST_NAMES, STREETS

if TYPE_CHECKING:
    from .data import ShipmentTable

EVENT_STATES = ("CREATED",) + ("OUT_FOR_DELIVERY", "DELIVERY_ATTEMPTED") * 3 + ("MISHAP",)


def render_rows(table: ShipmentTable, rows: np.ndarray) -> list[dict[str, Any]]:
    from .data import DESCRIPTIONS, FAILED_REASONS, MISHAP_REASONS, NEVER, PHONE_FORMS, iso

    col = {name: values[rows] for name, values in table.columns.items()}
    events = table.events[rows]
    now = table.anchor
    times = [iso(events[:, j]) for j in range(8)]
    created, dropoff, expected = iso(col["created"]), iso(col["dropoff"]), iso(col["expected"])
    out: list[dict[str, Any]] = []
    lists = {name: values.tolist() for name, values in col.items()}
    raw_events = events.tolist()
    for k, row in enumerate(rows.tolist()):
        v = {name: values[k] for name, values in lists.items()}
        state = c.STATES[v["state"]]
        history = _history(raw_events[k], [t[k] for t in times], v, now, NEVER,
                           FAILED_REASONS, MISHAP_REASONS)
        delivered = history[-1]["timestamp"] if state == "DELIVERED" else None
        colonia = COLONIAS[v["colonia"]]
        out.append({
            "trackingId": f"{table.prefix}{row:010d}",
            "shipmentId": f"{table.prefix[2:]}-{row}",
            "shipmentTrackingId": f"SHP{row:08d}" if v["has_barcode"] else None,
            "lotId": _lot(created[k], v["lot"]),
            "state": state,
            "createdAt": created[k],
            "updatedAt": history[-1]["timestamp"],
            "shipperDropoffDate": dropoff[k],
            "expectedDeliveryDate": expected[k],
            "deliveredAt": delivered,
            "attempts": v["attempts"],
            c.LOCATION_BLOCK: _location(v, colonia),
            c.RECIPIENT_BLOCK: None if state in c.FINAL_STATES else _recipient(v, PHONE_FORMS),
            c.PACKAGE_BLOCK: _package(v, DESCRIPTIONS),
            "events": history,
        })
    return out


def _lot(created: str | None, lot: int) -> str | None:
    return f"LOT-{str(created)[:10].replace('-', '')}-{lot}" if lot else None


def _history(
    raw: list[int], stamps: list[str | None], v: dict[str, Any], now: int, never: int,
    failed: Any, mishap: Any,
) -> list[dict[str, Any]]:
    history = []
    for j, ts in enumerate(raw):
        if ts == never or ts > now:
            continue
        state, anomalies = EVENT_STATES[j], None
        if state == "DELIVERY_ATTEMPTED":
            later = [t for t in raw[j + 1:7] if t != never]
            if not later and raw[7] == never:
                state = "DELIVERED"
            else:
                code, text = failed[v["reason"][(j - 2) // 2]]
                anomalies = {"code": code, "description": text}
        elif state == "MISHAP":
            code, text = mishap[2 if raw[6] != never and raw[6] < ts else v["mishap_reason"]]
            anomalies = {"code": code, "description": text}
        history.append({"state": state, "timestamp": stamps[j], "anomalies": anomalies})
    return history


def _location(v: dict[str, Any], colonia: Any) -> dict[str, Any]:
    return {
        "street": STREETS[v["street"]],
        "number": str(v["number"]),
        "intNumber": str(v["int_number"]) if v["int_number"] else None,
        "neighborhood": colonia.neighborhood,
        "subAdministrativeArea": colonia.alcaldia,
        "administrativeArea": CITY,
        c.POSTAL_CODE_FIELD: colonia.postal_code,
        "country": "MX",
        "lat": round(colonia.lat + v["jitter"][0], 6),
        "lng": round(colonia.lng + v["jitter"][1], 6),
    }


def _recipient(v: dict[str, Any], forms: Any) -> dict[str, Any]:
    first = FIRST_NAMES[v["first"]]
    last1, last2 = (LAST_NAMES[i] for i in v["last"])
    n = str(v["phone"])
    return {
        "fullName": f"{first} {last1} {last2}",
        "phone": forms[v["phone_form"]].format(n=n, a=n[:2], b=n[2:]),
        "email": f"{first.lower()}.{last1.lower()}@example.mx" if v["has_email"] else None,
    }


def _package(v: dict[str, Any], descriptions: Any) -> dict[str, Any]:
    length, width, height = v["dims"] if v["has_dims"] else (None, None, None)
    return {
        "packageType": c.PACKAGE_TYPES[v["package_type"]],
        "description": descriptions[v["description"]],
        "contentValue": v["content_value"],
        "valueCurrency": "MXN",
        "weight": v["weight"] if v["has_dims"] else None,
        "weightUnit": "G",
        "length": length,
        "width": width,
        "height": height,
        "dimensionsUnit": "CM",
        c.PACKAGE_ITEMS_FIELD: [{
            "units": v["item_units"],
            "c_ClaveUnidadPeso": "KGM",
            "c_ClaveProdServCp": "53102700",
            "c_MaterialPeligroso": "No",
            "c_TipoEmbalaje": "4G",
            "contentValue": v["content_value"],
            "valueCurrency": "MXN",
        }],
    }
