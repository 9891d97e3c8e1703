"""The response envelope (contract 3): unwrap ``data`` or raise the matching error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests

from .. import contract as c
from ..errors import (
    APIError,
    BadRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
)
from ..scrub import scrub

SNIPPET_CHARS = 120


@dataclass(frozen=True)
class Message:
    """One ``[LEVEL] [CODE] [ITEM_ID] text`` message; code and item_id may be None."""

    level: str
    code: str | None
    item_id: str | None
    text: str

    @classmethod
    def parse(cls, raw: Any) -> Message:
        """Parse one message; text that does not follow the grammar is kept as INFO.

        >>> Message.parse("[ERROR] [MAX_DISTANCE_EXCEEDED] [A0002] too far")
        Message(level='ERROR', code='MAX_DISTANCE_EXCEEDED', item_id='A0002', text='too far')
        """
        text = str(raw)
        match = c.MESSAGE_PATTERN.match(text)
        if match is None:
            return cls("INFO", None, None, text.strip())
        return cls(match["level"], match["code"], match["item"], match["text"].strip())

    def __str__(self) -> str:
        tags = "".join(f" [{t}]" for t in (self.code, self.item_id) if t)
        return f"[{self.level}]{tags} {self.text}"


def parse_messages(raw: Any) -> tuple[Message, ...]:
    return tuple(Message.parse(m) for m in raw) if isinstance(raw, list) else ()


def read_envelope(response: requests.Response) -> dict[str, Any]:
    """The JSON envelope of ``response``, or UnexpectedResponseError for any other body."""
    if 300 <= response.status_code < 400:
        # Never followed: the token (or a .netrc password requests would add) would go
        # along to wherever the answer points.
        where = urlsplit(response.headers.get("Location", "")).netloc or "elsewhere"
        raise UnexpectedResponseError(
            f"{_call(response)} answered HTTP {response.status_code}, a redirect to "
            f"{scrub(where)!r}, which is not followed so that no credential goes along. "
            "Check the host: it may have moved.",
            status=response.status_code, **_where(response))
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict) or "status" not in body:
        raise UnexpectedResponseError(
            f"{_call(response)} answered HTTP {response.status_code} with a body that is not "
            f"the API's JSON envelope: {snippet(response.text)!r}. A proxy or gateway may be "
            "failing; try again later.",
            status=response.status_code, **_where(response))
    return body


def unwrap(response: requests.Response) -> Any:
    """``data`` of a successful envelope; otherwise raise the error for its status."""
    return unwrap_body(response).get("data")


def unwrap_body(response: requests.Response) -> dict[str, Any]:
    """The whole successful envelope; otherwise raise the error for its status."""
    body = read_envelope(response)
    if response.ok and body.get("status") == c.STATUS_OK:
        return body
    messages = parse_messages(body.get("msgs"))
    error = _error_class(response.status_code)
    detail = "; ".join(str(m) for m in messages) or "no message"
    raise error(f"{_call(response)} failed with HTTP {response.status_code}: "
                f"{scrub(detail)}{_advice(response.status_code)}",
                status=response.status_code, messages=messages, **_where(response))


def _error_class(status: int) -> type[APIError]:
    if status == c.HTTP_MALFORMED:
        return BadRequestError
    if status == c.HTTP_NOT_FOUND:
        return NotFoundError
    if status == c.HTTP_RATE_LIMITED:
        return RateLimitedError
    return ServerError if status >= 500 else APIError


def _advice(status: int) -> str:
    if status == c.HTTP_RATE_LIMITED:
        return " (rate limited after every retry; wait a minute, then call again)"
    if status >= 500:
        return " (the server had trouble after every retry; try again later)"
    return ""


def snippet(text: str) -> str:
    """A short, tag-free, secret-free excerpt of a body for an error message."""
    plain = re.sub(r"<[^>]+>", " ", text)
    return scrub(" ".join(plain.split()))[:SNIPPET_CHARS]


def _where(response: requests.Response) -> dict[str, Any]:
    request = response.request
    return {"method": str(request.method), "url": scrub(str(request.url))}


def _call(response: requests.Response) -> str:
    where = _where(response)
    return f"{where['method']} {where['url']}"
