"""`cargamos-explore --help` reads as plain text in a terminal: no reStructuredText."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from cargamos_explore.cli import main

MARKUP = re.compile(r"``|:\w+:`|`[^`]+`")


@pytest.mark.parametrize("command", [[], ["demo"], ["sandbox"], ["export"], ["record"],
                                     ["run-notebooks"]])
def test_help_is_plain_text(command: list[str]) -> None:
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown), pytest.raises(SystemExit):
        main([*command, "--help"])
    text = shown.getvalue()
    assert text.startswith("usage: cargamos-explore")
    assert MARKUP.search(text) is None, text
