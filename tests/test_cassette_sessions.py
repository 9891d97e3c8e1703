"""cx.login(cassette=...): record as usual, replay with no network, no credentials and a
clock that stands at the recording."""

from __future__ import annotations

import base64
import gc
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from flask import Response, request

import cargamos_explore as cx
from cargamos_explore.cassettes.record_order import RecordOrder
from cargamos_explore.cassettes.recorder import midnight
from cargamos_explore.sandbox import Sandbox, serve
from cargamos_explore.testing import FakeClock
from tests.trap import running_trapped_environment

from .conftest import ANA, ANCHOR, TIENDA, open_session
from .test_recording import issued_tokens

ROOT = Path(__file__).parent.parent
DAY = date(2026, 11, 18)  # ANCHOR's day in Mexico City


@dataclass
class Recorded:
    path: Path
    tokens: list[str]
    frames: dict[str, pd.DataFrame]


def tour(session: cx.Session) -> dict[str, pd.DataFrame]:
    """A notebook's reads: a window ending on the session's day, one shipment, defaults."""
    today = session.today()
    shipments = session.shipments(start=today - timedelta(days=20), end=today)
    return {"shipments": shipments, "events": session.events(),
            "one": session.shipment(shipments["tracking_id"].iloc[0]),
            "webhook": session.webhook()}


def record(path: Path, sandbox: Sandbox | None = None) -> Recorded:
    sandbox = sandbox or Sandbox(size=300, seed=3, anchor=ANCHOR)
    tokens = issued_tokens(sandbox)
    with serve(sandbox) as url, open_session(url, ANA, cassette=cx.Cassette(
            path, anchor=ANCHOR)) as session:
        session.login()
        frames = tour(session)
    return Recorded(path, tokens, frames)


@pytest.fixture
def recorded(tmp_path: Path) -> Recorded:
    return record(tmp_path / "session.yaml")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> None:
        raise AssertionError("a replay opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_a_missing_cassette_is_recorded_with_the_usual_host_and_credentials(
        tmp_path: Path) -> None:
    path = tmp_path / "new.yaml"
    sandbox = Sandbox(size=100, seed=3, anchor=ANCHOR)
    with serve(sandbox) as url:
        session = cx.login(url, key=TIENDA.key, username=ANA, password=TIENDA.users[ANA],
                           env={}, sources=(), cassette=path)
        assert (session.host, session.credentials_source) == (url, "arguments")
        assert not session.recording.replaying and not session.caching
        session.webhook()
        assert not path.exists()  # written on close, once complete and scanned
        session.close()
    assert sandbox.stats()["users"][ANA]["logins_ok"] == 1
    assert path.read_text().count("- request:") == 2


def test_an_existing_cassette_replays_with_login_alone(
        recorded: Recorded, monkeypatch: pytest.MonkeyPatch, no_network: None) -> None:
    # The analyst's own credentials are all set, aimed at a trap: a replay never looks.
    with running_trapped_environment() as (trap, env):
        for name in ("CARGAMOS_HOST", "CARGAMOS_KEY", "CARGAMOS_USERNAME", "CARGAMOS_PASSWORD",
                     "NETRC"):
            monkeypatch.setenv(name, env[name])
        with cx.login(cassette=recorded.path) as session:
            assert (session.host, session.credentials_source) == ("https://cargamos.invalid",
                                                                  "cassette")
            frames = tour(session)
        assert trap.seen == []
    for name, frame in recorded.frames.items():
        pd.testing.assert_frame_equal(frames[name], frame, check_like=False)
        assert frames[name].attrs["cargamos"]["params"] == frame.attrs["cargamos"]["params"]
    assert frames["shipments"].attrs["cargamos"]["fetched_at"] == "2026-11-18T05:06:40-06:00"


def test_an_unrecorded_request_names_method_and_path(recorded: Recorded,
                                                     no_network: None) -> None:
    with cx.login(cassette=recorded.path) as session:
        with pytest.raises(cx.CassetteMissError) as caught:
            session.shipment("CG1000000042")
        assert (caught.value.method, caught.value.path) == ("GET", "/v1/shipments/CG1000000042")
        assert "GET /v1/shipments/CG1000000042" in str(caught.value)
        with pytest.raises(cx.CassetteMissError, match=r"session\.today\(\)"):
            session.shipments(start="2025-01-01", end="2025-01-31")


