"""LoginForm: log in from a notebook without getpass, and without leaving the password behind.

The password (and the organisation key) are read from their fields and the fields cleared
in the same click, before anything is sent: a saved notebook keeps the widget state, and
the page keeps what the fields show, so a secret must not stay in either, even after a
failed attempt. The key is remembered in the kernel only, for the next attempt.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any, Final

import ipywidgets as widgets

from ..bootstrap.credentials import Credentials
from ..bootstrap.hosts import is_host
from ..errors import (
    AuthenticationError,
    CargamosError,
    CredentialsNotFoundError,
    TransportError,
    UnknownKeyError,
)
from ..scrub import scrub
from ..session import Session
from ..transport import request_password_reset
from .indicator import TokenIndicator

SANDBOX: Final = "the local sandbox"
KEY_KEPT: Final = "kept from your last attempt; type to change"


class LoginForm(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Host, organisation key, username and password, a Login and a "Forgot password?"
    button, and a status line. A blank host logs in to the local sandbox (all blank: its
    demo account). After a successful login, ``form.session`` is the logged-in Session;
    ``session_options`` go to its constructor (``cache=``, ``retries=``, ...)."""

    def __init__(self, host: str = "", *, key: str = "", username: str = "",
                 session_options: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        self.session: Session | None = None
        self.session_options = dict(session_options or {})
        self._key = key  # in the kernel only: the key field is cleared like the password
        self.host = _field(widgets.Text, "Host", host, "blank: the local sandbox", "cx-host")
        self.key = _field(widgets.Password, "Org key", "", _key_hint(key), "cx-key")
        self.username = _field(widgets.Text, "Username", username, "you@example.mx",
                               "cx-username")
        self.password = _field(widgets.Password, "Password", "", "", "cx-password")
        self.login_button = _button("Log in", "cx-login", "primary")
        self.forgot_button = _button("Forgot password?", "cx-forgot", "")
        self.status = widgets.HTML("")
        self.status.add_class("cx-status")
        buttons = widgets.HBox([self.login_button, self.forgot_button])
        self._parts: tuple[Any, ...] = (self.host, self.key, self.username, self.password,
                                        buttons, self.status)
        super().__init__(self._parts, **kwargs)
        self.add_class("cx-login-form")
        self.login_button.on_click(lambda _button: self.submit())
        self.forgot_button.on_click(lambda _button: self.forgot_password())

    # --- the two buttons ------------------------------------------------------------
    def submit(self) -> None:
        """What the Login button does: take the values (clearing the secret fields at
        once), then log in; any failure is shown in the status line."""
        host, credentials = self._take()
        self._busy(True)
        try:
            self._use(host, credentials)
        finally:
            self._busy(False)

    def forgot_password(self) -> None:
        """What "Forgot password?" does: ask Cargamos to e-mail a reset link."""
        host, credentials = self._take()
        if not host:
            self._say("The local sandbox sends no e-mail. Leave every field blank and click "
                      "Log in to use its demo account.", "info")
        elif not (credentials.key and credentials.username):
            self._say("To reset a password, fill in the organisation key and your username "
                      "(your e-mail), then click “Forgot password?” again.", "error")
        else:
            self._request_reset(host, credentials)

    # --- steps ----------------------------------------------------------------------
    def _take(self) -> tuple[str, Credentials]:
        """The form's values; the password and key fields are emptied before returning."""
        password, typed_key = self.password.value, self.key.value
        self.password.value = self.key.value = ""
        self._key = typed_key or self._key
        self.key.placeholder = _key_hint(self._key)
        credentials = Credentials(self.username.value.strip(), password, self._key or None,
                                  "login form")
        host = self.host.value.strip()
        if host and not is_host(host):  # a pasted password, say: refused at login, unshown
            self.host.value = ""
        return host, credentials

    def _use(self, host: str, credentials: Credentials) -> None:
        """Log in with the values; show the error, or the session and its countdown."""
        self._say("Logging in…", "info")
        try:
            session = self._log_in(host, credentials)
        except CargamosError as err:
            # An older login's countdown under the error would read as "logged in".
            self.children = self._parts
            self._say(describe(err, host, credentials), "error")
            return
        self.session = session
        self._say(f"Logged in as {session.username} at {session.host}. The session is "
                  "<code>form.session</code>.", "ok", escaped=True)
        self.children = (*self._parts, TokenIndicator(session))  # replaces an older one

    def _log_in(self, host: str, credentials: Credentials) -> Session:
        return open_session(host, credentials, self.session_options)

    def _request_reset(self, host: str, credentials: Credentials) -> None:
        try:
            request_password_reset(host, credentials.key or "", credentials.username)
        except CargamosError as err:
            self._say(describe(err, host, credentials), "error")
            return
        self._say(f"If {credentials.username} is a user of this organisation, Cargamos has "
                  "e-mailed it a link to set a new password. Open the link, choose a new "
                  "password, then log in here with it.", "ok")

    def _busy(self, busy: bool) -> None:
        self.login_button.disabled = self.forgot_button.disabled = busy

    def _say(self, text: str, kind: str, *, escaped: bool = False) -> None:
        for name in ("info", "ok", "error"):
            self.status.remove_class(f"cx-status-{name}")
        self.status.add_class(f"cx-status-{kind}")
        color = {"error": "#c62828", "ok": "#2e7d32"}.get(kind, "inherit")
        shown = text if escaped else escape(text)
        self.status.value = f"<span style='color:{color}'>{shown}</span>"

    def __repr__(self) -> str:
        state = f"logged in as {self.session.username}" if self.session else "not logged in"
        return (f"Cargamos login form ({state}); it needs a widget frontend such as "
                "JupyterLab. Elsewhere pass username= and password= to cx.login().")


def open_session(host: str, credentials: Credentials, options: Mapping[str, Any]) -> Session:
    """A logged-in Session for the form's values, or the error; never prompts again."""
    session = Session(host or None, key=credentials.key, username=credentials.username or None,
                      password=credentials.password or None, **{"sources": (), **options})
    if credentials.username or credentials.password:  # typed in, not the sandbox's demo
        session.transport.name_source(credentials.source)
    try:
        session.login()
    except BaseException:
        session.close(keep_recording=False)  # a refused login is nothing to replay
        raise
    return session


def describe(err: CargamosError, host: str, credentials: Credentials) -> str:
    """A specific, secret-free message for the status line."""
    where = host or SANDBOX
    if isinstance(err, UnknownKeyError):
        text = (f"{where} does not know this organisation key, or it is disabled. Check the "
                "key Cargamos issued to your organisation.")
    elif isinstance(err, AuthenticationError):
        text = (f"Wrong username or password for {credentials.username} at {where}. Type "
                "the password again, or click “Forgot password?”.")
    elif isinstance(err, TransportError) and str(err).startswith("could not reach"):
        text = f"C{str(err)[1:]}"  # already says where, why, and what to check
    elif isinstance(err, TransportError):
        text = f"Could not reach {where}: {err} Check the host and your connection."
    elif isinstance(err, CredentialsNotFoundError):
        text = ("Fill in the username, password and organisation key (or leave the host "
                "and all of them blank for the sandbox's demo account).")
    else:
        text = str(err)
    return scrub(text, credentials.secrets())


def _field(kind: Any, label: str, value: str, placeholder: str, css_class: str) -> Any:
    field = kind(value=value, description=label, placeholder=placeholder,
                 style={"description_width": "80px"},
                 layout=widgets.Layout(width="420px"))
    field.add_class(css_class)
    return field


def _button(label: str, css_class: str, style: str) -> widgets.Button:
    button = widgets.Button(description=label, button_style=style)
    button.add_class(css_class)
    return button


def _key_hint(key: str) -> str:
    return KEY_KEPT if key else "issued to your organisation"
