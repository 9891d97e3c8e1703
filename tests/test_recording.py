"""Cassettes: record against the sandbox, replay with it gone, never keep a secret."""

from __future__ import annotations

import base64
import random
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import requests
import requests_cache
from flask import Response, request
from vcr.request import Request

from cargamos_explore.cassettes.cassette import Cassette
from cargamos_explore.cassettes.redaction import Redactor, match_key
from cargamos_explore.errors import (
    CassetteError,
    CassetteFileError,
    CassetteLeakError,
    CassetteMissError,
    InvalidArgumentError,
)
from cargamos_explore.sandbox import Sandbox, serve

from .conftest import ANA, ANCHOR, JOHN, TIENDA

PAGES = (1, 2, 3, 4)
COOKIE = "sessionid-7f3a9c2e1b"


@dataclass
class Shipper:
    """The login and the bearer calls, made by hand with a plain requests.Session, through
    ``cassette`` when one is given."""

    base: str
    username: str = ANA
    http: requests.Session = field(default_factory=requests.Session)
    token: str = ""
    cassette: Cassette | None = None

    def __post_init__(self) -> None:
        if self.cassette is not None:
            self.cassette.attach(self.http, self.base)

    @property
    def password(self) -> str:
        return TIENDA.users[self.username]

    def login(self) -> requests.Response:
        answer = self.http.get(self.base + "/v1/login", params={"key": TIENDA.key}, json={},
                               auth=(self.username, self.password), timeout=10)
        if answer.ok:
            self.token = answer.json()["data"]["token"]
        return answer

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.base + path, params=params, timeout=10,
                             headers={"Authorization": f"Bearer {self.token}"})

    def page(self, cassette: Cassette, number: int) -> requests.Response:
        end = cassette.date()
        return self.get("/v1/shipments", page=number, limit=20, to=end.isoformat(),
                        **{"from": (end - timedelta(days=20)).isoformat()})


def tour(shipper: Shipper, cassette: Cassette) -> list[tuple[int, Any]]:
    """What a notebook does: log in, read four pages at once, one shipment, a few more."""
    answers = [shipper.login()]
    with ThreadPoolExecutor(4) as pool:
        answers += pool.map(lambda n: shipper.page(cassette, n), PAGES)
    first = answers[1].json()["data"]["items"][0]["trackingId"]
    answers.append(shipper.get(f"/v1/shipments/{first}"))
    answers.append(shipper.get("/v1/shipments/CG9NOSUCHONE"))
    answers.append(shipper.http.post(shipper.base + "/v1/password/recovery", timeout=10,
                                     params={"key": TIENDA.key}, json={"username": ANA}))
    answers.append(shipper.http.get(shipper.base + "/v1/webhook", timeout=10, headers={
        "authorization": f"bearer {shipper.token}", "Cookie": f"session={COOKIE}",
        "Proxy-Authorization": "Basic cHJveHk6cHJveHktc2VjcmV0"}))
    return [(a.status_code, a.json()["data"]) for a in answers]


@dataclass
class Recording:
    path: Path
    answers: list[tuple[int, Any]]
    tokens: list[str]

    @property
    def text(self) -> str:
        return self.path.read_text()


def issued_tokens(sandbox: Sandbox) -> list[str]:
    """Wraps the sandbox's login so every token it issues is kept for the scans."""
    tokens: list[str] = []
    issue = sandbox.accounts.login

    def login(*args: Any) -> str | None:
        token = issue(*args)
        tokens.extend([token] if token else [])
        return token

    sandbox.accounts.login = login  # type: ignore[method-assign,assignment]
    return tokens


def with_cookies(sandbox: Sandbox) -> Sandbox:
    @sandbox.app.after_request
    def set_cookie(response: Response) -> Response:
        response.headers["Set-Cookie"] = f"session={COOKIE}; Path=/; HttpOnly"
        return response

    return sandbox


