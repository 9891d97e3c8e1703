"""Token expiry and single-flight renewal, driven by a fake clock: no sleeping."""

from __future__ import annotations

import threading
import time

import pytest

from cargamos_explore.transport.token import TokenKeeper, parse_expires_in


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CountingLogin:
    def __init__(self, lifetime: float = 3600, pause: float = 0.0) -> None:
        self.calls = 0
        self.lifetime, self.pause = lifetime, pause

    def __call__(self) -> tuple[str, float]:
        self.calls += 1
        time.sleep(self.pause)
        return f"token-{self.calls}", self.lifetime


def test_a_thousand_calls_in_one_lifetime_make_one_login() -> None:
    clock, login = FakeClock(), CountingLogin()
    keeper = TokenKeeper(login, margin=60, clock=clock)
    for _ in range(1000):
        keeper.token()
        clock.now += 3.0  # 1000 calls over 3,000 s: inside 3600 - 60
    assert login.calls == 1 and keeper.logins == 1


def test_a_call_after_the_margin_makes_exactly_one_more() -> None:
    clock, login = FakeClock(), CountingLogin()
    keeper = TokenKeeper(login, margin=60, clock=clock)
    first = keeper.token()
    clock.now += 3600 - 60 - 0.001
    assert keeper.token() is first
    clock.now += 0.002
    second = keeper.token()
    assert second is not first and login.calls == 2
    for _ in range(100):
        assert keeper.token() is second
    assert login.calls == 2


def test_expiry_counts_from_when_the_login_was_sent() -> None:
    clock = FakeClock()

    def slow_login() -> tuple[str, float]:
        clock.now += 30  # the answer takes 30 s to arrive
        return "t", 3600

    token = TokenKeeper(slow_login, margin=60, clock=clock).token()
    assert token.expires_at.timestamp() == pytest.approx(1_000_000 + 3600)
    assert token.time_left.total_seconds() == pytest.approx(3570)


def test_margin_never_exceeds_half_a_short_lifetime() -> None:
    clock, login = FakeClock(), CountingLogin(lifetime=4)
    keeper = TokenKeeper(login, margin=60, clock=clock)
    keeper.token()
    clock.now += 1.9
    keeper.token()
    assert login.calls == 1  # renews at 2 s, not on every call


def test_threads_share_one_login() -> None:
    login = CountingLogin(pause=0.05)
    keeper = TokenKeeper(login, margin=60, clock=time.time)
    barrier = threading.Barrier(16)
    seen: list[str] = []

    def worker() -> None:
        barrier.wait()
        for _ in range(50):
            seen.append(keeper.token().value)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert login.calls == 1 and set(seen) == {"token-1"} and len(seen) == 800


def test_a_rejected_token_is_renewed_once_for_all_threads() -> None:
    clock, login = FakeClock(), CountingLogin()
    keeper = TokenKeeper(login, margin=60, clock=clock)
    old = keeper.token()
    for _ in range(5):  # five threads saw the same 401
        keeper.reject(old)
        keeper.token()
    assert login.calls == 2


def test_token_repr_hides_the_value() -> None:
    token = TokenKeeper(lambda: ("s3cr3t-token-value", 3600), clock=FakeClock()).token()
    assert "s3cr3t" not in repr(token) and "time_left=3600s" in repr(token)


@pytest.mark.parametrize(("raw", "seconds"), [("3600", 3600.0), (3600, 3600.0), (" 90 ", 90.0),
                                              (12.5, 12.5)])
def test_expires_in_is_parsed_leniently(raw: object, seconds: float) -> None:
    assert parse_expires_in(raw) == seconds


@pytest.mark.parametrize("raw", ["soon", "", None, -5, 0, True])
def test_unusable_expires_in_is_refused(raw: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        parse_expires_in(raw)


def test_listeners_hear_of_every_login_and_cannot_break_one(
        caplog: pytest.LogCaptureFixture) -> None:
    clock, login = FakeClock(), CountingLogin()
    keeper = TokenKeeper(login, margin=60, clock=clock)
    heard: list[str] = []

    def broken(token: object) -> None:
        raise RuntimeError("a widget that went away")

    keeper.add_listener(broken)
    keeper.add_listener(lambda token: heard.append(token.value))
    keeper.token()
    keeper.token()  # still fresh: no login, nothing to tell
    keeper.renew()  # forced, even though fresh
    assert heard == ["token-1", "token-2"] and keeper.logins == 2
    assert "A token listener failed" in caplog.text
