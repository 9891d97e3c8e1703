"""Cassette files: safe to open, damaged ones refused clearly, written without a trace."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import vcr
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

import cargamos_explore as cx
from cargamos_explore.cassettes.cassette import Cassette
from cargamos_explore.sandbox import Sandbox, serve

from .conftest import ANA, ANCHOR, TIENDA

ROOT = Path(__file__).parent.parent
HEADER = "# cargamos-explore cassette 2: clock_anchor=1795000000.0 date_anchor=2026-11-18\n"
GOOD = """interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: https://cargamos.invalid/v1/webhook
  response:
    body: {string: '{}'}
    headers: {Content-Type: [application/json]}
    status: {code: 200, message: OK}
version: 1
"""


def planted(tmp_path: Path, marker: Path) -> str:
    """A cassette whose request body is a YAML tag that would run a command if loaded
    with PyYAML's unsafe loader."""
    tag = f"!!python/object/apply:os.system ['touch {marker}']"
    return HEADER + GOOD.replace("body: null", f"body: {tag}")


def test_a_python_tag_in_a_cassette_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "shared.yaml"
    path.write_text(planted(tmp_path, marker))
    with pytest.raises(cx.CassetteFileError, match=r"shared\.yaml is not a vcrpy cassette"):
        cx.login(cassette=path)
    assert not marker.exists()


def test_the_installed_vcrpy_itself_refuses_python_tags(tmp_path: Path) -> None:
    # Run again by `make test-vcrpy-floor`, on the oldest vcrpy the pin admits.
    marker = tmp_path / "ran"
    with pytest.raises(ValueError):  # 8.2.1 calls it an old cassette, 8.3 an unknown tag
        deserialize(planted(tmp_path, marker), yamlserializer)
    assert not marker.exists()


