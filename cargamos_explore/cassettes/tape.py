"""vcrpy's own ``Cassette``, used as the store of one recording or replay.

It keeps the interactions, runs the redaction preset on each one recorded (and on each one
loaded, which is idempotent) and answers replays by this toolkit's matching rule (see
``redaction.match_key``). It is never ``use()``d, so vcrpy patches nothing: requests reach
it only through the session's ``CassetteAdapter``.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

import vcr.cassette
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.record_mode import RecordMode

from ..errors import CassetteMissError
from ..scrub import scrub
from .redaction import MatchKey, Redactor, match_key

if TYPE_CHECKING:
    from .files import Contents


class _Persister:
    """Hands vcrpy the cassette already read and checked (``files.read``), and writes
    nothing: ``Cassette`` writes the file itself, after the leak scan."""

    def __init__(self, loaded: Contents | None) -> None:
        self.loaded = loaded

    def load_cassette(self, path: Any, serializer: Any) -> tuple[list[Any], list[Any]]:
        if self.loaded is None:
            raise CassetteNotFoundError()
        return self.loaded.requests, self.loaded.responses

    def save_cassette(self, path: Any, cassette_dict: Any, serializer: Any) -> None:
        return None


# vcrpy ships no type hints, so its Cassette is Any to mypy.
class Tape(vcr.cassette.Cassette):  # type: ignore[misc]
    """vcrpy's cassette with this toolkit's playback rules."""

    def __init__(self, *args: Any, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name
        self._answers: dict[MatchKey, list[dict[str, Any]]] | None = None
        self._played: Counter[MatchKey] = Counter()
        self._play_lock = threading.Lock()

    @classmethod
    def start(cls, redactor: Redactor, loaded: Contents | None, name: str) -> Tape:
        """A tape holding ``loaded`` (a replay), or an empty one to record into."""
        tape: Tape = cls.load(
            path=name, persister=_Persister(loaded), name=name,
            record_mode=RecordMode.NONE if loaded is not None else RecordMode.ALL,
            before_record_request=redactor.request, before_record_response=redactor.response)
        return tape

    def play_response(self, request: Any) -> dict[str, Any]:
        key = match_key(self._before_record_request(request))
        with self._play_lock:
            answers = self._index().get(key)
            if not answers:
                raise self._miss(key)
            turn = self._played[key]
            self._played[key] = min(turn + 1, len(answers) - 1)
            answer = answers[turn]
        return {**answer, "headers": dict(answer["headers"])}

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
