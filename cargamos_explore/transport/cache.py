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

import contextlib
import hashlib
import re
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import requests

from .. import contract as c
from ..errors import NotCachedError
from ..scrub import SECRET_NAMES
from .cache_files import (
    CacheOption,
    cache_location,
    create_private_file,
    ensure_private_files,
)
from .http import NO_AUTH

if TYPE_CHECKING:
    # Imported when a cache is opened: requests-cache is a tenth of a second to load.
    from requests_cache import CachedSession

#: Redacted from every stored request and left out of every key: each name of the shared
#: list, in each spelling it may take, since requests-cache matches names exactly.
SECRET_PARAMETERS: Final = tuple(sorted({
    spelling for name in SECRET_NAMES for spelling in (
        name, name.upper(), name.title(), re.sub(r"[_-](.)", lambda m: m[1].upper(), name))}))
NEVER_CACHED: Final = (c.LOGIN_PATH, c.PASSWORD_RECOVERY_PATH, c.ORDERS_PATH)
#: Offline, an answer this old (ten years) still counts as one.
STALE_FOREVER: Final = 10 * 365 * 24 * 3600
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
        from requests_cache import create_key

        return f"{self.prefix}-{create_key(request, **kwargs)}"


def _cacheable(response: requests.Response) -> bool:
    return not any(response.url.split("?")[0].endswith(p) for p in NEVER_CACHED)


def cached_session(option: CacheOption, prefix: str) -> CachedSession:
    backend, name = cache_location(option)
    if backend != "sqlite":
        return _open(name, backend, prefix)
    database = Path(name)
    create_private_file(database)
    ensure_private_files(database)
    # SQLite creates -wal and -shm lazily, but always with the database file's own mode
    # (os_unix.c copies it, whatever the umask), so a 0600 database yields 0600 companions
    # in every process that opens it later. This is sturdier than changing the process-wide
    # umask around the connection, which races with other threads. Opening has created
    # them by now (WAL mode, table set-up); checking again catches an SQLite built otherwise.
    session = _open(name, backend, prefix, wal=True, busy_timeout=30_000)
    ensure_private_files(database)
    return session


def _open(name: str, backend: str, prefix: str, **extra: Any) -> CachedSession:
    from requests_cache import CachedSession

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


class HttpCache:
    """The cache as the transport uses it: lookups that send nothing, hit and miss counts,
    offline mode, and clearing one identity's entries."""

    def __init__(self, policy: CachePolicy, *, offline: bool = False) -> None:
        self.policy = policy
        self.offline = offline
        self.session: CachedSession | None = None
        self._prefix = ""
        self._counts = Counter[str]()
        self._lock = threading.Lock()

    def open(self, option: CacheOption, host: str, credentials: Any) -> None:
        """Open the store under the identity's prefix; a pending identity has none yet."""
        if option is False or credentials.pending:
            self.session, self._prefix = None, ""
            return
        self._prefix = identity_prefix(host, credentials.key or "", credentials.username,
                                       credentials.password)
        self.session = cached_session(option, self._prefix)

    @property
    def enabled(self) -> bool:
        return self.session is not None

    @property
    def hits(self) -> int:
        return self._counts["hits"]

    @property
    def misses(self) -> int:
        return self._counts["misses"]

    def count(self, response: requests.Response) -> None:
        if self.enabled:
            with self._lock:
                self._counts["hits" if getattr(response, "from_cache", False) else "misses"] += 1

    def send_options(self, path: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """How long the answer to this call stays fresh, for requests-cache."""
        if self.session is None:
            return {}
        return {"expire_after": self.policy.expire_after(path, dict(params or {}))}

    def lookup(self, method: str, url: str, path: str, params: Mapping[str, Any] | None,
               timeouts: Any) -> requests.Response | None:
        """The cached answer, if any, without sending anything or logging in."""
        if self.session is None or method != "GET":
            if self.offline:
                raise NotCachedError(f"{method} {path} cannot be answered offline: only "
                                     "GET calls can, with the cache on")
            return None
        # Offline, an expired answer beats none: the notebook is rerun to see old results.
        headers = {"Cache-Control": f"stale-if-error={STALE_FOREVER}"} if self.offline else {}
        response = self.session.request(method, url, params=params, headers=headers,
                                        allow_redirects=False,
                                        only_if_cached=True, timeout=timeouts.as_tuple(),
                                        auth=NO_AUTH)
        # A miss comes back as requests-cache's own 504 "Not Cached"; only 200s are stored.
        if response.status_code == 200:
            self.count(response)
            return response
        if self.offline:
            raise NotCachedError(
                f"GET {path} with {dict(params or {})} is not in the cache; run it once "
                "online, or leave offline mode.")
        return None

    def clear(self) -> int:
        """Delete this identity's entries (other users' stay); returns how many."""
        return 0 if self.session is None else clear_identity(self.session, self._prefix)

    @contextlib.contextmanager
    def offline_mode(self) -> Iterator[None]:
        previous, self.offline = self.offline, True
        try:
            yield
        finally:
            self.offline = previous

    @contextlib.contextmanager
    def disabled(self) -> Iterator[None]:
        """Neither read nor write the cache inside this block."""
        if self.session is None:
            yield
            return
        with self.session.cache_disabled():
            yield
