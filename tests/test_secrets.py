"""No password, token, key or Basic header in any log record, repr or exception message."""

from __future__ import annotations

import base64
import logging
import re

import pytest

import cargamos_explore as cx
from cargamos_explore.sandbox import Sandbox

from .conftest import JOHN, JOHN_PASSWORD, TIENDA, open_session


def secrets_of(session: cx.Session, extra: tuple[str, ...] = ()) -> set[str]:
    basic = base64.b64encode(f"{JOHN}:{JOHN_PASSWORD}".encode()).decode()
    return {JOHN_PASSWORD, TIENDA.key, basic, *session._secrets(), *extra}


def test_a_full_session_leaks_nothing(sandbox: Sandbox, url: str,
                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the HTTP libraries' included
    seen: list[str] = []
    tokens: set[str] = set()
    with open_session(url, retries=cx.Retries(total=1, backoff_factor=0)) as session:
        session.login()
        tokens |= set(session._secrets())
        seen += [repr(session), str(session), repr(session.token),
                 repr(session.transport.credentials)]
        frame = session.shipments(progress=False)
        seen.append(repr(frame.attrs))
        sandbox.revoke(JOHN)
        session.get_json("/v1/webhook")  # 401, then a second login
        tokens |= set(session._secrets())
        for call in (lambda: session.get_json("/v1/shipments/CG19999999999"),
                     lambda: session.get_json("/v1/shipments", limit=0)):
            with pytest.raises(cx.CargamosError) as caught:
                call()
            seen += [str(caught.value), repr(caught.value), caught.value.url]
        sandbox.set_faults(html=1.0)
        with pytest.raises(cx.UnexpectedResponseError) as html:
            session.get_json("/v1/webhook")
        seen += [str(html.value), html.value.url]
        sandbox.set_faults(html=0.0)
        session.request_password_reset()
    with pytest.raises(cx.AuthenticationError) as wrong:
        cx.login(url, key=TIENDA.key, username=JOHN, password="Wr0ngPassw0rd", env={},
                 sources=())
    seen.append(str(wrong.value))
    seen += [record.getMessage() for record in caplog.records]
    text = "\n".join(seen)
    assert "GET /v1/login?key=REDACTED" in text  # urllib3's request lines were captured
    assert len(tokens) >= 3  # two tokens plus the password and key
    for secret in secrets_of(session, (*tuple(tokens), "Wr0ngPassw0rd")):
        assert secret not in text, f"a secret leaked: {secret[:3]}…"
    assert "Bearer " + "ey" not in text


def test_credentials_repr_shows_only_the_username() -> None:
    creds = cx.Credentials(JOHN, JOHN_PASSWORD, TIENDA.key, "environment")
    assert JOHN in repr(creds)
    assert JOHN_PASSWORD not in repr(creds) and TIENDA.key not in repr(creds)


def test_a_failed_connection_shows_no_key_even_in_the_traceback() -> None:
    import traceback

    from cargamos_explore.sandbox import serve

    with serve(Sandbox(size=1)) as base:
        pass  # nothing listens there any more
    with pytest.raises(cx.TransportError) as caught:
        cx.login(base, key=TIENDA.key, username=JOHN, password=JOHN_PASSWORD, env={},
                 sources=(), retries=cx.Retries(total=0))
    shown = "".join(traceback.format_exception(caught.value))
    assert "/v1/login?key=REDACTED" in shown
    assert TIENDA.key not in shown and JOHN_PASSWORD not in shown


def test_the_secrets_accessor_is_private() -> None:
    assert not hasattr(cx.Session, "secrets") and hasattr(cx.Session, "_secrets")


def test_credentials_and_tokens_refuse_pickling(session: cx.Session) -> None:
    import copy
    import pickle

    token = session.login()
    creds = cx.Credentials(JOHN, JOHN_PASSWORD, TIENDA.key, "environment")
    for secretive in (creds, token):
        with pytest.raises(TypeError, match="cannot be pickled") as caught:
            pickle.dumps(secretive)
        assert JOHN_PASSWORD not in str(caught.value) and token.value not in str(caught.value)
        assert copy.deepcopy(secretive) == secretive  # copies stay in memory: allowed


@pytest.mark.parametrize("host", ["https://ana:Pa55-word@api.example.com",
                                  "https://ana:Pa55-word@api.example.com/base/",
                                  "ana:Pa55-word@api.example.com", "http://@api.example.com"])
def test_a_host_with_userinfo_is_refused_without_showing_it(host: str) -> None:
    with pytest.raises(cx.ConfigurationError, match="username or password") as caught:
        cx.Session(host, username=JOHN, password="x", key="k", env={}, sources=())
    assert "Pa55-word" not in str(caught.value) and "api.example.com" in str(caught.value)


def chain(err: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    todo: list[BaseException | None] = [err]
    while todo:
        current = todo.pop()
        if current is not None and all(current is not f for f in found):
            found.append(current)
            todo += [current.__cause__, current.__context__]
    return found


def shown(err: BaseException) -> str:
    """Everything a traceback, a debugger or a logger could show of ``err``'s chain."""
    import traceback

    parts = ["".join(traceback.format_exception(err))]
    for link in chain(err):
        parts += [str(link), repr(link), repr(link.args)]
        request = getattr(link, "request", None)
        if request is not None:
            parts += [str(request.url), repr(dict(request.headers))]
    return "\n".join(parts)


def test_no_link_of_an_error_chain_holds_a_secret(sandbox: Sandbox, url: str) -> None:
    from cargamos_explore.sandbox import serve

    with serve(Sandbox(size=1)) as base:
        pass  # nothing listens there any more
    with pytest.raises(cx.TransportError) as refused:
        cx.login(base, key=TIENDA.key, username=JOHN, password=JOHN_PASSWORD, env={},
                 sources=(), retries=cx.Retries(total=0))
    with open_session(url, retries=cx.Retries(total=1, backoff_factor=0)) as session:
        session.login()
        sandbox.set_faults(dropped=1.0)
        with pytest.raises(cx.TransportError) as dropped:
            session.get_json("/v1/webhook")
        secrets = secrets_of(session)
    for caught in (refused, dropped):
        text = shown(caught.value)
        assert "failed" in text
        for secret in secrets:
            assert secret not in text, f"a secret leaked: {secret[:3]}…"


def test_the_dashboard_over_a_live_session_leaks_nothing(
        url: str, caplog: pytest.LogCaptureFixture) -> None:
    """What a saved notebook (the widget state), the page's messages, the downloads, the
    query and the repr hold of a dashboard over a session logged in with a password."""
    import json

    caplog.set_level(logging.DEBUG)
    with open_session(url) as session:
        dash = cx.explore(session)
        sent: list[str] = []
        dash.send = lambda content, buffers=None: sent.append(  # type: ignore[method-assign]
            json.dumps(content, default=str) + "".join(b.decode("latin-1")
                                                       for b in buffers or ()))
        dash.search = "CG1"
        dash.selected = dash.page_rows["tracking_id"].iloc[0]
        dash._on_message(dash, {"type": "download", "format": "csv"}, [])
        dash._on_message(dash, {"type": "download", "format": "xlsx"}, [])
        state = json.dumps(dash.get_state(), default=str)
        seen = [state, *sent, repr(dash), dash.query, dash.download("csv").decode(),
                *(record.getMessage() for record in caplog.records)]
        secrets = secrets_of(session)
    text = "\n".join(seen)
    assert JOHN in state and len(sent) >= 4  # the title, and the page, timeline and files
    for secret in secrets:  # as a word: the sandbox's password is in "shipper_dropoff_date"
        assert not re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", text), \
            f"a secret leaked: {secret[:3]}…"
