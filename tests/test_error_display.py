"""Errors read well: a short display in IPython with the full traceback one step away, and a
host that is not there fails at once with "could not reach HOST: why", no urllib3 text."""

from __future__ import annotations

import contextlib
import io
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

import cargamos_explore as cx
from cargamos_explore.transport.http import Retries, Timeouts, send_with_retries

URLLIB3_TEXT = ("HTTPConnectionPool", "Max retries", "NewConnectionError", "object at 0x")


@pytest.fixture
def closed_port() -> str:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def log_in(host: str, **options: Any) -> cx.Session:
    return cx.login(host, key="k", username="u", password="p", env={}, sources=(), **options)


def test_an_unreachable_port_says_connection_refused_without_urllib3_text(
        closed_port: str) -> None:
    with pytest.raises(cx.TransportError) as caught:
        log_in(closed_port)
    text = str(caught.value)
    assert text.startswith(f"could not reach {closed_port.removeprefix('http://')}: "
                           "connection refused.")
    assert "did not receive it" in text and not caught.value.may_have_reached_server
    assert not any(noise in text for noise in URLLIB3_TEXT)


def failing(error: Exception) -> tuple[list[int], Any]:
    """An attempt that always fails with ``error``, counting its calls."""
    calls: list[int] = []

    def attempt() -> requests.Response:
        calls.append(1)
        raise error

    return calls, attempt


def connection_error(cause: BaseException, kind: type[Exception] = requests.ConnectionError
                     ) -> Exception:
    error = kind("HTTPConnectionPool(host='h', port=1): Max retries exceeded")
    error.__cause__ = cause
    return error


def refused() -> BaseException:
    inner = NewConnectionError(None, "Failed to establish a new connection")  # type: ignore[arg-type]
    inner.__cause__ = ConnectionRefusedError(111, "Connection refused")
    return inner


def unresolved() -> BaseException:
    inner = NameResolutionError("nowhere.invalid", None, socket.gaierror(-2, "Name"))  # type: ignore[arg-type]
    return inner


FAILURES = {
    "connection refused": (lambda: connection_error(refused()), 2),
    "name not found": (lambda: connection_error(unresolved()), 2),
    "timed out": (lambda: connection_error(ConnectTimeoutError("timed out"),
                                           requests.ConnectTimeout), 1),
}


@pytest.mark.parametrize("reason", FAILURES)
def test_a_host_that_is_not_there_fails_within_seconds_with_the_reason(reason: str) -> None:
    """The login is the first call to a host. With the default settings, the time spent is
    the waits between attempts, plus each attempt's connect timeout when the host does not
    answer: under 5 s in all. (A refused connection or an unknown name fails at once;
    benchmarks/bench_unreachable.py times it.)"""
    make, expected_attempts = FAILURES[reason]
    calls, attempt = failing(make())
    waits: list[float] = []
    with pytest.raises(cx.TransportError) as caught:
        send_with_retries(attempt, "GET", "https://api.example.mx/v1/login?key=secret",
                          Retries(), sleep=waits.append, resend=False)
    assert str(caught.value).startswith(f"could not reach api.example.mx: {reason}.")
    assert "secret" not in str(caught.value)
    assert not any(noise in str(caught.value) for noise in URLLIB3_TEXT)
    assert len(calls) == expected_attempts
    waiting = len(calls) * Timeouts().connect if reason == "timed out" else 0.0
    assert waiting + sum(waits) < 5


def test_the_connect_timeout_is_short_and_separate_from_the_read_timeout() -> None:
    assert Timeouts().connect <= 3.1 and Timeouts().read >= 30


@contextlib.contextmanager
def ipython() -> Iterator[Any]:
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # nothing written under HOME
    shell = InteractiveShell.instance(config=config)
    try:
        yield shell
    finally:
        InteractiveShell.clear_instance()


def run_cell(shell: Any, code: str) -> str:
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        shell.run_cell(code, store_history=True)
    return shown.getvalue()


def test_an_error_shows_in_ipython_as_its_message_and_the_users_line(
        closed_port: str) -> None:
    with ipython() as shell:
        run_cell(shell, "import cargamos_explore as cx\n"
                        f"session = cx.Session({closed_port!r}, key='k', username='u', "
                        "password='p', env={}, sources=())")
        shown = run_cell(shell, "x = 1\nsession.webhook()\n")
        full = run_cell(shell, "%tb plain")
    lines = shown.strip().splitlines()
    assert len(lines) == 3
    assert "TransportError" in lines[0] and "connection refused" in lines[0]
    assert lines[1] == "  Cell In[2], line 2: session.webhook()"
    assert "%tb plain" in lines[2]
    assert "send_with_retries" in full and "transport.py" in full  # every frame, one step away


def test_outside_the_toolkit_nothing_changes() -> None:
    """Errors raised by other code (or ours caught and re-raised elsewhere) keep IPython's
    own display; ours outside IPython keep Python's usual traceback."""
    with ipython() as shell:
        shown = run_cell(shell, "raise cx_error")  # NameError: not ours
    assert "NameError" in shown and "%tb plain" not in shown
    from cargamos_explore.tracebacks import short

    lines = short(cx.ConfigurationError("set CARGAMOS_HOST"))
    assert lines[0].endswith("ConfigurationError\x1b[39m: set CARGAMOS_HOST")


def test_a_read_retries_a_refused_connection_with_backoff() -> None:
    """Once logged in, a refused connection is a server restarting: a read keeps trying, with
    the usual backoff, rather than failing at the second refusal."""
    calls, attempt = failing(connection_error(refused()))
    waits: list[float] = []
    with pytest.raises(cx.TransportError, match="connection refused"):
        send_with_retries(attempt, "GET", "https://api.example.mx/v1/shipments", Retries(),
                          sleep=waits.append)
    assert len(calls) == Retries().total + 1
    assert waits == [Retries().backoff(n) for n in range(1, Retries().total + 1)]
