"""The suite never uses the developer's credentials, wherever they keep them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import cargamos_explore as cx
from tests.trap import running_trapped_environment

ROOT = Path(__file__).parent.parent


def test_no_credential_source_is_visible_to_tests() -> None:
    import keyring

    assert not [name for name in os.environ if name.startswith("CARGAMOS_")]
    # Object storage: no key, profile or endpoint of the developer's, no instance role.
    assert [name for name in os.environ if name.startswith("AWS_")] == [
        "AWS_EC2_METADATA_DISABLED"]
    assert Path(os.environ["NETRC"]).read_text() == ""
    assert Path.home() != Path("/root") and not (Path.home() / ".netrc").read_text()
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.null"


def test_the_trap_catches_a_login_that_reads_the_environment() -> None:
    # The control for the test below: outside the plugin, the trap does see the login.
    with running_trapped_environment() as (trap, env), pytest.raises(cx.CargamosError):
        cx.login(env=env, retries=cx.Retries(total=0))
    assert trap.seen == ["GET /v1/login"]


def test_readme_doctests_and_notebooks_never_reach_a_configured_host() -> None:
    targets = ["tests/test_package.py::test_readme_python_examples_run",
               "cargamos_explore/session.py",
               "tests/test_notebooks.py::test_saved_outputs_are_what_the_replay_shows"
               "[03_check_orders_sheet]"]
    with running_trapped_environment() as (trap, env):
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly",
                               *targets], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=240)
        assert done.returncode == 0, done.stdout[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout and trap.seen == []
