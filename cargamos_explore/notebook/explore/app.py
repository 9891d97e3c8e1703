"""``cargamos-explore dashboard``: ``cx.explore()`` as a web page, served by Voilà.

Voilà runs a one-cell notebook in a kernel on 127.0.0.1 and shows only its output: the
dashboard widget, with its ES module and styles from this package and Voilà's own page
assets from its package, so nothing is fetched from the internet. The notebook holds paths
and a host, never a credential: the kernel finds those where ``cx.login`` always looks
(environment, keyring, ``.netrc``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path
from typing import Any, Final

from ...errors import ConfigurationError, InvalidArgumentError

#: A Jupyter data folder holding ``voila/templates/cargamos``: Voilà's lab page without
#: the CDN links it has (see the template).
TEMPLATES = Path(__file__).parent


def dashboard_code(*, cassette: str | None = None, dataset: str | None = None,
                   host: str | None = None) -> str:
    """The cell Voilà runs: the dashboard over a cassette, a dataset or a host (the local
    sandbox when none is given)."""
    lines = ["import cargamos_explore as cx"]
    if dataset:
        lines.append(f"dash = cx.explore({os.path.abspath(dataset)!r})")
    elif cassette or host:
        where = f"cassette={os.path.abspath(cassette)!r}" if cassette else repr(host)
        lines += [f"session = cx.login({where})", "dash = cx.explore(session)"]
    else:
        lines += SANDBOX_LINES
    return "\n".join([*lines, "dash"])


#: The sandbox's cell: ``cx.login()``'s notice speaks to a notebook's author (pass a host to
#: ``cx.login()``), which means nothing on a web page; the page says its own.
SANDBOX_LINES: Final = [
    "from IPython.utils.capture import capture_output",
    "from cargamos_explore.notebook.explore.app import show_sandbox_notice",
    "with capture_output(stdout=False, stderr=False):  # the notebook's notice, not the page's",
    "    session = cx.login()",
    "show_sandbox_notice()",
    "dash = cx.explore(session)",
]
#: What the page says over the local sandbox: plain ASCII, so every font has its glyphs.
SANDBOX_NOTICE: Final = (
    "These are made-up deliveries from a demo sandbox running on this computer, not a real "
    "account's. To explore your own, stop this page (Ctrl-C where it was started) and run "
    "cargamos-explore dashboard --host YOUR-HOST, with your username, password and key in "
    "CARGAMOS_USERNAME, CARGAMOS_PASSWORD and CARGAMOS_KEY (or your keyring or .netrc); "
    "--cassette FILE replays a recording and --dataset FOLDER opens an exported dataset. "
    "cargamos-explore dashboard --help lists every option.")


def show_sandbox_notice() -> None:
    """Show ``SANDBOX_NOTICE`` above the dashboard, the commands set as code."""
    from IPython.display import display

    html = escape(SANDBOX_NOTICE)
    for command in ("cargamos-explore dashboard --host YOUR-HOST",
                    "cargamos-explore dashboard --help", "--cassette FILE", "--dataset FOLDER",
                    "CARGAMOS_USERNAME", "CARGAMOS_PASSWORD", "CARGAMOS_KEY"):
        html = html.replace(command, f"<code>{command}</code>")
    display({"text/html": f"<p class='cx-page-notice'>{html}</p>",  # type: ignore[no-untyped-call]
             "text/plain": SANDBOX_NOTICE}, raw=True)


def notebook(code: str) -> dict[str, Any]:
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": "dashboard",
                       "metadata": {}, "outputs": [], "source": code}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def check_port(port: int) -> None:
    """Refuse a port another program listens on, before saying the dashboard is there."""
    with socket.socket() as probe:
        # As the server binds: a port left in TIME_WAIT by a stopped dashboard is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as err:
            raise InvalidArgumentError(
                f"port: {port} is in use on 127.0.0.1; pick another with --port, or leave "
                "--port out for a free one", argument="port") from err


def voila_command(path: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "voila", str(path), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=True",
            "--VoilaExecutor.timeout=600", "--template=cargamos"]


def voila_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with our template folder first."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(TEMPLATES),
                                                       env.get("JUPYTER_PATH")]))
    return env


@contextmanager
def voila(code: str, port: int = 0, env: dict[str, str] | None = None,
          **popen: Any) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Voilà serving ``code`` on 127.0.0.1: (the page's address, the server process);
    ``env`` is the server's environment (default: this process's)."""
    if importlib.util.find_spec("voila") is None:
        raise ConfigurationError("the dashboard page needs Voilà: pip install "
                                 "'cargamos-explore[dashboard]'")
    if port:
        check_port(port)
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="cargamos-dashboard-") as folder:
        path = Path(folder) / "dashboard.ipynb"
        path.write_text(json.dumps(notebook(code)))
        server = subprocess.Popen(voila_command(path, port), cwd=folder,
                                  env=voila_environment(env), **popen)
        try:
            yield f"http://127.0.0.1:{port}/", server
        finally:
            server.terminate()
            server.wait(timeout=30)
