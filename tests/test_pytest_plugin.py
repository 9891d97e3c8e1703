"""The pytest plugin as a user's project meets it: the package installed into a fresh
environment, a tiny project of its own, plain ``pytest`` and nothing else."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
USERS_TESTS = '''
import pytest
import requests

from cargamos_explore.sandbox import DEMO_ORGANISATIONS, Sandbox, serve

ORG = DEMO_ORGANISATIONS[0]
USER, PASSWORD = next(iter(ORG.users.items()))


@pytest.mark.cargamos_cassette("orders.yaml")
def test_replays(cargamos_session):
    assert cargamos_session.credentials_source == "cassette"
    assert str(cargamos_session.today()) == "2026-11-18"
    assert cargamos_session.login().is_fresh


def test_clock(fake_clock):
    start = fake_clock()
    fake_clock.advance(5)
    assert fake_clock() == start + 5


@pytest.fixture
def vcr_config(cargamos_redaction):
    return {**cargamos_redaction, "record_mode": "once"}


@pytest.mark.vcr
def test_records_with_the_preset():
    with serve(Sandbox(size=10, seed=1)) as url:
        answer = requests.get(url + "/v1/login", params={"key": ORG.key}, json={},
                              auth=(USER, PASSWORD), timeout=10)
    assert answer.ok


def test_the_recording_is_redacted():
    text = open("cassettes/test_mine/test_records_with_the_preset.yaml").read()
    assert "key=REDACTED" in text and "Basic REDACTED" in text
    assert ORG.key not in text and PASSWORD not in text
'''


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new environment with the package installed from this checkout (not editable, no
    dependencies: those are borrowed from the environment running the suite)."""
    venv = tmp_path_factory.mktemp("users-env") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, capture_output=True, text=True)
    (Path(site.stdout.strip()) / "borrowed.pth").write_text(str(borrowed(venv.parent)))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--quiet", "--no-deps", str(ROOT)], check=True, capture_output=True,
                   timeout=600)
    return python


def borrowed(folder: Path) -> Path:
    """The suite's installed packages, less this package's own (editable) installation,
    whose entry points would otherwise be found too."""
    shelf = folder / "borrowed"
    shelf.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "cargamos" not in entry.name.lower():
            (shelf / entry.name).symlink_to(entry)
    return shelf


def test_a_users_project_gets_the_fixtures_marker_and_preset_with_plain_pytest(
        fresh_python: Path, tmp_path: Path) -> None:
    (tmp_path / "tapes").mkdir()
    (tmp_path / "tapes" / "orders.yaml").write_bytes(
        (ROOT / "cassettes" / "03_check_orders_sheet.yaml").read_bytes())
    (tmp_path / "pytest.ini").write_text("[pytest]\ncargamos_cassettes = tapes\n")
    (tmp_path / "test_mine.py").write_text(USERS_TESTS)
    done = subprocess.run([str(fresh_python), "-m", "pytest", "-q", "-p", "no:randomly",
                           "-p", "no:cacheprovider"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "4 passed" in done.stdout
    where = subprocess.run([str(fresh_python), "-c", "import cargamos_explore; "
                            "print(cargamos_explore.__file__)"], capture_output=True,
                           text=True, check=True, cwd=tmp_path).stdout
    assert str(ROOT) not in where  # the installed copy, not this checkout


def test_the_plugin_is_announced_by_an_entry_point() -> None:
    from importlib.metadata import entry_points

    found = {e.name: e.value for e in entry_points(group="pytest11")}
    assert found.get("cargamos_explore.testing") == "cargamos_explore.testing"
