"""Orders sheets: checked whole before sending, batched, results aligned with the rows."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.decoding.sheets import to_orders
from cargamos_explore.queries import orders
from cargamos_explore.queries.orders import submit
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


def test_an_empty_sheet_gives_an_empty_result_without_a_request(
    url: str, session: cx.Session
) -> None:
    one_row = session.validate_orders(sheet().iloc[:1])
    for send in (session.validate_orders, session.create_orders):
        result = send(sheet().iloc[:0])
        assert result.empty and list(result.columns) == list(one_row.columns)
        assert result.dtypes.equals(one_row.dtypes)
    assert user_stats(url, JOHN)["requests"] == 1  # only the one-row call above


def test_an_empty_sheet_still_needs_its_columns() -> None:
    with pytest.raises(cx.OrdersSheetError, match="recipient_phone"):
        to_orders(sheet().iloc[:0].drop(columns=["recipient_phone"]))


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


def test_an_infinite_weight_is_a_sheet_problem_not_a_transport_error(
    url: str, session: cx.Session
) -> None:
    broken = sheet()
    broken.loc[0, "weight"] = math.inf
    expected = "column 'weight': not a finite number in row 1"
    with pytest.raises(cx.OrdersSheetError, match=expected) as caught:
        session.create_orders(broken)
    assert caught.value.problems == ("row 1, column 'weight': inf is not a finite number",)
    assert user_stats(url, JOHN)["requests"] == 0


def test_non_finite_numbers_are_sheet_problems_reported_before_any_request(
    url: str, session: cx.Session
) -> None:
    broken = sheet().astype({"weight": object})
    broken["lat"] = pd.Series([None] * len(broken), dtype=object)
    broken.loc[1, "weight"] = math.inf
    broken.loc[2, "weight"] = "nan"
    broken.loc[3, "lat"] = -math.inf
    broken.loc[4, "length"] = float("inf")
    broken["colour"] = "red"
    with pytest.raises(cx.OrdersSheetError) as caught:
        session.create_orders(broken)
    problems = caught.value.problems
    assert "unknown column 'colour'" in problems
    assert any("row 2" in p and "'weight'" in p and "inf" in p for p in problems)
    assert any("row 3" in p and "'weight'" in p and "nan" in p for p in problems)
    assert any("row 4" in p and "'lat'" in p for p in problems)
    assert any("row 5" in p and "'length'" in p for p in problems)
    assert len(problems) == 5
    assert "finite" in str(caught.value) and "rows 2-3" in str(caught.value)
    assert user_stats(url, JOHN)["requests"] == 0 and user_stats(url, JOHN)["logins_ok"] == 0


def test_a_cell_json_cannot_carry_is_a_sheet_problem() -> None:
    broken = sheet().astype({"weight": object})
    broken.at[2, "weight"] = {1, 2}
    with pytest.raises(cx.OrdersSheetError, match="row 3") as caught:
        to_orders(broken)
    assert caught.value.problems == (
        "row 3, column 'weight': a set value cannot be sent as JSON; give text or a number",)


def many_orders(count: int = 250) -> pd.DataFrame:
    big = pd.concat([sheet().iloc[[0]]] * count, ignore_index=True)
    big["shipment_tracking_id"] = [f"B-{i}" for i in range(count)]
    big.loc[4, "postal_code"] = 50000  # row 5: not covered, so rejected
    return big


def fail_batch(session: cx.Session, sandbox: Sandbox, number: int, monkeypatch:
               pytest.MonkeyPatch, **faults: Any) -> None:
    """Switch the sandbox's faults on just before batch ``number`` is sent."""
    make_sender, sent = orders.sender, []

    def counting_sender(transport: Any, *, simulate: bool) -> Any:
        send = make_sender(transport, simulate=simulate)

        def counting(batch: list[dict[str, Any]]) -> Any:
            sent.append(len(batch))
            if len(sent) == number:
                sandbox.set_faults(**faults)
            return send(batch)

        return counting

    monkeypatch.setattr(orders, "sender", counting_sender)


