"""Replaying a cassette through a session's own adapter, beside plain vcrpy replaying it.

For each committed cassette, two replays of every interaction: plain ``requests`` under
vcrpy's process-wide patch (``vcr.use_cassette``, record mode none), and a
``cargamos_explore`` Cassette (the file read and checked, then each request answered by
the adapter mounted on one ``requests.Session``). Best of a few runs each, since this
machine is shared. Goal: the session's replay within 1.5x of plain vcrpy.
"""

from __future__ import annotations

from pathlib import Path

import requests
import vcr
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from cargamos_explore.cassettes.cassette import Cassette

from _common import best_of

ROOT = Path(__file__).parent.parent
REPEATS = 3


def interactions(path: Path) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    requests_, _ = deserialize(path.read_text(encoding="utf-8"), yamlserializer)[:2]
    return [(r.method, r.uri, r.body, dict(r.headers)) for r in requests_]


def send_all(http: requests.Session, calls: list[tuple[str, str, bytes | None,
                                                          dict[str, str]]]) -> None:
    for method, uri, body, headers in calls:
        http.request(method, uri, data=body, headers=headers, timeout=5).raise_for_status()


def plain_vcrpy(path: Path) -> None:
    calls = interactions(path)
    with vcr.VCR(record_mode="none").use_cassette(str(path)), requests.Session() as http:
        send_all(http, calls)


def session_adapter(path: Path) -> None:
    calls = interactions(path)
    with Cassette(path, "replay") as cassette, requests.Session() as http:
        cassette.attach(http)
        send_all(http, calls)


def main() -> None:
    ratios = []
    for path in sorted((ROOT / "cassettes").glob("*.yaml")):
        plain = best_of(REPEATS, lambda: plain_vcrpy(path))  # noqa: B023
        ours = best_of(REPEATS, lambda: session_adapter(path))  # noqa: B023
        ratios.append(ours / plain)
        print(f"{path.name:32} {len(interactions(path)):3} requests  plain vcrpy "
              f"{plain:.3f} s  session adapter {ours:.3f} s  ratio {ours / plain:.2f}x")
    print(f"worst ratio: {max(ratios):.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
