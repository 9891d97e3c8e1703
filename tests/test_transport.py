"""Where a call may go and what it carries: paths stay on the host, ids stay one path
segment, retries carry the current token and honour the Retries settings."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

import cargamos_explore as cx
from cargamos_explore.errors import InvalidTrackingIdError, UnsafePathError
from cargamos_explore.sandbox import Sandbox, serve
from cargamos_explore.transport.http import Retries, send_with_retries
from cargamos_explore.transport.urls import shipment_path

from .conftest import JOHN, JOHN_PASSWORD, TIENDA, basic, open_session, stats, user_stats

DOCS_BASIC = "Basic am9obi5kb2VAZ21haWwuY29tOnNoaXBwZXI="  # the docs' worked example


class Recorder(http.server.ThreadingHTTPServer):
    """Another server on the loopback: it must never hear from a session on the sandbox."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.redirect_to: str | None = None
        super().__init__(("127.0.0.1", 0), _RecordingHandler)

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    server: Recorder

    def _answer(self) -> None:
        self.server.seen.append((self.command, self.path, dict(self.headers)))
        if self.server.redirect_to:
            self.send_response(307)
            self.send_header("Location", self.server.redirect_to + self.path)
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        body = b'{"status": "OK", "data": {}}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# --- 3: the token never leaves its host -----------------------------------------------
ESCAPING_PATHS = [
    "@{other}/v1/webhook", "//{other}/v1/webhook", "http://{other}/v1/webhook",
    "{host}@{other}/v1/webhook", "{host}.evil.example/v1/webhook", ".evil.example/x",
    "@evil.example/x", "v1/webhook", "\\\\{other}/v1/webhook", "/\\{other}/v1/webhook",
    "/v1/../../x", "/v1/%2e%2E/%2e%2e/x", "/v1/webhook\r\nHost: evil.example",
    "/v1/web\x00hook", "/v1/web hook", "/v1/webhook#x", "http://john:Hunt3r-pw@{own}/v1/webhook",
]
CALLS: dict[str, Callable[[cx.Session, Any], object]] = {
    "get_json": lambda s, p: s.get_json(p),
    "get_frame": lambda s, p: s.get_frame(p, page=1),
    "request GET": lambda s, p: s.request("GET", p),
    "request POST": lambda s, p: s.request("POST", p, json={}),
}


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("template", ESCAPING_PATHS)
def test_a_path_that_would_leave_the_host_is_refused_before_sending(
        url: str, recorder: Recorder, template: str, call: str) -> None:
    path = template.format(other=recorder.netloc, host=url, own=url.split("//")[1])
    with open_session(url) as session:
        with pytest.raises(UnsafePathError) as caught:
            CALLS[call](session, path)
        assert session.logins == 0  # refused before even a login
    assert isinstance(caught.value, cx.CargamosError) and isinstance(caught.value, ValueError)
    assert "refused to call the path" in str(caught.value) and "Hunt3r-pw" not in str(caught.value)
    assert recorder.seen == []


@pytest.mark.parametrize("path", [42, None, b"/v1/webhook"])
def test_a_path_that_is_not_a_string_is_refused(session: cx.Session, path: object) -> None:
    with pytest.raises(UnsafePathError, match="must be a string"):
        session.get_json(path)  # type: ignore[arg-type]


def test_a_full_url_on_the_session_host_and_a_query_are_accepted(session: cx.Session) -> None:
    assert session.get_json(session.host + "/v1/webhook")["active"] is False
    assert session.get_json("/v1/shipments?limit=1", start="2000-01-01")["limit"] == 1


def test_the_docs_basic_header_never_reaches_another_host(url: str, recorder: Recorder) -> None:
    assert basic(JOHN, JOHN_PASSWORD) == DOCS_BASIC
    login = {"key": TIENDA.key, "username": JOHN, "password": JOHN_PASSWORD, "env": {},
             "sources": (), "cache": False, "retries": cx.Retries(total=0)}
    own = url.split("//")[1]
    for host in (f"http://{own}@{recorder.netloc}", f"{url}@{recorder.netloc}",
                 f"http://john.doe%40gmail.com:{JOHN_PASSWORD}@{recorder.netloc}"):
        with pytest.raises(cx.ConfigurationError, match="username or password") as caught:
            cx.login(host, **login)
        assert JOHN_PASSWORD not in str(caught.value)
    with cx.login(url, **login) as session:  # the calls after login stay home too
        for template in ESCAPING_PATHS:
            with pytest.raises(UnsafePathError):
                session.get_json(template.format(other=recorder.netloc, host=url, own=own))
    assert recorder.seen == []
    # A host that redirects the login elsewhere: nothing follows it there.
    elsewhere = Recorder()
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    try:
        recorder.redirect_to = f"http://{elsewhere.netloc}"
        with pytest.raises(cx.CargamosError):
            cx.login(f"http://{recorder.netloc}", **login)
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()
    assert [path for _, path, _ in recorder.seen] == [f"/v1/login?key={TIENDA.key}"]
    assert elsewhere.seen == []  # redirects are not followed at all


# --- 4: ids are encoded ------------------------------------------------------------------
@pytest.mark.parametrize("tracking_id", ["../webhook", "CG1?key=zz", "", ".", "..", "CG1/2",
                                         "CG1#x", "CG 1", "CG1\n", "CG1\x00", "\\x", "%2e%2e",
                                         42, None])
