"""The notebooks: each replays offline from its cassette without an error, its saved outputs
are what that replay shows (``make notebooks`` writes them), and no saved notebook holds a
secret, a widget's state or a run time."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from cargamos_explore.cassettes.replays import WIDGET_VIEW, comparable, replay_notebook, tidy

from .test_record_command import demo_secrets, leaks

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAMES = ["00_quickstart", "01_delivery_performance", "02_failed_attempts",
         "03_check_orders_sheet", "04_explore"]


def saved(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def pair(request: pytest.FixtureRequest) -> tuple[Path, Any]:
    """A notebook's path and its replay in a fresh kernel, with no network (a cell that
    errors fails here, naming the notebook and the error)."""
    path: Path = request.param
    return path, replay_notebook(path)


def test_the_five_notebooks_are_there() -> None:
    assert [p.stem for p in NOTEBOOKS] == NAMES


def test_saved_outputs_are_what_the_replay_shows(pair: tuple[Path, Any]) -> None:
    path, replayed = pair
    committed, fresh = comparable(saved(path)), comparable(replayed)
    assert len(committed) == len(fresh), f"{path.name}: run make notebooks"
    for number, (old, new) in enumerate(zip(committed, fresh, strict=True), start=1):
        assert old == new, f"{path.name}, code cell {number} differs: run make notebooks"


def test_a_replay_shows_no_error_or_warning(pair: tuple[Path, Any]) -> None:
    _, replayed = pair
    kinds = {kind for cell in comparable(replayed) for kind, _ in cell}
    assert "error" not in kinds and "stderr" not in kinds


def code_cells(document: Any) -> list[Any]:
    return [cell for cell in document.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_notebook_says_what_it_answers_shows_charts_and_what_to_try_next(
        path: Path) -> None:
    document = saved(path)
    first, last = document.cells[0], document.cells[-1]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert len(first.source.split("\n\n")) == 2  # a title, then what it answers
    assert last.cell_type == "markdown" and last.source.startswith("## What to try next")
    login = code_cells(document)[0].source
    assert f'cx.login(cassette="../cassettes/{path.stem}.yaml")' in login
    assert len(login.splitlines()) <= 6
    prose = "\n".join(cell.source for cell in document.cells if cell.cell_type == "markdown")
    assert "cx.LoginForm()" in prose and "CARGAMOS_USERNAME" in prose  # your own account
    charts = [output for cell in code_cells(document) for output in cell.outputs
              if "image/png" in output.get("data", {})]
    assert charts, f"{path.name} shows no chart"
    for cell in code_cells(document):
        # A chart line ends with ';' so that no "<Axes: ...>" is printed under it.
        texts = [o.data.get("text/plain", "") for o in cell.outputs if "data" in o]
        assert not any(text.startswith("<Axes") for text in texts), cell.source


def test_the_quickstart_shows_the_form_the_indicator_the_card_and_provenance() -> None:
    document = saved(ROOT / "notebooks" / "00_quickstart.ipynb")
    shown = {cell.source: [o.get("data", {}) for o in cell.outputs]
             for cell in code_cells(document)}
    form = shown["form = cx.LoginForm()\nform"][0]
    assert list(form) == ["text/plain"] and "Cargamos login form" in form["text/plain"]
    assert shown["cx.TokenIndicator(session)"][0]["text/plain"].startswith(
        "Cargamos token for replay: 60:00 left")
    assert "text/html" in shown["session"][0] and "text/html" in shown[
        "cx.provenance(shipments)"][0]
    text = json.dumps(document.cells)
    assert "session.cache_hits" in text and "from_cache" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_saved_notebooks_hold_no_secret_widget_state_or_run_time(path: Path) -> None:
    text = path.read_text()
    assert '"output_type"' in text  # saved with outputs
    # Charts aside (base64 holds any short shape), and "shipper" and "baja" aside: the docs'
    # password and the disabled user's are plain words of the prose; their Basic forms stay.
    words = re.sub(r'"image/png": "[^"]*"', "", text)
    assert leaks(words, [s for s in demo_secrets() if s not in ("shipper", "baja")]) == []
    assert not re.search(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{8,}", text)
    assert "key=" not in text.replace("key=REDACTED", "")
    document = saved(path)
    assert "widgets" not in document.metadata and WIDGET_VIEW not in text
    assert all("execution" not in cell.metadata for cell in document.cells)


def test_tidy_keeps_a_widgets_text_and_comparable_ignores_what_changes_per_run() -> None:
    def notebook(address: str, styler: str, png: str) -> Any:
        cell = nbformat.v4.new_code_cell("x")
        cell.metadata["execution"] = {"iopub.status.busy": "2026-11-18T10:00:00Z"}
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={
                WIDGET_VIEW: {"model_id": "abc"}, "text/plain": "LoginForm(...)"}),
            nbformat.v4.new_output("execute_result", execution_count=7, data={
                "text/plain": f"<Thing at {address}>",
                "text/html": f'<style>#T_{styler}_row0 {{}}</style><table id="T_{styler}">',
                "image/png": png}),
            nbformat.v4.new_output("stream", name="stdout", text="Bearer abcdefgh12345\n"),
        ]
        document = nbformat.v4.new_notebook(cells=[cell])
        document.metadata["widgets"] = {"state": {"password": "secret"}}
        return tidy(document)

    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAA"
           "AABJRU5ErkJggg==")
    first = notebook("0x7f00aa", "1a2b3", png)
    second = notebook("0x7f99bb", "9f8e7", png[:40] + "B" + png[41:])
    assert comparable(first) == comparable(second)
    assert "widgets" not in first.metadata and "execution" not in first.cells[0].metadata
    outputs = first.cells[0].outputs
    assert outputs[0].data == {"text/plain": "LoginForm(...)"}
    assert outputs[1].execution_count == 1 and first.cells[0].execution_count == 1
    assert outputs[2].text == "Bearer REDACTED\n"


def test_make_notebooks_replays_and_saves_every_notebook() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "\nnotebooks: " in makefile
    assert "cargamos-explore run-notebooks notebooks/*.ipynb" in makefile
