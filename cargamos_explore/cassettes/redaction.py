"""The redaction preset of every recording, and the scan for secrets that escaped it.

The preset drops every header but a few, keeps only the scheme of Authorization values,
redacts the ``key`` parameter and secret JSON fields (the login ``token`` becomes
``REDACTED``, which replays as a working token), and notes each value it removes. The leak
scan then looks for those values, and the caller's, in every encoding they could take.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import json
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any, Final
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

import vcr.filters

from ..bootstrap import REPLAY_HOST
from ..scrub import REDACTED, SECRET_NAMES, scrub

#: Hosts and ports vary (the sandbox takes a free port), so they are never recorded: every
#: URL is rewritten to the host a replay uses.
ORIGIN: Final = REPLAY_HOST
#: Redacted wherever they appear in a JSON body or a query string (compared lower-cased):
#: the one list of secret names the scrubber, the cache and provenance use too.
SECRET_FIELDS: Final = SECRET_NAMES
AUTH_HEADERS: Final = frozenset({"authorization", "proxy-authorization"})
#: Every other header is dropped: Date and Server vary, cookies are secrets.
REQUEST_HEADERS: Final = frozenset({"content-type"})
RESPONSE_HEADERS: Final = frozenset({"content-type", "retry-after"})
#: Shorter secret values only count as leaks as whole words: the docs' password
#: "shipper" is also the start of every ``shipperDropoffDate``.
WHOLE_WORD_BELOW: Final = 12
MatchKey = tuple[str, str, str, bytes]
Secrets = Callable[[], Iterable[str]]


class Redactor:
    """The redaction preset. While ``harvesting`` it notes each secret value it removes
    (value -> what it was), for the leak scan."""

    def __init__(self, anchor_ms: int, *, harvesting: bool) -> None:
        self.anchor_ms, self.harvesting = anchor_ms, harvesting
        self._seen: dict[str, str] = {}
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> Redactor:
        # pytest-recording deep-copies its vcr_config, bound methods of this preset
        # included; a lock cannot be copied, and a copy needs none of the values seen.
        return Redactor(self.anchor_ms, harvesting=self.harvesting)

    def seen(self) -> dict[str, str]:
        with self._lock:
            return dict(self._seen)

    def note(self, value: str, label: str) -> None:
        if self.harvesting and value and value != REDACTED:
            with self._lock:
                self._seen.setdefault(value, label)

    def request(self, request: Any) -> Any:
        """A redacted copy of a vcrpy request (idempotent: recorded requests pass again)."""
        request = copy.deepcopy(request)
        request.uri = self._uri(request.uri)
        request.headers = self._headers(request.headers)
        if isinstance(request.body, bytes):  # vcrpy keeps file and iterator bodies as they are
            request.body = self._body(request.body)
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        response = vcr.filters.decode_response(response)  # a copy, gzip undone
        headers: dict[str, list[str]] = {}
        for name, values in response["headers"].items():
            if name.lower() == "set-cookie":
                for value in values:
                    self.note(value.split(";")[0].partition("=")[2], "a cookie")
            elif name.lower() in RESPONSE_HEADERS:
                headers[name] = list(values)
        body = self._body(response["body"]["string"], envelope=True)
        headers["Content-Length"] = [str(len(body or b""))]
        response["headers"] = dict(sorted(headers.items()))
        response["body"] = {"string": body}
        return response

    def _uri(self, uri: str) -> str:
        parts = urlsplit(uri)
        pairs = [(k, self._secret(v, f"the {k} parameter") if k.lower() in SECRET_FIELDS
                  else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        query = urlencode(sorted(pairs))
        return ORIGIN + (parts.path or "/") + (f"?{query}" if query else "")

    def _headers(self, headers: Any) -> dict[str, str]:
        kept: dict[str, str] = {}
        for name, raw in headers.items():
            value = str(raw[0] if isinstance(raw, list | tuple) else raw)
            if name.lower() in AUTH_HEADERS:
                kept[name] = self._authorization(value)
            elif name.lower() == "cookie":
                for pair in value.split(";"):
                    self.note(pair.partition("=")[2].strip(), "a cookie")
            elif name.lower() in REQUEST_HEADERS:
                kept[name] = value
        return dict(sorted(kept.items()))

    def _authorization(self, value: str) -> str:
        scheme, _, credentials = value.strip().partition(" ")
        if not credentials:
            return self._secret(scheme, "an Authorization value")
        if scheme.lower() == "basic":
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                decoded = base64.b64decode(credentials, validate=True).decode()
                self.note(decoded, "a Basic username:password")
                self.note(decoded.partition(":")[2], "a password")
        return f"{scheme} {self._secret(credentials.strip(), 'an Authorization value')}"

    def _secret(self, value: str, label: str) -> str:
        self.note(value, label)
        return REDACTED

    def _body(self, body: bytes | None, *, envelope: bool = False) -> bytes | None:
        if not body:
            return body
        try:
            document = json.loads(body)
        except ValueError:  # not JSON (an HTML error page): the scrubber's shapes only
            with contextlib.suppress(UnicodeDecodeError):
                return scrub(body.decode()).encode()
            return body
        document = self._json(document)
        if envelope and isinstance(document, dict) and "timestamp" in document:
            document["timestamp"] = self.anchor_ms  # the only volatile field of the envelope
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()

    def _json(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._json(item) for item in value]
        if not isinstance(value, dict):
            return value
        return {k: self._secret(v, f"the {k} field")
                if k.lower() in SECRET_FIELDS and isinstance(v, str) else self._json(v)
                for k, v in value.items()}


def vcr_options(anchor_ms: int = 0) -> dict[str, Any]:
    """The redaction preset as vcrpy options, for cassettes recorded with vcrpy or
    pytest-recording directly (``vcr.VCR(**vcr_options())``). vcrpy passes requests through
    ``before_record_request`` before matching too, so the redacted key and host still match.
    Envelope timestamps become ``anchor_ms``. There is no leak scan here: ``Cassette`` has
    one.

    >>> sorted(vcr_options())
    ['before_record_request', 'before_record_response', 'decode_compressed_response']
    """
    redactor = Redactor(anchor_ms, harvesting=False)
    return {"before_record_request": redactor.request,
            "before_record_response": redactor.response, "decode_compressed_response": True}


def match_key(request: Any) -> MatchKey:
    """What identifies a redacted request in a cassette.

    >>> from vcr.request import Request
    >>> match_key(Request("GET", "http://h:1/v1/x?b=2&key=abc&a=1", b"{}", {}))
    ('GET', '/v1/x', 'a=1&b=2&key=REDACTED', b'')
    """
    parts = urlsplit(Redactor(0, harvesting=False)._uri(request.uri))
    body = request.body if request.method != "GET" and isinstance(request.body, bytes) else b""
    return request.method, parts.path, parts.query, body


def find_leak(text: str, pairs: list[tuple[Any, Any]], secrets: dict[str, str]) -> str:
    """Where the first secret value (in any encoding) is found, or "" when none is."""
    patterns = [(label, _pattern(value)) for value, label in secrets.items()
                if len(value) >= 3]
    for index, (request, response) in enumerate(pairs, start=1):
        texts = _texts(request, response)
        for label, pattern in patterns:
            if pattern.search(texts):
                return f"{label} in interaction {index} ({request.method} " \
                       f"{urlsplit(request.uri).path})"
    return next((f"{label} in the cassette text" for label, pattern in patterns
                 if pattern.search(text)), "")


def _pattern(secret: str) -> re.Pattern[str]:
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    either = "|".join(re.escape(form) for form in sorted(forms))
    if len(secret) >= WHOLE_WORD_BELOW:
        return re.compile(either)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{either})(?![A-Za-z0-9])")


def _texts(request: Any, response: dict[str, Any]) -> str:
    parts = [request.uri, repr(dict(request.headers)), repr(response["headers"])]
    for body in (request.body, response["body"]["string"]):
        parts.append(body.decode(errors="replace") if isinstance(body, bytes) else str(body))
    return "\n".join(parts)
