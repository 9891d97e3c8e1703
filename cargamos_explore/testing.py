"""A pytest plugin that keeps a test run away from the developer's own Cargamos account.

Analysts run the tests on the machine where their real credentials live: in ``CARGAMOS_*``
variables, the keyring or ``~/.netrc``. A test, doctest, README example or notebook that
calls ``cx.login()`` would find them and log in to the real host (and a notebook that
creates orders would create real shipments). With ``cargamos_hermetic = true`` in the
pytest configuration, this plugin removes every such source before anything runs:

- every ``CARGAMOS_*`` and ``AWS_*`` variable and every proxy variable is removed, and
  AWS clients never ask an instance-metadata address for a role (an export to ``s3://``
  in a test uses the credentials the test sets for its own local server, or none);
- ``HOME`` and the XDG folders point at a fresh temporary folder, so ``~/.netrc``,
  ``~/.jupyter`` and the user's cache are out of sight; ``NETRC`` names an empty file;
- the keyring is the null backend, which holds nothing.

Notebook kernels and other subprocesses inherit the same environment, which matters
because they are outside the reach of pytest's network blocking.

For your own tests it also offers fixtures and a marker. Installing the package registers
the plugin with pytest (a ``pytest11`` entry point), so plain ``pytest`` finds them;
``-p no:cargamos_explore.testing`` switches it off.

- ``cargamos_replay(name=None, **options)``: a ``Session`` replaying a cassette, with no
  credentials and the network blocked (any connection attempt fails the test) until the
  test ends. ``name`` is a path, or a file in the ``cargamos_cassettes`` folder (ini option,
  default ``cassettes``); without it, the ``cargamos_cassette("name.yaml")`` marker, else
  ``<test name>.yaml``. ``cargamos_session`` is ``cargamos_replay()``.
- ``cargamos_redaction``: vcrpy options applying this toolkit's redaction preset, e.g. as
  pytest-recording's ``vcr_config`` (they survive its ``copy.deepcopy``).
- ``fake_clock``: a ``FakeClock`` to pass as ``cx.Session(..., clock=fake_clock)``; it
  stands still until ``advance(seconds)``, so token expiry is tested without waiting.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    from .session import Session

INI_OPTION: Final = "cargamos_hermetic"
INI_CASSETTES: Final = "cargamos_cassettes"
MARKER: Final = "cargamos_cassette"
#: 2026-11-18 in Mexico City: a fixed start for the fake clock, so tests read the same.
FAKE_CLOCK_START: Final = 1_795_000_000.0
CREDENTIAL_PREFIX: Final = "CARGAMOS_"
#: Object storage's credentials, profile, config files and endpoints (``s3://`` exports).
CLOUD_PREFIXES: Final = ("AWS_",)
#: A proxy would carry requests for 127.0.0.1 somewhere else.
PROXY_VARIABLES: Final = frozenset(
    {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy"})
NULL_KEYRING: Final = "keyring.backends.null.Keyring"
XDG_FOLDERS: Final = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                      "XDG_RUNTIME_DIR")


def isolate(environ: MutableMapping[str, str], home: Path) -> None:
    """Remove every credential source from ``environ``; ``home`` becomes an empty HOME."""
    for name in list(environ):
        if name.startswith((CREDENTIAL_PREFIX, *CLOUD_PREFIXES)) \
                or name.lower() in PROXY_VARIABLES:
            del environ[name]
    # Without credentials, AWS's SDKs would ask 169.254.169.254 for an instance role.
    environ["AWS_EC2_METADATA_DISABLED"] = "true"
    empty_netrc = home / ".netrc"
    empty_netrc.touch(mode=0o600)
    environ["HOME"] = str(home)
    environ["NETRC"] = str(empty_netrc)
    environ["PYTHON_KEYRING_BACKEND"] = NULL_KEYRING
    for name in XDG_FOLDERS:
        folder = home / name.lower()
        folder.mkdir(mode=0o700, exist_ok=True)
        environ[name] = str(folder)


def _use_null_keyring() -> None:
    """The variable covers new processes; this one may have chosen a backend already."""
    try:
        import keyring
        from keyring.backends.null import Keyring
    except ImportError:  # the optional dependency is absent: there is no keyring to read
        return
    keyring.set_keyring(Keyring())  # type: ignore[no-untyped-call]  # keyring has no stubs


def pytest_addoption(parser: Any) -> None:
    parser.addini(INI_OPTION, type="bool", default=False,
                  help="hide the developer's Cargamos credentials (environment, keyring, "
                       ".netrc) from every test, doctest and notebook kernel")
    parser.addini(INI_CASSETTES, default="cassettes",
                  help="the folder of the cassettes cargamos_replay finds by name "
                       "(relative to the root folder; default cassettes)")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", f"{MARKER}(name): the cassette cargamos_session and "
                                       "cargamos_replay() replay")
    if not config.getini(INI_OPTION):
        return
    home = Path(tempfile.mkdtemp(prefix="cargamos-hermetic-"))
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))
    isolate(os.environ, home)
    _use_null_keyring()


class FakeClock:
    """Epoch seconds that stand still until ``advance()``; pass it as ``clock=``."""

    def __init__(self, start: float = FAKE_CLOCK_START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class NetworkBlockedError(AssertionError):
    """A test opened a connection while a replayed session was open. An AssertionError,
    not a CargamosError: it is the test's failure, never something the client handles."""


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def cargamos_redaction() -> dict[str, Any]:
    """vcrpy options for this toolkit's redaction preset (see cassettes.redaction)."""
    from .cassettes.redaction import vcr_options

    return vcr_options()


@pytest.fixture
def cargamos_replay(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
                    ) -> Iterator[Callable[..., Session]]:
    """A factory of sessions replaying cassettes, with the network blocked; each session
    is closed when the test ends."""
    from .cassettes.cassette import Cassette
    from .session import Session

    opened: list[Session] = []

    def replay(name: str | os.PathLike[str] | None = None, **options: Any) -> Session:
        _block_network(monkeypatch)
        path = _cassette_path(request, name)
        options = {"env": {}, "sources": (), **options}
        opened.append(Session(cassette=Cassette(path, "replay"), **options))
        return opened[-1]

    yield replay
    for session in reversed(opened):
        session.close()


@pytest.fixture
def cargamos_session(cargamos_replay: Callable[..., Session]) -> Session:
    """The session replaying this test's cassette (see ``cargamos_replay``)."""
    return cargamos_replay()


def _cassette_path(request: pytest.FixtureRequest, name: str | os.PathLike[str] | None
                   ) -> Path:
    marker = request.node.get_closest_marker(MARKER)
    if name is None:
        name = marker.args[0] if marker and marker.args else f"{request.node.name}.yaml"
    folder = Path(request.config.rootpath, str(request.config.getini(INI_CASSETTES)))
    return folder / name  # an absolute name stays as it is


def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(sock: socket.socket, address: Any) -> None:
        # Closed here: socket.create_connection closes its socket only on an OSError,
        # and this error is the test's failure, not one the caller should retry.
        sock.close()
        raise NetworkBlockedError(f"a connection to {address!r} was attempted while a "
                                  "replayed Cargamos session was open")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
