"""Logins, hosts, paths and list windows under odd or hostile input: the right answer, a
clear CargamosError, and never a secret in an error, a form or a frame's provenance."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest
import requests

import cargamos_explore as cx
from cargamos_explore import contract as c
from cargamos_explore.cassettes import redaction
from cargamos_explore.notebook.login_form import LoginForm
from cargamos_explore.sandbox import Sandbox, serve
from cargamos_explore.sandbox.accounts import Organisation
from cargamos_explore.scrub import SECRET_NAMES, scrub
from cargamos_explore.transport import cache

from .conftest import ANCHOR, JOHN, JOHN_PASSWORD, TIENDA, basic, stats
from .test_secrets import shown

SHOP = Organisation(1, "Tienda Ñandú", "sbx-tienda-nandu-77aa", {
    "maria@tiendanandu.mx": "contraseña-2026", "pepe@tiendanandu.mx": "precio€100"})
KEY = "k3y-in-the-path-0123"


@pytest.fixture
def shop() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(size=50, seed=3, anchor=ANCHOR, organisations=(SHOP,))
    with serve(sandbox) as url:
        yield sandbox, url


def login(url: str, username: str, password: str, **options: object) -> cx.Session:
    return cx.login(url, key=SHOP.key, username=username, password=password, env={},
                    sources=(), cache=False, **options)


# --- item 8: non-ASCII passwords -------------------------------------------------------------
@pytest.mark.parametrize("username", sorted(SHOP.users))
def test_a_non_ascii_password_logs_in_once(shop: tuple[Sandbox, str], username: str) -> None:
    _, url = shop
    with login(url, username, SHOP.users[username]) as session:
        assert session.logins == 1 and len(session.get_json("/v1/webhook")) > 0
    counted = stats(url)["users"][username]
    assert (counted["logins_ok"], counted["logins_failed"]) == (1, 0)


def test_credentials_are_sent_as_utf8(shop: tuple[Sandbox, str]) -> None:
    """RFC 7617's charset: the header a UTF-8 server decodes back to the password."""
    _, url = shop
    user, password = "maria@tiendanandu.mx", SHOP.users["maria@tiendanandu.mx"]
    header = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    answer = requests.get(url + c.LOGIN_PATH, params={c.KEY_PARAM: SHOP.key},
                          headers={"Authorization": header}, timeout=5)
    assert answer.status_code == 200 and c.BASIC_CHARSET == "utf-8"


@pytest.mark.parametrize("wrong", ["contraseña-2027", "precio€101"])
def test_a_wrong_non_ascii_password_is_refused_without_showing_it(
        shop: tuple[Sandbox, str], wrong: str) -> None:
    _, url = shop
    with pytest.raises(cx.AuthenticationError, match="rejected the username or password") as err:
        login(url, "pepe@tiendanandu.mx", wrong)
    assert wrong not in shown(err.value)


def test_a_password_that_cannot_be_encoded_is_refused_without_showing_it(
        shop: tuple[Sandbox, str]) -> None:
    _, url = shop
    broken = "precio\ud800-cien"  # a lone surrogate, left by a broken paste
    with pytest.raises(cx.InvalidArgumentError, match="cannot be sent") as err:
        login(url, "pepe@tiendanandu.mx", broken)
    assert "precio" not in shown(err.value) and stats(url)["users"] == {}


# --- item 9: a login answered 502 is not sent again ------------------------------------------
def test_a_login_answered_by_a_bad_gateway_is_not_resent(shop: tuple[Sandbox, str]) -> None:
    sandbox, url = shop
    sandbox.set_faults(html=1.0)
    with pytest.raises(cx.CargamosError, match="502"):
        login(url, "maria@tiendanandu.mx", SHOP.users["maria@tiendanandu.mx"],
              retries=cx.Retries(total=5, backoff_factor=0))
    assert stats(url)["faults"] == 1  # one login sent: the gateway may have forwarded it


def test_a_login_answered_503_is_tried_again(shop: tuple[Sandbox, str]) -> None:
    sandbox, url = shop
    sandbox.set_faults(unavailable=1.0)
    with pytest.raises(cx.ServerError):
        login(url, "maria@tiendanandu.mx", SHOP.users["maria@tiendanandu.mx"],
              retries=cx.Retries(total=2, backoff_factor=0))
    assert stats(url)["faults"] == 3  # refused unprocessed: safe to send again


# --- item 10: a password pasted into the host field ------------------------------------------
def test_a_password_in_the_host_field_is_neither_shown_nor_kept(url: str) -> None:
    form = LoginForm(session_options={"retries": cx.Retries(total=0), "cache": False})
    form.host.value, form.key.value = "contraseña-2026", TIENDA.key
    form.username.value, form.password.value = JOHN, JOHN_PASSWORD
    form.login_button.click()
    assert form.session is None and "not a URL (http:// or https://)" in form.status.value
    assert "contraseña" not in form.status.value and form.host.value == ""


