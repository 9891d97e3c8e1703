"""The sandbox's HTTP face: Flask routes that follow the contract's paths and envelope."""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from .. import contract as c
from .accounts import Organisation
from .control import install_control_routes
from .dates import DAY_SECONDS, epoch_bound
from .intake import post_orders
from .openapi import document
from .wire import (
    MAX_PAGE,
    Failure,
    basic_credentials,
    envelope,
    failed,
    int_arg,
    invalid,
    json_body,
    query_arg,
    raw_envelope,
)

if TYPE_CHECKING:
    from .server import Sandbox
    from .store import ShipperData

HTML_502 = (b"<html><head><title>502 Bad Gateway</title></head><body><center>"
            b"<h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")


def create_app(sandbox: Sandbox) -> Flask:
    app = Flask("cargamos_sandbox")
    _install_hooks(app, sandbox)
    _install_auth_routes(app, sandbox)
    _install_data_routes(app, sandbox)
    install_control_routes(app, sandbox)
    spec = document()

    @app.get(c.OPENAPI_PATH)
    def openapi() -> Response:
        return Response(spec, mimetype="application/json")

    return app


def _install_hooks(app: Flask, sandbox: Sandbox) -> None:
    @app.before_request
    def misbehave() -> Response | None:
        if not request.path.startswith("/v1/"):
            return None
        if sandbox.latency:
            time.sleep(sandbox.latency)
        return _inject(sandbox.faults.pick(), sandbox)

    app.register_error_handler(Failure, failed)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        status = err.code or c.HTTP_MALFORMED
        code = {c.HTTP_NOT_FOUND: c.CODE_NOT_FOUND,
                c.HTTP_METHOD_NOT_ALLOWED: c.CODE_METHOD_NOT_ALLOWED}.get(status)
        # Keep the exception's own headers (a 405's Allow) but not its HTML content type.
        headers = {k: v for k, v in err.get_headers() if k.lower() != "content-type"}
        text = err.description or err.name
        return failed(Failure(status, code or c.CODE_MALFORMED_REQUEST, text, headers))

    @app.errorhandler(Exception)
    def crashed(err: Exception) -> Response:
        # A last resort: every input the sandbox knows to be bad is refused before this.
        app.logger.exception("sandbox error")
        return failed(Failure(500, c.CODE_UNAVAILABLE, "internal error"))


def _inject(kind: str | None, sandbox: Sandbox) -> Response | None:
    if kind is None:
        return None
    sandbox.accounts.count_fault()
    if kind == "unavailable":
        raise Failure(c.HTTP_UNAVAILABLE, c.CODE_UNAVAILABLE,
                      "service unavailable, try again later")
    if kind == "rate_limited":
        wait = str(sandbox.faults.faults.retry_after)
        raise Failure(c.HTTP_RATE_LIMITED, c.CODE_RATE_LIMITED, "too many requests",
                      {"Retry-After": wait})
    if kind == "html":
        return Response(HTML_502, status=502, mimetype="text/html")
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        sock.shutdown(socket.SHUT_RDWR)
    return Response(b"", status=500)


def _organisation(sandbox: Sandbox) -> Organisation:
    key = query_arg(c.KEY_PARAM)
    if not key:
        raise Failure(c.HTTP_MALFORMED, c.CODE_MISSING_FIELD, "the key parameter is required")
    org = sandbox.accounts.organisation(key)
    if org is None:
        raise Failure(c.HTTP_FORBIDDEN_KEY, c.CODE_FORBIDDEN, "unknown or disabled key")
    return org


