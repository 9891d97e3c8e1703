"""A cassette: one session's HTTP calls recorded into a YAML file, or replayed from it.

``Cassette(path, mode)`` is opened by the session it is given to, which mounts it on its
own ``requests.Session`` (see ``adapter``): nothing is patched, so a live session, a
replay and a recording live side by side in one process, and several cassettes may be open
at once. Modes: ``record`` (the file must not exist), ``rewrite`` (replaces the file, only
once the new recording is complete and clean), ``replay`` (the file must exist) and
``auto`` (replay if the file exists, else record).

- **Matching** ignores host, port, headers and secrets: method, path, the query (sorted, the
  ``key`` redacted) and, except for GET, the redacted body. Identical requests get their
  recorded answers in order, then the last one again; a lock makes this safe for threads.
  An unrecorded request raises ``CassetteMissError``; replay never opens a connection.
- **Redaction** is always on (see ``redaction``); the **leak scan** then looks for every
  secret value in the finished text, and a hit raises ``CassetteLeakError`` before the file
  is written.
- **Nothing failed is kept**: a refused login is left out of the recording (a replay would
  refuse the right password forever after), and a recording that held nothing else is not
  written at all.
- **Time**: the file's first line holds the clock anchor (see ``files``). ``clock()`` is
  ``time.time`` while recording and the anchor, frozen, while replaying, so a replayed token
  never expires; ``date()`` is the recording's day in Mexico City.
- **Reproducible**: URLs use a fixed origin, interactions are sorted, bodies re-serialised;
  with a fixed ``anchor`` and a sandbox at a fixed seed, two recordings are identical.
- **No HTTP cache**: a session with a cassette sends every call (an answer requests-cache
  served would never reach the cassette); a cache installed process-wide with
  ``requests_cache.install_cache`` makes opening a cassette fail.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urlsplit

import requests

from .. import contract as c
from ..errors import CassetteError, CassetteFileError, CassetteLeakError, InvalidArgumentError
from . import files
from .redaction import MatchKey, Redactor, Secrets, find_leak, match_key
from .tape import Tape

if TYPE_CHECKING:
    import os

    from .adapter import CassetteAdapter

Mode = Literal["auto", "record", "replay", "rewrite"]
MODES: Final = ("auto", "record", "replay", "rewrite")
#: Answers to a login that mean "these credentials are wrong", never worth replaying.
REFUSED: Final = frozenset({c.HTTP_UNAUTHORIZED, c.HTTP_FORBIDDEN_KEY})


class Cassette:
    """Records or replays the calls of the sessions it is attached to (see the module
    docstring). ``secrets`` returns the secret values in use when recording ends (password,
    key, tokens issued); ``anchor`` (epoch seconds) fixes the recorded time, else now."""

    def __init__(self, path: str | os.PathLike[str], mode: Mode = "auto", *,
                 secrets: Secrets | None = None, anchor: float | None = None) -> None:
        if mode not in MODES:
            raise InvalidArgumentError(f"mode must be one of {', '.join(MODES)}, not {mode!r}",
                                       argument="mode")
        self.path, self.mode = Path(path), mode
        self.replaying = _replays(self.path, mode)
        self._secrets: Secrets = secrets or (lambda: ())
        self._loaded = files.read(self.path) if self.replaying else None
        chosen = next(a for a in (anchor, time.time()) if a is not None)
        self.anchor = self._loaded.anchor if self._loaded else float(chosen)
        self._tape: Tape | None = None
        self._redactor = Redactor(round(self.anchor * 1000), harvesting=not self.replaying)
        self._lock = threading.Lock()

    def add_secrets(self, secrets: Secrets) -> None:
        """Also scan the recording for what ``secrets()`` returns when recording ends."""
        before = self._secrets
        self._secrets = lambda: (*before(), *secrets())

    def clock(self) -> float:
        """Now while recording; the recorded anchor, frozen, while replaying."""
        return self.anchor if self.replaying else time.time()

    def date(self) -> date:
        """The day of the recording in Mexico City."""
        if self._loaded is not None:
            return self._loaded.day
        return datetime.fromtimestamp(self.anchor, c.MEXICO_CITY).date()

    # --- opening and plugging in ------------------------------------------------------
    def open(self) -> Cassette:
        """Start recording or replaying; a cassette closed before may be opened again."""
        if hasattr(requests.Session, "cache_disabled"):
            raise CassetteError("requests-cache is installed globally: its answers would "
                                "bypass the cassette. Call requests_cache.uninstall_cache().")
        with self._lock:
            if self._tape is not None:
                raise CassetteError(f"the cassette {self.path.name} is already open; give "
                                    "each session its own Cassette")
            self._redactor = Redactor(self._redactor.anchor_ms, harvesting=not self.replaying)
            self._tape = Tape.start(self._redactor, self._loaded, self.path.name)
        return self

    def attach(self, http: requests.Session, host: str = "") -> CassetteAdapter:
        """Send ``http``'s calls through this cassette (mounted for http:// and https://);
        ``host`` is the session's host, whose path part is left out of the recording."""
        from .adapter import CassetteAdapter

        adapter = CassetteAdapter(self, urlsplit(host).path)
        http.mount("http://", adapter)
        http.mount("https://", adapter)
        return adapter

    def play(self, request: Any) -> dict[str, Any]:
        """The recorded answer to a vcrpy request (see ``Tape.play_response``)."""
        answer: dict[str, Any] = self._open_tape().play_response(request)
        return answer

    def record(self, request: Any, response: dict[str, Any]) -> None:
        """Keep a redacted copy of one exchange."""
        self._open_tape().append(request, response)

    def _open_tape(self) -> Tape:
        tape = self._tape
        if tape is None:
            raise CassetteError(f"the cassette {self.path.name} is closed: open a new "
                                "session to record or replay it")
        return tape

    def __enter__(self) -> Cassette:
        return self.open()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close(keep=kind is None)  # a recording cut short by an error is never written

    # --- closing and writing --------------------------------------------------------
    def close(self, *, keep: bool = True) -> None:
        """Stop recording or replaying; write the recording if ``keep``. Closing a
        cassette that is not open does nothing."""
        with self._lock:
            tape, self._tape = self._tape, None
        if keep and tape is not None and not self.replaying:
            self._write(list(tape.data))

    def _write(self, data: list[tuple[Any, Any]]) -> None:
        kept = [pair for pair in data if not _refused_login(pair)]
        if data and not kept:
            return  # only refused logins: the next attempt must be free to record
        pairs = sorted(kept, key=lambda pair: _order(match_key(pair[0])))
        text = files.render([p[0] for p in pairs], [p[1] for p in pairs], self.anchor,
                            self.date())
        secrets = {**dict.fromkeys(self._secrets(), "a secret named by the caller"),
                   **self._redactor.seen()}
        where = find_leak(text, pairs, secrets)
        if where:
            raise CassetteLeakError(f"the recording for {self.path.name} still held {where}, "
                                    "so it was not written. The redaction preset misses "
                                    "that field: report it, and do not share that recording.")
        files.write(self.path, text)

    def __repr__(self) -> str:
        state = "open" if self._tape is not None else "closed"
        doing = "replaying" if self.replaying else "recording"
        return f"<Cassette {self.path} {doing} {state}>"


def _refused_login(pair: tuple[Any, Any]) -> bool:
    request, response = pair
    return (urlsplit(request.uri).path == c.LOGIN_PATH
            and response["status"]["code"] in REFUSED)


def _order(key: MatchKey) -> tuple[str, str, str, bytes]:
    method, path, query, body = key
    return path, query, method, body


def _replays(path: Path, mode: Mode) -> bool:
    # Checked before anything is sent: a recording into a folder (or a device, a socket)
    # would only fail when it is written, after the whole session had run.
    if path.exists() and not path.is_file():
        raise CassetteFileError(f"{path} is not a file (a folder or a special file is "
                                "there): give the cassette a file's path, or move that away.")
    exists = path.is_file()
    if mode == "replay" and not exists:
        raise CassetteFileError(f"no cassette at {path}: record it first (mode='record').")
    if mode == "record" and exists:
        raise CassetteFileError(f"a cassette is already at {path}: replay it, or record it "
                                "again with mode='rewrite'.")
    return mode == "replay" or (mode == "auto" and exists)