def created_in(sandbox: Sandbox) -> list[str]:
    org = sandbox.accounts.organisation(TIENDA.key)
    assert org is not None
    return [s["shipmentTrackingId"] for s in sandbox.shipper(org)._created]


def test_a_dropped_batch_says_which_rows_were_created_may_exist_or_were_never_sent(
    sandbox: Sandbox, session: cx.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_batch(session, sandbox, 2, monkeypatch, dropped=1.0)
    with pytest.raises(cx.OrdersSubmissionError) as caught:
        session.create_orders(many_orders(), progress=False)
    err, results = caught.value, caught.value.results
    assert results.index.equals(many_orders().index)
    outcome = results["outcome"].tolist()
    assert outcome[:4] == ["created"] * 4 and outcome[4] == "rejected"
    assert outcome[5:100] == ["created"] * 95
    assert outcome[100:200] == ["may exist"] * 100
    assert outcome[200:] == ["never sent"] * 50
    created = results.loc[results["outcome"] == "created", "tracking_id"]
    assert created.str.startswith("CG1").all() and created.is_unique
    assert results.iloc[100:]["tracking_id"].isna().all()
    # Exactly the reported rows exist on the server: nothing lost, nothing duplicated.
    assert created_in(sandbox) == results.loc[created.index, "shipment_tracking_id"].tolist()
    sandbox.set_faults(dropped=0.0)
    assert session.shipment(created.iloc[-1]).loc[0, "shipment_tracking_id"] == "B-99"
    message = str(err)
    assert "created: rows 1-4, 6-100" in message and "rejected: row 5" in message
    assert "may exist: rows 101-200" in message and "never sent: rows 201-250" in message
    assert err.may_have_reached_server and err.first_unsent == 100
    assert isinstance(err.__cause__, cx.TransportError)


def test_a_refused_batch_was_not_created_and_can_be_sent_again(
    sandbox: Sandbox, session: cx.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_batch(session, sandbox, 2, monkeypatch, rate_limited=1.0, retry_after=0)
    with pytest.raises(cx.OrdersSubmissionError) as caught:
        session.create_orders(many_orders(), progress=False)
    outcome = caught.value.results["outcome"]
    assert (outcome.iloc[100:200] == "not created").all()
    assert (outcome.iloc[200:] == "never sent").all()
    assert "not created: rows 101-200" in str(caught.value)
    assert not caught.value.may_have_reached_server
    assert len(created_in(sandbox)) == 99


def answering(fail_on: int, error: Exception) -> Any:
    calls: list[int] = []

    def send(batch: list[dict[str, Any]]) -> list[Any]:
        calls.append(len(batch))
        if len(calls) == fail_on:
            raise error
        return [{"index": i, "status": "ACCEPTED", "trackingId": f"CG{len(calls)}-{i}"}
                for i in range(len(batch))]
    return send


def test_a_failing_first_batch_of_several_names_the_rows_never_sent() -> None:
    error = cx.TransportError("POST failed", may_have_reached_server=True)
    with pytest.raises(cx.OrdersSubmissionError) as caught:
        submit(many_orders(), answering(1, error), progress=False)
    assert "may exist: rows 1-100" in str(caught.value)
    assert "never sent: rows 101-250" in str(caught.value)
    assert "created:" not in str(caught.value)


def test_an_unexpected_failure_still_hands_back_the_created_rows() -> None:
    with pytest.raises(cx.OrdersSubmissionError) as caught:
        submit(many_orders(), answering(3, RuntimeError("boom")), progress=False)
    results = caught.value.results
    assert results["tracking_id"].iloc[199] == "CG2-99"
    assert (results["outcome"].iloc[200:] == "may exist").all()
    assert "never sent" not in str(caught.value)


def test_a_failed_dry_run_says_nothing_was_created() -> None:
    error = cx.ServerError("POST failed with HTTP 503", status=503)
    with pytest.raises(cx.OrdersSubmissionError) as caught:
        submit(many_orders(), answering(2, error), progress=False, creates=False)
    outcome = caught.value.results["outcome"]
    assert set(outcome.iloc[:100]) == {"accepted"}
    assert set(outcome.iloc[100:200]) == {"not validated"}
    assert "nothing was created" in str(caught.value).lower()
