"""The sandbox's HTTP face: Flask routes that follow the contract's paths and envelope."""

from __future__ import annotations

import base64
import binascii
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import orjson
from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from .. import contract as c
from .orders import parse_datetime, validate

if TYPE_CHECKING:
    from .server import Sandbox

MEXICO_CITY = ZoneInfo(c.TIMEZONE)
HTML_502 = (b"<html><head><title>502 Bad Gateway</title></head><body><center>"
            b"<h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")


class Failure(Exception):
    """A request the contract answers with a FAILED envelope."""

    def __init__(self, http: int, code: str, text: str, headers: dict[str, str] | None = None):
        super().__init__(text)
        self.http, self.code, self.text, self.headers = http, code, text, headers or {}


def envelope(data: Any, msgs: list[str] | None = None, *, status: str = c.STATUS_OK,
             http: int = 200, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"version": c.API_VERSION, "status": status,
                            "timestamp": int(time.time() * 1000), "data": data}
    if msgs:
        body["msgs"] = msgs
    return Response(orjson.dumps(body), status=http, headers=headers,
                    mimetype="application/json")


def raw_envelope(data: bytes) -> Response:
    """A success envelope around an already serialised ``data`` object."""
    head = orjson.dumps({"version": c.API_VERSION, "status": c.STATUS_OK,
                         "timestamp": int(time.time() * 1000)})
    return Response(head[:-1] + b',"data":' + data + b"}", mimetype="application/json")


def create_app(sandbox: Sandbox) -> Flask:
    app = Flask("cargamos_sandbox")
    _install_hooks(app, sandbox)
    _install_auth_routes(app, sandbox)
    _install_data_routes(app, sandbox)
    _install_control_routes(app, sandbox)
    return app


def _install_hooks(app: Flask, sandbox: Sandbox) -> None:
    @app.before_request
    def misbehave() -> Response | None:
        if not request.path.startswith("/v1/"):
            return None
        if sandbox.latency:
            time.sleep(sandbox.latency)
        return _inject(sandbox.faults.pick(), sandbox)

    @app.errorhandler(Failure)
    def failed(err: Failure) -> Response:
        return envelope(None, [f"[ERROR] [{err.code}] {err.text}"], status=c.STATUS_FAILED,
                        http=err.http, headers=err.headers)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        code = c.CODE_NOT_FOUND if err.code == 404 else c.CODE_MALFORMED_REQUEST
        return failed(Failure(err.code or 400, code, err.description or err.name))

    @app.errorhandler(Exception)
    def crashed(err: Exception) -> Response:
        app.logger.exception("sandbox error")
        return failed(Failure(500, c.CODE_UNAVAILABLE, "internal error"))


def _inject(kind: str | None, sandbox: Sandbox) -> Response | None:
    if kind is None:
        return None
    sandbox.accounts.count_fault()
    if kind == "unavailable":
        raise Failure(503, c.CODE_UNAVAILABLE, "service unavailable, try again later")
    if kind == "rate_limited":
        wait = str(sandbox.faults.faults.retry_after)
        raise Failure(429, c.CODE_RATE_LIMITED, "too many requests", {"Retry-After": wait})
    if kind == "html":
        return Response(HTML_502, status=502, mimetype="text/html")
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        sock.shutdown(socket.SHUT_RDWR)
    return Response(b"", status=500)


def _organisation(sandbox: Sandbox) -> Any:
    key = request.args.get(c.KEY_PARAM)
    if not key:
        raise Failure(400, c.CODE_MISSING_FIELD, "the key parameter is required")
    org = sandbox.accounts.organisation(key)
    if org is None:
        raise Failure(403, c.CODE_FORBIDDEN, "unknown or disabled key")
    return org


def _basic_credentials() -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    username, sep, password = decoded.partition(":")
    if scheme.lower() != "basic" or not sep:
        raise Failure(401, c.CODE_UNAUTHORIZED, "Basic credentials are required")
    return username, password


def _install_auth_routes(app: Flask, sandbox: Sandbox) -> None:
    @app.get(c.LOGIN_PATH)
    def login() -> Response:
        username, password = _basic_credentials()
        if sandbox.accounts.organisation(request.args.get(c.KEY_PARAM)) is None:
            sandbox.accounts.count_failed_login(username)
        org = _organisation(sandbox)  # raises the precise 400 or 403
        token = sandbox.accounts.login(org, username, password)
        if token is None:
            raise Failure(401, c.CODE_UNAUTHORIZED, "wrong username or password")
        lifetime = str(int(sandbox.accounts.token_lifetime))
        return envelope({c.TOKEN_FIELD: token, c.EXPIRES_IN_FIELD: lifetime})

    @app.post(c.PASSWORD_RECOVERY_PATH)
    def recover() -> Response:
        _organisation(sandbox)
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get(c.RECOVERY_USERNAME_FIELD), str):
            raise Failure(400, c.CODE_MALFORMED_REQUEST, 'the body must be {"username": "..."}')
        return envelope(None, ["[INFO] if the user exists, a reset link was e-mailed"])


def _grant(sandbox: Sandbox) -> Any:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    grant = sandbox.accounts.grant(token) if scheme.lower() == "bearer" else None
    if grant is None:
        raise Failure(401, c.CODE_UNAUTHORIZED, "missing, expired or revoked token")
    g.grant = grant
    return sandbox.shipper(grant.organisation)


