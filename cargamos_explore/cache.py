"""HTTP caching with requests-cache, scoped to one identity, private and free of secrets.

requests-cache leaves ``Authorization`` out of its cache key, so two users would share
entries; keying on the token would miss every hour. Instead every key starts with a slow,
salted hash of (host, org key, username, password): a renewed token keeps hitting, another
user or a wrong password never does. Secrets are kept out of the stored file by redacting
them (``ignored_parameters``) and by never caching the calls whose answers carry them
(login, password recovery, orders). The answers themselves hold recipients' names, phones
and addresses, so the SQLite files are readable by their owner only (0600, folder 0700).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import platformdirs
import requests
from requests_cache import CachedSession, create_key

from . import contract as c
from .errors import ConfigurationError

CacheOption = bool | str | Path
#: Redacted from every stored request and left out of every key. requests-cache matches
#: these names exactly, so each spelling a header may take is listed.
SECRET_PARAMETERS: Final = (
    "Authorization", "authorization", "AUTHORIZATION", "Proxy-Authorization",
    "X-Api-Key", "x-api-key", "Cookie", "cookie", "Set-Cookie",
    c.KEY_PARAM, "password", "token", "access_token",
)
NEVER_CACHED: Final = (c.LOGIN_PATH, c.PASSWORD_RECOVERY_PATH, c.ORDERS_PATH)
PRIVATE_FILE: Final = 0o600
PRIVATE_FOLDER: Final = 0o700
#: The database and the two files SQLite keeps beside it in WAL mode.
SQLITE_SUFFIXES: Final = ("", "-wal", "-shm")
#: scrypt cost: n=2**14, r=8 takes about 60 ms and 16 MiB on a 2-core AMD EPYC. Slow enough
#: that guessing a password back from the keys in a cache file costs that much per guess;
#: paid once per session. Changing these values orphans every existing cache entry.
SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_MAXMEM: Final = 64 * 2**20


@dataclass(frozen=True)
class CachePolicy:
    """How long each kind of answer stays fresh.

    A list of recent shipments changes by the minute; a window that ended more than
    ``settled_after`` ago holds finished shipments, which do not change.
    """

    recent_lists: timedelta = timedelta(minutes=5)
    settled_lists: timedelta = timedelta(days=1)
    settled_after: timedelta = timedelta(days=7)
    shipment: timedelta = timedelta(minutes=15)
    other: timedelta = timedelta(minutes=5)

    def expire_after(self, path: str, params: dict[str, Any] | None) -> timedelta:
        if path == c.SHIPMENTS_PATH:
            return self.settled_lists if self._settled(params or {}) else self.recent_lists
        if path.startswith(c.SHIPMENTS_PATH + "/"):
            return self.shipment
        return self.other

    def _settled(self, params: dict[str, Any]) -> bool:
        end = params.get(c.LIST_PARAMS["end"])
        try:
            ended = datetime.fromisoformat(str(end))
        except ValueError:
            return False
        if ended.tzinfo is None:
            return False
        return ended < datetime.now(UTC) - self.settled_after


def identity_prefix(host: str, key: str, username: str, password: str) -> str:
    """A hash naming one identity and its password; every cache key of it starts with it.

    With the password in it, a wrong one simply misses: cached rows are served only to
    someone presenting the credentials that stored them, yet a rerun needs no login.
    The salt (the rest of the identity) keeps one precomputed table from serving every
    user; scrypt's cost keeps the password from being guessed back in practice.
    """
    salt = hashlib.sha256(f"{host}\0{key}\0{username}".encode()).digest()
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=1,
                            maxmem=SCRYPT_MAXMEM, dklen=16)
    return digest.hex()


class IdentityKey:
    """A requests-cache ``key_fn``: the library's own key, prefixed with the identity."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, request: Any, **kwargs: Any) -> str:
        return f"{self.prefix}-{create_key(request, **kwargs)}"


