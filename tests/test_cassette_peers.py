"""Peers read what we write: the committed cassettes replay with plain vcrpy and with
pytest-recording's ``@pytest.mark.vcr``, and the redaction preset serves as ``vcr_config``."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import requests
import vcr
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

ROOT = Path(__file__).parent.parent
COMMITTED = sorted((ROOT / "cassettes").glob("*.yaml"))


def interactions(path: Path) -> list[tuple[Any, dict[str, Any]]]:
    """The cassette's interactions, as vcrpy itself reads them."""
    loaded = deserialize(path.read_text(encoding="utf-8"), yamlserializer)
    return list(zip(loaded[0], loaded[1], strict=True))


def replay_every_interaction(path: Path) -> int:
    """Send every recorded request with plain requests; each gets its recorded answer."""
    pairs = interactions(path)
    assert pairs, f"{path.name} holds no interaction"
    for request, response in pairs:
        answer = requests.request(request.method, request.uri, data=request.body,
                                  headers=dict(request.headers), timeout=5)
        assert answer.status_code == response["status"]["code"], request.uri
        assert answer.content == response["body"]["string"], request.uri
    return len(pairs)


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    return {"record_mode": "none"}


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name, marks=pytest.mark.vcr(str(p)))
                                  for p in COMMITTED])
def test_pytest_recording_replays_every_committed_cassette(path: Path, vcr: Any) -> None:
    assert vcr is not None and vcr.record_mode == "none"
    assert replay_every_interaction(path) == len(vcr.data)
    assert vcr.all_played


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_plain_vcrpy_replays_every_committed_cassette(path: Path) -> None:
    with vcr.VCR(record_mode="none").use_cassette(str(path)) as cassette:
        replay_every_interaction(path)
        assert cassette.all_played


def test_there_are_committed_cassettes() -> None:
    assert [p.name for p in COMMITTED] == [f"{n.stem}.yaml" for n in
                                           sorted((ROOT / "notebooks").glob("*.ipynb"))]


def test_the_redaction_preset_survives_deepcopy(cargamos_redaction: dict[str, Any]) -> None:
    from vcr.request import Request

    copied = copy.deepcopy(cargamos_redaction)  # what pytest-recording does to vcr_config
    request = Request("GET", "http://127.0.0.1:5/v1/login?key=sbx-secret", b"{}",
                      {"Authorization": "Basic YTpi"})
    clean = copied["before_record_request"](request)
    assert clean.uri == "https://cargamos.invalid/v1/login?key=REDACTED"
    assert dict(clean.headers) == {"Authorization": "Basic REDACTED"}
