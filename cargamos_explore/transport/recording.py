"""Record a session's HTTP calls into a YAML cassette, and replay them with no network.

``with Cassette("demo.yaml") as cassette:`` patches ``requests`` (through vcrpy) for the
whole process, every thread included. Modes: ``record`` (the file must not exist),
``rewrite`` (replaces the file, only once the new recording is complete and clean),
``replay`` (the file must exist) and ``auto`` (replay if the file exists, else record).

- **Matching** ignores host, port, headers and secrets: method, path, the query (sorted, the
  ``key`` redacted) and, except for GET, the redacted body. Identical requests get their
  recorded answers in order, then the last one again; a lock makes this safe for threads.
  An unrecorded request raises ``CassetteMissError``; replay never opens a connection.
- **Redaction** is always on: Authorization values, the ``key`` parameter, secret JSON
  fields (the login ``token`` becomes ``REDACTED``, which replays as a working token) and
  cookies; all other headers are dropped. Envelope ``timestamp``s become the clock anchor.
- **The leak scan** then looks for every secret value in the finished text: values seen on
  the wire (Basic and bearer values, passwords, keys, tokens, cookies) and the caller's
  ``secrets()``. A hit raises ``CassetteLeakError`` before the file is written.
- **Time**: the cassette stores its clock anchor. ``clock()`` is ``time.time`` while
  recording and the anchor, frozen, while replaying, so a replayed token never expires;
  ``date()`` is the anchor's day in Mexico City, to pin a notebook's date window.
- **Reproducible**: URLs use a fixed origin, interactions are sorted, bodies re-serialised;
  with a fixed ``anchor`` and a sandbox at a fixed seed, two recordings are identical.
- **No HTTP cache**: vcrpy cannot see answers that requests-cache serves, nor record into it
  (vcrpy issue 881). Send through ``without_http_cache(session)``; a cache installed
  globally with ``requests_cache.install_cache`` makes entering a cassette fail.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal

import requests
import vcr.cassette
import vcr.filters
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.record_mode import RecordMode
from vcr.serialize import deserialize, serialize
from vcr.serializers import yamlserializer

from .. import contract as c
from ..errors import (
    CassetteError,
    CassetteFileError,
    CassetteLeakError,
    CassetteMissError,
    InvalidArgumentError,
)
from ..scrub import scrub
from .redaction import MatchKey, Redactor, Secrets, find_leak, match_key

Mode = Literal["auto", "record", "replay", "rewrite"]
MODES: Final = ("auto", "record", "replay", "rewrite")
#: vcrpy patches ``requests`` for the whole process, so two open cassettes would each
#: record (or answer) the other's calls. This lock mirrors that process-wide patch: it is
#: the one piece of module state here, because the thing it guards is global.
_PATCHED: Final = threading.Lock()


class _Persister:
    """Hands vcrpy the cassette already read, and writes nothing: ``Cassette`` writes the
    file itself, after the leak scan."""

    def __init__(self, loaded: tuple[Any, ...] | None) -> None:
        self.loaded = loaded

    def load_cassette(self, path: Any, serializer: Any) -> tuple[Any, ...]:
        if self.loaded is None:
            raise CassetteNotFoundError()
        return self.loaded

    def save_cassette(self, path: Any, cassette_dict: Any, serializer: Any) -> None:
        return None


# vcrpy ships no type hints, so its Cassette is Any to mypy.
class _Tape(vcr.cassette.Cassette):  # type: ignore[misc]
    """vcrpy's cassette with this module's playback rules (see the module docstring)."""

    def __init__(self, *args: Any, replaying: bool, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replaying, self.name = replaying, name
        self._answers: dict[MatchKey, list[dict[str, Any]]] | None = None
        self._played: Counter[MatchKey] = Counter()
        self._lock = threading.Lock()

    def can_play_response_for(self, request: Any) -> bool:
        # While replaying every request is answered here, a miss included: never connect.
        return self.replaying

    def play_response(self, request: Any) -> dict[str, Any]:
        key = match_key(self._before_record_request(request))
        with self._lock:
            answers = self._index().get(key)
            if not answers:
                raise self._miss(key)
            turn = self._played[key]
            self._played[key] = min(turn + 1, len(answers) - 1)
            answer = answers[turn]
        return {**answer, "headers": dict(answer["headers"])}  # vcrpy edits the headers

    def _index(self) -> dict[MatchKey, list[dict[str, Any]]]:
        if self._answers is None:
            self._answers = {}
            for request, response in self.data:
                self._answers.setdefault(match_key(request), []).append(response)
        return self._answers

    def _miss(self, key: MatchKey) -> CassetteMissError:
        method, path, query, _ = key
        target = scrub(path + (f"?{query}" if query else ""))
        return CassetteMissError(
            f"{method} {target} is not in the cassette {self.name}, and a replay never "
            "uses the network. Ask only for what was recorded (count date windows from "
            "session.today(), the recording's day), or record the cassette again: delete "
            "the file, or pass cassette=cx.Cassette(path, 'rewrite').", method=method,
            path=path)


class Cassette:
    """Records or replays every ``requests`` call made while it is open (see the module
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
        self._loaded = _read(self.path) if self.replaying else None
        recorded = self._loaded[2]["clock_anchor"] if self._loaded else None
        self.anchor = float(next(a for a in (recorded, anchor, time.time()) if a is not None))
        self._redactor = Redactor(round(self.anchor * 1000), harvesting=not self.replaying)
        self._context: Any = None
        self._tape: _Tape | None = None

    def add_secrets(self, secrets: Secrets) -> None:
        """Also scan the recording for what ``secrets()`` returns when recording ends."""
        before = self._secrets
        self._secrets = lambda: (*before(), *secrets())

    def clock(self) -> float:
        """Now while recording; the recorded anchor, frozen, while replaying."""
        return self.anchor if self.replaying else time.time()

    def date(self) -> date:
        """The day of the recording in Mexico City."""
        return datetime.fromtimestamp(self.anchor, c.MEXICO_CITY).date()

    def __enter__(self) -> Cassette:
        if self._context is not None:
            raise CassetteError(f"the cassette {self.path.name} is already open")
        if hasattr(requests.Session, "cache_disabled"):
            raise CassetteError("requests-cache is installed globally: its answers would "
                                "bypass the cassette. Call requests_cache.uninstall_cache().")
        if not _PATCHED.acquire(blocking=False):
            raise CassetteError(
                f"another cassette is open in this process, so {self.path.name} cannot be: "
                "recording patches requests for every session at once. Close the other "
                "session (session.close()) first, or run this one in another process.")
        try:
            self._context = self._tape_context()
            self._tape = self._context.__enter__()
        except BaseException:
            self._context = None
            _PATCHED.release()
            raise
        return self

    def _tape_context(self) -> Any:
        return _Tape.use(
            path=str(self.path), persister=_Persister(self._loaded), record_on_exception=False,
            record_mode=RecordMode.NONE if self.replaying else RecordMode.ALL,
            before_record_request=self._redactor.request,
            before_record_response=self._redactor.response,
            replaying=self.replaying, name=self.path.name,
            custom_patches=((requests.adapters.HTTPAdapter, "send",
                             _one_at_a_time(requests.adapters.HTTPAdapter.send)),))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close(keep=kind is None)  # a recording cut short by an error is never written

    def close(self, *, keep: bool = True) -> None:
        """Stop recording or replaying; write the recording if ``keep``. Closing a
        cassette that is not open does nothing."""
        context, tape, self._context = self._context, self._tape, None
        if context is None:
            return
        try:
            context.__exit__(None, None, None)  # unpatch first, whatever happens next
        finally:
            _PATCHED.release()
        if keep and not self.replaying and tape is not None:
            self._write(tape.data)

    def _write(self, data: list[tuple[Any, Any]]) -> None:
        pairs = sorted(data, key=lambda pair: _order(match_key(pair[0])))
        metadata = {"clock_anchor": self.anchor, "date_anchor": self.date().isoformat(),
                    "format": 1}
        text = serialize({"requests": [p[0] for p in pairs],
                          "responses": [p[1] for p in pairs], "metadata": metadata},
                         yamlserializer)
        secrets = {**dict.fromkeys(self._secrets(), "a secret named by the caller"),
                   **self._redactor.seen()}
        where = find_leak(text, pairs, secrets)
        if where:
            raise CassetteLeakError(f"the recording for {self.path.name} still held {where}, "
                                    "so it was not written. The redaction preset misses "
                                    "that field: report it, and do not share that recording.")
        _write_atomically(self.path, text)


def without_http_cache(session: requests.Session) -> contextlib.AbstractContextManager[Any]:
    """The context to send through while a cassette is open: a requests-cache
    ``CachedSession`` with its cache switched off, or nothing for a plain session."""
    disabled = getattr(session, "cache_disabled", None)
    return disabled() if callable(disabled) else contextlib.nullcontext()


def _one_at_a_time(send: Callable[..., Any]) -> Callable[..., Any]:
    """``HTTPAdapter.send``, one request at a time. vcrpy swaps the real connection classes
    back in, for the whole process, whenever it opens a connection or sends a recorded
    request; a connection another thread makes meanwhile escapes the cassette (vcrpy issues
    212, 849). Paging threads wait their turn; replays answer from memory anyway."""
    lock = threading.RLock()

    def send_alone(adapter: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return send(adapter, *args, **kwargs)

    return send_alone


def _order(key: MatchKey) -> tuple[str, str, str, bytes]:
    method, path, query, body = key
    return path, query, method, body


def _replays(path: Path, mode: Mode) -> bool:
    exists = path.is_file()
    if mode == "replay" and not exists:
        raise CassetteFileError(f"no cassette at {path}: record it first (mode='record').")
    if mode == "record" and exists:
        raise CassetteFileError(f"a cassette is already at {path}: replay it, or record it "
                                "again with mode='rewrite'.")
    return mode == "replay" or (mode == "auto" and exists)


def _read(path: Path) -> tuple[Any, Any, dict[str, Any]]:
    try:
        loaded = deserialize(path.read_text(encoding="utf-8"), yamlserializer)
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as err:
        raise CassetteFileError(f"{path} cannot be read as a cassette: record it again "
                                "with mode='rewrite'.") from err
    if len(loaded) < 3 or "clock_anchor" not in loaded[2]:
        raise CassetteFileError(f"{path} was not recorded by cargamos_explore (it has no "
                                "clock anchor): record it again with mode='rewrite'.")
    requests_, responses, metadata = loaded
    return requests_, responses, metadata


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