def test_a_replayed_token_keeps_its_whole_lifetime(recorded: Recorded,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with cx.login(cassette=recorded.path) as session:
        # Hours later by the machine's clock: the replay's clock still stands at the recording.
        monkeypatch.setattr(time, "time", lambda: ANCHOR + 7 * 3600.0)
        tour(session)
        token = session.token
        assert token is not None and token.is_fresh and session.logins == 1
        assert token.time_left == timedelta(hours=1) and "valid 3600s" in repr(session)
        assert session.summary()["token_seconds_left"] == 3600.0
        assert session.today() == DAY


def test_the_token_indicator_counts_a_replayed_token_from_its_full_lifetime(
        recorded: Recorded) -> None:
    with cx.login(cassette=recorded.path) as session:
        indicator = cx.TokenIndicator(session)
        left = indicator.countdown.expires_at / 1000 - time.time()
        assert 3590 < left <= 3600


def test_a_failed_login_keeps_no_cassette_and_frees_the_next(tmp_path: Path,
                                                             recorded: Recorded) -> None:
    path = tmp_path / "refused.yaml"
    with serve(Sandbox(size=10, seed=1)) as url, pytest.raises(cx.AuthenticationError):
        cx.login(url, key=TIENDA.key, username=ANA, password="wrong", env={}, sources=(),
                 cassette=path)
    assert not path.exists()
    with cx.login(cassette=recorded.path) as session:
        assert session.recording.replaying


def test_a_failed_block_keeps_no_recording(tmp_path: Path) -> None:
    path = tmp_path / "cut.yaml"
    with serve(Sandbox(size=10, seed=1)) as url, pytest.raises(RuntimeError):  # noqa: SIM117
        with open_session(url, cassette=path) as session:
            session.webhook()
            raise RuntimeError("the notebook failed")
    assert not path.exists()


def test_the_leak_scan_knows_every_token_issued(tmp_path: Path) -> None:
    sandbox = Sandbox(size=50, seed=3, anchor=ANCHOR)
    tokens = issued_tokens(sandbox)

    @sandbox.app.after_request
    def leak_the_first_token(response: Response) -> Response:
        if request.path == "/v1/webhook":
            response.set_data(response.get_data().replace(
                b'"url"', b'"debug":"' + tokens[0].encode() + b'","url"', 1))
        return response

    path = tmp_path / "leak.yaml"
    with serve(sandbox) as url, pytest.raises(cx.CassetteLeakError) as caught:  # noqa: SIM117
        with open_session(url, ANA, cassette=path) as session:
            session.login()
            session.renew()  # a second token: the first is no longer the current one
            session.webhook()
    assert len(tokens) == 2 and not path.exists()
    assert not any(token in str(caught.value) for token in tokens)


def test_the_recording_holds_none_of_the_session_secrets(recorded: Recorded) -> None:
    text = recorded.path.read_text()
    password = TIENDA.users[ANA]
    basic = base64.b64encode(f"{ANA}:{password}".encode()).decode()
    assert recorded.tokens
    for secret in (password, TIENDA.key, basic, *recorded.tokens):
        assert secret not in text


def test_a_record_order_records_where_and_when_it_says(tmp_path: Path) -> None:
    order = RecordOrder(str(tmp_path / "ordered.yaml"), anchor=midnight(DAY), seed=3, size=100)
    with cx.login(cassette="ignored.yaml", env=order.environment()) as session:
        assert session.today() == DAY and session.credentials_source == "sandbox demo"
        session.shipments()
    assert not Path("ignored.yaml").exists()
    assert "date_anchor=2026-11-18" in Path(order.cassette).read_text().partition("\n")[0]
    with cx.login(env=order.environment(), sandbox_options={"size": 10}) as plain:
        assert plain.recording is None  # no cassette asked for: the order does not apply


def test_importing_the_package_does_not_load_vcrpy() -> None:
    code = ("import sys, cargamos_explore as cx; print('vcr' in sys.modules); cx.Cassette; "
            "print('vcr' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=ROOT).stdout.split()
    assert found == ["False", "True"]


# --- the pytest plugin's fixtures --------------------------------------------------------
@pytest.mark.cargamos_cassette("03_check_orders_sheet.yaml")
def test_cargamos_session_replays_the_marked_cassette_with_the_network_blocked(
        cargamos_session: cx.Session) -> None:
    from cargamos_explore.testing import NetworkBlockedError

    sheet = pd.read_csv(ROOT / "notebooks" / "orders_example.csv")
    checked = cargamos_session.validate_orders(sheet)
    assert set(checked["status"]) == {"ACCEPTED", "REJECTED"}
    with pytest.raises(NetworkBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)


def test_a_blocked_connection_leaves_no_socket_open(cargamos_replay: Any,
                                                    recorded: Recorded) -> None:
    from cargamos_explore.testing import NetworkBlockedError

    cargamos_replay(recorded.path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        except NetworkBlockedError:
            blocked = True
        gc.collect()  # a socket left open warns when it is collected
    assert blocked
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_cargamos_replay_takes_a_name_or_a_path(cargamos_replay: Any,
                                                recorded: Recorded) -> None:
    assert cargamos_replay(recorded.path).recording.replaying
    with pytest.raises(cx.CassetteFileError, match="record it first"):
        cargamos_replay("no-such-cassette.yaml")


def test_fake_clock_drives_token_renewal(url: str, fake_clock: FakeClock) -> None:
    with open_session(url, clock=fake_clock) as session:
        first = session.login()
        fake_clock.advance(3600 - 30)  # inside the renewal margin
        assert session.login() is not first and session.logins == 2


def test_the_redaction_preset_serves_plain_vcrpy(tmp_path: Path,
                                                 cargamos_redaction: dict[str, Any]) -> None:
    import requests
    import vcr

    recorder = vcr.VCR(**cargamos_redaction)
    path = str(tmp_path / "plain.yaml")
    with serve(Sandbox(size=10, seed=1)) as url, recorder.use_cassette(path):
        answer = requests.get(url + "/v1/login", params={"key": TIENDA.key}, timeout=5,
                              auth=(ANA, TIENDA.users[ANA]))
    text = Path(path).read_text()
    assert TIENDA.key not in text and TIENDA.users[ANA] not in text
    assert answer.json()["data"]["token"] not in text
    with recorder.use_cassette(path, record_mode="none"):
        again = requests.get(url + "/v1/login", params={"key": TIENDA.key}, timeout=5,
                             auth=(ANA, TIENDA.users[ANA]))
    assert again.json()["data"]["token"] == "REDACTED"
