"""Which host a session talks to: an argument, ``CARGAMOS_HOST``, a preset name, or none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

from .. import contract as c
from ..errors import ConfigurationError

ENV_HOST: Final = "CARGAMOS_HOST"


def resolve_host(host: str | None, env: Mapping[str, str]) -> str | None:
    """The base URL from the argument or CARGAMOS_HOST; preset names map to their URLs.

    >>> resolve_host("production", {})
    'https://api.platform.cargamos.com'
    >>> resolve_host(None, {}) is None
    True
    """
    chosen = host or env.get(ENV_HOST) or None
    if chosen is None:
        return None
    chosen = c.HOST_PRESETS.get(chosen, chosen).rstrip("/")
    if "@" in chosen:
        # A username or password in the host would be sent to whoever the part after the
        # '@' names, and the host string is shown in reprs, errors and every frame's attrs.
        after = chosen.rpartition("@")[2].split("/")[0]
        raise ConfigurationError(
            f"the host (…@{after}) contains a username or password; give the bare host, "
            "e.g. 'https://api.example.com', and pass username= and password= instead.")
    if not is_url(chosen):
        # Not echoed: what lands in a host field by mistake is often a pasted password.
        raise ConfigurationError(
            "the host is not a URL (http:// or https://) or a preset (it is not shown here, "
            "in case it was a password pasted into the wrong place); use e.g. "
            f"'https://api.example.com' or one of {', '.join(c.HOST_PRESETS)}")
    return chosen


def is_host(text: str) -> bool:
    """True for a preset name or a bare http(s) URL, what a host field may keep.

    >>> is_host("production"), is_host("https://api.example.com"), is_host("hunter2:pw")
    (True, True, False)
    """
    return text in c.HOST_PRESETS or ("@" not in text and is_url(text.rstrip("/")))


def is_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed '[' in the netloc
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
