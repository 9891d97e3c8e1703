"""`cargamos-explore record` and the committed cassettes: reproducible, free of secrets, and
replayed a month later with the same numbers."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import nbformat
import pytest

from cargamos_explore import RecordingError, cli
from cargamos_explore.cassettes.recorder import run_notebook
from cargamos_explore.sandbox import DEMO_ORGANISATIONS, Sandbox, serve
from tests.trap import TRAP_KEY, TRAP_PASSWORD

from .conftest import ANA, TIENDA
from .test_recording import issued_tokens

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
COMMITTED = sorted((ROOT / "cassettes").glob("*.yaml"))
#: A bearer token as the sandbox issues them (secrets.token_urlsafe(32)), whoever issued it.
TOKEN_SHAPE = re.compile(r"(?<![\w-])[\w-]{43}(?![\w-])")
FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
MONTH = 31


def demo_secrets() -> list[str]:
    """Every sandbox password, key and Basic value, in the forms a file could hold."""
    found = [TRAP_KEY, TRAP_PASSWORD]
    for org in DEMO_ORGANISATIONS:
        found.append(org.key)
        for user, password in org.users.items():
            found += [password, base64.b64encode(f"{user}:{password}".encode()).decode()]
    return found


def leaks(text: str, secrets: list[str]) -> list[str]:
    # "shipper" (the docs' password) and "baja" are also plain words of the data: whole
    # words only for those, as in the recorder's own scan.
    found = [s for s in secrets if re.search(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])",
                                             text)]
    return found + TOKEN_SHAPE.findall(text)


def makefile_day() -> str:
    makefile = (ROOT / "Makefile").read_text()
    assert ("record notebooks/*.ipynb --folder cassettes --seed 0 --anchor $(CASSETTE_DAY)"
            in makefile)
    found = re.search(r"^CASSETTE_DAY \?= (\S+)$", makefile, re.MULTILINE)
    assert found
    return found.group(1)


@pytest.fixture(scope="module")
def rerecorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make cassettes`, into a fresh folder."""
    folder = tmp_path_factory.mktemp("cassettes")
    args = ["record", *map(str, NOTEBOOKS), "--folder", str(folder), "--seed", "0",
            "--anchor", makefile_day()]
    assert cli.main(args) == 0
    return folder


def test_every_notebook_has_a_committed_cassette() -> None:
    assert [p.stem for p in COMMITTED] == [p.stem for p in NOTEBOOKS]
    for notebook in NOTEBOOKS:
        assert f'cx.login(cassette=\\"../cassettes/{notebook.stem}.yaml\\")' in \
            notebook.read_text()


def test_recording_again_gives_the_committed_files_byte_for_byte(rerecorded: Path) -> None:
    for committed in COMMITTED:
        assert (rerecorded / committed.name).read_bytes() == committed.read_bytes(), \
            f"{committed.name} differs: run make cassettes and commit the result"


def test_no_committed_or_recorded_cassette_holds_a_secret(rerecorded: Path) -> None:
    written = sorted(rerecorded.iterdir())
    assert [p.name for p in written] == [p.name for p in COMMITTED]  # nothing else written
    for path in [*COMMITTED, *written]:
        text = path.read_text()
        assert leaks(text, demo_secrets()) == [], path
        assert "Basic REDACTED" in text and "key=REDACTED" in text
        assert "cookie" not in text.lower()


def test_recording_a_real_host_uses_the_usual_credentials_and_keeps_no_secret(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = Sandbox(size=200, seed=5)
    tokens = issued_tokens(sandbox)
    for name, value in (("KEY", TIENDA.key), ("USERNAME", ANA),
                        ("PASSWORD", TIENDA.users[ANA])):
        monkeypatch.setenv(f"CARGAMOS_{name}", value)
    cassette = tmp_path / "real.yaml"
    notebook = ROOT / "notebooks" / "03_check_orders_sheet.ipynb"
    with serve(sandbox) as url:
        assert cli.main(["record", str(notebook), "--cassette", str(cassette),
                         "--host", url]) == 0
    assert sandbox.stats()["users"][ANA]["logins_ok"] == 1 and len(tokens) == 1
    # Besides the cassette, only matplotlib's font cache (the notebook draws a chart) under
    # the test's XDG_CACHE_HOME: no HTTP cache of ours.
    assert sorted(p for p in tmp_path.iterdir() if p.name != "xdg-cache") == [cassette]
    assert not any("cargamos" in str(p) for p in (tmp_path / "xdg-cache").rglob("*"))
    text = cassette.read_text()
    assert leaks(text, demo_secrets() + tokens) == []
    assert "/v1/orders?simulate=false" in text  # the notebook's own requests, redacted


def notebook_file(folder: Path, *sources: str) -> Path:
    document = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    path = folder / "mine.ipynb"
    nbformat.write(document, path)
    return path


def test_a_failing_notebook_records_nothing_and_keeps_the_old_cassette(tmp_path: Path) -> None:
    cassette = tmp_path / "kept.yaml"
    cassette.write_text("the old recording\n")
    notebook = notebook_file(tmp_path, "import cargamos_explore as cx",
                             "session = cx.login(cassette='x.yaml', sandbox_options={'size': 5})",
                             "session.shipment('CG9NOSUCHONE')")
    with pytest.raises(RecordingError, match=r"mine\.ipynb failed.*NotFoundError"):
        cli.run_record(cli._parser().parse_args(
            ["record", str(notebook), "--cassette", str(cassette)]))
    assert cassette.read_text() == "the old recording\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.yaml", "mine.ipynb"]


