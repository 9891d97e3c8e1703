"""The one scrubber: removes passwords, tokens, org keys and Basic headers from text.

Log records (ours and the HTTP libraries'), exception messages and the error text widgets
show pass through here, so a secret shape added once is hidden in all of them. Files are
kept clean differently: the cache never stores a secret (``transport.cache`` redacts and
skips), and recordings go through the redaction preset (``cassettes.redaction``), which
uses this scrubber only for bodies that are not JSON.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Final

from . import contract as c

REDACTED: Final = "REDACTED"
#: The one list of secret names, compared lower-cased: query and path parameters, JSON
#: fields and headers whose value is a secret. The scrubber, the HTTP cache and frames'
#: provenance all read it, so a name added here is hidden everywhere at once.
SECRET_NAMES: Final = frozenset({
    c.KEY_PARAM, c.TOKEN_FIELD, "apikey", "api_key", "api-key", "x-api-key", "access_token",
    "refresh_token", "id_token", "password", "passwd", "secret", "client_secret",
    "authorization", "proxy-authorization", "cookie", "set-cookie",
})
_NAMES: Final = "|".join(sorted(map(re.escape, SECRET_NAMES), key=len, reverse=True))

_PATTERNS: Final = (
    # Authorization values, in any header case, in text or in a serialised header list.
    (re.compile(r"(?i)\b(basic|bearer)(\s+|%20)[A-Za-z0-9._~+/=-]+"), rf"\1\2{REDACTED}"),
    # A secret parameter in a query string or a path's ';params', raw or URL-encoded.
    (re.compile(rf"(?i)([?&;](?:amp;)?(?:{_NAMES})=)[^&;#\s\"'<>]+"), rf"\1{REDACTED}"),
    # A secret field in a JSON body.
    (re.compile(rf'(?i)("(?:{_NAMES})"\s*:\s*")[^"]*(")'), rf"\1{REDACTED}\2"),
)
_USERINFO: Final = re.compile(r"[^/@\s]*@")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with every secret shape and every given secret value replaced.

    >>> scrub("GET /v1/login?key=abc123 Authorization: Basic am9objpwdw==")
    'GET /v1/login?key=REDACTED Authorization: Basic REDACTED'
    >>> scrub("password is hunter22", secrets=["hunter22"])
    'password is REDACTED'
    """
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    for secret in sorted((s for s in secrets if s and len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class ScrubbingFilter(logging.Filter):
    """A logging filter that scrubs each record's final message in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


SCRUBBED_LOGGERS: Final = ("cargamos_explore", "urllib3", "requests_cache", "requests", "vcr")


def install_log_filters(prefixes: Iterable[str] = SCRUBBED_LOGGERS) -> None:
    """Scrub our loggers and those of the HTTP libraries below us: urllib3 logs every
    request line (with ``?key=``) at DEBUG level. A logger's filters see only records made
    on that very logger, so every existing logger under each prefix gets one. Idempotent."""
    prefixes = tuple(prefixes)
    names = [n for n in list(logging.root.manager.loggerDict)
             if n in prefixes or n.startswith(tuple(p + "." for p in prefixes))]
    for name in {*prefixes, *names}:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubbingFilter) for f in logger.filters):
            logger.addFilter(ScrubbingFilter())


def hide_userinfo(text: str) -> str:
    """Replace anything before an ``@`` in a URL or path, where a password can hide.

    >>> hide_userinfo("https://ana:pw@api.example.com/v1")
    'https://REDACTED@api.example.com/v1'
    """
    return _USERINFO.sub(f"{REDACTED}@", text)


def is_secret_name(name: object) -> bool:
    """True for a parameter, field or header named in ``SECRET_NAMES`` (any case).

    >>> is_secret_name("apiKey"), is_secret_name("state")
    (True, False)
    """
    return str(name).lower() in SECRET_NAMES
