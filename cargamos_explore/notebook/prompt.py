"""The login form in place of getpass, for a cell that waits until the form is used.

A cell that blocks waiting for a click would deadlock: the click is a message to the same
kernel, handled only after the cell ends. So the waiting cell keeps handling widget
messages itself (jupyter-ui-poll), and other queued cells wait their turn, as with input().
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from ..config import ENV_KEY, ENV_USERNAME, Credentials
from .login_form import LoginForm

if TYPE_CHECKING:
    from ..session import Session

#: Seconds between rounds of widget messages while a cell waits for the form.
POLL_INTERVAL: Final = 0.05


class CredentialsPrompt(LoginForm):
    """The form ``cx.login()`` shows when no source has credentials. It only collects them:
    the waiting ``cx.login()`` logs in once with them and raises any error in its cell."""

    answer: Credentials | None = None

    def __init__(self, host: str, *, key: str = "", username: str = "") -> None:
        super().__init__(host, key=key, username=username)
        self.host.disabled = True

    def _use(self, host: str, credentials: Credentials) -> None:
        if not (credentials.username and credentials.password):
            self._say("Fill in the username and password.", "error")
            return
        self.answer = credentials
        self.login_button.description = "Sent"
        self._say("Logging in: the cell that called cx.login() shows the result.", "info")

    def _busy(self, busy: bool) -> None:
        # Once answered, the form has done its job: it stays disabled.
        super()._busy(busy or self.answer is not None)


def ask_credentials(host: str, env: Mapping[str, str]) -> Credentials:
    """Show the form and wait, handling widget events, until it has been submitted."""
    form = CredentialsPrompt(host, key=env.get(ENV_KEY, ""),
                             username=env.get(ENV_USERNAME, ""))
    _display(form)
    wait_for(lambda: form.answer is not None)
    assert form.answer is not None
    return form.answer


def form_login(host: str = "", *, key: str = "", username: str = "") -> Session:
    """Show a LoginForm and wait until it has logged in; return its Session. Errors show
    in the form, which stays usable, and the login happens once."""
    form = LoginForm(host, key=key, username=username)
    _display(form)
    wait_for(lambda: form.session is not None)
    assert form.session is not None
    return form.session


def wait_for(done: Callable[[], bool]) -> None:
    """Block this cell until ``done()``, while the kernel keeps handling widget messages."""
    from jupyter_ui_poll import ui_events

    with ui_events() as poll:
        while not done():
            poll(10)
            time.sleep(POLL_INTERVAL)


def _display(form: LoginForm) -> None:
    from IPython.display import display

    display(form)  # type: ignore[no-untyped-call]  # IPython's display has no annotations