def _install_auth_routes(app: Flask, sandbox: Sandbox) -> None:
    @app.get(c.LOGIN_PATH)
    def login() -> Response:
        username, password = basic_credentials()
        if sandbox.accounts.organisation(request.args.get(c.KEY_PARAM)) is None:
            sandbox.accounts.count_failed_login(username)
        org = _organisation(sandbox)  # raises the precise 400 or 403
        token = sandbox.accounts.login(org, username, password)
        if token is None:
            raise Failure(c.HTTP_UNAUTHORIZED, c.CODE_UNAUTHORIZED, "wrong username or password")
        lifetime = str(int(sandbox.accounts.token_lifetime))
        return envelope({c.TOKEN_FIELD: token, c.EXPIRES_IN_FIELD: lifetime})

    @app.post(c.PASSWORD_RECOVERY_PATH)
    def recover() -> Response:
        _organisation(sandbox)
        body = json_body()
        if not isinstance(body, dict) or not isinstance(body.get(c.RECOVERY_USERNAME_FIELD), str):
            raise Failure(c.HTTP_MALFORMED, c.CODE_MALFORMED_REQUEST,
                          'the body must be {"username": "..."}')
        return envelope(None, ["[INFO] if the user exists, a reset link was e-mailed"])


def _grant(sandbox: Sandbox) -> ShipperData:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    grant = sandbox.accounts.grant(token) if scheme.lower() == "bearer" else None
    if grant is None:
        raise Failure(c.HTTP_UNAUTHORIZED, c.CODE_UNAUTHORIZED,
                      "missing, expired or revoked token")
    g.grant = grant
    return sandbox.shipper(grant.organisation)


def _install_data_routes(app: Flask, sandbox: Sandbox) -> None:
    @app.get(c.SHIPMENTS_PATH)
    def shipments() -> Response:
        data = _grant(sandbox)
        page = int_arg(c.PAGE_PARAM, 1, 1, MAX_PAGE)
        limit = int_arg(c.LIMIT_PARAM, 100, 1, c.MAX_LIMIT)
        start, end = _range()
        raw_states = query_arg(c.LIST_PARAMS["state"])
        states = set(raw_states.split(c.STATE_SEPARATOR)) if raw_states else None
        return raw_envelope(data.page_json(start, end, states, page, limit))

    @app.get(c.SHIPMENT_PATH.replace("{tracking_id}", "<tracking_id>"))
    def shipment(tracking_id: str) -> Response:
        found = _grant(sandbox).find(tracking_id)
        if found is None:
            raise Failure(c.HTTP_NOT_FOUND, c.CODE_NOT_FOUND, f"no shipment {tracking_id}")
        return envelope(found)

    @app.post(c.ORDERS_PATH)
    def orders() -> Response:
        return post_orders(_grant(sandbox))

    @app.route(c.WEBHOOK_PATH, methods=["GET", "PUT"])
    def webhook() -> Response:
        data = _grant(sandbox)
        if request.method == "PUT":
            data.webhook = _webhook_body()
        return envelope(dict(data.webhook))


def _range() -> tuple[float, float]:
    """The ``from``..``to`` window in epoch seconds: floats, so that no date near the ends
    of the calendar can overflow a ``datetime``."""
    end = _bound(c.LIST_PARAMS["end"], time.time() + DAY_SECONDS, end_of_day=True)
    start = _bound(c.LIST_PARAMS["start"], end - c.DEFAULT_WINDOW_DAYS * DAY_SECONDS,
                   end_of_day=False)
    # A `to` before `from` is a window no shipment falls in (ASSUMED, see contract): an
    # empty page rather than a 400 that no OpenAPI document could describe.
    return start, max(start, end)


def _bound(name: str, default: float, *, end_of_day: bool) -> float:
    raw = query_arg(name)
    if raw is None:
        return default
    bound = epoch_bound(raw, end_of_day=end_of_day)
    if bound is None:
        raise invalid(name, "must be an RFC 3339 date or date-time, e.g. 2026-11-01 or "
                            "2026-11-01T08:00:00-06:00")
    return bound


def _webhook_body() -> dict[str, Any]:
    body = json_body()
    ok = (isinstance(body, dict) and isinstance(body.get("url"), str)
          and body["url"].startswith(("http://", "https://"))
          and isinstance(body.get("states"), list)
          and all(isinstance(s, str) and s for s in body["states"])
          and isinstance(body.get("active"), bool))
    if not ok:
        raise Failure(c.HTTP_MALFORMED, c.CODE_MALFORMED_REQUEST,
                      'the body must be {"url": "https://...", "states": [...], "active": bool}')
    assert isinstance(body, dict)
    return {"url": body["url"], "states": body["states"], "active": body["active"]}
