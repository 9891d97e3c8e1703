"""The login form ``cx.login()`` shows, in place of getpass, when no source has credentials.

A cell that blocks waiting for a click deadlocks: the click is a message to the same
kernel, handled only once the cell has ended. (jupyter-ui-poll works around that by
handling messages inside the cell, which relies on kernel internals that ipykernel 7
removed.) So nothing waits: ``cx.login()`` returns at once a session without credentials,
shown with this form; the form fills the credentials in and logs in. Until then, any call
on the session raises CredentialsNotFoundError ("log in with the form above").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..bootstrap.credentials import ENV_KEY, ENV_USERNAME, Credentials
from .login_form import LoginForm

if TYPE_CHECKING:
    from ..session import Session


class SessionLoginForm(LoginForm):
    """A LoginForm bound to one waiting session: it logs that session in, on its host."""

    def __init__(self, target: Session, *, key: str = "", username: str = "") -> None:
        super().__init__(target.host, key=key, username=username)
        self.target = target
        self.host.disabled = True  # the session's host is fixed

    def _log_in(self, host: str, credentials: Credentials) -> Session:
        self.target.use_credentials(credentials)
        self.target.login()
        return self.target


def show_login_form(target: Session, env: Mapping[str, str]) -> SessionLoginForm:
    """Display the form that logs ``target`` in; returns it (for tests)."""
    form = SessionLoginForm(target, key=env.get(ENV_KEY, ""), username=env.get(ENV_USERNAME, ""))
    from IPython.display import display

    display(form)  # type: ignore[no-untyped-call]  # IPython's display has no annotations
    return form
