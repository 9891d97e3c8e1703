"""The requests adapter that plugs a cassette into one session, and only that session.

``cassette.attach(http, host)`` mounts a ``CassetteAdapter`` on that ``requests.Session``
for ``http://`` and ``https://``: replaying, it answers from the cassette and never opens
a connection; recording, it sends through the ordinary ``HTTPAdapter`` and hands a copy of
the exchange to the cassette. Nothing is patched: other sessions in the process, live or
with cassettes of their own, never pass through it (compare betamax's adapter).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict
from vcr.request import Request

if TYPE_CHECKING:
    from .cassette import Cassette

#: requests has already undone these; the recorded body is the decoded one.
UNDONE_HEADERS: Final = frozenset({"content-encoding", "transfer-encoding"})


class CassetteAdapter(HTTPAdapter):
    """Answers from, or records into, ``cassette``. ``base_path`` is the path part of the
    session's host (``/cargamos`` in ``https://gw.example.mx/cargamos``): it is left out
    of what is recorded, so that a replay, whose host has no such path, finds its calls."""

    def __init__(self, cassette: Cassette, base_path: str = "", *, pool: int = 8) -> None:
        super().__init__(max_retries=0, pool_connections=pool, pool_maxsize=pool)
        self.cassette, self.base_path = cassette, base_path.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        recorded = self._vcr_request(request)
        if self.cassette.replaying:
            return self._answer(request, self.cassette.play(recorded))
        response = super().send(request, *args, **kwargs)
        self.cassette.record(recorded, vcr_response(response))
        return response

    def _vcr_request(self, request: requests.PreparedRequest) -> Request:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        return Request(request.method, self._relative(str(request.url)), body,
                       dict(request.headers))

    def _relative(self, url: str) -> str:
        parts = urlsplit(url)
        if self.base_path and (parts.path + "/").startswith(self.base_path + "/"):
            parts = parts._replace(path=parts.path[len(self.base_path):] or "/")
        return urlunsplit(parts)

    def _answer(self, request: requests.PreparedRequest,
                answer: Mapping[str, Any]) -> requests.Response:
        headers = HTTPHeaderDict()
        for name, values in answer["headers"].items():
            for value in values:
                headers.add(name, value)
        body = answer["body"]["string"] or b""
        raw = HTTPResponse(body=io.BytesIO(body if isinstance(body, bytes) else body.encode()),
                           headers=headers, status=answer["status"]["code"],
                           reason=answer["status"].get("message"), preload_content=False,
                           decode_content=False, request_method=request.method)
        return self.build_response(request, raw)


def vcr_response(response: requests.Response) -> dict[str, Any]:
    """A requests response in vcrpy's form: every header value kept apart, body decoded."""
    raw_headers = getattr(response.raw, "headers", None) or response.headers
    headers: dict[str, list[str]] = {}
    for name in dict.fromkeys(raw_headers):
        if name.lower() not in UNDONE_HEADERS:
            values = raw_headers.getlist(name) if hasattr(raw_headers, "getlist") else [
                raw_headers[name]]
            headers[name] = [str(value) for value in values]
    return {"status": {"code": response.status_code, "message": response.reason or ""},
            "headers": headers, "body": {"string": response.content}}