def cache_location(option: CacheOption) -> tuple[str, str]:
    """(backend, cache name) for the ``cache=`` option; creates missing folders 0700."""
    if option == "memory":
        return "memory", "cargamos-explore"
    if option is True:
        folder = Path(platformdirs.user_cache_dir("cargamos-explore"))
        _create_private_folders(folder)
        _ensure_private(folder, PRIVATE_FOLDER)  # ours alone, even if made 0755 before
        return "sqlite", str(folder / "http_cache.sqlite")
    if isinstance(option, (str, Path)) and str(option):
        path = Path(option).expanduser()
        _create_private_folders(path.parent)  # an existing parent (a home) is the user's
        return "sqlite", str(path)
    raise ConfigurationError(f"cache={option!r}: use True, False, 'memory' or a file path")


def _create_private_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents 0700; existing folders are left as they are."""
    for path in reversed([p for p in (folder, *folder.parents) if not p.exists()]):
        try:
            path.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:
            continue  # created meanwhile by someone else: not ours to change
        path.chmod(PRIVATE_FOLDER)  # the umask may have removed bits we need


def _ensure_private(path: Path, mode: int) -> None:
    """Tighten ``path`` to ``mode`` if others have access; refuse if it is not ours."""
    if os.name != "posix" or not path.exists():
        return  # elsewhere the per-user cache folder's ACLs already keep it private
    info = path.stat()
    if not stat.S_IMODE(info.st_mode) & 0o077:
        return
    if info.st_uid != os.geteuid():
        kind = "folder" if stat.S_ISDIR(info.st_mode) else "file"
        raise ConfigurationError(
            f"the cache {kind} {path} is open to other users (mode "
            f"{stat.S_IMODE(info.st_mode):o}) and belongs to someone else, so it cannot be "
            f"made private; ask its owner to chmod {mode:o} it, or pass another cache= path.")
    path.chmod(mode)


def _create_private_file(path: Path) -> None:
    """Create the database empty and 0600, so SQLite never creates it 0644 itself."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    except FileExistsError:
        return
    try:
        if os.name == "posix":
            os.fchmod(fd, PRIVATE_FILE)  # exact, whatever the umask took away
    finally:
        os.close(fd)


def _ensure_private_files(database: Path) -> None:
    for suffix in SQLITE_SUFFIXES:
        _ensure_private(database.with_name(database.name + suffix), PRIVATE_FILE)


def _cacheable(response: requests.Response) -> bool:
    return not any(response.url.split("?")[0].endswith(p) for p in NEVER_CACHED)


def cached_session(option: CacheOption, prefix: str) -> CachedSession:
    backend, name = cache_location(option)
    if backend != "sqlite":
        return _open(name, backend, prefix)
    database = Path(name)
    _create_private_file(database)
    _ensure_private_files(database)
    # SQLite creates -wal and -shm lazily, but always with the database file's own mode
    # (os_unix.c copies it, whatever the umask), so a 0600 database yields 0600 companions
    # in every process that opens it later. This is sturdier than changing the process-wide
    # umask around the connection, which races with other threads. Opening has created
    # them by now (WAL mode, table set-up); checking again catches an SQLite built otherwise.
    session = _open(name, backend, prefix, wal=True, busy_timeout=30_000)
    _ensure_private_files(database)
    return session


def _open(name: str, backend: str, prefix: str, **extra: Any) -> CachedSession:
    return CachedSession(
        name, backend=backend, allowable_methods=("GET",), allowable_codes=(200,),
        ignored_parameters=SECRET_PARAMETERS, key_fn=IdentityKey(prefix),
        filter_fn=_cacheable, expire_after=CachePolicy().other, **extra,
    )


def clear_identity(http: CachedSession, prefix: str) -> int:
    """Delete every entry of one identity; returns how many were removed."""
    keys = [k for k in http.cache.responses if str(k).startswith(prefix + "-")]
    http.cache.delete(*keys)
    return len(keys)
