"""The cache file is private: only its owner reads it, only the right password opens it."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cargamos_explore as cx
from cargamos_explore.transport.cache import identity_prefix

from .conftest import JOHN, TIENDA, open_session, user_stats

WINDOW = {"start": "2026-08-01", "end": "2026-11-01"}
SUFFIXES = ("", "-wal", "-shm")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def read_twice(session: cx.Session) -> None:
    """A cold read (writes the cache) and a warm one (reads it back)."""
    session.shipments(**WINDOW, progress=False)
    again = session.shipments(**WINDOW, progress=False)
    assert again.attrs["cargamos"]["from_cache"] is True


def assert_private_files(db: Path) -> None:
    for suffix in SUFFIXES:
        path = db.with_name(db.name + suffix)
        assert path.exists(), f"{path.name} was not created"
        assert mode(path) == 0o600, f"{path.name} is {oct(mode(path))}"


# --- 5. permissions ---------------------------------------------------------------------
def test_the_default_cache_is_private_whatever_the_umask(
        url: str, private_cache_dir: Path, umask: int) -> None:
    with open_session(url, cache=True) as session:
        read_twice(session)
        (db,) = private_cache_dir.rglob("http_cache.sqlite")
        assert_private_files(db)  # checked while open: closing removes -wal and -shm
    assert mode(db.parent) == 0o700
    assert mode(private_cache_dir) == 0o700  # a missing parent is created private too


def test_a_given_path_is_private_and_its_existing_parent_untouched(
        url: str, tmp_path: Path, umask: int) -> None:
    tmp_path.chmod(0o755)  # stands for the user's home: readable by others, and left so
    db = tmp_path / "new" / "deeper" / "c.sqlite"
    with open_session(url, cache=db) as session:
        read_twice(session)
        assert_private_files(db)
    assert mode(db.parent) == mode(db.parent.parent) == 0o700
    assert mode(tmp_path) == 0o755


def test_wider_cache_files_we_own_are_tightened(url: str, tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    for suffix in SUFFIXES:
        db.with_name(db.name + suffix).touch(mode=0o644)
        db.with_name(db.name + suffix).chmod(0o644)
    with open_session(url, cache=db) as session:
        assert_private_files(db)
        read_twice(session)


def test_the_default_folder_is_tightened(url: str, private_cache_dir: Path) -> None:
    folder = private_cache_dir / "cargamos-explore"
    folder.mkdir(parents=True)
    folder.chmod(0o755)  # as an earlier version left it
    with open_session(url, cache=True) as session:
        session.webhook()
    assert mode(folder) == 0o700


def test_a_wider_cache_file_of_another_user_is_refused(
        url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "c.sqlite"
    db.touch()
    db.chmod(0o644)
    monkeypatch.setattr(os, "geteuid", lambda: db.stat().st_uid + 1)
    refused = r"cache file .*c.sqlite is open to other users.*chmod 600"
    with pytest.raises(cx.ConfigurationError, match=refused):
        open_session(url, cache=db)
    assert mode(db) == 0o644


# --- 6. the password opens the cache ----------------------------------------------------
@pytest.fixture
def warm(url: str, tmp_path: Path) -> Path:
    db = tmp_path / "c.sqlite"
    with open_session(url, cache=db) as session:
        session.shipments(**WINDOW, progress=False)
    return db


def test_a_wrong_password_misses_the_cache(url: str, warm: Path) -> None:
    before = user_stats(url, JOHN)
    with open_session(url, cache=warm, password="wrong") as session:
        # One page at a time, so exactly one login is tried (and refused).
        with pytest.raises(cx.AuthenticationError):
            session.shipments(**WINDOW, progress=False, concurrency=1)
        assert session.cache_hits == 0
    after = user_stats(url, JOHN)
    assert after["logins_failed"] == before["logins_failed"] + 1
    assert (after["logins_ok"], after["requests"]) == (before["logins_ok"], before["requests"])


def test_offline_with_a_wrong_password_is_not_cached(url: str, warm: Path) -> None:
    before = user_stats(url, JOHN)
    with open_session(url, cache=warm, password="wrong", offline=True) as session:
        with pytest.raises(cx.NotCachedError):
            session.shipments(**WINDOW, progress=False)
        assert session.logins == 0
    assert user_stats(url, JOHN) == before


def test_the_right_password_reruns_warm_without_a_login(url: str, warm: Path) -> None:
    before = user_stats(url, JOHN)
    with open_session(url, cache=warm) as session:
        df = session.shipments(**WINDOW, progress=False)
        assert df.attrs["cargamos"]["from_cache"] is True and len(df) > 0
        assert session.logins == 0
    with open_session(url, cache=warm, offline=True) as session:
        assert len(session.shipments(**WINDOW, progress=False)) == len(df)
    assert user_stats(url, JOHN) == before


def test_the_prefix_depends_on_every_credential() -> None:
    base = ("http://127.0.0.1:1", TIENDA.key, JOHN, TIENDA.users[JOHN])
    prefix = identity_prefix(*base)
    assert identity_prefix(*base) == prefix
    for i, other in enumerate(("http://127.0.0.1:2", "other-key", "ana@x.mx", "wrong")):
        changed = list(base)
        changed[i] = other
        assert identity_prefix(*changed) != prefix
    unsalted = hashlib.sha256("\0".join(base[:3]).encode()).hexdigest()
    assert prefix not in unsalted and TIENDA.users[JOHN] not in prefix


def test_the_prefix_is_derived_once_and_shown_nowhere(
        url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[Any] = []
    real = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    caplog.set_level(logging.DEBUG, logger="cargamos_explore")
    with open_session(url, cache=tmp_path / "c.sqlite") as session:
        read_twice(session)
        session.webhook()
        session.clear_cache()
        shown = repr(session) + caplog.text
        prefix = session.transport.cache._prefix
    assert len(calls) == 1
    assert prefix and prefix not in shown
