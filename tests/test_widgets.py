"""The notebook widgets built and clicked in plain pytest, against the sandbox.

No browser here: the buttons are clicked with ``Button.click()``, which runs the same
handlers a browser click does. tests/test_browser.py covers what needs a browser.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets
import pytest

import cargamos_explore as cx
from cargamos_explore.bootstrap import credentials as config
from cargamos_explore.bootstrap import frontend
from cargamos_explore.notebook import prompt
from cargamos_explore.notebook.login_form import LoginForm
from cargamos_explore.sandbox import serve

from .conftest import JOHN, JOHN_PASSWORD, TIENDA, open_session

FAST = {"retries": cx.Retries(total=0), "cache": False}


def fill(form: LoginForm, host: str, key: str = TIENDA.key, username: str = JOHN,
         password: str = JOHN_PASSWORD) -> LoginForm:
    form.host.value, form.key.value = host, key
    form.username.value, form.password.value = username, password
    return form


def all_state(root: widgets.Widget) -> str:
    """Every synced value of ``root`` and its descendants, as the kernel would save them."""
    seen: list[dict[str, Any]] = []

    def walk(widget: widgets.Widget) -> None:
        seen.append(widget.get_state())
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(root)
    return json.dumps(seen, default=str)


@pytest.fixture
def form() -> Iterator[LoginForm]:
    built = LoginForm(session_options=FAST)
    yield built
    if built.session is not None:
        built.session.close()


def test_demo_credentials_log_in_and_leave_no_secret_behind(url: str, form: LoginForm) -> None:
    fill(form, url).login_button.click()
    assert form.session is not None and form.session.logins == 1
    assert "cx-status-ok" in form.status._dom_classes
    assert form.password.value == "" and form.key.value == ""
    state = all_state(form)
    assert JOHN_PASSWORD not in state and TIENDA.key not in state
    assert any(isinstance(child, cx.TokenIndicator) for child in form.children)


def test_a_wrong_password_says_so_and_the_form_stays_usable(url: str, form: LoginForm) -> None:
    fill(form, url, password="not-the-password").login_button.click()
    assert form.session is None
    assert "Wrong username or password for john.doe@gmail.com" in form.status.value
    assert "cx-status-error" in form.status._dom_classes
    assert not form.login_button.disabled and form.password.value == ""
    form.password.value = JOHN_PASSWORD  # the key is remembered in the kernel
    form.login_button.click()
    assert form.session is not None and "cx-status-ok" in form.status._dom_classes
    assert "not-the-password" not in all_state(form)


def test_an_unknown_key_says_so(url: str, form: LoginForm) -> None:
    fill(form, url, key="sbx-no-such-key").login_button.click()
    assert form.session is None and "does not know this organisation key" in form.status.value
    assert "sbx-no-such-key" not in form.status.value


def test_an_unreachable_host_says_so(form: LoginForm) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    fill(form, closed).login_button.click()
    assert form.session is None
    assert f"Could not reach {closed.removeprefix('http://')}: connection refused" in (
        form.status.value)
    assert "HTTPConnectionPool" not in form.status.value


def test_a_failed_login_removes_the_older_token_indicator(url: str, form: LoginForm) -> None:
    fill(form, url).login_button.click()
    assert any(isinstance(child, cx.TokenIndicator) for child in form.children)
    fill(form, url, password="not-the-password").login_button.click()
    assert "Wrong username or password" in form.status.value
    assert not any(isinstance(child, cx.TokenIndicator) for child in form.children)


def test_a_blank_form_uses_the_sandbox_demo_account(form: LoginForm) -> None:
    form.session_options["sandbox_options"] = {"size": 20}
    form.login_button.click()
    assert form.session is not None and form.session.username == JOHN
    assert form.session.credentials_source == "sandbox demo"


def test_forgot_password_says_what_happens_next(url: str, form: LoginForm) -> None:
    fill(form, url, password="").forgot_button.click()
    assert "has e-mailed it a link to set a new password" in form.status.value
    form.key.value, form.username.value = "", ""
    form._key = ""
    form.forgot_button.click()
    assert "fill in the organisation key and your username" in form.status.value
    form.host.value = ""
    form.forgot_button.click()
    assert "sends no e-mail" in form.status.value


def test_the_form_prints_as_a_sentence_outside_a_widget_frontend() -> None:
    assert repr(LoginForm()).startswith("Cargamos login form (not logged in)")


def browser_seconds_left(indicator: cx.TokenIndicator) -> float:
    return float(indicator.countdown.expires_at) / 1000 - time.time()


def test_the_indicator_counts_down_from_each_new_token(url: str) -> None:
    now = [1_000.0]
    with open_session(url, clock=lambda: now[0]) as session:
        indicator = cx.TokenIndicator(session)
        assert indicator.countdown.expires_at == 0 and "no token yet" in repr(indicator)
        first = session.login()
        # The browser counts on its wall clock: the expiry it gets is now plus the time left
        # by the session's clock (here a fake one, standing at 1,000).
        assert 3598 < browser_seconds_left(indicator) <= 3600
        assert indicator.countdown.lifetime == 3600 and indicator.countdown.warn_seconds == 300
        now[0] += 600
        indicator.renew_button.click()
        assert session.logins == 2 and session.token is not first
        assert 3598 < browser_seconds_left(indicator) <= 3600
        shown = indicator.countdown.expires_at
        indicator.show(first)  # a late listener call with the older token changes nothing
        assert indicator.countdown.expires_at == shown
        assert repr(indicator).startswith(f"Cargamos token for {JOHN}: 60:00 left, expires")
        assert "\n" not in repr(indicator)


def test_a_renewal_by_any_call_restarts_the_countdown() -> None:
    with serve(token_lifetime=2, size=20) as short, open_session(short, renew_margin=0) as session:
        indicator = cx.TokenIndicator(session)
        session.login()
        shown = indicator.countdown.expires_at
        session.transport._keeper.reject(session.token)  # as if the token had expired on the server
        session.webhook()
        assert session.logins == 2 and indicator.countdown.expires_at > shown


def test_a_failing_renewal_shows_in_the_indicator(url: str) -> None:
    with open_session(url, password="wrong-password") as session:
        indicator = cx.TokenIndicator(session)
        indicator.renew_button.click()
        assert "rejected the username or password" in indicator.status.value
        assert "wrong-password" not in indicator.status.value


def test_the_session_card_shows_the_summary_and_no_secret(session: cx.Session) -> None:
    session.login()
    card = session._repr_html_()
    for shown in (session.host, JOHN, "arguments", "Logins", "cache off", "left"):
        assert shown in card
    assert all(secret not in card + repr(session) for secret in session._secrets())


def test_provenance_reads_as_a_table(session: cx.Session) -> None:
    df = session.webhook()
    found = cx.provenance(df)
    assert "/v1/webhook" in repr(found) and session.host in found._repr_html_()
    assert "cx-provenance" in found._repr_html_()
    assert "not read from Cargamos" in repr(cx.provenance(type(df)()))


def test_in_a_notebook_login_returns_a_session_that_the_form_logs_in(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[prompt.SessionLoginForm] = []
    monkeypatch.setattr(config, "_in_kernel", lambda: True)
    monkeypatch.setattr(frontend, "widget_frontend", lambda: True)
    monkeypatch.setattr(prompt, "show_login_form",
                        lambda target, env: shown.append(prompt.SessionLoginForm(target)))
    with cx.login(url, key=TIENDA.key, env={}, cache=False) as session:
        assert session.credentials_pending and session.logins == 0 and len(shown) == 1
        with pytest.raises(cx.CredentialsNotFoundError, match="log in with the form"):
            session.webhook()
        form = shown[0]
        assert form.host.value == url and form.host.disabled
        form.username.value, form.password.value = JOHN, "not-the-password"
        form.login_button.click()
        assert "Wrong username or password" in form.status.value and form.session is None
        form.password.value = JOHN_PASSWORD
        form.login_button.click()  # the key given to cx.login() still holds
        assert form.session is session and session.logins == 1
        assert not session.credentials_pending and len(session.webhook()) == 1
        assert JOHN_PASSWORD not in all_state(form)


class FakeKernel:
    def __init__(self, allow_stdin: bool) -> None:
        self.parent = {"content": {"allow_stdin": allow_stdin}}

    def get_parent(self) -> dict[str, Any]:
        return self.parent


@pytest.mark.parametrize("allow_stdin", [True, False])
def test_in_a_kernel_the_prompt_is_the_form_only_with_a_person_at_the_frontend(
        monkeypatch: pytest.MonkeyPatch, allow_stdin: bool) -> None:
    monkeypatch.setattr(frontend, "_kernel", lambda: FakeKernel(allow_stdin))
    monkeypatch.setattr(config, "_in_kernel", lambda: True)
    found = config.from_prompt("http://127.0.0.1:1", {})
    assert found == (config.FORM_PENDING if allow_stdin else None)


def test_outside_a_kernel_nothing_is_a_widget_frontend() -> None:
    assert frontend.widget_frontend() is False