def test_the_floor_ci_runs_is_the_floor_the_pin_admits() -> None:
    pinned = re.findall(r'"vcrpy>=([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    floor = re.search(r"VCRPY_FLOOR = ([\d.]+)", (ROOT / "Makefile").read_text())
    assert floor is not None and len(pinned) == 2 and set(pinned) == {floor[1]}
    assert "make test-vcrpy-floor" in (ROOT / ".ci" / "run").read_text()
    assert tuple(int(part) for part in vcr.__version__.split(".")[:3]) >= (8, 2, 1)


DAMAGED = {
    "status code as text": (HEADER + GOOD.replace("code: 200", "code: 'OK'"),
                            "interaction 1 has no valid status code"),
    "status code out of range": (HEADER + GOOD.replace("code: 200", "code: 2000"),
                                 "interaction 1 has no valid status code"),
    "no status": (HEADER + GOOD.replace("status: {code: 200, message: OK}", "other: 1"),
                  "interaction 1 has no valid status code"),
    "bad URI": (HEADER + GOOD.replace("https://cargamos.invalid/v1/webhook", "not a uri"),
                "interaction 1 has no valid URI"),
    "URI not text": (HEADER + GOOD.replace("https://cargamos.invalid/v1/webhook", "[1, 2]"),
                     "not a vcrpy cassette|interaction 1 has no valid URI"),
    "bad method": (HEADER + GOOD.replace("method: GET", "method: 7"),
                   "interaction 1 has no valid method"),
    "headers not lists": (HEADER + GOOD.replace("[application/json]", "{a: b}"),
                          "interaction 1 has headers that are not lists of text"),
    "body not text": (HEADER + GOOD.replace("{string: '{}'}", "{string: [1]}"),
                      "interaction 1 has no valid body|not a vcrpy cassette"),
    "no response": (HEADER + GOOD.replace("  response:", "  answer:"),
                    "not a vcrpy cassette"),
    "no interactions": (HEADER + "version: 1\n", "not a vcrpy cassette"),
    "a list": (HEADER + "- 1\n- 2\n", "not a vcrpy cassette"),
    "not YAML": (HEADER + "interactions: [\n", "not a vcrpy cassette"),
    "clock anchor not a number": (HEADER.replace("1795000000.0", "soon") + GOOD,
                                  "damaged first line"),
    "clock anchor infinite": (HEADER.replace("1795000000.0", "inf") + GOOD,
                              "clock_anchor must be a time"),
    "date anchor not a date": (HEADER.replace("2026-11-18", "2026-13-45") + GOOD,
                               "damaged first line"),
    "clock anchor past year 2999": (HEADER.replace("1795000000.0", "99999999999999.0") + GOOD,
                                    "clock_anchor must be a time"),
    "date anchor in year 1": (HEADER.replace("2026-11-18", "0001-01-01") + GOOD,
                              "date_anchor 0001-01-01 is not the day of its clock_anchor"),
    "date anchor days from the clock's": (HEADER.replace("2026-11-18", "2026-11-20") + GOOD,
                                          "date_anchor 2026-11-20 is not the day"),
    "an older format": (HEADER.replace("cassette 2:", "cassette 1:") + GOOD,
                        "cassette of format 1; this version"),
    "a newer format": (HEADER.replace("cassette 2:", "cassette 99:") + GOOD,
                       "cassette of format 99; this version"),
    "no anchors": (GOOD, "not recorded by cargamos_explore"),
    "empty": ("", "not recorded by cargamos_explore"),
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_a_damaged_cassette_raises_cassette_file_error(tmp_path: Path, case: str) -> None:
    text, problem = DAMAGED[case]
    path = tmp_path / "damaged.yaml"
    path.write_text(text)
    with pytest.raises(cx.CassetteFileError, match=problem) as caught:
        cx.login(cassette=path)
    assert str(path) in str(caught.value) and "mode='rewrite'" in str(caught.value)


def test_a_cassette_that_is_not_text_raises_cassette_file_error(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(cx.CassetteFileError, match="cannot be read"):
        Cassette(path)


def test_a_date_anchor_a_day_from_the_clocks_replays(tmp_path: Path) -> None:
    path = tmp_path / "neighbour.yaml"
    path.write_text(HEADER.replace("2026-11-18", "2026-11-17") + GOOD)
    assert str(Cassette(path).date()) == "2026-11-17"


@pytest.mark.parametrize("mode", ["auto", "record", "rewrite", "replay"])
def test_a_folder_at_the_cassette_path_is_refused_before_any_call(
        tmp_path: Path, mode: str) -> None:
    path = tmp_path / "cdir.yaml"
    path.mkdir()
    with serve(Sandbox(size=10, seed=1, anchor=ANCHOR)) as url, pytest.raises(
            cx.CassetteFileError, match="is not a file") as caught:
        cx.login(url, key=TIENDA.key, username=ANA, password=TIENDA.users[ANA], env={},
                 sources=(), cassette=cx.Cassette(path, mode))  # type: ignore[arg-type]
    assert str(path) in str(caught.value)
    assert path.is_dir() and not any(path.iterdir())


def test_a_special_file_at_the_cassette_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    with pytest.raises(cx.CassetteFileError, match=rf"{re.escape(str(path))} is not a file"):
        Cassette(path)


def test_a_good_cassette_of_this_shape_replays(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(HEADER + GOOD)
    cassette = Cassette(path)
    assert cassette.replaying and cassette.anchor == ANCHOR
    assert str(cassette.date()) == "2026-11-18"


def record_login(path: Path) -> None:
    with serve(Sandbox(size=10, seed=1, anchor=ANCHOR)) as url, cx.login(
            url, key=TIENDA.key, username=ANA, password=TIENDA.users[ANA], env={}, sources=(),
            cassette=cx.Cassette(path, "rewrite", anchor=ANCHOR)) as session:
        session.webhook()


def test_a_planted_symlink_is_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    folder = tmp_path / "tapes"
    folder.mkdir()
    path = folder / "mine.yaml"
    # The partial file's old, predictable names, each a symlink to the victim.
    for name in (".mine.yaml.partial", ".mine.yaml.tmp", "mine.yaml.partial"):
        (folder / name).symlink_to(victim)
    record_login(path)
    assert victim.read_text() == "precious"
    assert path.read_text().startswith(HEADER) and not path.is_symlink()
    assert sorted(p.name for p in folder.iterdir()) == [
        ".mine.yaml.partial", ".mine.yaml.tmp", "mine.yaml", "mine.yaml.partial"]


def test_two_recordings_of_one_cassette_never_share_a_partial_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    names: list[str] = []
    make = tempfile.mkstemp

    def noting(*args: object, **kwargs: object) -> tuple[int, str]:
        handle, name = make(*args, **kwargs)  # type: ignore[call-overload]
        names.append(name)
        return handle, name

    monkeypatch.setattr(tempfile, "mkstemp", noting)
    path = tmp_path / "twice.yaml"
    record_login(path)
    record_login(path)
    assert len(set(names)) == 2 and all(".twice.yaml." in name for name in names)
    assert [p.name for p in tmp_path.iterdir()] == ["twice.yaml"]