def record(path: Path, username: str = ANA, sandbox: Sandbox | None = None) -> Recording:
    sandbox = sandbox or with_cookies(Sandbox(size=300, seed=3, anchor=ANCHOR))
    tokens = issued_tokens(sandbox)
    secrets = lambda: [TIENDA.users[username], TIENDA.key, COOKIE, *tokens]  # noqa: E731
    with serve(sandbox) as base, Cassette(path, secrets=secrets, anchor=ANCHOR) as cassette:
        assert not cassette.replaying
        answers = tour(Shipper(base, username, cassette=cassette), cassette)
    return Recording(path, answers, tokens)


@pytest.fixture
def recorded(tmp_path: Path) -> Recording:
    return record(tmp_path / "tour.yaml")


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: Any) -> None:
        raise AssertionError("a replay opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield


GONE = "http://127.0.0.1:9"  # the sandbox is stopped; nothing listens here


def test_replay_gives_the_recorded_answers_with_the_sandbox_gone(
        recorded: Recording, no_connections: None) -> None:
    # The four pages were fetched at once; none escaped the recording.
    assert recorded.text.count("uri: https://cargamos.invalid/v1/shipments?from=") == 4
    with Cassette(recorded.path) as cassette:
        assert cassette.replaying
        replayed = tour(Shipper(GONE, cassette=cassette), cassette)
    assert replayed == [(status, _replayable(data)) for status, data in recorded.answers]
    assert replayed[0] == (200, {"token": "REDACTED", "expiresIn": "3600"})
    assert [status for status, _ in replayed] == [200, 200, 200, 200, 200, 200, 404, 200, 200]


def _replayable(data: Any) -> Any:
    """The recorded answer as the cassette keeps it: the login token is a placeholder."""
    return {**data, "token": "REDACTED"} if isinstance(data, dict) and "token" in data else data


def test_an_unrecorded_request_names_method_and_path_and_never_connects(
        recorded: Recording, no_connections: None) -> None:
    cassette = Cassette(recorded.path, "replay").open()
    shipper = Shipper(GONE, cassette=cassette)
    with pytest.raises(CassetteMissError) as caught:
        shipper.login()
        shipper.get("/v1/shipments/CG1000000042", key=TIENDA.key)
    message = str(caught.value)
    assert "GET /v1/shipments/CG1000000042?key=REDACTED" in message
    assert (caught.value.method, caught.value.path) == ("GET", "/v1/shipments/CG1000000042")
    assert TIENDA.key not in message and shipper.token == "REDACTED"
    assert not any(token in message for token in recorded.tokens)


def test_a_post_with_another_body_is_a_miss(recorded: Recording) -> None:
    with Cassette(recorded.path) as cassette, \
            pytest.raises(CassetteMissError, match="POST /v1/password"):
        Shipper(GONE, cassette=cassette).http.post(
            GONE + "/v1/password/recovery", params={"key": TIENDA.key},
            json={"username": JOHN}, timeout=5)


def test_the_cassette_holds_no_secret(recorded: Recording) -> None:
    password, key = TIENDA.users[ANA], TIENDA.key
    basic = base64.b64encode(f"{ANA}:{password}".encode()).decode()
    text = recorded.text
    assert len(recorded.tokens) == 1
    for secret in (password, key, basic, COOKIE, "proxy-secret", "cHJveHk6cHJveHktc2VjcmV0",
                   *recorded.tokens):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            assert form not in text, secret
    assert "set-cookie" not in text.lower() and "cookie" not in text.lower()
    assert "Basic REDACTED" in text and "bearer REDACTED" in text and "key=REDACTED" in text


def test_the_docs_password_is_no_false_leak(tmp_path: Path) -> None:
    # john's password "shipper" is part of every shipperDropoffDate field.
    assert record(tmp_path / "john.yaml", JOHN).path.is_file()


def leaking(sandbox: Sandbox) -> Sandbox:
    """A sandbox whose shipment pages carry the organisation key in a field nobody knows."""
    @sandbox.app.after_request
    def leak(response: Response) -> Response:
        if request.path == "/v1/shipments":
            response.set_data(response.get_data().replace(
                b'"items":', b'"hint":"' + TIENDA.key.encode() + b'","items":', 1))
        return response

    return sandbox


def test_a_leak_fails_loudly_and_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "leak.yaml"
    with pytest.raises(CassetteLeakError, match="the key parameter in interaction") as caught:
        record(path, sandbox=leaking(Sandbox(size=300, seed=3, anchor=ANCHOR)))
    assert TIENDA.key not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_leaking_rewrite_keeps_the_old_cassette(recorded: Recording) -> None:
    before = recorded.text
    sandbox = leaking(Sandbox(size=300, seed=3, anchor=ANCHOR))
    with serve(sandbox) as base, pytest.raises(CassetteLeakError):  # noqa: SIM117
        with Cassette(recorded.path, "rewrite", anchor=ANCHOR) as cassette:
            tour(Shipper(base, cassette=cassette), cassette)
    assert recorded.text == before and sorted(recorded.path.parent.iterdir()) == [recorded.path]


def test_a_value_named_by_the_caller_is_a_leak(tmp_path: Path) -> None:
    path = tmp_path / "named.yaml"
    with serve(Sandbox(size=300, seed=3, anchor=ANCHOR)) as base:  # noqa: SIM117
        with pytest.raises(CassetteLeakError, match="a secret named by the caller"):
            with Cassette(path, secrets=lambda: ["Tienda Ejemplo", "application/json"]) as tape:
                Shipper(base, cassette=tape).login()
    assert not path.exists()


def test_two_recordings_are_byte_identical(tmp_path: Path, recorded: Recording) -> None:
    again = record(tmp_path / "again.yaml")
    assert again.tokens != recorded.tokens
    assert again.path.read_bytes() == recorded.path.read_bytes()


def test_concurrent_replay_gives_each_page_its_own_answer(recorded: Recording) -> None:
    orders = [random.Random(seed).sample(PAGES * 3, k=12) for seed in range(5)]
    with Cassette(recorded.path) as cassette:
        shipper = Shipper(GONE, cassette=cassette)
        shipper.login()
        for order in orders:
            with ThreadPoolExecutor(4) as pool:
                pages = list(pool.map(lambda n: shipper.page(cassette, n).json()["data"], order))
            assert [p["page"] for p in pages] == order
            expected = {n: recorded.answers[n][1]["items"] for n in PAGES}
            assert all(p["items"] == expected[p["page"]] for p in pages)


def test_repeated_requests_replay_in_order_then_repeat_the_last(tmp_path: Path) -> None:
    sandbox = Sandbox(size=50, seed=1, anchor=ANCHOR)
    path = tmp_path / "renewal.yaml"
    with serve(sandbox) as base, Cassette(path, anchor=ANCHOR) as cassette:
        recorded = sequence(Shipper(base, cassette=cassette), cassette, lambda: sandbox.revoke(ANA))
    assert recorded == [200, 200, 401, 200, 200]
    with Cassette(path) as cassette:
        shipper = Shipper(GONE, cassette=cassette)
        assert sequence(shipper, cassette, lambda: 0) == recorded
        assert shipper.page(cassette, 1).status_code == 200


def sequence(shipper: Shipper, cassette: Cassette, revoke: Callable[[], int]) -> list[int]:
    """A token refused mid-session and the re-login that follows."""
    statuses = [shipper.login().status_code, shipper.page(cassette, 1).status_code]
    revoke()
    statuses.append(shipper.page(cassette, 1).status_code)
    statuses += [shipper.login().status_code, shipper.page(cassette, 1).status_code]
    return statuses


def test_the_replay_clock_stands_at_the_recording(recorded: Recording) -> None:
    replay = Cassette(recorded.path)
    assert replay.clock() == replay.anchor == ANCHOR
    assert replay.date().isoformat() == "2026-11-18"
    assert recorded.text.startswith("# cargamos-explore cassette 2: clock_anchor=1795000000.0"
                                    " date_anchor=2026-11-18\n")
    recording = Cassette(recorded.path.with_name("new.yaml"))
    assert abs(recording.clock() - recording.anchor) < 60 and recording.clock() != ANCHOR


def test_envelope_timestamps_are_the_anchor(recorded: Recording) -> None:
    assert f'"timestamp":{ANCHOR * 1000}' in recorded.text
    with Cassette(recorded.path) as cassette:
        body = Shipper(GONE, cassette=cassette).login().json()
    assert body["timestamp"] == ANCHOR * 1000


def test_modes_check_the_file(tmp_path: Path, recorded: Recording) -> None:
    with pytest.raises(CassetteFileError, match="record it first"):
        Cassette(tmp_path / "none.yaml", "replay")
    with pytest.raises(CassetteFileError, match="already"):
        Cassette(recorded.path, "record")
    with pytest.raises(InvalidArgumentError, match="mode must be"):
        Cassette(recorded.path, "once")  # type: ignore[arg-type]
    assert not Cassette(recorded.path, "rewrite").replaying
    (tmp_path / "plain.yaml").write_text("version: 1\ninteractions: []\n")
    with pytest.raises(CassetteFileError, match="not recorded by cargamos_explore"):
        Cassette(tmp_path / "plain.yaml")


def test_an_error_inside_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    with serve(Sandbox(size=50, seed=1)) as base:
        with pytest.raises(RuntimeError), Cassette(path) as cassette:
            Shipper(base, cassette=cassette).login()
            raise RuntimeError("the notebook failed")
        assert not path.exists()
        assert Shipper(base).login().json()["data"]["token"] != "REDACTED"


def test_a_cache_installed_process_wide_is_refused(tmp_path: Path) -> None:
    requests_cache.install_cache(backend="memory")
    try:
        with pytest.raises(CassetteError, match="installed globally"), \
                Cassette(tmp_path / "c.yaml"):
            pass
    finally:
        requests_cache.uninstall_cache()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("uri", [
    "http://h/v1/login?key=sbx-1", "http://h/v1/login?KEY=sbx-1", "http://h/v1/login?%6Bey=sbx-1",
    "http://h/v1/login?Key=sbx%2D1", "http://h/v1/x?token=sbx-1&a=b",
])
def test_the_key_is_redacted_in_any_case_or_encoding(uri: str) -> None:
    redactor = Redactor(0, harvesting=True)
    clean = redactor.request(Request("GET", uri, None, {}))
    assert "sbx" not in clean.uri and "REDACTED" in clean.uri
    assert redactor.seen() == {"sbx-1": redactor.seen()["sbx-1"]}


def test_request_headers_and_bodies_are_redacted() -> None:
    redactor = Redactor(0, harvesting=True)
    body = b'{"username":"a@b.mx","password":"pw-123","nested":[{"access_token":"t-9"}]}'
    headers = {"AUTHORIZATION": "Basic YTpwdy0xMjM=", "Cookie": "a=b1c2; c=d3e4",
               "Content-Type": "application/json", "User-Agent": "x", "X-Api-Key": "k"}
    clean = redactor.request(Request("POST", "http://h/v1/p", body, headers))
    assert dict(clean.headers) == {"AUTHORIZATION": "Basic REDACTED",
                                   "Content-Type": "application/json"}
    assert clean.body == (b'{"username":"a@b.mx","password":"REDACTED",'
                          b'"nested":[{"access_token":"REDACTED"}]}')
    assert set(redactor.seen()) == {"YTpwdy0xMjM=", "a:pw-123", "pw-123", "b1c2", "d3e4", "t-9"}
    assert redactor.request(clean).body == clean.body
    assert match_key(clean) == match_key(redactor.request(clean))
