"""The widgets in a real browser: JupyterLab on 127.0.0.1, driven in headless Chromium.

Only what needs a browser is here: the countdown moving while the kernel is busy, the
login form's round trip, a cell waiting for the form without deadlocking, and secrets
absent from the page, the kernel's widget state and the saved notebook. One notebook runs
through every step in order, since starting JupyterLab and a kernel is the slow part.
The screenshots land in a temporary folder, or in the folder given by ``--screenshots``
(``make screenshots`` refreshes the README's pictures in docs/).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from cargamos_explore.sandbox import DEMO_ORGANISATIONS, serve

pytestmark = pytest.mark.browser

try:
    from playwright import sync_api as playwright_api
except ImportError:  # the fixtures skip, which CI turns into a failure (tests/conftest.py)
    playwright_api = None  # type: ignore[assignment]

ROOT = Path(__file__).parent.parent
TIENDA, PAPELERIA, _ = DEMO_ORGANISATIONS
JOHN, ANA = "john.doe@gmail.com", "ana.lopez@tiendaejemplo.mx"
LUIS = "luis.garcia@papelerianorte.mx"
WRONG = "wrong-password-7731"
#: What must never be found after the logins: typed into the form, never into code.
TYPED_SECRETS = (TIENDA.users[JOHN], TIENDA.users[ANA], WRONG, TIENDA.key)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHORT_LIFETIME = 6
WAIT = 60_000  # ms: generous, for a busy 2-core machine


def notebook(url: str, short_url: str) -> dict[str, Any]:
    """The notebook the test runs, cell by cell. Secrets appear in code only reversed, so
    a secret found in the saved file can only have come from a widget."""
    hidden = [s[::-1] for s in TYPED_SECRETS]
    cells = [
        "import cargamos_explore as cx\nform = cx.LoginForm()\nform",
        "import time\ntime.sleep(10)\nprint('SLEPT')",
        "import json, ipywidgets\n"
        f"hidden = [s[::-1] for s in {hidden!r}]\n"
        "state = json.dumps(ipywidgets.Widget.get_manager_state(drop_defaults=False),"
        " default=str)\n"
        "print('IN-KERNEL-STATE', sum(s in state for s in hidden))",
        f"prompted = cx.login({url!r})",
        "try:\n    prompted.webhook()\nexcept cx.CredentialsNotFoundError as err:\n"
        "    print('BEFORE', err)",
        "prompted.shipments()",
        "print('PROMPTED', prompted.username, prompted.logins)\nprompted",
        f"short = cx.login({short_url!r}, key={PAPELERIA.key!r}, username={LUIS!r}, "
        f"password={PAPELERIA.users[LUIS]!r}, renew_margin=0, cache=False)\n"
        "short_indicator = cx.TokenIndicator(short)\nshort_indicator",
        "frame = short.webhook()\nprint('RENEWED', short.logins)\ncx.provenance(frame)",
    ]
    return {
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}",
                   "metadata": {}, "outputs": [], "source": source}
                  for i, source in enumerate(cells)],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def jupyter_environment(base: Path) -> dict[str, str]:
    """Every Jupyter and IPython folder under ``base``; widget state saved with the notebook
    (so the secret check on the file means something); no news or update checks."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(base / "home"))
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                 "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR"):
        folder = base / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    settings = base / "jupyterlab_settings_dir"
    write_json(settings / "@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings",
               {"saveState": True})
    write_json(settings / "@jupyterlab/apputils-extension/notification.jupyterlab-settings",
               {"fetchNews": "false", "checkForUpdates": False})
    return env


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium, driven by the playwright package (never `playwright install`)."""
    found = shutil.which("chromium")
    if found is None or playwright_api is None:
        pytest.skip("needs Debian's chromium (apt-get install chromium) and playwright")
    return found


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """JupyterLab serving one notebook on 127.0.0.1: (the notebook's URL, its file)."""
    pytest.importorskip("jupyterlab")
    base = tmp_path_factory.mktemp("jupyter")
    work = base / "work"
    work.mkdir()
    with serve(size=50) as url, serve(size=20, token_lifetime=SHORT_LIFETIME) as short_url:
        path = work / "widgets.ipynb"
        write_json(path, notebook(url, short_url))
        with jupyterlab(work, base) as (port, token):
            yield f"http://127.0.0.1:{port}/lab/tree/widgets.ipynb?token={token}", path


#: The options of each Jupyter front end: the app exposed as window.jupyterapp (the tests
#: drive its commands), and JupyterLab's extension manager unable to install anything.
FRONT_ENDS = {
    "jupyterlab": ["--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly"],
    "notebook": ["--JupyterNotebookApp.expose_app_in_browser=True"],
}


@contextmanager
def jupyter_server(front_end: str, work: Path, base: Path) -> Iterator[tuple[int, str]]:
    """``front_end`` (``jupyterlab``, or ``notebook`` for Notebook 7) serving ``work`` on
    127.0.0.1 with every Jupyter folder under ``base``, its log in ``base``: (port, token)."""
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", front_end, "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={work}", "--ServerApp.terminals_enabled=False",
               *FRONT_ENDS[front_end], "--allow-root"]  # CI containers run as root
    with (base / "jupyter.log").open("w") as log:
        server = subprocess.Popen(command, env=jupyter_environment(base), stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            wait_for_server(port, server, base / "jupyter.log")
            yield port, token
        finally:
            server.terminate()
            server.wait(timeout=30)


def jupyterlab(work: Path, base: Path) -> AbstractContextManager[tuple[int, str]]:
    """JupyterLab serving ``work`` on 127.0.0.1, its log in ``base``: (port, token)."""
    return jupyter_server("jupyterlab", work, base)


def wait_for_server(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, f"Jupyter exited at start-up:\n{log.read_text()}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("Jupyter did not start within 60 s")


@pytest.fixture(scope="module")
def page(chromium: str, lab: tuple[str, Path]) -> Iterator[Any]:
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        opened = browser.new_page(viewport={"width": 1100, "height": 900})
        opened.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*"),
                     lambda route: route.abort())
        opened.set_default_timeout(WAIT)
        opened.goto(lab[0])
        opened.wait_for_function(
            "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel"
            "?.status === 'idle'", timeout=WAIT)
        yield opened
        browser.close()


def cell(page: Any, index: int) -> Any:
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def run(page: Any, index: int, *, wait: bool = True) -> Any:
    """Run cell ``index`` (without waiting on the browser side: it may be a long cell)."""
    page.evaluate("""(i) => {
        const panel = window.jupyterapp.shell.currentWidget;
        panel.content.activeCellIndex = i;
        void window.jupyterapp.commands.execute('notebook:run-cell');
    }""", index)
    target = cell(page, index)
    if wait:
        expect_done(target)
    return target


def expect_done(target: Any) -> None:
    playwright_api.expect(target.locator(".jp-InputArea-prompt")).to_have_text(
        re.compile(r"\[\d+\]"), timeout=WAIT)


def screenshot_cells(page: Any, first: int, last: int, path: Path) -> None:
    top, bottom = cell(page, first).bounding_box(), cell(page, last).bounding_box()
    page.screenshot(path=path, clip={"x": top["x"], "y": top["y"], "width": top["width"],
                                     "height": bottom["y"] + bottom["height"] - top["y"]})


def seconds_left(countdown: Any) -> int:
    return int(countdown.get_attribute("data-seconds-left"))


def log_in(form: Any, host: str, key: str, username: str, password: str) -> None:
    if host:
        form.locator(".cx-host input").fill(host)
    form.locator(".cx-key input").fill(key)
    form.locator(".cx-username input").fill(username)
    form.locator(".cx-password input").fill(password)
    form.locator("button.cx-login").click()


@pytest.fixture
def screenshots(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    folder: Path = request.config.getoption("--screenshots") or tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_widgets_in_jupyterlab(page: Any, lab: tuple[str, Path], screenshots: Path) -> None:
    expect = playwright_api.expect
    host = sandbox_host(lab[1])

    form = run(page, 0).locator(".cx-login-form")
    log_in(form, host, TIENDA.key, JOHN, WRONG)
    expect(form.locator(".cx-status")).to_contain_text("Wrong username or password")
    expect(form.locator(".cx-password input")).to_have_value("")
    form.screenshot(path=screenshots / "login-form-error.png")

    # The form stays usable: the key is remembered, the password typed again.
    form.locator(".cx-password input").fill(TIENDA.users[JOHN])
    form.locator("button.cx-login").click()
    expect(form.locator(".cx-status")).to_contain_text(f"Logged in as {JOHN}")
    countdown = form.locator(".cx-token-indicator .cx-countdown")
    expect(countdown).to_have_attribute("data-state", "ok")

    # The countdown runs in the browser, so it moves while the kernel sleeps.
    sleeping = run(page, 1, wait=False)
    expect(sleeping.locator(".jp-InputArea-prompt")).to_have_text("[*]:")
    before = seconds_left(countdown)
    page.wait_for_function("([el, n]) => Number(el.dataset.secondsLeft) <= n",
                           arg=[countdown.element_handle(), before - 2], timeout=WAIT)
    expect(sleeping.locator(".jp-InputArea-prompt")).to_have_text("[*]:", timeout=1)
    screenshot_cells(page, 0, 1, screenshots / "token-indicator.png")
    expect_done(sleeping)

    assert "IN-KERNEL-STATE 0" in run(page, 2).inner_text()
    check_cx_login_shows_the_form(page)
    check_renewal_resets_the_indicator(page)
    check_a_failed_login_removes_the_older_indicator(page)
    check_no_secret_in_page_or_saved_file(page, lab[1])


def check_cx_login_shows_the_form(page: Any) -> None:
    """cx.login() with no credentials returns a session and its form; the form logs the
    session in, and a call before that says to use the form."""
    form = run(page, 3).locator(".cx-login-form")
    playwright_api.expect(form.locator(".cx-host input")).to_be_disabled()
    assert "log in with the form" in run(page, 4).locator(".jp-OutputArea").inner_text()
    check_an_error_shows_in_a_few_lines(page)
    log_in(form, "", TIENDA.key, ANA, TIENDA.users[ANA])
    playwright_api.expect(form.locator(".cx-status")).to_contain_text(f"Logged in as {ANA}")
    shown = run(page, 6)
    playwright_api.expect(shown.locator(".jp-OutputArea")).to_contain_text(f"PROMPTED {ANA} 1")
    playwright_api.expect(shown.locator(".cx-session-card")).to_contain_text("login form")


def check_an_error_shows_in_a_few_lines(page: Any) -> None:
    """An uncaught error shows its message and the line that raised it, not 19 frames."""
    shown = run(page, 5).locator(".jp-OutputArea").inner_text()
    lines = [line for line in shown.splitlines() if line.strip()]
    assert lines[0].startswith("CredentialsNotFoundError: ")
    assert "log in with the form" in lines[0] and "prompted.shipments()" in lines[1]
    assert len(lines) <= 4, shown


def check_a_failed_login_removes_the_older_indicator(page: Any) -> None:
    """After a failed attempt, no countdown of an earlier login stays under the error."""
    form = cell(page, 0).locator(".cx-login-form")
    playwright_api.expect(form.locator(".cx-token-indicator")).to_have_count(1)
    log_in(form, "", TIENDA.key, JOHN, WRONG)
    playwright_api.expect(form.locator(".cx-status")).to_contain_text("Wrong username")
    playwright_api.expect(form.locator(".cx-token-indicator")).to_have_count(0)


def check_renewal_resets_the_indicator(page: Any) -> None:
    countdown = run(page, 7).locator(".cx-countdown")
    playwright_api.expect(countdown).to_have_attribute("data-state", "expired",
                                                      timeout=SHORT_LIFETIME * 1000 + WAIT)
    renewed = run(page, 8)
    playwright_api.expect(renewed.locator(".jp-OutputArea")).to_contain_text("RENEWED 2")
    playwright_api.expect(countdown).not_to_have_attribute("data-state", "expired")
    assert seconds_left(countdown) >= 1
    playwright_api.expect(renewed.locator(".cx-provenance")).to_contain_text("/v1/webhook")


def save_notebook(page: Any, path: Path) -> str:
    """Save the open notebook through JupyterLab's own command; the file's text once
    written."""
    before = path.stat().st_mtime_ns
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    deadline = time.monotonic() + WAIT / 1000
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.1)
    return path.read_text()


def check_no_secret_in_page_or_saved_file(page: Any, path: Path) -> None:
    saved = save_notebook(page, path)
    assert "application/vnd.jupyter.widget-state+json" in saved  # the state was saved
    values = page.eval_on_selector_all("input", "els => els.map(e => e.value)")
    for secret in TYPED_SECRETS:
        assert secret not in saved and secret not in page.content()
        assert all(secret not in value for value in values)


def sandbox_host(path: Path) -> str:
    """The first sandbox's URL, as written into the notebook's prompt cell."""
    found = re.search(r"cx\.login\('([^']+)'\)", path.read_text())
    assert found is not None
    return found.group(1)
