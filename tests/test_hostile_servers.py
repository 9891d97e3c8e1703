"""Servers that misbehave in ways the sandbox does not: redirects, short pages, missing
totals, answers cut off mid-body, logins that reset the connection."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import cargamos_explore as cx

LOGIN = {"version": "1.0.0", "status": "OK", "timestamp": 1,
         "data": {"token": "hostile-token-0123456789", "expiresIn": "3600"}}
Answer = Callable[[BaseHTTPRequestHandler], None]


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Answer) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.answer, self.seen = answer, []  # type: ignore[var-annotated]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers)))
        if self.path.startswith("/v1/login") and self.server.answer is not reset_login:
            return send(self, 200, LOGIN)
        self.server.answer(self)

    def log_message(self, *args: object) -> None:
        pass


def send(handler: BaseHTTPRequestHandler, status: int, body: Any,
         headers: dict[str, str] | None = None) -> None:
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    handler.send_response(status)
    for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(raw)))
    handler.end_headers()
    handler.wfile.write(raw)


@contextmanager
def running(answer: Answer) -> Iterator[Server]:
    server = Server(answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def session(url: str, **options: Any) -> cx.Session:
    return cx.Session(url, key="hostile-key", username="ana@tienda.mx",
                      password="hostile-password", env={}, sources=(), cache=False, **options)


def page(items: list[dict[str, Any]], total: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"items": items, "page": 1, "limit": 500}
    if total is not None:
        data["total"] = total
    return {"version": "1.0.0", "status": "OK", "timestamp": 1, "data": data}


def rows(start: int, count: int) -> list[dict[str, Any]]:
    return [{"trackingId": f"CG{n:08d}", "state": "CREATED"} for n in range(start, start + count)]


def test_a_redirect_is_never_followed_so_no_credential_goes_along(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # requests puts a matching .netrc entry on a redirected request that lost its auth.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login ana@tienda.mx password netrc-password\n")
    monkeypatch.setenv("NETRC", str(netrc))
    with running(lambda h: None) as elsewhere, running(
            lambda h: send(h, 302, {}, {"Location": elsewhere.url + "/v1/webhook"})) as host, \
            session(host.url) as opened, \
            pytest.raises(cx.UnexpectedResponseError, match="redirect"):
        opened.get_json("/v1/webhook")
    assert elsewhere.seen == []


@pytest.mark.parametrize("total", [None, "1200", True])
def test_a_page_without_a_whole_number_total_is_refused(total: Any) -> None:
    with running(lambda h: send(h, 200, page(rows(0, 500), total))) as host, \
            session(host.url) as opened, \
            pytest.raises(cx.UnexpectedResponseError, match="'total'"):
        opened.shipments(progress=False)


def test_a_short_page_is_never_returned_as_a_whole_frame() -> None:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        number = int(handler.path.split("page=")[1].split("&")[0])
        # Three pages, the last two with 100 rows each where 500 and 200 were due.
        items = rows(0, 500) if number == 1 else rows(400 + 100 * number, 100)
        send(handler, 200, page(items, 1200))

    with running(answer) as host, session(host.url) as opened, \
            pytest.raises(cx.PartialResultError, match="announced 1200 rows but sent 700"):
        opened.shipments(progress=False)


def test_an_answer_cut_off_mid_body_is_a_transport_error_not_a_requests_one() -> None:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b'{"version": "1.0.0", "sta')

    with running(answer) as host, session(host.url, retries=cx.Retries(total=1)) as opened, \
            pytest.raises(cx.TransportError) as caught:
        opened.get_json("/v1/webhook")
    assert "hostile-token" not in repr(caught.value.__dict__)


def reset_login(handler: BaseHTTPRequestHandler) -> None:
    handler.connection.close()  # the server read the login, then the line dropped


def test_a_login_cut_off_after_it_was_sent_is_not_sent_again() -> None:
    with running(reset_login) as host, pytest.raises(cx.TransportError):
        session(host.url, retries=cx.Retries(total=5, backoff_factor=0)).login()
    assert len(host.seen) == 1


def test_concurrency_is_bounded_before_anything_is_sent() -> None:
    with running(lambda h: send(h, 200, page([], 0))) as host, session(host.url) as opened, \
            pytest.raises(cx.InvalidArgumentError, match="at most 16"):
        opened.shipments(concurrency=500)
    assert host.seen == []


def test_the_first_session_of_a_process_logs_no_key_at_debug_level(tmp_path: Path) -> None:
    # requests-cache makes its loggers when first imported: in a fresh process.
    script = f"""
import logging, cargamos_explore as cx
from cargamos_explore.sandbox import serve
logging.basicConfig(level=logging.DEBUG)
with serve(size=10) as url:
    cx.login(url, key="sbx-tienda-ejemplo-4f2a", username="john.doe@gmail.com",
             password="shipper", env={{}}, sources=(), cache={str(tmp_path / 'c.sqlite')!r})
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "requests_cache" in done.stderr and "sbx-tienda-ejemplo-4f2a" not in done.stderr
