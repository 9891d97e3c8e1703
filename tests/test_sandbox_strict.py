"""The sandbox is strict and never answers 500: each input here once crashed it or slipped by."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from cargamos_explore.sandbox import Faults, Sandbox

from .conftest import JOHN, TIENDA, basic
from .test_sandbox import _order, failure, get, token_for

SHIPMENTS = "/v1/shipments"
DEEP = b"[" * 100_000 + b"]" * 100_000


def send(url: str, method: str, path: str, token: str | None = None, *,
         body: bytes | None = None, **params: Any) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, url + path, params=params, data=body, headers=headers,
                            timeout=10)


def created_total(url: str, token: str) -> int:
    data = get(url, SHIPMENTS, token, limit=1, **{"from": "2000-01-01", "to": "2100-01-01"})
    return int(data.json()["data"]["total"])


@pytest.mark.parametrize("query", [
    "page=²", "limit=²", "page=１", "limit=٣", "page=99999999999999999999999",
    f"page={2**64 + 1}", f"page={2**31}", "page=1&page=2", "limit=5&limit=5",
    "from=2026-11-01&from=2026-11-02", "state=CREATED&state=MISHAP",
])
def test_list_parameters_are_ascii_bounded_and_single(url: str, query: str) -> None:
    response = requests.get(f"{url}{SHIPMENTS}?{query}", timeout=5,
                            headers={"Authorization": f"Bearer {token_for(url)}"})
    failure(response, 400, "INVALID_FIELD")


@pytest.mark.parametrize("bounds", [
    {"to": "9999-12-31"}, {"from": "0001-01-01", "to": "9999-12-31"},
    {"from": "2000-01-01t00:00:00z"}, {"to": "2100-01-01T00:00:00.123456789+14:00"},
    {"to": "2100-12-31T23:59:60Z"},
])
def test_dates_at_the_ends_of_the_calendar(url: str, bounds: dict[str, str]) -> None:
    response = get(url, SHIPMENTS, token_for(url), limit=1, **bounds)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("bound", ["20261101T000000+0000", "2026-11-01T08:00:00",
                                   "2026-02-30", "２０２６-11-01", "2026-11-01T08:00:00+24:00"])
def test_dates_outside_rfc_3339_are_refused(url: str, bound: str) -> None:
    failure(get(url, SHIPMENTS, token_for(url), **{"from": bound}), 400, "INVALID_FIELD")


@pytest.mark.parametrize("query", ["simulate=1.98e-244", "simulate=null&simulate=null",
                                   "simulate=True", "simulate=1", "simulate=",
                                   "simulate=true&simulate=false"])
def test_simulate_is_exactly_true_or_false(url: str, query: str) -> None:
    token = token_for(url)
    before = created_total(url, token)
    response = requests.post(f"{url}/v1/orders?{query}", json={"orders": [_order()]}, timeout=5,
                             headers={"Authorization": f"Bearer {token}"})
    failure(response, 400, "INVALID_FIELD")
    assert created_total(url, token) == before  # nothing was created


@pytest.mark.parametrize("barcode", [["a"], {}, 12345, True])
@pytest.mark.parametrize("simulate", ["true", "false"])
def test_a_barcode_of_the_wrong_type_rejects_that_order(
    url: str, barcode: Any, simulate: str
) -> None:
    token = token_for(url)
    before = created_total(url, token)
    orders = [_order(shipmentTrackingId=barcode), _order(shipmentTrackingId="OK-1")]
    response = send(url, "POST", "/v1/orders", token, simulate=simulate,
                    body=requests.models.complexjson.dumps({"orders": orders}).encode())
    first, second = response.json()["data"]
    assert response.status_code == 200
    assert first["status"] == "REJECTED" and first["shipmentTrackingId"] is None
    assert any("[INVALID_FIELD]" in m and "shipmentTrackingId" in m for m in first["msgs"])
    assert second["status"] == "ACCEPTED"  # per order, not the whole request
    assert created_total(url, token) == before + (simulate == "false")


@pytest.mark.parametrize(("field", "value"), [
    ("lotId", 7), ("recipientInformation", {"fullName": 5, "phone": "5511112222"}),
    ("package", {"description": ["x"]}), ("package", {"items": "three"}),
])
def test_other_fields_of_the_wrong_type_are_invalid(url: str, field: str, value: Any) -> None:
    body = requests.post(url + "/v1/orders", params={"simulate": "true"}, timeout=5,
                         json={"orders": [_order(**{field: value})]},
                         headers={"Authorization": f"Bearer {token_for(url)}"}).json()
    assert body["data"][0]["status"] == "REJECTED"
    assert any("[INVALID_FIELD]" in m for m in body["data"][0]["msgs"])


@pytest.mark.parametrize(("method", "path", "params"), [
    ("POST", "/v1/orders", {"simulate": "true"}), ("PUT", "/v1/webhook", {}),
    ("POST", "/v1/password/recovery", {"key": TIENDA.key}), ("POST", "/_sandbox/revoke", {}),
    ("POST", "/_sandbox/faults", {}),
])
def test_deeply_nested_json_is_malformed(url: str, method: str, path: str,
                                         params: dict[str, str]) -> None:
    response = send(url, method, path, token_for(url), body=DEEP, **params)
    failure(response, 400, "MALFORMED_REQUEST")


@pytest.mark.parametrize("body", [b'{"url": "https://x/\\ud800", "states": [], "active": true}',
                                  b'{"url": "https://x", "states": [NaN], "active": true}',
                                  b'{"url": "https://x\xff", "states": [], "active": true}'])
def test_json_that_could_not_be_served_back_is_refused(url: str, body: bytes) -> None:
    token = token_for(url)
    failure(send(url, "PUT", "/v1/webhook", token, body=body), 400, "MALFORMED_REQUEST")
    assert get(url, "/v1/webhook", token).status_code == 200


def test_huge_numbers_in_an_order_do_not_break_reading_it_back(url: str) -> None:
    token = token_for(url)
    order = _order(package={"weight": 10**30, "length": 1, "width": 1, "height": 1})
    body = send(url, "POST", "/v1/orders", token, simulate="false",
                body=requests.models.complexjson.dumps({"orders": [order]}).encode()).json()
    shipment = get(url, f"/v1/shipments/{body['data'][0]['trackingId']}", token)
    assert shipment.status_code == 200 and shipment.json()["data"]["package"]["weight"] == 1e30


@pytest.mark.parametrize("body", [b"[]", b'["john.doe@gmail.com"]', b'"john.doe@gmail.com"',
                                  b"null", b"{not json"])
def test_revoke_needs_an_object(url: str, body: bytes) -> None:
    failure(send(url, "POST", "/_sandbox/revoke", body=body), 400, "MALFORMED_REQUEST")


@pytest.mark.parametrize("header", ["Basic é".encode(), "Basic é".encode("latin-1"),
                                    b"Basic \xff\xfe", b"Basic " + "ñ".encode() * 3])
def test_basic_header_with_non_ascii_characters(url: str, header: bytes) -> None:
    response = requests.get(url + "/v1/login", params={"key": TIENDA.key}, timeout=5,
                            headers={"Authorization": header})  # type: ignore[dict-item]
    failure(response, 401, "UNAUTHORIZED")


@pytest.mark.parametrize("settings", [
    {"retry_after": 10**30}, {"retry_after": -1}, {"retry_after": 1.5}, {"retry_after": True},
    {"html": 0.6, "unavailable": 0.6}, {"html": True}, {"html": "0.5"}, {"html": -0.1},
    {"self": 1}, {"nonsense": 1}, [1], "html",
])
def test_bad_fault_settings_are_refused_and_not_applied(
    sandbox: Sandbox, url: str, settings: Any
) -> None:
    response = requests.post(url + "/_sandbox/faults", json=settings, timeout=5)
    assert response.status_code == 400 and response.json()["status"] == "FAILED", response.text
    assert sandbox.faults.faults == Faults()


def test_fault_rates_may_add_up_to_exactly_one(sandbox: Sandbox, url: str) -> None:
    shares = {"unavailable": 0.1, "rate_limited": 0.2, "dropped": 0.3, "html": 0.4}
    assert requests.post(url + "/_sandbox/faults", json=shares, timeout=5).status_code == 200
    with pytest.raises(ValueError, match="add up"):
        sandbox.set_faults(unavailable=0.2)


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/v1/orders", "POST"), ("POST", "/v1/shipments", "GET"),
    ("DELETE", "/v1/webhook", "PUT"), ("PUT", "/_sandbox/faults", "POST"),
])
def test_405_carries_allow_and_the_envelope(url: str, method: str, path: str,
                                            allowed: str) -> None:
    response = requests.request(method, url + path, timeout=5)
    failure(response, 405, "METHOD_NOT_ALLOWED")
    assert allowed in response.headers["Allow"]


@pytest.mark.parametrize("tracking_id", ["CG10000000001%0A", "CG1０000000001",
                                         "CG10000000001%20"])
def test_tracking_ids_are_matched_whole_and_in_ascii(url: str, tracking_id: str) -> None:
    failure(get(url, f"/v1/shipments/{tracking_id}", token_for(url)), 404, "NOT_FOUND")
    assert get(url, "/v1/shipments/CG10000000001", token_for(url)).status_code == 200


def test_an_unexpected_error_is_still_an_envelope(
    sandbox: Sandbox, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(sandbox.accounts, "stats", broken)
    failure(requests.get(url + "/_sandbox/stats", timeout=5), 500, "UNAVAILABLE")


def test_password_is_compared_whatever_its_characters(url: str) -> None:
    for password in ("\x00", "contraseña", "𝔭𝔞𝔰𝔰"):
        response = requests.get(url + "/v1/login", params={"key": TIENDA.key}, timeout=5,
                                headers={"Authorization": basic(JOHN, password)})
        failure(response, 401, "UNAUTHORIZED")