@pytest.mark.parametrize("method", ["shipment", "shipment_events"])
def test_a_value_that_cannot_be_a_tracking_id_is_refused(url: str, tracking_id: object,
                                                         method: str) -> None:
    with open_session(url) as session:
        with pytest.raises(InvalidTrackingIdError, match="tracking_id") as caught:
            getattr(session, method)(tracking_id)
        assert session.logins == 0
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, cx.CargamosError)
    assert stats(url)["faults"] == 0 and user_stats(url, JOHN)["requests"] == 0


def test_a_tracking_id_is_one_encoded_segment(session: cx.Session) -> None:
    assert shipment_path("CG1&x=1;a@b") == "/v1/shipments/CG1%26x%3D1%3Ba%40b"
    with pytest.raises(cx.NotFoundError):  # sent whole, not as a parameter
        session.shipment("CG1&limit=1")
    first = session.shipments(start="2000-01-01", max_rows=1, progress=False)
    tracking_id = first["tracking_id"].iloc[0]
    assert session.shipment(tracking_id)["tracking_id"].iloc[0] == tracking_id
    assert set(session.shipment_events(tracking_id)["tracking_id"]) == {tracking_id}


# --- 7: a retried call carries the current token ---------------------------------------
def scripted(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, *picks: str | None) -> None:
    """The sandbox's next faults, one per /v1 request (logins included), then none."""
    queue = list(picks)
    monkeypatch.setattr(sandbox.faults, "pick", lambda: queue.pop(0) if queue else None)


def test_a_retry_after_longer_than_the_token_is_retried_with_a_new_token(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = Sandbox(size=20, token_lifetime=1)
    sandbox.set_faults(retry_after=2)
    with serve(sandbox) as base, open_session(base) as session:
        session.login()
        # The call waits 2 s on a 429, outliving its 1 s token. Resending that token would
        # be refused, and then the same again after the re-login: the old false alarm.
        scripted(sandbox, monkeypatch, "rate_limited", None, None, "rate_limited")
        assert session.get_json("/v1/webhook")["active"] is False
        assert session.logins == 2 and stats(base)["rejected_tokens"] == 0


def test_a_token_that_expired_in_flight_is_no_access_problem(
        sandbox: Sandbox, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    real_grant, slow_answers = sandbox.accounts.grant, [2]

    def grant(token: str | None) -> Any:
        if slow_answers[0]:  # the answer takes an hour: the token expired on the way
            slow_answers[0] -= 1
            now[0] += 3600
            return None
        return real_grant(token)

    monkeypatch.setattr(sandbox.accounts, "grant", grant)
    with open_session(url, clock=lambda: now[0]) as session:
        assert session.get_json("/v1/webhook")["active"] is False
        assert session.logins == 3


def response(status: int, **headers: str) -> requests.Response:
    answer = requests.Response()
    answer.status_code, answer.headers = status, requests.structures.CaseInsensitiveDict(headers)
    return answer


def test_every_attempt_is_prepared_again() -> None:
    answers = [response(429, **{"Retry-After": "1"}), response(503), response(200)]
    tokens = iter(["t1", "t2", "t3"])
    sent: list[str] = []

    def attempt() -> requests.Response:
        sent.append(next(tokens))  # what the client does: ask the keeper every time
        return answers.pop(0)

    slept: list[float] = []
    result = send_with_retries(attempt, "GET", "http://h/v1/x", Retries(), sleep=slept.append)
    assert result.status_code == 200 and sent == ["t1", "t2", "t3"] and slept == [1.0, 0.5]


# --- 12: the Retries settings hold on every retry --------------------------------------
def test_max_retry_after_caps_every_wait() -> None:
    slept: list[float] = []
    result = send_with_retries(lambda: response(429, **{"Retry-After": "100"}), "GET",
                               "http://h/v1/x", Retries(total=3, max_retry_after=5),
                               sleep=slept.append)
    assert result.status_code == 429 and slept == [5, 5, 5]


def test_max_retry_after_holds_against_the_sandbox(sandbox: Sandbox, url: str) -> None:
    with open_session(url, retries=cx.Retries(total=2, max_retry_after=0.2)) as session:
        session.login()
        sandbox.set_faults(rate_limited=1.0, retry_after=3)
        started = time.monotonic()
        with pytest.raises(cx.RateLimitedError):
            session.get_json("/v1/webhook")
        assert time.monotonic() - started < 3  # two waits of 0.2 s, not of 3 s
    assert stats(url)["faults"] == 3


def test_a_post_is_not_resent_on_a_503_and_a_reset_is_retried_twice_for_reads() -> None:
    calls: list[str] = []

    def busy() -> requests.Response:
        calls.append("POST")
        return response(503)

    assert send_with_retries(busy, "POST", "http://h/v1/orders", Retries()).status_code == 503
    assert calls == ["POST"]

    def reset() -> requests.Response:
        calls.append("GET")
        raise requests.ConnectionError("Connection reset by peer")

    with pytest.raises(cx.TransportError, match="may have received it") as caught:
        send_with_retries(reset, "GET", "http://h/v1/x?key=s3cret-key", Retries(),
                          sleep=lambda _: None)
    assert calls.count("GET") == 3  # the first try and 2 read retries
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert "s3cret-key" not in str(caught.value)


def test_a_body_that_cannot_be_encoded_was_never_sent() -> None:
    from cargamos_explore.transport.http import transport_error

    unencodable = requests.exceptions.InvalidJSONError("Out of range float values")
    error = transport_error(unencodable, "POST", "http://127.0.0.1:1/v1/orders?key=secret-key")
    assert error.may_have_reached_server is False and "did not receive it" in str(error)
    assert "secret-key" not in str(error)
