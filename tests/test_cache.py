"""requests-cache: scoped to the identity, nothing secret at rest, controls that work."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.sandbox import Sandbox, serve
from cargamos_explore.transport.cache import CachePolicy

from .conftest import ANA, JOHN, LUIS, TIENDA, open_session, user_stats

WINDOW = {"start": "2026-08-01", "end": "2026-11-01"}


def test_two_users_never_share_an_entry(url: str, tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    with open_session(url, JOHN, cache=db) as john:
        mine = john.shipments(**WINDOW, progress=False)
    with open_session(url, LUIS, cache=db) as luis:
        theirs = luis.shipments(**WINDOW, progress=False)
        assert theirs.attrs["cargamos"]["from_cache"] is False
    with open_session(url, ANA, cache=db) as ana:  # same shipper as john, still separate
        ana.shipments(**WINDOW, progress=False)
    assert user_stats(url, JOHN)["requests"] == user_stats(url, LUIS)["requests"] > 0
    assert user_stats(url, ANA)["requests"] == user_stats(url, JOHN)["requests"]
    assert not set(mine["tracking_id"]) & set(theirs["tracking_id"])


def test_a_renewed_token_keeps_hitting_the_cache(url: str, tmp_path: Path) -> None:
    now = [1_000_000.0]  # the session's clock: the token goes stale when the test says so
    session = open_session(url, cache=tmp_path / "c.sqlite", clock=lambda: now[0])
    first = session.shipments(**WINDOW, progress=False)
    requests_before = user_stats(url, JOHN)["requests"]
    now[0] += 3600
    session.get_json("/v1/shipments/CG10000000001")  # needs the network: a new login
    assert session.logins == 2
    again = session.shipments(**WINDOW, progress=False)
    assert user_stats(url, JOHN)["requests"] == requests_before + 1
    assert again.attrs["cargamos"]["from_cache"] is True
    pd.testing.assert_frame_equal(first, again)


def test_a_warm_rerun_costs_no_login(url: str, tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    with open_session(url, cache=db) as first:
        first.shipments(**WINDOW, progress=False)
    with open_session(url, cache=db) as second:
        df = second.shipments(**WINDOW, progress=False)
        assert second.logins == 0 and df.attrs["cargamos"]["from_cache"] is True
        assert "hits" in repr(second) and second.cache_misses == 0


def test_no_secret_reaches_the_cache_file(sandbox: Sandbox, url: str, tmp_path: Path) -> None:
    # Ana's password is distinctive; john's ("shipper") is part of the field shipperDropoffDate.
    db = tmp_path / "secrets.sqlite"
    tokens: set[str] = set()
    with open_session(url, ANA, cache=db) as session:
        session.shipments(**WINDOW, progress=False)
        tokens |= set(session._secrets())
        sandbox.revoke(ANA)
        session.shipment("CG10000000002")
        tokens |= set(session._secrets())
        session.webhook()
        session.validate_orders(pd.read_csv(Path(__file__).parent / "fixtures" /
                                            "orders_sheet.csv"))
        session.request_password_reset()
        session.get_json("/v1/shipments", limit=3)
        assert session.cache_misses > 0
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("secrets.sqlite*"))
    assert b"CG10000000002" in raw  # the file really holds the answers
    password = TIENDA.users[ANA]
    basic = base64.b64encode(f"{ANA}:{password}".encode()).decode()
    assert len(tokens) >= 4
    for secret in {*tokens, password, TIENDA.key, basic}:
        assert secret.encode() not in raw, f"a secret reached the cache: {secret[:3]}…"
    assert b"/v1/login" not in raw and b"/v1/orders" not in raw


def test_clear_offline_and_disabled(url: str, tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    with open_session(url, cache=db) as session:
        session.webhook()
        before = user_stats(url, JOHN)["requests"]
        with session.offline():
            assert session.webhook().attrs["cargamos"]["from_cache"] is True
            with pytest.raises(cx.NotCachedError, match="not in the cache"):
                session.shipment("CG10000000003")
        with session.cache_disabled():
            session.webhook()
        assert user_stats(url, JOHN)["requests"] == before + 1
        assert session.clear_cache() == 1
        assert session.webhook().attrs["cargamos"]["from_cache"] is False


def test_offline_serves_expired_answers_without_the_network(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    policy = CachePolicy(other=timedelta(seconds=1))
    with serve(Sandbox(size=50)) as base:
        open_session(base, cache=db, cache_policy=policy).webhook()
    time.sleep(1.1)  # expired, and the server is gone
    options = {"key": TIENDA.key, "password": TIENDA.users[JOHN], "env": {}, "sources": ()}
    with cx.login(base, username=JOHN, cache=db, offline=True, **options) as later:
        assert later.webhook().attrs["cargamos"]["from_cache"] is True
        assert later.logins == 0
        with pytest.raises(cx.NotCachedError):
            later.shipments(progress=False)


def test_other_users_entries_survive_a_clear(url: str, tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    with open_session(url, JOHN, cache=db) as john, open_session(url, LUIS, cache=db) as luis:
        john.webhook()
        luis.webhook()
        assert john.clear_cache() == 1
        with luis.offline():
            luis.webhook()


def test_concurrent_pages_share_the_file_safely(url: str, tmp_path: Path) -> None:
    with open_session(url, cache=tmp_path / "c.sqlite") as cached, open_session(url) as plain:
        for _ in range(2):
            warm = cached.shipments(start="2000-01-01", concurrency=4, progress=False)
        cold = plain.shipments(start="2000-01-01", concurrency=4, progress=False)
    pd.testing.assert_frame_equal(warm, cold)
    assert warm.attrs["cargamos"]["pages"] == 3 == warm.attrs["cargamos"]["pages_from_cache"]


def test_the_default_cache_lives_in_the_user_cache_dir(url: str, private_cache_dir: Path) -> None:
    with open_session(url, cache=True) as session:
        session.webhook()
    assert list(private_cache_dir.rglob("*.sqlite"))


def test_memory_cache_and_a_bad_option(url: str) -> None:
    with open_session(url, cache="memory") as session:
        session.webhook()
        assert session.webhook().attrs["cargamos"]["from_cache"] is True
    with pytest.raises(cx.ConfigurationError, match="cache="):
        open_session(url, cache="")


def test_expiry_policy() -> None:
    policy = CachePolicy()
    now = datetime.now(UTC)
    old = {"to": (now - timedelta(days=30)).isoformat()}
    recent = {"to": now.isoformat()}
    assert policy.expire_after("/v1/shipments", old) == timedelta(days=1)
    assert policy.expire_after("/v1/shipments", recent) == timedelta(minutes=5)
    assert policy.expire_after("/v1/shipments/CG1", None) == timedelta(minutes=15)
