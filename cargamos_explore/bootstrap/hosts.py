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
    if urlsplit(chosen).scheme not in ("http", "https") or not urlsplit(chosen).netloc:
        raise ConfigurationError(
            f"host {chosen!r} is not a URL; use e.g. 'https://api.example.com' or one of "
            f"{', '.join(c.HOST_PRESETS)}")
    return chosen
