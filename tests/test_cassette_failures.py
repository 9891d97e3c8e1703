"""Nothing failed is kept: refused logins, the vcr loggers, a host with a base path, and
an export's window under a replay."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

import cargamos_explore as cx
from cargamos_explore.bootstrap import Credentials
from cargamos_explore.export import manifest as manifests
from cargamos_explore.export.storage import Storage
from cargamos_explore.notebook.login_form import open_session
from cargamos_explore.sandbox import Sandbox, serve
from cargamos_explore.scrub import ScrubbingFilter

from .conftest import ANA, ANCHOR, TIENDA

RIGHT = TIENDA.users[ANA]


def recording(url: str, path: Path, password: str = RIGHT) -> cx.Session:
    return cx.Session(url, key=TIENDA.key, username=ANA, password=password, env={},
                      sources=(), cassette=cx.Cassette(path, anchor=ANCHOR))


def test_a_refused_login_from_the_form_writes_no_cassette(tmp_path: Path) -> None:
    path = tmp_path / "form.yaml"
    options = {"cassette": str(path)}  # LoginForm(session_options=...) passes these on
    with serve(Sandbox(size=20, seed=1, anchor=ANCHOR)) as url:
        with pytest.raises(cx.AuthenticationError):
            open_session(url, Credentials(ANA, "not-the-password", TIENDA.key), options)
        assert not path.exists()
        with open_session(url, Credentials(ANA, RIGHT, TIENDA.key), options) as session:
            webhook = session.webhook()
    with cx.login(cassette=path) as replay:
        assert replay.login().is_fresh
        pd.testing.assert_frame_equal(replay.webhook(), webhook)


def test_a_refused_login_then_the_right_one_replays_as_the_right_one(tmp_path: Path) -> None:
    path = tmp_path / "retried.yaml"
    with serve(Sandbox(size=20, seed=1, anchor=ANCHOR)) as url:
        session = recording(url, path, password="not-the-password")
        with pytest.raises(cx.AuthenticationError):
            session.login()
        session.use_credentials(Credentials(ANA, RIGHT, TIENDA.key))
        session.webhook()
        session.close()
    assert "code: 401" not in path.read_text()
    with cx.login(cassette=path) as replay:
        replay.webhook()
        assert replay.logins == 1


def test_the_vcr_loggers_are_scrubbed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with serve(Sandbox(size=20, seed=1, anchor=ANCHOR)) as url, \
            recording(url, tmp_path / "logged.yaml") as session:
        session.webhook()
        token = session.transport._keeper.current
        assert token is not None
        names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "vcr"]
        for name in names:  # what vcrpy's own lines look like, secrets included
            logging.getLogger(name).info("<Request (GET) %s/v1/login?key=%s> Bearer %s",
                                         url, TIENDA.key, token.value)
    assert "vcr" in names and "vcr.cassette" in names
    assert all(any(isinstance(f, ScrubbingFilter) for f in logging.getLogger(n).filters)
               for n in names)
    vcr_lines = [r.getMessage() for r in caplog.records if r.name.split(".")[0] == "vcr"]
    assert len(vcr_lines) >= len(names)
    assert not any(TIENDA.key in line or token.value in line or RIGHT in line
                   for line in caplog.messages)


@contextmanager
def serve_under(prefix: str, sandbox: Sandbox) -> Iterator[str]:
    """The sandbox behind a gateway that adds a base path, as some hosts do."""
    app = DispatcherMiddleware(NotFound(), {prefix: sandbox.app})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{prefix}"
    finally:
        server.shutdown()
        thread.join()


def test_a_host_with_a_base_path_replays(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    with serve_under("/cargamos", Sandbox(size=60, seed=2, anchor=ANCHOR)) as url, \
            recording(url, path) as session:
        recorded = session.shipments(start="2026-11-01", end="2026-11-18")
    assert "/cargamos/" not in path.read_text()
    with cx.login(cassette=path) as replay:
        replayed = replay.shipments(start="2026-11-01", end="2026-11-18")
    assert len(recorded) > 0
    pd.testing.assert_frame_equal(replayed.reset_index(drop=True),
                                  recorded.reset_index(drop=True))


def test_an_export_under_a_replay_counts_from_the_recording_day(tmp_path: Path) -> None:
    path = tmp_path / "export.yaml"
    with serve(Sandbox(size=80, seed=2, anchor=ANCHOR)) as url, \
            recording(url, path) as session:
        assert str(session.today()) == "2026-11-18"
        live = session.export(tmp_path / "live", progress=False)
    with cx.login(cassette=path) as replay:
        replayed = replay.export(tmp_path / "replayed", progress=False)
    assert (replayed.fetched, replayed.shipments) == (live.fetched, live.shipments)
    assert live.shipments > 0
    for folder in ("live", "replayed"):
        window = manifests.load(Storage(tmp_path / folder))
        assert window.end == "2026-11-19T00:00:00-06:00", folder  # the recording's day
