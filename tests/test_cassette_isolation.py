"""A cassette belongs to the session that opened it: a replay, a recording and live sessions
share one process and never see each other's traffic."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.sandbox import Sandbox, serve

from .conftest import ANA, ANCHOR, PAPELERIA, TIENDA
from .test_cassette_sessions import Recorded, record

CLERK = next(iter(PAPELERIA.users))  # another shipper than the recording's
LIVE_START, LIVE_END = date(2026, 10, 1), date(2026, 10, 10)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return record(tmp_path_factory.mktemp("isolation") / "tienda.yaml")


@pytest.fixture
def live_url() -> Iterator[str]:
    with serve(Sandbox(size=120, seed=11, anchor=ANCHOR)) as url:
        yield url


def live(url: str, password: str | None = None) -> cx.Session:
    """A live session with the default cache, as an analyst opens one."""
    return cx.login(url, key=PAPELERIA.key, username=CLERK, env={}, sources=(),
                    password=password or PAPELERIA.users[CLERK])


def live_rows(url: str) -> pd.DataFrame:
    """The live session's rows, checked against its own host; a wrong password refused."""
    with pytest.raises(cx.AuthenticationError):
        live(url, password="not-the-password").login()
    with live(url) as session:
        frame = session.shipments(start=LIVE_START, end=LIVE_END)
    assert frame.attrs["cargamos"]["host"] == url
    assert len(frame) > 0
    return frame


@pytest.mark.parametrize("replay_first", [True, False], ids=["replay-first", "live-first"])
def test_a_replay_answers_only_its_own_session(recorded: Recorded, live_url: str,
                                               replay_first: bool) -> None:
    alone = live_rows(live_url)  # no cassette anywhere in the process yet
    replay = cx.login(cassette=recorded.path)
    try:
        if replay_first:
            replay.login()
        frame = live_rows(live_url)
        today = replay.today()
        replayed = replay.shipments(start=today - timedelta(days=20), end=today)
    finally:
        replay.close()
    pd.testing.assert_frame_equal(frame, alone)
    pd.testing.assert_frame_equal(replayed, recorded.frames["shipments"])
    assert replayed.attrs["cargamos"]["host"] == "https://cargamos.invalid"


def test_several_replays_are_open_at_once(recorded: Recorded, tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_bytes(recorded.path.read_bytes())
    first, second = cx.login(cassette=recorded.path), cx.login(cassette=copy)
    with first, second:
        assert first.webhook().equals(second.webhook())
        assert first.logins == second.logins == 1


def record_tienda(path: Path, beside: Callable[[], object] = lambda: None) -> str:
    """Record a few reads of one shipper, calling ``beside`` while the recording is open."""
    with serve(Sandbox(size=60, seed=3, anchor=ANCHOR)) as url, cx.login(
            url, key=TIENDA.key, username=ANA, password=TIENDA.users[ANA], env={}, sources=(),
            cassette=cx.Cassette(path, anchor=ANCHOR)) as recording:
        recording.webhook()
        beside()
        recording.shipments(start="2026-11-01", end="2026-11-02")
    return path.read_text()


def test_a_recording_keeps_nothing_of_a_live_session_beside_it(tmp_path: Path,
                                                                 live_url: str) -> None:
    alone = record_tienda(tmp_path / "alone.yaml")
    beside = record_tienda(tmp_path / "beside.yaml", lambda: live_rows(live_url))
    assert beside == alone
    assert LIVE_START.isoformat() not in beside and "webhook" in beside


def test_one_cassette_object_serves_one_session_at_a_time(recorded: Recorded) -> None:
    cassette = cx.Cassette(recorded.path)
    first = cx.login(cassette=cassette)
    with pytest.raises(cx.CassetteError, match="already open; give each session its own"):
        cx.login(cassette=cassette)
    first.close()
    with pytest.raises(cx.CassetteError, match="is closed"):
        first.webhook()
    with cx.login(cassette=cassette) as again:  # closed, so free to open again
        assert again.login().is_fresh and again.logins == 1
