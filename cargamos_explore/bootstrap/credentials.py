"""Where credentials come from, tried in order: arguments, environment, keyring, .netrc,
then a prompt. Each source either has a username and password or says "not here"."""

from __future__ import annotations

import getpass
import netrc
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, NoReturn
from urllib.parse import urlsplit

from ..errors import CredentialsNotFoundError
from . import frontend

ENV_KEY: Final = "CARGAMOS_KEY"
ENV_USERNAME: Final = "CARGAMOS_USERNAME"
ENV_PASSWORD: Final = "CARGAMOS_PASSWORD"
KEYRING_SERVICE: Final = "cargamos-explore"
KEYRING_KEY_ENTRY: Final = "__org_key__"


@dataclass(frozen=True)
class Credentials:
    """A username, its password and the organisation key; the repr shows only the username."""

    username: str
    password: str = field(repr=False)
    key: str | None = field(default=None, repr=False)
    source: str = "arguments"

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.password, self.key) if s)

    def __reduce__(self) -> NoReturn:
        # A pickle is a file, a cache entry or a saved notebook: a password must not ride.
        raise TypeError("Credentials cannot be pickled: they hold a password and an "
                        "organisation key. Pickle the username and look the rest up again.")

    def __copy__(self) -> Credentials:
        return self  # frozen: a copy would be equal in every way

    def __deepcopy__(self, memo: object) -> Credentials:
        return self

    @property
    def pending(self) -> bool:
        """No password yet: the notebook's login form will supply it."""
        return not self.password


#: What the notebook prompt source returns: the login form fills these in later.
FORM_PENDING: Final = Credentials("", "", None, "login form")


Source = Callable[[str, Mapping[str, str]], "Credentials | None"]


def from_environment(host: str, env: Mapping[str, str]) -> Credentials | None:
    if not (env.get(ENV_USERNAME) and env.get(ENV_PASSWORD)):
        return None
    return Credentials(env[ENV_USERNAME], env[ENV_PASSWORD], env.get(ENV_KEY), "environment")


def from_keyring(host: str, env: Mapping[str, str]) -> Credentials | None:
    """The system keyring, when the optional ``keyring`` package is installed."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    service = f"{KEYRING_SERVICE}@{urlsplit(host).netloc}"
    try:
        found = keyring.get_credential(service, env.get(ENV_USERNAME))
        key = keyring.get_password(service, KEYRING_KEY_ENTRY)
    except (KeyringError, RuntimeError):
        return None
    if found is None or not found.username or not found.password:
        return None
    return Credentials(found.username, found.password, key, "keyring")


def from_netrc(host: str, env: Mapping[str, str]) -> Credentials | None:
    """A ``machine`` entry for the host; its ``account`` field may hold the org key."""
    try:
        entry = netrc.netrc(env.get("NETRC") or None).authenticators(urlsplit(host).hostname or "")
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    if entry is None or not entry[0] or not entry[2]:
        return None
    return Credentials(entry[0], entry[2], entry[1] or None, "netrc")


def from_prompt(host: str, env: Mapping[str, str]) -> Credentials | None:
    """Ask in a notebook's login form or a terminal; never where nobody can answer."""
    if _in_kernel():
        return _ask_in_notebook(host, env)
    if not _can_prompt():
        return None
    username = input(f"Cargamos username for {host}: ").strip()
    password = getpass.getpass("Password: ")
    return Credentials(username, password, None, "prompt") if username and password else None


def _can_prompt() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


# --- the notebook's login form (wiring only; the form lives in cargamos_explore.notebook) ---
def _in_kernel() -> bool:
    return "ipykernel" in sys.modules


def _ask_in_notebook(host: str, env: Mapping[str, str]) -> Credentials | None:
    """getpass hangs in some frontends: the session shows the login form instead, and gets
    its credentials when the form is used (a cell waiting for it would deadlock). With
    nobody at the frontend (nbconvert, CI), ask nothing: the environment was the last
    chance."""
    return FORM_PENDING if frontend.widget_frontend() else None


DEFAULT_SOURCES: Final[tuple[Source, ...]] = (from_environment, from_keyring, from_netrc,
                                              from_prompt)


def find_credentials(
    host: str,
    *,
    username: str | None = None,
    password: str | None = None,
    key: str | None = None,
    env: Mapping[str, str],
    sources: tuple[Source, ...] = DEFAULT_SOURCES,
) -> Credentials:
    """The first source with a username and password; the key comes from the argument,
    else that source, else CARGAMOS_KEY."""
    found = Credentials(username, password) if username and password else None
    for source in sources:
        if found is not None:
            break
        found = source(host, env)
    if found is None:
        raise CredentialsNotFoundError(
            f"no credentials found in any source for {host}: pass username= and password=, "
            f"set {ENV_USERNAME} and {ENV_PASSWORD}, store them in the keyring or add a "
            ".netrc entry")
    org_key = key or found.key or env.get(ENV_KEY)
    if not org_key and not found.pending:  # a pending form asks for the key too
        raise CredentialsNotFoundError(
            f"no organisation key found: pass key= or set {ENV_KEY} (the key Cargamos "
            "issued to your organisation)")
    return Credentials(found.username, found.password, org_key, found.source)
