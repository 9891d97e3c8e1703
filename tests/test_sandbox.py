"""The sandbox follows the contract: login, tenancy, paging, orders, faults, bad input."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest
import requests

from cargamos_explore.sandbox import Sandbox, serve
from cargamos_explore.sandbox.data import generate
from cargamos_explore.sandbox.render import render_rows

from .conftest import ANA, ANCHOR, DISABLED, JOHN, JOHN_PASSWORD, LUIS, PAPELERIA, TIENDA, basic

DOCS_HEADER = "Basic am9obi5kb2VAZ21haWwuY29tOnNoaXBwZXI="


def login(url: str, username: str, password: str, key: str | None) -> requests.Response:
    params = {} if key is None else {"key": key}
    return requests.get(url + "/v1/login", params=params, timeout=5,
                        headers={"Authorization": basic(username, password)})


def token_for(url: str, username: str = JOHN) -> str:
    org = TIENDA if username in TIENDA.users else PAPELERIA
    return str(login(url, username, org.users[username], org.key).json()["data"]["token"])


def get(url: str, path: str, token: str, **params: Any) -> requests.Response:
    return requests.get(url + path, params=params, timeout=10,
                        headers={"Authorization": f"Bearer {token}"})


def failure(response: requests.Response, status: int, code: str) -> None:
    body = response.json()
    assert response.status_code == status, response.text
    assert body["status"] == "FAILED" and body["data"] is None
    assert any(f"[{code}]" in m for m in body["msgs"]), body["msgs"]


def test_docs_worked_example(url: str) -> None:
    assert basic(JOHN, JOHN_PASSWORD) == DOCS_HEADER
    sent = requests.Request("GET", url + "/v1/login", params={"key": TIENDA.key},
                            auth=(JOHN, JOHN_PASSWORD), json={}).prepare()
    assert sent.headers["Authorization"] == DOCS_HEADER
    with requests.Session() as http:
        response = http.send(sent, timeout=5)
    body = response.json()
    assert response.status_code == 200 and body["status"] == "OK"
    assert body["data"]["expiresIn"] == "3600"
    assert isinstance(body["timestamp"], int) and body["timestamp"] > 1_600_000_000_000


def test_login_works_without_the_empty_body(url: str) -> None:
    assert login(url, JOHN, JOHN_PASSWORD, TIENDA.key).status_code == 200


@pytest.mark.parametrize(("username", "password", "key", "status", "code"), [
    (JOHN, "wrong", TIENDA.key, 401, "UNAUTHORIZED"),
    ("nobody@example.mx", "x", TIENDA.key, 401, "UNAUTHORIZED"),
    (LUIS, PAPELERIA.users[LUIS], TIENDA.key, 401, "UNAUTHORIZED"),  # right user, wrong org
    (JOHN, JOHN_PASSWORD, "not-a-key", 403, "FORBIDDEN"),
    (JOHN, JOHN_PASSWORD, DISABLED.key, 403, "FORBIDDEN"),
    (JOHN, JOHN_PASSWORD, None, 400, "MISSING_FIELD"),
])
def test_bad_logins_get_the_contract_envelope(
    url: str, username: str, password: str, key: str | None, status: int, code: str
) -> None:
    failure(login(url, username, password, key), status, code)


def test_login_without_basic_header(url: str) -> None:
    response = requests.get(url + "/v1/login", params={"key": TIENDA.key}, timeout=5)
    failure(response, 401, "UNAUTHORIZED")


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic abc"])
def test_calls_without_a_valid_token_are_refused(url: str, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = requests.get(url + "/v1/shipments", headers=headers, timeout=5)
    failure(response, 401, "UNAUTHORIZED")


def test_shippers_never_see_each_other(url: str) -> None:
    john, luis = token_for(url, JOHN), token_for(url, LUIS)
    mine = get(url, "/v1/shipments", john, limit=500).json()["data"]["items"]
    theirs = get(url, "/v1/shipments", luis, limit=500).json()["data"]["items"]
    assert mine and theirs
    assert not {s["trackingId"] for s in mine} & {s["trackingId"] for s in theirs}
    failure(get(url, f"/v1/shipments/{theirs[0]['trackingId']}", john), 404, "NOT_FOUND")
    assert get(url, f"/v1/shipments/{theirs[0]['trackingId']}", luis).status_code == 200


def test_users_of_one_shipper_share_its_data(url: str) -> None:
    a = get(url, "/v1/shipments", token_for(url, JOHN), limit=5).json()["data"]
    b = get(url, "/v1/shipments", token_for(url, ANA), limit=5).json()["data"]
    assert a["items"] == b["items"]


def test_token_lifetime_knob() -> None:
    with serve(Sandbox(size=10, token_lifetime=1)) as base:
        response = login(base, JOHN, JOHN_PASSWORD, TIENDA.key)
        token = response.json()["data"]["token"]
        assert response.json()["data"]["expiresIn"] == "1"
        assert get(base, "/v1/webhook", token).status_code == 200
        time.sleep(1.2)
        failure(get(base, "/v1/webhook", token), 401, "UNAUTHORIZED")


def test_revoking_a_user_kills_only_their_tokens(sandbox: Sandbox, url: str) -> None:
    john, ana = token_for(url, JOHN), token_for(url, ANA)
    assert sandbox.revoke(JOHN) == 1
    failure(get(url, "/v1/webhook", john), 401, "UNAUTHORIZED")
    assert get(url, "/v1/webhook", ana).status_code == 200
    assert requests.post(url + "/_sandbox/revoke", json={"username": ANA}, timeout=5).ok
    failure(get(url, "/v1/webhook", ana), 401, "UNAUTHORIZED")


def test_stats_count_logins_and_requests_per_user(url: str) -> None:
    token = token_for(url, JOHN)
    login(url, JOHN, "wrong", TIENDA.key)
    for _ in range(3):
        get(url, "/v1/webhook", token)
    john = requests.get(url + "/_sandbox/stats", timeout=5).json()["data"]["users"][JOHN]
    assert (john["logins_ok"], john["logins_failed"], john["requests"]) == (1, 1, 3)


def test_pages_are_stable_complete_and_ordered(url: str) -> None:
    token = token_for(url)
    first = get(url, "/v1/shipments", token, limit=500, page=1, **{"from": "2000-01-01"})
    total = first.json()["data"]["total"]
    items = []
    for page in range(1, total // 200 + 2):
        data = get(url, "/v1/shipments", token, limit=200, page=page,
                   **{"from": "2000-01-01"}).json()["data"]
        assert (data["page"], data["limit"]) == (page, 200)
        items += data["items"]
    keys = [(s["createdAt"], s["trackingId"]) for s in items]
    assert total == 1200 and len(items) == 1200 and len(set(keys)) == 1200
    assert keys == sorted(keys, key=lambda k: (np.datetime64(k[0][:19]), k[1]))


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "501"}, {"limit": "ten"}, {"page": "0"}, {"page": "-1"},
    {"from": "yesterday"},
])
def test_bad_list_parameters(url: str, params: dict[str, str]) -> None:
    failure(get(url, "/v1/shipments", token_for(url), **params), 400, "INVALID_FIELD")


def test_state_filter(url: str) -> None:
    data = get(url, "/v1/shipments", token_for(url), limit=500, state="MISHAP,CREATED",
               **{"from": "2000-01-01"}).json()["data"]
    assert data["total"] > 0
    assert {s["state"] for s in data["items"]} <= {"MISHAP", "CREATED"}


def test_unknown_tracking_id_is_404(url: str) -> None:
    failure(get(url, "/v1/shipments/CG19999999999", token_for(url)), 404, "NOT_FOUND")
    failure(get(url, "/v1/nothing-here", token_for(url)), 404, "NOT_FOUND")


def test_synthetic_data_is_deterministic_and_plausible() -> None:
    a = generate(3000, seed=5, anchor=ANCHOR, prefix="CG1")
    b = generate(3000, seed=5, anchor=ANCHOR, prefix="CG1")
    rows = np.arange(3000)
    assert render_rows(a, rows) == render_rows(b, rows)
    shipments = render_rows(a, rows)
    states = {s["state"] for s in shipments}
    assert {"DELIVERED", "MISHAP"} <= states
    delivered = [s for s in shipments if s["state"] == "DELIVERED"]
    assert all(s["recipientInformation"] is None for s in delivered)
    assert any(s["deliveredAt"] > s["expectedDeliveryDate"] for s in delivered)  # some late
    assert any(s["attempts"] > 1 for s in delivered)
    assert all(s["recipientLocation"]["postalCode"].isdigit() for s in shipments)
    assert any(s["recipientLocation"]["postalCode"].startswith("0") for s in shipments)
    failed = [e for s in shipments for e in s["events"] if e["state"] == "DELIVERY_ATTEMPTED"]
    assert failed and all(e["anomalies"]["code"] for e in failed)
    assert all(19.0 < s["recipientLocation"]["lat"] < 19.7 for s in shipments)


def test_attempts_and_deliveries_happen_in_delivery_hours() -> None:
    """A carrier's vans run from 08:00 to 21:00 in Mexico City, a few a little later; the
    sandbox used to put a third of its deliveries between 21:00 and 06:00."""
    shipments = render_rows(generate(3000, seed=5, anchor=ANCHOR, prefix="CG1"),
                            np.arange(3000))
    attempts = [e for s in shipments for e in s["events"]
                if e["state"] in ("DELIVERY_ATTEMPTED", "DELIVERED")]
    hours = np.array([int(e["timestamp"][11:13]) for e in attempts])  # local time, -06:00
    assert len(hours) > 3000 and all(e["timestamp"].endswith("-06:00") for e in attempts)
    assert ((hours >= 8) & (hours < 22)).all()
    assert ((hours >= 8) & (hours < 21)).mean() > 0.98
    for s in shipments:  # the van leaves before each attempt, after the drop-off
        times = [e["timestamp"] for e in s["events"]]
        assert times == sorted(times)
        assert all(e["timestamp"] > s["shipperDropoffDate"] for e in s["events"]
                   if e["state"] == "OUT_FOR_DELIVERY")


def _order(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "recipientLocation": {"street": "Calle Durango", "number": "120",
                              "neighborhood": "Roma Norte", "subAdministrativeArea": "Cuauhtémoc",
                              "administrativeArea": "Ciudad de México", "postalCode": "06700"},
        "recipientInformation": {"fullName": "Sofía Reyes", "phone": "+52 55 11112222"},
        "package": {"packageType": "BOX", "weight": 800, "length": 20, "width": 15,
                    "height": 10},
        "shipperDropoffDate": "2026-12-01T10:00:00-06:00",
        "expectedDeliveryDate": "2026-12-02T21:00:00-06:00",
    }
    order.update(changes)
    return order


def post_orders(url: str, token: str, orders: Any, simulate: bool) -> requests.Response:
    return requests.post(url + "/v1/orders", params={"simulate": str(simulate).lower()},
                         json=orders, timeout=10, headers={"Authorization": f"Bearer {token}"})


def test_orders_layers_and_messages(url: str) -> None:
    token = token_for(url)
    orders = [
        _order(shipmentTrackingId="A0001"),
        _order(shipmentTrackingId="A0002", recipientLocation={"postalCode": "50000",
                                                              "fullAddress": "Toluca centro"}),
        _order(shipmentTrackingId="A0003", expectedDeliveryDate="2026-12-01T12:00:00-06:00"),
        _order(shipmentTrackingId="A0001"),
        _order(recipientInformation={"fullName": "X", "phone": "12"}),
        _order(package={"packageType": "BOX"}),
    ]
    response = post_orders(url, token, {"orders": orders}, simulate=True)
    body = response.json()
    assert response.status_code == 200 and body["status"] == "OK"
    statuses = [r["status"] for r in body["data"]]
    assert statuses == ["ACCEPTED", "REJECTED", "REJECTED", "REJECTED", "REJECTED", "ACCEPTED"]
    codes = [" ".join(r["msgs"]) for r in body["data"]]
    assert "[NO_COVERAGE] [A0002]" in codes[1]
    assert "[UNFULFILLABLE_PROMISE] [A0003]" in codes[2]
    assert "[DUPLICATE_TRACKING_ID] [A0001]" in codes[3]
    assert "[INVALID_FIELD] [4] phone" in codes[4]
    assert "[WARNING] [MISSING_DIMENSIONS]" in codes[5]
    assert "[WARNING] [ORDER_REJECTED] [A0002] order A0002 was rejected" in body["msgs"]
    assert body["msgs"][0] == "[INFO] 6 orders were successfully parsed"
    assert all("trackingId" not in r for r in body["data"])


def test_creating_orders_makes_shipments_visible(url: str) -> None:
    token = token_for(url)
    body = post_orders(url, token, {"orders": [_order(shipmentTrackingId="NEW-1")]},
                       simulate=False).json()
    tracking_id = body["data"][0]["trackingId"]
    shipment = get(url, f"/v1/shipments/{tracking_id}", token).json()["data"]
    assert shipment["state"] == "CREATED" and shipment["shipmentTrackingId"] == "NEW-1"
    again = post_orders(url, token, {"orders": [_order(shipmentTrackingId="NEW-1")]}, True)
    assert again.json()["data"][0]["status"] == "REJECTED"
    listed = get(url, "/v1/shipments", token, limit=500, state="CREATED",
                 **{"from": "2000-01-01", "to": "2100-01-01"}).json()["data"]["items"]
    assert tracking_id in {s["trackingId"] for s in listed}


@pytest.mark.parametrize("body", [b"{not json", b'{"orders": []}', b'{"orders": {"a": 1}}',
                                  b'{"orders": [1, 2]}', b"[]"])
def test_malformed_orders_bodies_fail_whole(url: str, body: bytes) -> None:
    response = requests.post(url + "/v1/orders", data=body, timeout=5, headers={
        "Authorization": f"Bearer {token_for(url)}", "Content-Type": "application/json"})
    failure(response, 400, "MALFORMED_REQUEST")


def test_webhook_get_and_put(url: str) -> None:
    token = token_for(url)
    assert get(url, "/v1/webhook", token).json()["data"]["active"] is False
    wanted = {"url": "https://hooks.example.mx/cargamos", "states": ["DELIVERED"],
              "active": True}
    put = requests.put(url + "/v1/webhook", json=wanted, timeout=5,
                       headers={"Authorization": f"Bearer {token}"})
    assert put.json()["data"] == wanted
    assert get(url, "/v1/webhook", token).json()["data"] == wanted
    bad = requests.put(url + "/v1/webhook", json={"url": "ftp://x"}, timeout=5,
                       headers={"Authorization": f"Bearer {token}"})
    failure(bad, 400, "MALFORMED_REQUEST")


def test_password_recovery_reveals_nothing(url: str) -> None:
    answers = [requests.post(url + "/v1/password/recovery", params={"key": TIENDA.key},
                             json={"username": who}, timeout=5) for who in (JOHN, "ghost@x.mx")]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json()["msgs"] == answers[1].json()["msgs"]
    bad = requests.post(url + "/v1/password/recovery", params={"key": TIENDA.key},
                        json={"user": JOHN}, timeout=5)
    failure(bad, 400, "MALFORMED_REQUEST")


def test_fault_unavailable(sandbox: Sandbox, url: str) -> None:
    token = token_for(url)
    sandbox.set_faults(unavailable=1.0)
    failure(get(url, "/v1/webhook", token), 503, "UNAVAILABLE")


def test_fault_rate_limited_sends_retry_after(sandbox: Sandbox, url: str) -> None:
    token = token_for(url)
    sandbox.set_faults(rate_limited=1.0, retry_after=7)
    response = get(url, "/v1/webhook", token)
    failure(response, 429, "RATE_LIMITED")
    assert response.headers["Retry-After"] == "7"


def test_fault_html_page(sandbox: Sandbox, url: str) -> None:
    sandbox.set_faults(html=1.0)
    response = get(url, "/v1/webhook", "any")
    assert response.status_code == 502 and response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_fault_dropped_connection(sandbox: Sandbox, url: str) -> None:
    sandbox.set_faults(dropped=1.0)
    with pytest.raises(requests.ConnectionError):
        get(url, "/v1/webhook", "any")


def test_fault_rates_are_proportions(sandbox: Sandbox, url: str) -> None:
    token = token_for(url)
    response = requests.post(url + "/_sandbox/faults", json={"unavailable": 0.3}, timeout=5)
    assert response.json()["data"]["unavailable"] == 0.3
    codes = [get(url, "/v1/webhook", token).status_code for _ in range(200)]
    assert 30 <= codes.count(503) <= 90 and codes.count(200) == 200 - codes.count(503)
    assert requests.post(url + "/_sandbox/faults", json={"html": 2}, timeout=5).status_code == 400


def test_latency_knob() -> None:
    with serve(Sandbox(size=10, latency=0.2)) as base:
        started = time.perf_counter()
        login(base, JOHN, JOHN_PASSWORD, TIENDA.key)
        assert time.perf_counter() - started >= 0.2


def test_size_knob_bounds() -> None:
    with pytest.raises(ValueError, match="1,000,000"):
        Sandbox(size=1_000_001)


def test_cli_serves_in_the_foreground_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "cargamos_explore.cli", "sandbox", "--port", "0", "--size", "50"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        base = banner.split(" on ")[1].split(" ")[0]
        accounts = [process.stdout.readline() for _ in range(3)]
        assert any(JOHN in line for line in accounts)
        assert login(base, JOHN, JOHN_PASSWORD, TIENDA.key).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
