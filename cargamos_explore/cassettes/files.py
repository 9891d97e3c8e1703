"""A cassette file: vcrpy's own YAML format, read safely and checked, written atomically.

The file is a plain vcrpy cassette (format version 1), so vcrpy (8.2.1 through the newest)
and pytest-recording replay it as it is. What this toolkit needs beyond that format, the
recording's clock and the day its dates are counted from, stands in a YAML comment on the
first line, which every YAML reader skips::

    # cargamos-explore cassette 2: clock_anchor=1794981600.0 date_anchor=2026-11-18

A top-level ``metadata:`` block would be read by vcrpy 9.4 as a third value that
pytest-recording cannot unpack, and older vcrpy versions drop it; a comment trips nobody.

Reading goes through vcrpy's safe YAML loader (vcrpy 8.2.1 and later refuse ``!!python/``
tags), then every interaction is checked, so that a damaged file raises
``CassetteFileError`` naming the file and what is wrong, before any request is answered.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from vcr.serialize import deserialize, serialize
from vcr.serializers import yamlserializer

from .. import contract as c
from ..errors import CassetteFileError
from ..scrub import scrub

FORMAT: Final = 2
HEADER: Final = "# cargamos-explore cassette {format}: clock_anchor={anchor!r} date_anchor={day}"
HEADER_PATTERN: Final = re.compile(
    r"# cargamos-explore cassette (?P<format>\d+): clock_anchor=(?P<anchor>\S+) "
    r"date_anchor=(?P<day>\S+)")
AGAIN: Final = "record it again with mode='rewrite'"
#: How much of a library's own complaint a message quotes.
REASON_CHARS: Final = 200
#: The years a recording may stand at; outside them an anchor is a damaged or edited file.
FIRST_YEAR: Final = 1970
LAST_YEAR: Final = 2999
LAST_ANCHOR: Final = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class Contents:
    """A cassette as read: vcrpy requests, vcrpy response dicts, and the anchors."""

    requests: list[Any]
    responses: list[dict[str, Any]]
    anchor: float
    day: date


def read(path: Path) -> Contents:
    """The cassette at ``path``, checked; anything wrong raises ``CassetteFileError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CassetteFileError(f"{path} cannot be read ({_reason(err)}): {AGAIN}.") from err
    anchor, day = _anchors(path, text.partition("\n")[0])
    try:
        loaded = deserialize(text, yamlserializer)
        requests, responses = list(loaded[0]), list(loaded[1])
    # vcrpy raises whatever the damaged data trips on (KeyError, TypeError, a YAML error,
    # ValueError for an unsafe tag): every one of them means the same thing here.
    except Exception as err:
        raise CassetteFileError(f"{path} is not a vcrpy cassette ({_reason(err)}): "
                                f"{AGAIN}.") from err
    for number, (request, response) in enumerate(zip(requests, responses, strict=True), 1):
        problem = request_problem(request) or response_problem(response)
        if problem:
            raise CassetteFileError(f"{path}: interaction {number} {problem}: {AGAIN}.")
    return Contents(requests, responses, anchor, day)


def _anchors(path: Path, first_line: str) -> tuple[float, date]:
    found = HEADER_PATTERN.fullmatch(first_line.strip())
    if found is None:
        raise CassetteFileError(
            f"{path} was not recorded by cargamos_explore: its first line does not name the "
            f"recording's clock (clock_anchor) and day (date_anchor); {AGAIN}.")
    try:
        anchor, day = float(found["anchor"]), date.fromisoformat(found["day"])
    except ValueError as err:
        raise CassetteFileError(f"{path} has a damaged first line ({_reason(err)}): "
                                f"{AGAIN}.") from err
    if int(found["format"]) != FORMAT:
        raise CassetteFileError(
            f"{path} is a cassette of format {int(found['format'])}; this version of "
            f"cargamos_explore reads format {FORMAT} only: {AGAIN}.")
    if not (math.isfinite(anchor) and 0 <= anchor < LAST_ANCHOR):
        raise CassetteFileError(
            f"{path}: clock_anchor must be a time in epoch seconds between {FIRST_YEAR} and "
            f"{LAST_YEAR}, not {found['anchor']!r}: {AGAIN}.")
    _check_day(path, anchor, day)
    return anchor, day


def _check_day(path: Path, anchor: float, day: date) -> None:
    """``day`` must be the anchor's day in Mexico City. A day either side is let through:
    a time zone database from before Mexico dropped summer time (2022) puts a recording
    anchored at midnight an hour away, on the neighbouring day."""
    expected = datetime.fromtimestamp(anchor, c.MEXICO_CITY).date()
    if not (FIRST_YEAR <= day.year <= LAST_YEAR and abs((day - expected).days) <= 1):
        raise CassetteFileError(
            f"{path}: date_anchor {day.isoformat()} is not the day of its clock_anchor "
            f"({expected.isoformat()} in Mexico City): {AGAIN}.")


def request_problem(request: Any) -> str:
    """What is wrong with a loaded request, or ""."""
    if not isinstance(request.method, str) or not request.method.isalpha():
        return f"has no valid method ({request.method!r})"
    uri = request.uri
    if not isinstance(uri, str) or not re.match(r"https?://[^/?#\s]+(/\S*)?$", uri):
        return f"has no valid URI ({scrub(str(uri))[:80]!r})"
    return ""


def response_problem(response: Any) -> str:
    """What is wrong with a loaded response, or ""."""
    if not isinstance(response, dict):
        return "has no response"
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    if type(code) is not int or not 100 <= code <= 599:
        return f"has no valid status code ({code!r})"
    headers = response.get("headers")
    if not isinstance(headers, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in headers.values()):
        return "has headers that are not lists of text"
    body = response.get("body")
    if not isinstance(body, dict) or not isinstance(body.get("string"), bytes | str | None):
        return "has no valid body"
    return ""


def render(requests: list[Any], responses: list[dict[str, Any]], anchor: float,
           day: date) -> str:
    """The text of a cassette: the header comment, then vcrpy's own serialisation."""
    header = HEADER.format(format=FORMAT, anchor=anchor, day=day.isoformat())
    body = serialize({"requests": requests, "responses": responses}, yamlserializer)
    return f"{header}\n{body}"


def write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step. The partial file has a fresh random name
    and is created exclusively (``mkstemp``: ``O_EXCL``, ``O_NOFOLLOW``), so a file or
    symlink planted beside the cassette is never written through, and two recordings of
    the same cassette never write into one partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial",
                                       dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(partial, 0o644)  # mkstemp's 0600: a cassette is meant to be shared
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


def _reason(err: BaseException) -> str:
    text = scrub(f"{type(err).__name__}: {err}")
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS] + "…"
