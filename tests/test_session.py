"""The session against the sandbox: renewal under threads, 401s, retries, clear errors."""

from __future__ import annotations

import math
import netrc
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.bootstrap.credentials import from_environment, from_netrc
from cargamos_explore.sandbox import Sandbox, serve

from .conftest import DISABLED, JOHN, JOHN_PASSWORD, TIENDA, open_session, stats, user_stats

FAST = cx.Retries(total=3, backoff_factor=0)


def test_login_returns_a_logged_in_session(url: str) -> None:
    with cx.login(url, key=TIENDA.key, username=JOHN, password=JOHN_PASSWORD, env={},
                  sources=()) as session:
        assert session.logins == 1 and session.token is not None
        assert 3590 < session.token.time_left.total_seconds() <= 3600
        assert session.get_json("/v1/webhook")["active"] is False
    assert user_stats(url, JOHN)["logins_ok"] == 1


def test_sixteen_threads_across_expiry_make_one_login_per_lifetime() -> None:
    lifetime, margin = 2.0, 0.5
    with serve(Sandbox(size=50, token_lifetime=lifetime)) as base:
        session = open_session(base, renew_margin=margin)
        failures: list[BaseException] = []

        def worker() -> None:
            for _ in range(50):
                try:
                    session.get_json("/v1/webhook")
                except BaseException as err:  # counted, not raised in the thread
                    failures.append(err)
                time.sleep(0.1)

        started = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        john = user_stats(base, JOHN)
    assert failures == []
    assert john["logins_failed"] == 0 and john["logins_ok"] == session.logins
    # A login happens only once the previous token is past its renewal point, so however the
    # threads are scheduled there is at most one login per (lifetime - margin) window; and
    # calls went on for longer than a lifetime, so at least one renewal was needed. (A call
    # held up past its token's expiry gets a 401 and a retry, counted as a success above.)
    assert 2 <= john["logins_ok"] <= math.floor(elapsed / (lifetime - margin)) + 1
    assert elapsed > lifetime


def test_a_revoked_token_costs_one_relogin(sandbox: Sandbox, url: str) -> None:
    with open_session(url) as session:
        session.get_json("/v1/webhook")
        sandbox.revoke(JOHN)
        assert session.get_json("/v1/webhook")["active"] is False
        assert session.logins == 2
    assert user_stats(url, JOHN)["logins_ok"] == 2


def test_a_token_refused_twice_raises(sandbox: Sandbox, url: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.accounts, "grant", lambda token: None)
    with open_session(url) as session, pytest.raises(cx.TokenRejectedError):
        session.get_json("/v1/webhook")
    assert user_stats(url, JOHN)["logins_ok"] == 2


def test_a_wrong_password_raises_after_exactly_one_attempt(url: str) -> None:
    with pytest.raises(cx.AuthenticationError, match="rejected the username or password"):
        cx.login(url, key=TIENDA.key, username=JOHN, password="wrong", env={}, sources=())
    assert user_stats(url, JOHN)["logins_failed"] == 1
    assert user_stats(url, JOHN)["logins_ok"] == 0


@pytest.mark.parametrize("key", ["no-such-key", DISABLED.key])
def test_an_unknown_or_disabled_key_says_so(url: str, key: str) -> None:
    with pytest.raises(cx.UnknownKeyError, match="organisation key"):
        cx.login(url, key=key, username=JOHN, password=JOHN_PASSWORD, env={}, sources=())


def test_an_html_502_raises_an_api_error_with_a_snippet(sandbox: Sandbox, url: str) -> None:
    with open_session(url, retries=FAST) as session:
        session.login()
        sandbox.set_faults(html=1.0)
        with pytest.raises(cx.UnexpectedResponseError) as caught:
            session.get_json("/v1/webhook")
    assert caught.value.status == 502
    assert "502 Bad Gateway" in str(caught.value) and "<" not in str(caught.value)
    assert stats(url)["faults"] == 4  # the first try and 3 retries


def test_a_429_storm_honours_retry_after_then_raises(sandbox: Sandbox, url: str) -> None:
    with open_session(url, retries=cx.Retries(total=2, backoff_factor=0)) as session:
        session.login()
        sandbox.set_faults(rate_limited=1.0, retry_after=1)
        started = time.monotonic()
        with pytest.raises(cx.RateLimitedError) as caught:
            session.get_json("/v1/webhook")
        assert time.monotonic() - started >= 2.0  # two waits of Retry-After: 1
    assert caught.value.status == 429 and stats(url)["faults"] == 3