def test_a_notebook_without_a_cassette_is_told_so(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    notebook = notebook_file(tmp_path, "print('no login here')")
    code = cli.main(["record", str(notebook), "--cassette", str(tmp_path / "none.yaml")])
    assert code == 1 and "wrote no cassette" in capsys.readouterr().err


# --- a replay next month -----------------------------------------------------------------
MONTH_AHEAD_HOOK = f'''
"""Moves this kernel's clock {MONTH} days ahead, as a month-later rerun would see it.
pandas and pyarrow are imported first: their compiled parts take the datetime types once,
and crash on a substitute (the code this test is about is imported after, and sees it)."""
import datetime as _dt
import time as _time

import pandas, pyarrow

_SHIFT = {MONTH} * 86400
_time_real, _time_ns_real = _time.time, _time.time_ns
_time.time = lambda: _time_real() + _SHIFT
_time.time_ns = lambda: _time_ns_real() + _SHIFT * 10**9
_DATETIME, _DATE = _dt.datetime, _dt.date


class _Real(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.__mro__[1])

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls.__mro__[1])


class _Datetime(_DATETIME, metaclass=_Real):
    @classmethod
    def now(cls, tz=None):
        return _DATETIME.fromtimestamp(_time.time(), tz)

    @classmethod
    def today(cls):
        return cls.now()


class _Date(_DATE, metaclass=_Real):
    @classmethod
    def today(cls):
        return _DATE.fromtimestamp(_time.time())


_dt.datetime, _dt.date = _Datetime, _Date
'''
PROBE = "import datetime\nprint('today is', datetime.date.today().isoformat())"


def month_ahead(how: str, folder: Path) -> dict[str, str]:
    """Environment variables that move a fresh kernel's clock a month ahead."""
    if how == "faketime":
        if not FAKETIME.is_file():
            pytest.skip("libfaketime is not installed (apt-get install faketime)")
        # The monotonic fix: without it libfaketime 0.9.10 makes Python 3.11's time.sleep
        # (an absolute clock_nanosleep) fail with EINVAL, and the kernel hangs.
        return {"LD_PRELOAD": str(FAKETIME), "FAKETIME": f"+{MONTH}d",
                "FAKETIME_FORCE_MONOTONIC_FIX": "1"}
    startup = folder / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-month-ahead.py").write_text(MONTH_AHEAD_HOOK)
    return {"IPYTHONDIR": str(folder / "ipython")}


def replayed(folder: Path, extra: dict[str, str]) -> tuple[list[str], str]:
    """Every output of notebook 01 replayed in a fresh kernel from a copy of the cassettes
    in ``folder``, and the kernel's date."""
    shutil.copytree(ROOT / "cassettes", folder / "cassettes")
    (folder / "notebooks").mkdir()
    notebook = folder / "notebooks" / "01_delivery_performance.ipynb"
    document = nbformat.read(ROOT / "notebooks" / notebook.name, as_version=4)
    document.cells.append(nbformat.v4.new_code_cell(PROBE))
    nbformat.write(document, notebook)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARGAMOS_")}
    executed = run_notebook(notebook, {**env, **extra}, timeout=120)
    # Joined per cell: a kernel may split one print into several stream messages.
    outputs = ["".join(_text(output) for output in cell.outputs
                       if output.get("name") != "stderr")
               for cell in executed.cells if cell.cell_type == "code"]
    return outputs[:-1], outputs[-1]


def _text(output: Any) -> str:
    text = output.get("text") or output.get("data", {}).get("text/plain", "")
    return re.sub(r" at 0x[0-9a-f]+", "", str(text))  # object addresses differ per kernel


@pytest.fixture(scope="module")
def replayed_today(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], str]:
    return replayed(tmp_path_factory.mktemp("today"), {})


@pytest.mark.parametrize("how", ["faketime", "startup hook"])
def test_a_month_later_the_notebook_replays_the_same_numbers(
        how: str, tmp_path: Path, replayed_today: tuple[list[str], str]) -> None:
    outputs, probe = replayed(tmp_path / "later", month_ahead(how, tmp_path))
    today = date.fromisoformat(replayed_today[1].split()[-1])
    assert date.fromisoformat(probe.split()[-1]) == today + timedelta(days=MONTH)
    assert outputs == replayed_today[0]
    assert any("shipments" in text for text in outputs)
    assert any("on_time_rate" in text for text in outputs)
    assert json.dumps(outputs).count("2026-11-18") > 0  # the recording's day, not today's


def test_the_readme_says_how_to_record_share_and_what_is_redacted() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Cassettes")[1].split("\n## ")[0]
    for needed in ("--host production", "Sharing a notebook", "Set-Cookie", "Basic and Bearer",
                   "every token issued", '"rewrite"', "delete the file", "vcrpy issue 881",
                   "make cassettes", "pytest11", "belongs to its session", "8.2.1 is the oldest"):
        assert needed in section, needed
