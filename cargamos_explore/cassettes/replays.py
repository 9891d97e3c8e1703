"""Replay notebooks from their cassettes and save them with their outputs.

``cargamos-explore run-notebooks notebooks/*.ipynb`` (``make notebooks``) runs each notebook
in a fresh kernel, where its own ``cx.login(cassette=...)`` replays the committed answers on
a clock that stands at the recording, and writes the notebook back with what it showed: a
notebook then reads well on a code host without being run. The same replay, compared with
the saved file by ``comparable``, tells the test suite whether the committed outputs are
still what the notebook produces.

What is kept is what a reader needs: a widget keeps its one-line text form (its live view
needs a kernel, and its state is not saved at all), charts keep their PNG, and nothing
records when or how long a cell ran.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from ..scrub import scrub
from .recorder import CREDENTIAL_PREFIX, run_notebook

WIDGET_VIEW: Final = "application/vnd.jupyter.widget-view+json"
PNG: Final = "image/png"
PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
#: Text that differs from run to run although nothing the notebook computed did.
VOLATILE: Final = (
    (re.compile(r" at 0x[0-9a-f]+"), ""),  # object addresses in reprs
    (re.compile(r"T_[0-9a-f]{5}(?=[_\s\"'])"), "T_uuid"),  # a pandas Styler's random id
    (re.compile(r"(fetched_at\W+)\d{4}-\d\d-\d\dT[\d:]+[+-]\d\d:\d\d"), r"\1<time>"),
)


def replay_notebook(notebook: Path, env: Mapping[str, str] | None = None) -> Any:
    """``notebook`` executed in a fresh kernel with no ``CARGAMOS_*`` setting (a replay
    needs none, and must not reach the analyst's account), tidied for saving."""
    env = os.environ if env is None else env
    kept = {name: value for name, value in env.items()
            if not name.startswith(CREDENTIAL_PREFIX)}
    return tidy(run_notebook(notebook, kept, keep_widget_state=False))


def save_replay(notebook: Path) -> Path:
    """Replay ``notebook`` and write it back in place with its outputs."""
    import nbformat

    document = replay_notebook(notebook)
    nbformat.write(document, notebook)  # type: ignore[no-untyped-call]
    return notebook


def tidy(document: Any) -> Any:
    """Widgets as their text form, no run times, no widget state, numbered cells in order;
    text outputs go through the scrubber, which a replay should never need."""
    document.metadata.pop("widgets", None)
    number = 0
    for cell in document.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        number += 1
        cell.execution_count = number
        cell.outputs = [_tidy_output(output, number) for output in cell.outputs]
    return document


def _tidy_output(output: Any, number: int) -> Any:
    if "execution_count" in output:
        output.execution_count = number
    if "data" in output:
        output.data.pop(WIDGET_VIEW, None)
        output.data = {mime: _clean(value) if mime.startswith("text/") else value
                       for mime, value in output.data.items()}
    if "text" in output:
        output.text = _clean(output.text)
    return output


def _clean(text: str | list[str]) -> str:
    return scrub("".join(text) if isinstance(text, list) else text)


def comparable(document: Any) -> list[list[tuple[str, str]]]:
    """Each code cell's outputs as (kind, text) pairs with the volatile parts removed;
    a chart counts as present and valid, not by its bytes (they depend on the fonts and
    the matplotlib build)."""
    return [[pair for output in cell.outputs for pair in _pairs(output)]
            for cell in document.cells if cell.cell_type == "code"]


def _pairs(output: Any) -> list[tuple[str, str]]:
    if output.output_type == "stream":
        return [(output.name, _stable(_clean(output.text)))]
    if output.output_type == "error":
        return [("error", f"{output.ename}: {output.evalue}")]
    return [(mime, _png(value) if mime == PNG else _stable(_clean(value)))
            for mime, value in sorted(output.get("data", {}).items()) if mime != WIDGET_VIEW]


def _png(value: str) -> str:
    return "a PNG" if base64.b64decode(value).startswith(PNG_SIGNATURE) else "not a PNG"


def _stable(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text