def test_transient_503s_and_429s_are_absorbed(sandbox: Sandbox, url: str) -> None:
    sandbox.set_faults(unavailable=0.2, rate_limited=0.1, retry_after=0)
    with open_session(url, retries=cx.Retries(total=8, backoff_factor=0)) as session:
        for _ in range(40):
            session.get_json("/v1/webhook")
    assert stats(url)["faults"] > 0


def test_dropped_connections_are_retried_for_reads(sandbox: Sandbox, url: str) -> None:
    with open_session(url, retries=cx.Retries(total=8, backoff_factor=0)) as session:
        session.login()  # a login cut off mid-answer is not sent again (it is billed)
        sandbox.set_faults(dropped=0.3)
        for _ in range(20):
            session.get_json("/v1/webhook")
    assert stats(url)["faults"] > 0


def test_creating_orders_is_never_retried(sandbox: Sandbox, url: str) -> None:
    import pandas as pd

    sheet = pd.DataFrame([{"postal_code": "06700", "full_address": "Durango 120, Roma Norte",
                           "recipient_name": "Sofía", "recipient_phone": "5511112222",
                           "shipper_dropoff_date": "2026-12-01T10:00:00-06:00",
                           "expected_delivery_date": "2026-12-02T21:00:00-06:00"}])
    with open_session(url, retries=FAST) as session:
        session.login()
        sandbox.set_faults(dropped=1.0)
        with pytest.raises(cx.TransportError) as caught:
            session.create_orders(sheet)
    assert caught.value.may_have_reached_server
    assert "check your shipments" in str(caught.value)
    assert stats(url)["faults"] == 1


def test_a_server_that_is_not_there_was_never_reached() -> None:
    with serve(Sandbox(size=1)) as base:
        pass  # stopped: nothing listens on that port any more
    session = open_session(base, retries=cx.Retries(total=1, backoff_factor=0))
    with pytest.raises(cx.TransportError) as caught:
        session.login()
    assert not caught.value.may_have_reached_server
    assert "did not receive it" in str(caught.value)


def test_not_found_and_bad_request_are_api_errors(session: cx.Session) -> None:
    with pytest.raises(cx.NotFoundError) as caught:
        session.get_json("/v1/shipments/CG19999999999")
    assert caught.value.status == 404 and caught.value.messages[0].code == "NOT_FOUND"
    with pytest.raises(cx.BadRequestError, match="limit must be"):
        session.get_json("/v1/shipments", limit=9999)


def test_credentials_sources_in_order(tmp_path: Path, url: str) -> None:
    env = {"CARGAMOS_USERNAME": JOHN, "CARGAMOS_PASSWORD": JOHN_PASSWORD,
           "CARGAMOS_KEY": TIENDA.key}
    session = cx.Session(url, env=env, sources=(from_environment, from_netrc))
    assert session.credentials_source == "environment" and session.login()
    rc = tmp_path / "netrc"
    rc.write_text(f"machine 127.0.0.1 login {JOHN} account {TIENDA.key} "
                  f"password {JOHN_PASSWORD}\n")
    rc.chmod(0o600)
    assert netrc.netrc(str(rc)).authenticators("127.0.0.1")
    session = cx.Session(url, env={"NETRC": str(rc)}, sources=(from_environment, from_netrc))
    assert session.credentials_source == "netrc" and session.login()
    assert "netrc" in repr(session) and JOHN_PASSWORD not in repr(session)


def test_a_netrc_entry_never_replaces_the_bearer_token(tmp_path: Path, url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # requests applies .netrc credentials to any call without auth of its own, which would
    # swap the bearer token for Basic credentials on every call.
    rc = tmp_path / "netrc"
    rc.write_text(f"machine 127.0.0.1 login {JOHN} password {JOHN_PASSWORD}\n")
    rc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(rc))
    with open_session(url) as session:
        assert session.get_json("/v1/webhook")["active"] is False
        assert session.logins == 1


def test_no_credentials_anywhere_is_its_own_error(url: str) -> None:
    with pytest.raises(cx.CredentialsNotFoundError, match="no credentials found in any source"):
        cx.Session(url, env={}, sources=(from_environment, from_netrc))
    with pytest.raises(cx.CredentialsNotFoundError, match="organisation key"):
        cx.Session(url, username=JOHN, password="x", env={}, sources=())


def test_a_bad_host_is_a_configuration_error() -> None:
    with pytest.raises(cx.ConfigurationError, match="not a URL"):
        cx.Session("api.example.com", username=JOHN, password="x", key="k", env={}, sources=())


