"""Shipper organisations, their users, issued tokens and per-user request counts."""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Final


@dataclass(frozen=True)
class Organisation:
    """A shipper: one key shared by its users, its own data (seeded by ``number``)."""

    number: int
    name: str
    key: str
    users: dict[str, str]  # e-mail -> password
    enabled: bool = True

    @property
    def prefix(self) -> str:
        return f"CG{self.number}"


#: Demo accounts, documented in the README. john.doe@gmail.com / shipper is the docs' example.
DEMO_ORGANISATIONS: Final = (
    Organisation(1, "Tienda Ejemplo", "sbx-tienda-ejemplo-4f2a", {
        "john.doe@gmail.com": "shipper",
        "ana.lopez@tiendaejemplo.mx": "rotate-me-2026",
    }),
    Organisation(2, "Papelería Norte", "sbx-papeleria-norte-9c1e", {
        "luis.garcia@papelerianorte.mx": "papeles-123",
    }),
    Organisation(3, "Baja Comercial", "sbx-baja-comercial-0000", {
        "old.user@bajacomercial.mx": "baja",
    }, enabled=False),
)


@dataclass
class UserStats:
    logins_ok: int = 0
    logins_failed: int = 0
    requests: int = 0
    login_times: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "logins_ok": self.logins_ok,
            "logins_failed": self.logins_failed,
            "requests": self.requests,
            "login_times": list(self.login_times),
        }


@dataclass(frozen=True)
class Grant:
    """What a bearer token stands for."""

    organisation: Organisation
    username: str
    expires_at: float


class Accounts:
    """Thread-safe registry of organisations, tokens and statistics."""

    def __init__(self, organisations: tuple[Organisation, ...], token_lifetime: float) -> None:
        self.organisations = {org.key: org for org in organisations}
        self.token_lifetime = token_lifetime
        self._grants: dict[str, Grant] = {}
        self._stats: defaultdict[str, UserStats] = defaultdict(UserStats)
        self._faults = 0
        self._rejected = 0
        self._lock = threading.Lock()

    def organisation(self, key: str | None) -> Organisation | None:
        org = self.organisations.get(key or "")
        return org if org is not None and org.enabled else None

    def login(self, org: Organisation, username: str, password: str) -> str | None:
        """Issue a token when the password matches, counting the attempt either way."""
        ok = secrets.compare_digest(org.users.get(username, "\0").encode(), password.encode())
        with self._lock:
            stats = self._stats[username]
            if not ok:
                stats.logins_failed += 1
                return None
            stats.logins_ok += 1
            stats.login_times.append(time.time())
            token = secrets.token_urlsafe(32)
            expires = time.monotonic() + self.token_lifetime
            self._grants[token] = Grant(org, username, expires)
            return token

    def count_failed_login(self, username: str) -> None:
        with self._lock:
            self._stats[username].logins_failed += 1

    def grant(self, token: str | None) -> Grant | None:
        """The live grant of ``token``, counting the request; None if unknown or expired."""
        with self._lock:
            grant = self._grants.get(token or "")
            if grant is None or grant.expires_at <= time.monotonic():
                self._rejected += 1
                return None
            self._stats[grant.username].requests += 1
            return grant

    def revoke(self, username: str) -> int:
        """Revoke every token of ``username``; returns how many were revoked."""
        with self._lock:
            doomed = [t for t, g in self._grants.items() if g.username == username]
            for token in doomed:
                del self._grants[token]
            return len(doomed)

    def count_fault(self) -> None:
        with self._lock:
            self._faults += 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            users = {name: s.as_dict() for name, s in self._stats.items()}
            return {"users": users, "faults": self._faults, "rejected_tokens": self._rejected}

    def reset_stats(self) -> None:
        with self._lock:
            self._stats.clear()
            self._faults = self._rejected = 0
