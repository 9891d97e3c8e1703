"""Orders sheets: checked whole before sending, batched, results aligned with the rows."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.orders import to_orders
from cargamos_explore.sandbox import Sandbox

from .conftest import JOHN, TIENDA, user_stats

SHEET_CSV = (Path(__file__).parent / "fixtures" / "orders_sheet.csv").read_text()


def sheet() -> pd.DataFrame:
    # Read as a spreadsheet would be: postal codes become numbers and lose their zero.
    return pd.read_csv(io.StringIO(SHEET_CSV))


def test_bad_rows_and_only_those_are_rejected_and_nothing_is_created(
    sandbox: Sandbox, session: cx.Session
) -> None:
    result = session.validate_orders(sheet())
    assert result.index.equals(sheet().index)
    assert result["status"].tolist() == ["ACCEPTED", "REJECTED", "REJECTED", "REJECTED",
                                         "REJECTED", "ACCEPTED"]
    assert result["error_codes"].tolist()[:5] == [
        pd.NA, "NO_COVERAGE", "UNFULFILLABLE_PROMISE", "INVALID_FIELD", "INVALID_FIELD"]
    assert result.loc[5, "warning_codes"] == "MISSING_DIMENSIONS"
    assert result["tracking_id"].isna().all()
    assert "T-002" in result.loc[1, "messages"]
    org = sandbox.accounts.organisation(TIENDA.key)
    assert org is not None and sandbox.shipper(org)._created == []


def test_creating_returns_tracking_ids_for_accepted_rows(session: cx.Session) -> None:
    result = session.create_orders(sheet())
    accepted = result["status"] == "ACCEPTED"
    assert result.loc[accepted, "tracking_id"].str.startswith("CG1").all()
    assert result.loc[~accepted, "tracking_id"].isna().all()
    created = session.shipment(result.loc[0, "tracking_id"])
    assert created.loc[0, "postal_code"] == "06700" and created.loc[0, "state"] == "CREATED"


def test_every_sheet_problem_is_reported_at_once_before_any_request(
    url: str, session: cx.Session
) -> None:
    broken = sheet().drop(columns=["recipient_phone", "street"]).assign(colour="red")
    with pytest.raises(cx.OrdersSheetError) as caught:
        session.validate_orders(broken)
    assert set(caught.value.problems) == {
        "unknown column 'colour'", "missing required column 'recipient_phone'",
        "missing column 'street' (or give full_address instead)"}
    assert user_stats(url, JOHN)["requests"] == 0


def test_an_empty_sheet_is_refused() -> None:
    with pytest.raises(cx.OrdersSheetError, match="no rows"):
        to_orders(sheet().iloc[:0])


def test_rows_become_nested_orders() -> None:
    order = to_orders(sheet())[0]
    assert order["recipientLocation"]["postalCode"] == "06700"
    assert order["recipientLocation"]["number"] == "120"
    assert order["recipientInformation"] == {"fullName": "Sofía Reyes",
                                             "phone": "+52 55 11112222"}
    assert order["package"]["weight"] == 800.0
    assert order["shipperDropoffDate"] == "2026-12-01T10:00:00-06:00"
    assert "weight" not in to_orders(sheet())[5]["package"]  # blank cells are left out


def test_large_sheets_go_in_batches(url: str, session: cx.Session) -> None:
    big = pd.concat([sheet().iloc[[0]]] * 250, ignore_index=True)
    big["shipment_tracking_id"] = [f"B-{i}" for i in range(250)]
    result = session.validate_orders(big, progress=False)
    assert len(result) == 250 and (result["status"] == "ACCEPTED").all()
    assert user_stats(url, JOHN)["requests"] == 3
