"""What the sandbox reads from a request and writes back: strict parameters and the envelope.

Every reader here either returns a value the routes can use without further checks or raises
``Failure``, which the app turns into the contract's FAILED envelope. Nothing a client sends
may reach the catch-all 500 handler.
"""

from __future__ import annotations

import base64
import time
from typing import Any, Final

import orjson
from flask import Response, request

from .. import contract as c

#: The largest page number the sandbox parses (ASSUMED). Pages are echoed back in the body,
#: and a bound keeps every number the sandbox serialises inside 64 bits.
MAX_PAGE: Final = 2**31 - 1
BOOLEANS: Final = {"true": True, "false": False}


class Failure(Exception):
    """A request the contract answers with a FAILED envelope."""

    def __init__(self, http: int, code: str, text: str,
                 headers: dict[str, str] | None = None) -> None:
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


def failed(err: Failure) -> Response:
    return envelope(None, [f"[ERROR] [{err.code}] {err.text}"], status=c.STATUS_FAILED,
                    http=err.http, headers=err.headers)


def raw_envelope(data: bytes) -> Response:
    """A success envelope around an already serialised ``data`` object."""
    head = orjson.dumps({"version": c.API_VERSION, "status": c.STATUS_OK,
                         "timestamp": int(time.time() * 1000)})
    return Response(head[:-1] + b',"data":' + data + b"}", mimetype="application/json")


def invalid(name: str, why: str) -> Failure:
    return Failure(c.HTTP_MALFORMED, c.CODE_INVALID_FIELD, f"{name} {why}")


def query_arg(name: str) -> str | None:
    """The one value of query parameter ``name``; a repeated parameter is ambiguous."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise invalid(name, "must be given at most once")
    return values[0] if values else None


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A whole number in ASCII digits within ``low..high``. ``str.isdigit`` alone would let
    superscripts and other scripts' digits through, which ``int`` then refuses or misreads."""
    raw = query_arg(name)
    if raw is None:
        return default
    # The length test stops a thousand-digit number before int() has to convert it.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)) or \
            not low <= int(raw) <= high:
        raise invalid(name, f"must be a whole number between {low} and {high}")
    return int(raw)


def bool_arg(name: str, default: bool) -> bool:
    """Exactly ``true`` or ``false``: a dry-run flag must never be guessed, since reading
    anything else as false would create real shipments."""
    raw = query_arg(name)
    if raw is None:
        return default
    if raw not in BOOLEANS:
        raise invalid(name, "must be true or false")
    return BOOLEANS[raw]


def json_body() -> Any:
    """The request's JSON body, or None when there is none or it is not JSON.

    orjson refuses what the standard parser lets through and could not be served back later:
    nesting deeper than 1024 levels, NaN and Infinity, lone surrogates, invalid UTF-8.
    """
    if not request.is_json:
        return None
    try:
        return orjson.loads(request.get_data(cache=True))
    except orjson.JSONDecodeError as err:
        raise Failure(c.HTTP_MALFORMED, c.CODE_MALFORMED_REQUEST,
                      f"the body is not valid JSON: {err}") from err


def json_object() -> dict[str, Any]:
    body = json_body()
    return body if isinstance(body, dict) else {}


def basic_credentials() -> tuple[str, str]:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    try:
        decoded = base64.b64decode(value, validate=True).decode(c.BASIC_CHARSET)
    except ValueError:  # not base64 (or not ASCII), or not UTF-8 once decoded
        decoded = ""
    username, sep, password = decoded.partition(":")
    if scheme.lower() != "basic" or not sep:
        raise Failure(c.HTTP_UNAUTHORIZED, c.CODE_UNAUTHORIZED, "Basic credentials are required")
    return username, password