@pytest.mark.parametrize("host", ["hunter2-Secret", "ftp://files.example.com", "http://[::1"])
def test_a_host_that_is_not_a_url_is_refused_without_echo(host: str) -> None:
    with pytest.raises(cx.ConfigurationError, match="not a URL") as refused:
        cx.Session(host, username=JOHN, password="x", key="k", env={}, sources=())
    assert host not in str(refused.value)


def test_a_url_or_preset_stays_in_the_host_field(url: str) -> None:
    form = LoginForm(session_options={"retries": cx.Retries(total=0), "cache": False})
    form.host.value, form.username.value, form.password.value = url, JOHN, "wrong"
    form.key.value = TIENDA.key
    form.login_button.click()
    assert form.host.value == url and "Wrong username or password" in form.status.value


# --- item 11: keys in paths, and one list of secret names -----------------------------------
@pytest.mark.parametrize(("path", "params"), [
    (f"/v1/webhook?key={KEY}", {}), ("/v1/webhook", {"apiKey": KEY}),
    ("/v1/webhook", {"X-Api-Key": KEY}), (f"/v1/webhook?Access_Token={KEY}&x=1", {})])
def test_a_key_in_a_path_or_parameter_stays_out_of_provenance(
        session: cx.Session, path: str, params: dict[str, str]) -> None:
    frame = session.get_frame(path, **params)
    assert isinstance(frame, pd.DataFrame) and KEY not in str(frame.attrs)
    assert KEY not in repr(cx.provenance(frame)) and "REDACTED" in str(frame.attrs)


def test_a_key_in_a_path_parameter_stays_out_of_the_error(session: cx.Session) -> None:
    with pytest.raises(cx.CargamosError) as err:
        session.get_frame(f"/v1/webhook;key={KEY}")
    assert KEY not in shown(err.value)


@pytest.mark.parametrize("text", [f"/v1/x;key={KEY}", f"/v1/x?apiKey={KEY}",
                                  f'{{"client_secret": "{KEY}"}}', f"a&amp;api-key={KEY}"])
def test_the_scrubber_hides_every_listed_name(text: str) -> None:
    assert KEY not in scrub(text)


def test_one_list_of_secret_names_serves_cache_provenance_and_recordings() -> None:
    cached = {name.lower() for name in cache.SECRET_PARAMETERS}
    assert cached == SECRET_NAMES | {n.replace("_", "").replace("-", "") for n in SECRET_NAMES}
    assert {"apiKey", "X-Api-Key", "Authorization", "access_token"} <= set(
        cache.SECRET_PARAMETERS)
    assert redaction.SECRET_FIELDS == SECRET_NAMES  # recordings redact no name of their own


# --- item 7: `to` without `from` ---------------------------------------------------------------
def test_to_alone_counts_back_from_to(url: str) -> None:
    token = requests.get(url + c.LOGIN_PATH, params={c.KEY_PARAM: TIENDA.key}, timeout=5,
                         headers={"Authorization": basic(JOHN, JOHN_PASSWORD)}).json()
    bearer = {"Authorization": f"Bearer {token['data'][c.TOKEN_FIELD]}"}
    listed = requests.get(url + c.SHIPMENTS_PATH, params={"to": "2026-10-31", "limit": 500},
                          headers=bearer, timeout=5)
    assert listed.status_code == 200
    created = pd.to_datetime([s["createdAt"] for s in listed.json()["data"]["items"]], utc=True)
    assert len(created) > 0
    days = created.tz_convert(c.TIMEZONE).date
    assert min(days) >= date(2026, 10, 1) and max(days) <= date(2026, 10, 31)
    for params in ({"to": "2000-01-01"}, {"from": "2026-10-02", "to": "2026-10-01"}):
        empty = requests.get(url + c.SHIPMENTS_PATH, params=params, headers=bearer, timeout=5)
        assert empty.status_code == 200 and empty.json()["data"]["total"] == 0


def test_an_end_alone_reads_the_month_before_it(session: cx.Session) -> None:
    frame = session.shipments(end="2026-10-31", progress=False)
    days = frame["created_at"].dt.date
    assert len(frame) > 0 and days.min() >= date(2026, 10, 1)
    assert days.max() <= date(2026, 10, 31)
    assert frame.attrs["cargamos"]["params"]["from"] == "2026-10-01T00:00:00-06:00"


def test_no_default_window_is_written_twice() -> None:
    from cargamos_explore.queries import window
    from cargamos_explore.sandbox.openapi import spec

    assert window.DEFAULT_DAYS == c.DEFAULT_WINDOW_DAYS
    parameters = spec()["paths"][c.SHIPMENTS_PATH]["get"]["parameters"]
    start = next(p for p in parameters if p["name"] == c.LIST_PARAMS["start"])
    assert f"default {c.DEFAULT_WINDOW_DAYS} days before to" in start["description"]
