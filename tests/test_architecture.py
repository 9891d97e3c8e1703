"""The package's shape: layers that import only downwards, no cycles, small pieces.

Layers, from the bottom: the foundation (errors, contract, scrub, arguments, formatters),
bootstrap, cassettes (recording and replay, which a transport mounts on its own session;
the notebook recorder too), transport, decoding, queries, export (Parquet datasets),
analysis, the Session, the notebook layer, and the entry points (cx.login, the CLI, the
pytest plugin). A module may import its own layer and the layers below it. The sandbox
stands apart: it shares only the contract, and only bootstrap (to start it) and the CLI
(to serve it) import it, lazily.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "cargamos_explore"
LAYERS = ("foundation", "bootstrap", "cassettes", "transport", "decoding", "queries", "export",
          "analysis", "session", "notebook", "entry")
FOUNDATION = {"errors", "contract", "scrub", "arguments", "formatters", "tracebacks"}
ENTRY = {"start", "cli", "cli_types", "testing", "__init__"}
MAY_IMPORT_SANDBOX = {"bootstrap.connect", "bootstrap.embedded", "cli"}
#: Loaded only when used: a session with a host needs none of them.
HEAVY = ("flask", "werkzeug", "jinja2", "ipywidgets", "anywidget", "matplotlib", "duckdb",
         "xlsxwriter")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def layer(module: str) -> str:
    top = module.split(".")[0]
    if top in FOUNDATION:
        return "foundation"
    if top in ENTRY:
        return "entry"
    return top


def type_only(tree: ast.AST) -> set[int]:
    """The import nodes under ``if TYPE_CHECKING:``, which never run."""
    blocks = [node for node in ast.walk(tree) if isinstance(node, ast.If)
              and "TYPE_CHECKING" in ast.unparse(node.test)]
    return {id(inner) for block in blocks for stmt in block.body for inner in ast.walk(stmt)}


def imports(path: Path) -> set[str]:
    """Every module of ours that ``path`` imports when it runs, at the top or inside a
    function (imports for type checkers only are left out)."""
    module = module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = [] if module == "__init__" else package
    found: set[str] = set()
    tree = ast.parse(path.read_text())
    skipped = type_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names = [f"{target}.{a.name}" if target else a.name for a in node.names]
            found |= {n if known(n) else target for n in names if known(n) or target}
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                a.name for a in node.names]
            found |= {n.removeprefix("cargamos_explore.") for n in names
                      if n.startswith("cargamos_explore.")}
    return {name for name in found if name and name != module}


def known(name: str) -> bool:
    path = PACKAGE.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


GRAPH = {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}


def client_modules() -> list[str]:
    return sorted(m for m in GRAPH if layer(m) != "sandbox")


@pytest.mark.parametrize("module", client_modules())
def test_every_import_goes_to_the_same_layer_or_below(module: str) -> None:
    rank = LAYERS.index(layer(module))
    upward = [target for target in GRAPH[module] if layer(target) != "sandbox"
              and LAYERS.index(layer(target)) > rank]
    assert upward == [], f"{module} ({layer(module)}) imports from above: {upward}"


def test_only_bootstrap_and_the_cli_import_the_sandbox() -> None:
    importers = {m for m in client_modules() if any(layer(t) == "sandbox" for t in GRAPH[m])}
    assert importers == MAY_IMPORT_SANDBOX
    sandbox = [m for m in GRAPH if layer(m) == "sandbox"]
    assert all(layer(t) in ("sandbox", "foundation") for m in sandbox for t in GRAPH[m])


def test_the_import_graph_has_no_cycles() -> None:
    state: dict[str, str] = {}

    def visit(module: str, trail: tuple[str, ...]) -> None:
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", f"import cycle: {' -> '.join((*trail, module))}"
        state[module] = "open"
        for target in GRAPH.get(module, ()):
            if target in GRAPH:
                visit(target, (*trail, module))
        state[module] = "done"

    for module in sorted(GRAPH):
        visit(module, ())


def test_importing_the_package_loads_no_server_widget_or_chart_library() -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import cargamos_explore"],
                          capture_output=True, text=True, check=True)
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
              if line.startswith("import time:") and "|" in line}
    assert "cargamos_explore" in loaded and "pandas" in loaded
    assert sorted(loaded & set(HEAVY)) == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_pieces_stay_small(path: Path) -> None:
    source = path.read_text()
    assert len(source.splitlines()) <= 300, f"{path.name} is over 300 lines"
    functions = [node for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    long = [(f.name, f.end_lineno - f.lineno + 1) for f in functions
            if f.end_lineno and f.end_lineno - f.lineno + 1 > 40]
    assert long == [], f"functions over 40 lines in {path.name}: {long}"
