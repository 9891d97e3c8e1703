"""Run the sandbox: in the foreground (the CLI) or on a background thread (``serve``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.serving import BaseWSGIServer, make_server

from .. import contract as c
from .accounts import DEMO_ORGANISATIONS, Accounts, Organisation
from .app import create_app
from .faults import FaultPicker, Faults
from .store import ShipperData

DEFAULT_SIZE = 5_000
#: How long stopping a served sandbox waits for its serving thread (shutdown polls 20/s).
STOP_TIMEOUT = 5.0


def today_anchor() -> int:
    """Midnight today in Mexico City: data are the same all day for a given seed."""
    today = datetime.now(ZoneInfo(c.TIMEZONE)).date()
    return int(datetime.combine(today, time(), ZoneInfo(c.TIMEZONE)).timestamp())


class Sandbox:
    """A local Cargamos API with demo shippers, synthetic data and fault knobs.

    >>> sandbox = Sandbox(size=100, seed=7)
    >>> sandbox.shipper(sandbox.accounts.organisation("sbx-tienda-ejemplo-4f2a")).table.events.shape
    (100, 8)
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        size: int = DEFAULT_SIZE,
        token_lifetime: float = c.TOKEN_LIFETIME_SECONDS,
        latency: float = 0.0,
        faults: Faults | None = None,
        anchor: int | None = None,
        organisations: tuple[Organisation, ...] = DEMO_ORGANISATIONS,
    ) -> None:
        if not 0 <= size <= 1_000_000:
            raise ValueError("size must be between 0 and 1,000,000 shipments per shipper")
        self.seed, self.size, self.latency = seed, size, latency
        self.anchor = today_anchor() if anchor is None else anchor
        self.accounts = Accounts(organisations, token_lifetime)
        self.faults = FaultPicker(faults or Faults(), seed)
        self._data = {org.key: ShipperData(org, size=size, seed=seed, anchor=self.anchor)
                      for org in organisations}
        self.app = create_app(self)

    def shipper(self, org: Organisation) -> ShipperData:
        return self._data[org.key]

    def revoke(self, username: str) -> int:
        """Revoke every live token of ``username`` (the next call with one gets 401)."""
        return self.accounts.revoke(username)

    def set_faults(self, /, **rates: Any) -> Faults:
        """Change fault settings while running, e.g. ``set_faults(html=1.0)``.

        Raises ValueError, changing nothing, when a setting is unknown or out of range."""
        self.faults.faults = self.faults.faults.updated(rates)
        return self.faults.faults

    def stats(self) -> dict[str, Any]:
        return self.accounts.stats()

    def make_server(self, host: str = "127.0.0.1", port: int = 0) -> BaseWSGIServer:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        return make_server(host, port, self.app, threaded=True)


@contextmanager
def serve(sandbox: Sandbox | None = None, *, host: str = "127.0.0.1", port: int = 0,
          **knobs: Any) -> Iterator[str]:
    """Serve a sandbox on a background thread; yields its base URL and stops it on exit.

    >>> import requests
    >>> with serve(size=10) as url:
    ...     requests.get(url + "/v1/shipments").status_code
    401
    """
    sandbox = sandbox or Sandbox(**knobs)
    server = sandbox.make_server(host, port)
    # A short poll interval keeps stopping fast (shutdown waits for the next poll).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="cargamos-sandbox", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        _stop(server)


def _stop(server: BaseWSGIServer, timeout: float = STOP_TIMEOUT) -> None:
    """Stop ``server``, waiting at most ``timeout`` seconds for its serving thread.

    ``shutdown`` waits, without a limit, for the serving loop to notice; a loop that never
    comes back (its thread frozen while the process exits, as another library's exit hook
    can leave it) would keep the process from ever ending. So the wait is bounded, on a
    daemon thread of its own, and the socket is closed either way."""
    stopper = threading.Thread(target=server.shutdown, name="cargamos-sandbox-stop",
                               daemon=True)
    stopper.start()
    stopper.join(timeout)
    server.server_close()


