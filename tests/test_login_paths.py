"""Clear login paths: blank logins share one sandbox, a notebook gets a calm one-line notice
instead of a stderr warning, and a form login always says it came from the login form."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import cargamos_explore as cx
from cargamos_explore.bootstrap import connect, frontend
from cargamos_explore.notebook.login_form import LoginForm

from .conftest import JOHN, JOHN_PASSWORD, TIENDA

SMALL = {"size": 20, "seed": 3}


def test_every_blank_login_of_a_process_uses_the_same_sandbox() -> None:
    with cx.login(sandbox_options=SMALL) as first:
        pass
    with cx.login(sandbox_options=SMALL) as second, cx.login(sandbox_options=SMALL) as third:
        assert first.host == second.host == third.host
        assert len(second.webhook()) == 1  # still serving after the first session closed


def test_blank_logins_from_many_threads_start_one_sandbox() -> None:
    options = {"size": 10, "seed": 4}
    hosts: list[str] = []
    start = threading.Barrier(4)

    def blank_login() -> None:
        start.wait()
        hosts.append(connect(sandbox_options=options).host)

    threads = [threading.Thread(target=blank_login) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(hosts) == 4 and len(set(hosts)) == 1


def test_other_sandbox_options_get_their_own_sandbox() -> None:
    assert connect(sandbox_options=SMALL).host != connect(
        sandbox_options={**SMALL, "seed": 5}).host


@pytest.fixture
def notebook_kernel(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An IPython shell standing for a kernel, capturing what is displayed."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    InteractiveShell.instance(config=config)
    monkeypatch.setattr(frontend, "in_kernel", lambda: True)
    try:
        with capture_output() as captured:
            yield captured
    finally:
        InteractiveShell.clear_instance()


def test_in_a_notebook_a_blank_login_says_so_in_one_calm_line_of_html(
        notebook_kernel: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), cx.login(sandbox_options=SMALL) as session:
        assert session.credentials_source == "sandbox demo"
    shown = [output.data for output in notebook_kernel.outputs]
    assert len(shown) == 1 and not caplog.records and not notebook_kernel.stderr
    html = shown[0]["text/html"]
    assert "demo account (john.doe@gmail.com)" in html and session.host in html
    assert "<code>cx.LoginForm()</code>" in html and "\n" not in html
    assert "#c62828" not in html and "error" not in html.lower()
    assert "cx.login()" in shown[0]["text/plain"]


def test_outside_a_notebook_the_notice_is_a_plain_log_line(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), cx.login(sandbox_options=SMALL):
        pass
    assert [r.getMessage() for r in caplog.records if "demo account" in r.getMessage()]
    assert "<" not in caplog.text


def test_a_form_login_always_says_login_form(url: str) -> None:
    form = LoginForm(session_options={"cache": False})
    form.host.value, form.key.value = url, TIENDA.key
    form.username.value, form.password.value = JOHN, JOHN_PASSWORD
    form.login_button.click()
    assert form.session is not None and form.session.credentials_source == "login form"
    form.session.close()
    form = LoginForm(session_options={"cache": False, "sandbox_options": SMALL})
    form.username.value, form.password.value = JOHN, JOHN_PASSWORD  # the sandbox, typed in
    form.login_button.click()
    assert form.session is not None and form.session.credentials_source == "login form"
    form.session.close()


def test_a_process_with_a_shared_sandbox_exits() -> None:
    """The shared sandbox is stopped while the process exits (a server stopped later, by the
    garbage collector, waited forever for its frozen thread)."""
    code = ("import cargamos_explore as cx\n"
            "with cx.login(sandbox_options={'size': 50}, cache=False) as session:\n"
            "    print('ROWS', len(session.shipments(progress=False)))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARGAMOS_")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0 and "ROWS " in done.stdout, done.stderr


#: Freezes the shared sandbox's serving thread while the process exits, before the sandbox
#: is stopped (exit hooks run last registered first), as another library's exit hook can.
FROZEN_AT_EXIT = """\
import atexit, threading
import cargamos_explore as cx
from werkzeug.serving import BaseWSGIServer
session = cx.login(sandbox_options={'size': 20}, cache=False)
freeze, frozen = threading.Event(), threading.Event()
serve_once = BaseWSGIServer.service_actions
def service_actions(self):
    if freeze.is_set():
        frozen.set()
        threading.Event().wait()  # never returns
    serve_once(self)
BaseWSGIServer.service_actions = service_actions
def freeze_the_server():
    freeze.set()
    frozen.wait()
atexit.register(freeze_the_server)
print('OPEN')
"""
DUCKDB_AND_AN_OPEN_SESSION = """\
import cargamos_explore as cx, duckdb
session = cx.login(sandbox_options={'size': 50}, cache=False)
connection = duckdb.connect()
print('OPEN', connection.sql('select 1').fetchall())
"""


@pytest.mark.parametrize("code", [FROZEN_AT_EXIT, DUCKDB_AND_AN_OPEN_SESSION],
                         ids=["frozen server thread", "duckdb"])
def test_a_process_whose_session_is_left_open_exits(code: str) -> None:
    """Stopping the shared sandbox at exit never waits forever for its serving thread."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARGAMOS_")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "OPEN" in done.stdout, done.stderr
