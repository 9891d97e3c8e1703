"""The public surface: a sorted, exact __all__, and README examples that run."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import cargamos_explore as cx

ROOT = Path(__file__).parent.parent


def test_all_is_sorted_and_exact() -> None:
    assert cx.__all__ == sorted(cx.__all__)
    public = {n for n in vars(cx) if not n.startswith("_") and n not in {"annotations"}}
    public |= set(cx._LAZY)  # the widgets, imported on first use
    modules = {n for n in public if type(getattr(cx, n)).__name__ == "module"} - {"sandbox"}
    assert set(cx.__all__) - {"__version__"} == public - modules


def test_every_error_derives_from_the_base_and_documents_when() -> None:
    errors = [getattr(cx, n) for n in cx.__all__ if n.endswith("Error")]
    assert errors and all(issubclass(e, cx.CargamosError) for e in errors)
    assert all(e.__doc__ and "aise" in e.__doc__ for e in errors)


def test_readme_python_examples_run() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        namespace: dict[str, object] = {}
        with warnings.catch_warnings():
            # The examples' dates follow today: none may read a window the sandbox lacks.
            warnings.simplefilter("error", cx.EmptyWindowWarning)
            exec(compile(block, "README.md", "exec"), namespace)
        session = namespace.get("session")
        if isinstance(session, cx.Session):
            session.close()


def test_the_readme_shows_the_two_commands_first() -> None:
    head = (ROOT / "README.md").read_text().split("\n## ")[0]
    assert "make demo" in head and "make test" in head


def test_the_readme_tables_match_the_schema() -> None:
    from cargamos_explore.decoding.schema import (
        EVENT_COLUMNS,
        ORDER_RESULT_COLUMNS,
        SHIPMENT_COLUMNS,
        markdown_table,
    )

    readme = (ROOT / "README.md").read_text()
    for columns in (SHIPMENT_COLUMNS, EVENT_COLUMNS, ORDER_RESULT_COLUMNS):
        assert markdown_table(columns) in readme


def test_importing_the_package_does_not_load_the_widgets() -> None:
    import subprocess
    import sys

    code = "import sys, cargamos_explore; print('ipywidgets' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=ROOT).stdout.strip()
    assert found == "False"
    assert cx.LoginForm.__name__ == "LoginForm" and cx.TokenIndicator.__name__ == "TokenIndicator"


def test_the_readme_empty_window_example_is_true_on_any_day(session: cx.Session) -> None:
    """Its window must stay wholly before the sandbox's history, whatever today is."""
    readme = " ".join((ROOT / "README.md").read_text().split())
    found = re.search(r'session\.shipments\("(\S+)", "(\S+)"\)` warns "(no shipments[^"]*) '
                      r'N days before today', readme)
    assert found is not None
    start, end, said = found.groups()
    with pytest.warns(cx.EmptyWindowWarning, match=re.escape(said)):
        session.shipments(start, end)