def test_no_host_starts_the_sandbox_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with cx.login(env={}, sandbox_options={"size": 20}) as session:
        assert session.host.startswith("http://127.0.0.1:")
        assert session.credentials_source == "sandbox demo"
        assert len(session.shipments(progress=False)) > 0
    lines = [r.getMessage() for r in caplog.records if "sandbox" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0]


def test_two_sessions_live_side_by_side(url: str) -> None:
    from .conftest import LUIS

    with open_session(url) as john, open_session(url, LUIS) as luis:
        a, b = john.shipments(progress=False), luis.shipments(progress=False)
    assert len(a) and len(b) and not set(a["tracking_id"]) & set(b["tracking_id"])


def test_password_reset(url: str) -> None:
    with open_session(url) as session:
        session.request_password_reset()
    cx.request_password_reset(url, TIENDA.key, "someone@example.mx")
    with pytest.raises(cx.UnknownKeyError):
        cx.request_password_reset(url, "bad-key", JOHN)


def schema(df: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Column names and dtypes; for a category, the dtype of its categories (the categories
    themselves are the values found, so they differ between frames by design)."""
    return [(str(name), str(dtype),
             str(dtype.categories.dtype) if isinstance(dtype, pd.CategoricalDtype) else "")
            for name, dtype in df.dtypes.items()]


def test_shipments_frames_from_the_sandbox(session: cx.Session) -> None:
    everything = session.shipments(start="2000-01-01", progress=False)
    assert len(everything) == 1200 and everything["tracking_id"].is_unique
    assert everything["created_at"].is_monotonic_increasing
    assert len(session.shipments(start="2000-01-01", max_rows=700, progress=False)) == 700
    mishaps = session.shipments(start="2000-01-01", states=["MISHAP"], progress=False)
    assert len(mishaps) and set(mishaps["state"]) == {"MISHAP"}
    with pytest.warns(cx.EmptyWindowWarning, match="between 1999-01-01 and 1999-01-31"):
        empty = session.shipments(start="1999-01-01", end="1999-01-31", progress=False)
    assert empty.empty and schema(empty) == schema(everything)
    provenance = everything.attrs["cargamos"]
    assert provenance["endpoint"] == "/v1/shipments" and provenance["pages"] == 3
    assert provenance["params"]["from"] == "2000-01-01T00:00:00-06:00"
    events = session.events(start="2000-01-01", progress=False)
    assert set(events["tracking_id"]) == set(everything["tracking_id"])


def test_credentials_from_the_keyring(url: str) -> None:
    import keyring
    from keyring.backend import KeyringBackend
    from keyring.credentials import SimpleCredential

    from cargamos_explore.bootstrap.credentials import from_keyring

    ours = f"cargamos-explore@{url.split('://')[1]}"
    entries = {(ours, JOHN): JOHN_PASSWORD, (ours, "__org_key__"): TIENDA.key}

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return entries.get((service, username))

        def get_credential(self, service: str, username: str | None) -> SimpleCredential | None:
            return SimpleCredential(JOHN, JOHN_PASSWORD) if service == ours else None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        with cx.Session(url, env={}, sources=(from_environment, from_keyring),
                        cache=False) as session:
            assert session.credentials_source == "keyring" and session.login()
    finally:
        keyring.set_keyring(previous)


def test_a_proxy_page_at_login_is_a_clear_error(sandbox: Sandbox, url: str) -> None:
    sandbox.set_faults(html=1.0)
    with pytest.raises(cx.UnexpectedResponseError, match="not the API's JSON envelope"):
        cx.login(url, key=TIENDA.key, username=JOHN, password=JOHN_PASSWORD, env={},
                 sources=(), cache=False, retries=FAST)
    assert user_stats(url, JOHN)["logins_ok"] == 0


def test_a_busy_login_is_retried_and_succeeds(sandbox: Sandbox, url: str) -> None:
    sandbox.set_faults(unavailable=0.5)
    with cx.login(url, key=TIENDA.key, username=JOHN, password=JOHN_PASSWORD, env={},
                  sources=(), cache=False, retries=cx.Retries(total=10, backoff_factor=0)) as s:
        assert s.logins == 1
    assert user_stats(url, JOHN)["logins_ok"] == 1


def test_a_wrong_password_is_tried_once_however_many_pages_ask(url: str) -> None:
    # Pages 2-4 are asked for alongside page 1: each thread must not try the password again.
    session = open_session(url, password="wrong")
    for _ in range(2):
        with pytest.raises(cx.AuthenticationError, match="rejected the username or password"):
            session.shipments(progress=False, concurrency=4)
    assert user_stats(url, JOHN)["logins_failed"] == 1
