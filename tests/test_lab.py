"""`make demo` leads into the notebooks: it installs JupyterLab and a kernel, and ends by
printing `make lab`, which serves notebooks/ on 127.0.0.1 with a kernel that runs our code.

The installation itself needs the package index, so it is checked as `make -n` shows it;
`make lab` then really starts, with an empty HOME, on the suite's own environment.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest

from tests.test_browser import free_port, jupyter_environment, wait_for_server

ROOT = Path(__file__).parent.parent
VENV = Path(sys.prefix)
# Told to make as up to date, so nothing is installed: the suite's environment is the one
# `make demo` would have made (plus the test tools).
MARKER = f"{VENV}/.demo-installed"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make(*arguments: str, env: dict[str, str] | None = None) -> str:
    command = ["make", "-C", str(ROOT), "--no-print-directory", f"VENV={VENV}", *arguments]
    return subprocess.run(command, check=True, capture_output=True, text=True,
                          env=env).stdout


def test_make_demo_installs_jupyterlab_and_a_kernel_and_prints_how_to_open_them() -> None:
    planned = make("-n", "-B", "demo")
    assert re.search(r"pip install .*-e '\.\[lab\]'", planned)
    assert "echo \"    make lab\"" in planned.splitlines()[-1]
    extras = (ROOT / "pyproject.toml").read_text()
    lab = re.search(r"^lab = \[(.*)\]$", extras, re.MULTILINE)
    assert lab is not None and "jupyterlab" in lab.group(1) and "ipykernel" in lab.group(1)


def api(url: str, token: str, method: str = "GET") -> Any:
    request = Request(url, method=method, headers={"Authorization": f"token {token}"})
    with urlopen(request, timeout=30) as answer:  # 127.0.0.1 only
        return json.load(answer)


@pytest.fixture
def make_lab(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """`make lab` with an empty HOME, on a free port: (base URL, token, runtime folder)."""
    pytest.importorskip("jupyterlab")
    env = jupyter_environment(tmp_path)
    (tmp_path / "home").mkdir()
    port, token = free_port(), secrets.token_hex(16)
    options = (f"LAB_OPTIONS=--no-browser --port={port} --IdentityProvider.token={token} "
               "--ServerApp.terminals_enabled=False")
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(["make", "-C", str(ROOT), f"VENV={VENV}", "-o", MARKER, "lab",
                               options], env=env, stdin=subprocess.DEVNULL, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_server(port, server, tmp_path / "lab.log")
        yield f"http://127.0.0.1:{port}", token, Path(env["JUPYTER_RUNTIME_DIR"])
    finally:
        stop(server)
        log.close()


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop make and the JupyterLab it started (their own process group, made above); the
    server shuts its kernels down on SIGTERM."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def test_make_lab_serves_the_notebooks_with_a_kernel_that_runs(
        make_lab: tuple[str, str, Path]) -> None:
    from jupyter_client import BlockingKernelClient

    url, token, runtime = make_lab
    listed = {item["name"] for item in api(f"{url}/api/contents", token)["content"]}
    assert {"00_quickstart.ipynb", "01_delivery_performance.ipynb"} <= listed
    kernel = api(f"{url}/api/kernels", token, "POST")
    connection = wait_for_file(runtime / f"kernel-{kernel['id']}.json")
    client = BlockingKernelClient(connection_file=str(connection))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=180)
        shown: list[str] = []
        client.execute_interactive(
            "import cargamos_explore as cx, ipywidgets; print('KERNEL', cx.__version__)",
            timeout=180, output_hook=lambda message: shown.append(
                message["content"].get("text", "")))
    finally:
        client.stop_channels()
    assert "KERNEL 0.1.0" in "".join(shown)


def wait_for_file(path: Path) -> Path:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.2)
    return path


def test_the_readme_says_how_to_open_the_notebooks_and_what_each_command_needs() -> None:
    readme = (ROOT / "README.md").read_text()
    head, _, rest = readme.partition("\n## Open the notebooks\n")
    section = rest.split("\n## ")[0]
    assert "make lab" in head and "make lab" in section and ".venv/bin/activate" in section
    assert "chromium" in head and "package index" in head
