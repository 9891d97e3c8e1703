"""HTTP caching with requests-cache, scoped to one identity and free of secrets.

requests-cache leaves ``Authorization`` out of its cache key, so two users would share
entries; keying on the token would miss every hour. Instead every key starts with a hash
of (host, org key, username): a renewed token keeps hitting, another user never does.
Secrets are kept out of the stored file by redacting them (``ignored_parameters``) and by
never caching the calls whose answers carry them (login, password recovery, orders).
"""

from __future__ import annotations

import hashlib
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


def identity_prefix(host: str, key: str, username: str) -> str:
    """A short hash naming one identity; every cache key of that identity starts with it."""
    digest = hashlib.sha256(f"{host}\0{key}\0{username}".encode()).hexdigest()
    return digest[:16]


class IdentityKey:
    """A requests-cache ``key_fn``: the library's own key, prefixed with the identity."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, request: Any, **kwargs: Any) -> str:
        return f"{self.prefix}-{create_key(request, **kwargs)}"


def cache_location(option: CacheOption) -> tuple[str, str]:
    """(backend, cache name) for the ``cache=`` option."""
    if option == "memory":
        return "memory", "cargamos-explore"
    if option is True:
        folder = Path(platformdirs.user_cache_dir("cargamos-explore"))
        folder.mkdir(parents=True, exist_ok=True)
        return "sqlite", str(folder / "http_cache.sqlite")
    if isinstance(option, (str, Path)) and str(option):
        Path(option).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return "sqlite", str(Path(option).expanduser())
    raise ConfigurationError(f"cache={option!r}: use True, False, 'memory' or a file path")


def _cacheable(response: requests.Response) -> bool:
    return not any(response.url.split("?")[0].endswith(p) for p in NEVER_CACHED)


def cached_session(option: CacheOption, prefix: str) -> CachedSession:
    backend, name = cache_location(option)
    extra: dict[str, Any] = {"wal": True, "busy_timeout": 30_000} if backend == "sqlite" else {}
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
