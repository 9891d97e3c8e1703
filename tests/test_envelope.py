"""The envelope and its messages, from the contract's own examples."""

from __future__ import annotations

import json

import pytest
import requests

import cargamos_explore as cx
from cargamos_explore.scrub import scrub
from cargamos_explore.transport.envelope import Message, unwrap

FAKE_KEY = "s3cr3t-org-key"


@pytest.mark.parametrize(("raw", "level", "code", "item", "text"), [
    ("[INFO] 3 orders were successfully parsed", "INFO", None, None,
     "3 orders were successfully parsed"),
    ("[WARNING] [ORDER_REJECTED] [A0002] order A0002 was rejected", "WARNING",
     "ORDER_REJECTED", "A0002", "order A0002 was rejected"),
    ("[ERROR] [MAX_DISTANCE_EXCEEDED] [A0002] pickup-dropoff distance is greater than 5000m",
     "ERROR", "MAX_DISTANCE_EXCEEDED", "A0002", "pickup-dropoff distance is greater than 5000m"),
    ("[ERROR] [LOCATION_NOT_FOUND] location id 3 wasn't found at locations", "ERROR",
     "LOCATION_NOT_FOUND", None, "location id 3 wasn't found at locations"),
    ("no tags at all", "INFO", None, None, "no tags at all"),
])
def test_legacy_messages_parse(raw: str, level: str, code: str | None, item: str | None,
                               text: str) -> None:
    assert Message.parse(raw) == Message(level, code, item, text)


def response(status: int, body: bytes, content_type: str = "application/json"
             ) -> requests.Response:
    answer = requests.Response()
    answer.status_code, answer._content = status, body
    answer.headers["Content-Type"] = content_type
    answer.request = requests.Request("GET", "http://h/v1/login",
                                      params={"key": FAKE_KEY}).prepare()
    return answer


def envelope(status: str, data: object, msgs: list[str] | None = None) -> bytes:
    return json.dumps({"version": "1.0.0", "status": status, "timestamp": 1, "data": data,
                       "msgs": msgs or []}).encode()


@pytest.mark.parametrize(("status", "error"), [
    (400, cx.BadRequestError), (404, cx.NotFoundError), (429, cx.RateLimitedError),
    (503, cx.ServerError), (500, cx.ServerError), (409, cx.APIError)])
def test_failures_map_to_errors(status: int, error: type[cx.APIError]) -> None:
    body = envelope("FAILED", None, ["[ERROR] [SOME_CODE] went wrong"])
    with pytest.raises(error) as caught:
        unwrap(response(status, body))
    assert caught.value.status == status and caught.value.messages[0].code == "SOME_CODE"
    assert FAKE_KEY not in str(caught.value) and "key=REDACTED" in caught.value.url


def test_ok_envelope_returns_data() -> None:
    assert unwrap(response(200, envelope("OK", {"a": 1}))) == {"a": 1}


def test_a_failed_status_with_http_200_is_still_an_error() -> None:
    with pytest.raises(cx.APIError):
        unwrap(response(200, envelope("FAILED", None)))


def test_an_html_page_gives_a_short_tag_free_snippet() -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1>" + b"x" * 5000 + b"</body></html>"
    with pytest.raises(cx.UnexpectedResponseError) as caught:
        unwrap(response(502, page, "text/html"))
    message = str(caught.value)
    assert "502 Bad Gateway" in message and "<h1>" not in message and len(message) < 400


def test_scrub_catches_every_shape() -> None:
    text = ('authorization: basic am9objpwdw== Bearer abc.def-ghi ?key=k1&x=1 &key=k2 '
            '{"token": "t0k", "password": "pw"}')
    clean = scrub(text)
    for secret in ("am9objpwdw", "abc.def-ghi", "k1", "k2", "t0k", '"pw"'):
        assert secret not in clean
