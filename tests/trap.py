"""Run a command with every credential source pointing at a trap, and fail if it is touched.

``python -m tests.trap -- pytest ...`` starts an HTTP server on 127.0.0.1 that answers every
request with 503 and counts it, points ``CARGAMOS_HOST``, ``CARGAMOS_KEY``,
``CARGAMOS_USERNAME``, ``CARGAMOS_PASSWORD``, a ``.netrc`` entry and AWS keys, profile and
endpoint at it, as they would be on an analyst's machine, and runs the command. The run
fails if the command fails or if the trap saw a single request: a suite that reads the
developer's credentials would log in to their real host instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TRAP_USER = "analyst@tienda.example"
TRAP_PASSWORD = "trap-password-do-not-use"
TRAP_KEY = "trap-organisation-key"
TRAP_AWS_KEY_ID, TRAP_AWS_SECRET = "AKIATRAPDONOTUSE0000", "trap-aws-secret-do-not-use"


class Trap(ThreadingHTTPServer):
    """Counts every request it receives."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[str] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Trap

    def _answer(self) -> None:
        with self.server.lock:
            self.server.seen.append(f"{self.command} {self.path.split('?')[0]}")
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def running_trap() -> Iterator[Trap]:
    trap = Trap()
    thread = threading.Thread(target=trap.serve_forever, daemon=True)
    thread.start()
    try:
        yield trap
    finally:
        trap.shutdown()
        trap.server_close()


def trapped_environment(trap: Trap, folder: Path, base: Mapping[str, str]) -> dict[str, str]:
    """``base`` with every credential source an analyst may have aimed at ``trap``."""
    netrc = folder / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {TRAP_USER} password {TRAP_PASSWORD} "
                     f"account {TRAP_KEY}\n")
    netrc.chmod(0o600)
    return {**base, "CARGAMOS_HOST": trap.url, "CARGAMOS_KEY": TRAP_KEY,
            "CARGAMOS_USERNAME": TRAP_USER, "CARGAMOS_PASSWORD": TRAP_PASSWORD,
            "NETRC": str(netrc), "AWS_ACCESS_KEY_ID": TRAP_AWS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": TRAP_AWS_SECRET, "AWS_ENDPOINT_URL": trap.url,
            "AWS_PROFILE": "trap"}


@contextmanager
def running_trapped_environment() -> Iterator[tuple[Trap, dict[str, str]]]:
    """A running trap and a copy of this environment with every credential aimed at it."""
    with running_trap() as trap, tempfile.TemporaryDirectory() as folder:
        yield trap, trapped_environment(trap, Path(folder), os.environ)


def run_trapped(command: list[str]) -> tuple[int, list[str]]:
    """The command's exit code and the requests the trap saw."""
    with running_trapped_environment() as (trap, env):
        code = subprocess.call(command, env=env)
        with trap.lock:
            return code, list(trap.seen)


def main(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print("usage: python -m tests.trap -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    code, seen = run_trapped(command)
    print(f"credential trap: {len(seen)} requests reached the trap")
    for request in seen[:20]:
        print(f"  {request}")
    return code or (1 if seen else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
