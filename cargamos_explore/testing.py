"""A pytest plugin that keeps a test run away from the developer's own Cargamos account.

Analysts run the tests on the machine where their real credentials live: in ``CARGAMOS_*``
variables, the keyring or ``~/.netrc``. A test, doctest, README example or notebook that
calls ``cx.login()`` would find them and log in to the real host (and a notebook that
creates orders would create real shipments). With ``cargamos_hermetic = true`` in the
pytest configuration, this plugin removes every such source before anything runs:

- every ``CARGAMOS_*`` variable and every proxy variable is removed;
- ``HOME`` and the XDG folders point at a fresh temporary folder, so ``~/.netrc``,
  ``~/.jupyter`` and the user's cache are out of sight; ``NETRC`` names an empty file;
- the keyring is the null backend, which holds nothing.

Notebook kernels and other subprocesses inherit the same environment, which matters
because they are outside the reach of pytest's network blocking.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, Final

INI_OPTION: Final = "cargamos_hermetic"
CREDENTIAL_PREFIX: Final = "CARGAMOS_"
#: A proxy would carry requests for 127.0.0.1 somewhere else.
PROXY_VARIABLES: Final = frozenset(
    {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy"})
NULL_KEYRING: Final = "keyring.backends.null.Keyring"
XDG_FOLDERS: Final = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                      "XDG_RUNTIME_DIR")


def isolate(environ: MutableMapping[str, str], home: Path) -> None:
    """Remove every credential source from ``environ``; ``home`` becomes an empty HOME."""
    for name in list(environ):
        if name.startswith(CREDENTIAL_PREFIX) or name.lower() in PROXY_VARIABLES:
            del environ[name]
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


def pytest_configure(config: Any) -> None:
    if not config.getini(INI_OPTION):
        return
    home = Path(tempfile.mkdtemp(prefix="cargamos-hermetic-"))
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))
    isolate(os.environ, home)
    _use_null_keyring()
