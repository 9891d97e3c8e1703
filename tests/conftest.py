"""Shared fixtures: a small sandbox on 127.0.0.1 and sessions that never prompt."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import cargamos_explore as cx
from cargamos_explore.sandbox import DEMO_ORGANISATIONS, Sandbox, serve

from .reliability import Figures

TIENDA, PAPELERIA, DISABLED = DEMO_ORGANISATIONS
JOHN, JOHN_PASSWORD = "john.doe@gmail.com", TIENDA.users["john.doe@gmail.com"]
ANA = "ana.lopez@tiendaejemplo.mx"
LUIS = "luis.garcia@papelerianorte.mx"
#: Fixed "today" for the data, so fixtures and cassettes stay comparable.
ANCHOR = 1_795_000_000


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture(autouse=True)
def private_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default cache (``cache=True``) lands in a fresh folder, never the user's."""
    folder = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(size=1200, seed=3, anchor=ANCHOR)


@pytest.fixture
def url(sandbox: Sandbox) -> Iterator[str]:
    with serve(sandbox) as base:
        yield base


def open_session(url: str, username: str = JOHN, **options: Any) -> cx.Session:
    """A session with explicit credentials; no environment, keyring, netrc or prompt."""
    org = next(o for o in DEMO_ORGANISATIONS if username in o.users)
    options.setdefault("key", org.key)
    options.setdefault("password", org.users[username])
    options.setdefault("env", {})
    options.setdefault("sources", ())
    options.setdefault("cache", False)
    return cx.Session(url, username=username, **options)


@pytest.fixture
def session(url: str) -> Iterator[cx.Session]:
    with open_session(url) as opened:
        yield opened


def stats(url: str) -> dict[str, Any]:
    data: dict[str, Any] = requests.get(url + "/_sandbox/stats", timeout=5).json()["data"]
    return data


def user_stats(url: str, username: str) -> dict[str, Any]:
    empty = {"logins_ok": 0, "logins_failed": 0, "requests": 0, "login_times": []}
    found: dict[str, Any] = stats(url)["users"].get(username, empty)
    return found


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("reliability", "the reliability suite (tests/test_reliability.py)")
    group.addoption("--reliability-scale", type=int, default=1,
                    help="how long and how many times each reliability test runs (default 1)")
    group.addoption("--reliability-report", type=Path, default=None,
                    help="write the reliability figures to this Markdown file")
    parser.addoption("--screenshots", type=Path, default=None,
                     help="save the browser tests' screenshots here (default: a temporary "
                          "folder); make screenshots uses docs/")


@pytest.fixture(scope="session")
def figures(request: pytest.FixtureRequest) -> Iterator[Figures]:
    """The reliability figures of this run, written out at the end when asked for."""
    collected = Figures(scale=request.config.getoption("--reliability-scale"))
    yield collected
    report = request.config.getoption("--reliability-report")
    if report is not None:
        collected.write(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI a skipped browser test is a failure: the widgets would go untested while
    the run looked green (CI installs Chromium; see .ci/run)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("CI") and item.get_closest_marker("browser"):
        report.outcome = "failed"
        report.longrepr = f"browser test skipped under CI: {report.longrepr}"


@pytest.fixture
def dataset(session: cx.Session, tmp_path: Path) -> tuple[Path, Any, Any]:
    """An exported dataset of the sandbox's August to November, and the same shipments
    and events as frames."""
    window = {"start": "2026-08-01", "end": "2026-11-30", "progress": False}
    session.export(tmp_path / "data", **window)
    return tmp_path / "data", session.shipments(**window), session.events(**window)
