"""Record a notebook's cassette by running the notebook itself, in a fresh kernel.

The notebook keeps its own ``cx.login(cassette="...")``; the kernel's environment carries a
``RecordOrder`` (see ``record_order``) that turns that cassette into a new
recording at the path, instant and sandbox seed asked for. Without a host, the kernel sees
no ``CARGAMOS_*`` variable, so the embedded sandbox is used whatever the analyst's shell
holds; with one, the analyst's credentials are found as usual (environment, keyring,
``.netrc``) and the recording is redacted and scanned like any other.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from .. import contract as c
from ..errors import ConfigurationError, RecordingError
from ..scrub import scrub
from .record_order import RecordOrder

#: Long enough for a notebook that reads a year of shipments from a real account.
CELL_TIMEOUT: Final = 600
CREDENTIAL_PREFIX: Final = "CARGAMOS_"


@dataclass(frozen=True)
class Recorded:
    """What one recording wrote, and how long it took."""

    notebook: Path
    cassette: Path
    size: int
    interactions: int
    seconds: float

    def __str__(self) -> str:
        return (f"{self.notebook.name} -> {self.cassette} ({self.interactions} requests, "
                f"{self.size / 1024:,.0f} KiB, {self.seconds:.1f} s)")


def midnight(day: date) -> int:
    """Midnight of ``day`` in Mexico City, in epoch seconds: a recording's fixed anchor."""
    return int(datetime.combine(day, datetime.min.time(), c.MEXICO_CITY).timestamp())


def record_notebook(notebook: Path, order: RecordOrder, *, host: str | None = None,
                    env: Mapping[str, str] | None = None) -> Recorded:
    """Run ``notebook`` in a fresh kernel that records into ``order.cassette``."""
    cassette, started = Path(order.cassette), time.perf_counter()
    before = _stamp(cassette)
    try:
        run_notebook(notebook, kernel_environment(order, host, os.environ if env is None else env))
    except RecordingError as err:
        raise RecordingError(f"{err}; nothing was recorded") from None
    if _stamp(cassette) == before:
        raise RecordingError(
            f"{notebook.name} ran but wrote no cassette at {cassette}: it must log in with "
            "cx.login(cassette=...) and end with session.close(), which writes the file.")
    text = cassette.read_text(encoding="utf-8")
    return Recorded(notebook, cassette, len(text.encode()), text.count("\n- request:"),
                    time.perf_counter() - started)


def kernel_environment(order: RecordOrder, host: str | None,
                       env: Mapping[str, str]) -> dict[str, str]:
    """The kernel's environment: the order, and either the host or no Cargamos setting at
    all (so that a sandbox recording never reaches the analyst's own account)."""
    kept = {name: value for name, value in env.items()
            if host is not None or not name.startswith(CREDENTIAL_PREFIX)}
    if host is not None:
        kept["CARGAMOS_HOST"] = host
    return {**kept, **order.environment()}


def run_notebook(notebook: Path, env: Mapping[str, str], *, timeout: int = CELL_TIMEOUT,
                 keep_widget_state: bool = True) -> Any:
    """Execute ``notebook`` in a fresh kernel started with ``env``, in the notebook's own
    folder (its relative paths hold); returns the executed notebook, never saved.
    ``keep_widget_state=False`` leaves the widgets' state out of the result."""
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError as err:
        raise ConfigurationError("recording runs the notebook with nbclient: install it "
                                 "with pip install 'cargamos-explore[record]'") from err
    document = nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(document, timeout=timeout, kernel_name="python3",
                            store_widget_state=keep_widget_state, record_timing=False,
                            resources={"metadata": {"path": str(notebook.parent)}})
    try:
        client.execute(env=dict(env))
    except CellExecutionError as err:
        # Not chained: the kernel's traceback quotes the notebook's own code and values,
        # which this toolkit cannot vouch for; the scrubbed error name and text suffice.
        raise RecordingError(f"{notebook.name} failed: {err.ename}: {scrub(err.evalue)}"
                             ) from None
    return document


def _stamp(path: Path) -> tuple[int, int] | None:
    """Which file is at ``path``: a new recording replaces it (a new inode)."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns
