"""HTML and text for notebook reprs, built from plain dicts.

Kept apart from the data classes (as earthaccess does) and free of heavy imports, so a
repr costs nothing at import time. Every value is escaped; callers pass summaries that hold
no secret in the first place.

>>> print(session_text({"host": "http://h", "username": "a@t.mx", "caching": False,
...                     "credentials_source": "netrc", "logins": 1, "token_seconds_left": 61}))
Cargamos session: a@t.mx at http://h (credentials from netrc); token 01:01 left; 1 login; cache off
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any, Final

CARD_STYLE: Final = (
    "border:1px solid #c8d1dc;border-radius:6px;padding:6px 10px;display:inline-block;"
    "font-family:var(--jp-ui-font-family,sans-serif);font-size:13px")
#: Provenance keys in reading order, with their labels.
PROVENANCE_LABELS: Final = (
    ("endpoint", "Endpoint"), ("params", "Parameters"), ("host", "Host"),
    ("fetched_at", "Fetched at"), ("api_version", "API version"), ("from_cache", "From cache"),
    ("pages", "Pages"), ("pages_from_cache", "Pages from cache"))


def mmss(seconds: float) -> str:
    """Whole minutes and seconds, never negative.

    >>> mmss(3599.7), mmss(61), mmss(-3), mmss(7200)
    ('59:59', '01:01', '00:00', '120:00')
    """
    whole = max(0, int(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def token_text(seconds_left: float | None) -> str:
    if seconds_left is None:
        return "no token yet"
    return "expired" if seconds_left <= 0 else f"{mmss(seconds_left)} left"


def cache_text(summary: Mapping[str, Any]) -> str:
    if not summary.get("caching"):
        return "cache off"
    return f"cache {summary.get('cache_hits', 0)} hits / {summary.get('cache_misses', 0)} misses"


def session_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The card's rows as (label, text)."""
    logins = summary.get("logins", 0)
    return [
        ("Host", str(summary.get("host", ""))),
        ("User", str(summary.get("username", ""))),
        ("Credentials from", str(summary.get("credentials_source", ""))),
        ("Token", token_text(summary.get("token_seconds_left"))),
        ("Logins", str(logins)),
        ("Cache", cache_text(summary) + (" (offline)" if summary.get("offline") else "")),
    ]


def session_text(summary: Mapping[str, Any]) -> str:
    logins = summary.get("logins", 0)
    return (f"Cargamos session: {summary.get('username')} at {summary.get('host')} "
            f"(credentials from {summary.get('credentials_source')}); "
            f"token {token_text(summary.get('token_seconds_left'))}; "
            f"{logins} login{'' if logins == 1 else 's'}; {cache_text(summary)}")


def table_html(title: str, rows: list[tuple[str, str]], css_class: str) -> str:
    cells = "".join(
        f"<tr><th style='text-align:left;padding:1px 12px 1px 0;font-weight:600'>"
        f"{escape(label)}</th><td style='text-align:left'>{escape(value)}</td></tr>"
        for label, value in rows)
    return (f"<div class='{css_class}' style='{CARD_STYLE}'>"
            f"<div style='font-weight:600;margin-bottom:4px'>{escape(title)}</div>"
            f"<table style='border-collapse:collapse'>{cells}</table></div>")


def session_html(summary: Mapping[str, Any]) -> str:
    """A compact card: host, user, credentials source, token time left, logins, cache."""
    return table_html("Cargamos session", session_rows(summary), "cx-session-card")


def provenance_rows(attrs: Mapping[str, Any]) -> list[tuple[str, str]]:
    known = [(label, _plain(attrs[key])) for key, label in PROVENANCE_LABELS if key in attrs]
    extra = [(str(key), _plain(value)) for key, value in attrs.items()
             if key not in dict(PROVENANCE_LABELS)]
    return known + extra


def provenance_text(attrs: Mapping[str, Any]) -> str:
    rows = provenance_rows(attrs)
    if not rows:
        return "No Cargamos provenance: this frame was not read from Cargamos."
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def provenance_html(attrs: Mapping[str, Any]) -> str:
    return table_html("Where this frame came from", provenance_rows(attrs), "cx-provenance")


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_plain(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "unknown" if value is None else str(value)
