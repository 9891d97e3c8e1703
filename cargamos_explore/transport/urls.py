"""Where a call may go: paths resolved on the session's host, ids encoded as one segment.

A token travels with every call, so a path that could name another host (``//host``,
``@host``, a full URL elsewhere, ``..`` steps) is refused before anything is sent.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from urllib3.util import parse_url

from .. import contract as c
from ..errors import InvalidTrackingIdError, UnsafePathError
from ..scrub import hide_userinfo, scrub

#: Far longer than any tracking id; a longer one would only earn an HTML 414 page.
MAX_TRACKING_ID = 100


def resolve_path(host: str, path: object) -> str:
    """The URL of ``path`` on ``host``, refusing any path that could send the call (and
    its token) elsewhere. A full URL is accepted only when it starts with ``host``.

    >>> resolve_path("https://api.example.com", "/v1/shipments")
    'https://api.example.com/v1/shipments'
    """
    relative = path[len(host):] if isinstance(path, str) and path.startswith(host + "/") else path
    problem = _path_problem(relative)
    url = host + relative if isinstance(relative, str) else ""
    if problem is None and _origin(url) != _origin(host):
        problem = "it would leave the host"
    if problem is not None:
        shown = hide_userinfo(scrub(path))[:120] if isinstance(path, str) else type(path).__name__
        raise UnsafePathError(
            f"refused to call the path {shown!r}: {problem}. Pass a path on {host} that "
            "starts with one '/', such as '/v1/shipments'.")
    return url


def _path_problem(path: object) -> str | None:
    if not isinstance(path, str):
        return "a path must be a string"
    if not path.startswith("/") or path.startswith("//"):
        return "it does not start with a single '/' (a full URL must start with the host)"
    if any(ch.isspace() or not ch.isprintable() for ch in path):
        return "it contains whitespace or control characters"
    for char, name in (("\\", "a backslash"), ("@", "an '@'"), ("#", "a '#'")):
        if char in path:
            return f"it contains {name}"
    route = unquote(path.split("?")[0])
    if "\\" in route or "//" in route[1:]:
        return "it contains an encoded '/' or '\\'"
    # Some proxies drop ';params' from a step before resolving it: '..;' counts as '..'.
    steps = [step.split(";")[0] for step in route.split("/")]
    if any(step in (".", "..") for step in steps):
        return "it contains a '.' or '..' step"
    return None


def _origin(url: str) -> tuple[str, str, str | None, int | None]:
    """Scheme, netloc as Python reads it, and host and port as urllib3 (which sends) reads
    it: both parsers must agree before a token goes out."""
    try:
        parts, sent = urlsplit(url), parse_url(url)
    except ValueError:
        return ("", "", None, None)
    return (parts.scheme, parts.netloc, sent.host, sent.port)


def shipment_path(tracking_id: object) -> str:
    """The path of one shipment, its id checked and encoded as one path segment.

    >>> shipment_path("CG1000000001")
    '/v1/shipments/CG1000000001'
    """
    if not isinstance(tracking_id, str):
        problem = f"is a {type(tracking_id).__name__}, not a string"
    elif len(tracking_id) > MAX_TRACKING_ID:
        problem = f"is {len(tracking_id):,} characters long"
    elif tracking_id in ("", ".", ".."):
        problem = "is empty or a path step"
    elif any(ch in "/\\?#%" or ch.isspace() or not ch.isprintable() for ch in tracking_id):
        problem = "contains '/', '\\', '?', '#', '%', whitespace or a control character"
    else:
        # Encoded even when checked: quoting is what keeps the id one segment.
        return c.SHIPMENT_PATH.format(tracking_id=quote(tracking_id, safe=""))
    shown = f" {tracking_id!r}"[:60] if isinstance(tracking_id, str) else ""
    raise InvalidTrackingIdError(
        f"tracking_id{shown} {problem}, so it cannot be a tracking id; pass one as the "
        "shipments frame shows it, e.g. 'CG1000000001'.")