def _install_data_routes(app: Flask, sandbox: Sandbox) -> None:
    @app.get(c.SHIPMENTS_PATH)
    def shipments() -> Response:
        data = _grant(sandbox)
        page = _int_arg(c.PAGE_PARAM, 1, 1, None)
        limit = _int_arg(c.LIMIT_PARAM, 100, 1, c.MAX_LIMIT)
        start, end = _range()
        raw_states = request.args.get(c.LIST_PARAMS["state"])
        states = set(raw_states.split(c.STATE_SEPARATOR)) if raw_states else None
        return raw_envelope(data.page_json(start, end, states, page, limit))

    @app.get(c.SHIPMENT_PATH.replace("{tracking_id}", "<tracking_id>"))
    def shipment(tracking_id: str) -> Response:
        found = _grant(sandbox).find(tracking_id)
        if found is None:
            raise Failure(404, c.CODE_NOT_FOUND, f"no shipment {tracking_id}")
        return envelope(found)

    @app.post(c.ORDERS_PATH)
    def orders() -> Response:
        return _orders(_grant(sandbox))

    @app.route(c.WEBHOOK_PATH, methods=["GET", "PUT"])
    def webhook() -> Response:
        data = _grant(sandbox)
        if request.method == "PUT":
            data.webhook = _webhook_body()
        return envelope(dict(data.webhook))


def _int_arg(name: str, default: int, low: int, high: int | None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        bound = f"between {low} and {high}" if high else f"at least {low}"
        raise Failure(400, c.CODE_INVALID_FIELD, f"{name} must be a whole number {bound}")
    return int(raw)


def _range() -> tuple[float, float]:
    now = datetime.now(UTC)
    start = _bound(c.LIST_PARAMS["start"], now - timedelta(days=30), end_of_day=False)
    end = _bound(c.LIST_PARAMS["end"], now + timedelta(days=1), end_of_day=True)
    if end < start:
        raise Failure(400, c.CODE_INVALID_FIELD, "to must not be before from")
    return start.timestamp(), end.timestamp()


def _bound(name: str, default: datetime, *, end_of_day: bool) -> datetime:
    raw = request.args.get(name)
    if raw is None:
        return default
    if len(raw) == 10:  # a bare date: local midnight; `to` includes that whole day
        try:
            day = datetime.fromisoformat(raw).replace(tzinfo=MEXICO_CITY)
        except ValueError:
            day = None
        if day is not None:
            return day + timedelta(days=1) if end_of_day else day
    parsed = parse_datetime(raw)
    if parsed is None:
        raise Failure(400, c.CODE_INVALID_FIELD, f"{name} must be an ISO-8601 date or date-time")
    return parsed


def _orders(data: Any) -> Response:
    body = request.get_json(silent=True)
    orders = body.get(c.ORDERS_FIELD) if isinstance(body, dict) else None
    if not isinstance(orders, list) or not orders or not all(isinstance(o, dict) for o in orders):
        raise Failure(400, c.CODE_MALFORMED_REQUEST,
                      'the body must be {"orders": [<order>, ...]} with at least one order')
    if len(orders) > c.MAX_ORDERS_PER_REQUEST:
        raise Failure(400, c.CODE_MALFORMED_REQUEST,
                      f"at most {c.MAX_ORDERS_PER_REQUEST} orders per request")
    simulate = request.args.get(c.SIMULATE_PARAM, "false").lower() == "true"
    batch: set[str] = set()
    results, msgs = [], [f"[INFO] {len(orders)} orders were successfully parsed"]
    for index, order in enumerate(orders):
        verdict = validate(order, index, lambda b: b in batch or data.barcode_taken(b))
        result: dict[str, Any] = {"index": index, "msgs": verdict.messages(),
                                  "shipmentTrackingId": order.get("shipmentTrackingId")}
        if verdict.accepted:
            result["status"] = c.ORDER_ACCEPTED
            if order.get("shipmentTrackingId"):
                batch.add(order["shipmentTrackingId"])
            if not simulate:
                result["trackingId"] = data.create(order)
        else:
            result["status"] = c.ORDER_REJECTED
            msgs.append(f"[WARNING] [{c.CODE_ORDER_REJECTED}] [{verdict.item_id}] "
                        f"order {verdict.item_id} was rejected")
        results.append(result)
    return envelope(results, msgs)


def _webhook_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    ok = (isinstance(body, dict) and isinstance(body.get("url"), str)
          and body["url"].startswith(("http://", "https://"))
          and isinstance(body.get("states"), list)
          and all(isinstance(s, str) and s for s in body["states"])
          and isinstance(body.get("active"), bool))
    if not ok:
        raise Failure(400, c.CODE_MALFORMED_REQUEST,
                      'the body must be {"url": "https://...", "states": [...], "active": bool}')
    assert isinstance(body, dict)
    return {"url": body["url"], "states": body["states"], "active": body["active"]}


def _install_control_routes(app: Flask, sandbox: Sandbox) -> None:
    @app.get(c.SANDBOX_STATS_PATH)
    def stats() -> Response:
        return envelope(sandbox.accounts.stats())

    @app.post(c.SANDBOX_STATS_PATH + "/reset")
    def reset() -> Response:
        sandbox.accounts.reset_stats()
        return envelope(sandbox.accounts.stats())

    @app.post(c.SANDBOX_REVOKE_PATH)
    def revoke() -> Response:
        username = (request.get_json(silent=True) or {}).get("username")
        if not isinstance(username, str):
            raise Failure(400, c.CODE_MALFORMED_REQUEST, 'the body must be {"username": "..."}')
        return envelope({"revoked": sandbox.accounts.revoke(username)})

    @app.post(c.SANDBOX_FAULTS_PATH)
    def faults() -> Response:
        try:
            sandbox.set_faults(**(request.get_json(silent=True) or {}))
        except (ValueError, TypeError) as err:
            raise Failure(400, c.CODE_INVALID_FIELD, str(err)) from err
        return envelope(sandbox.faults.faults.as_dict())
