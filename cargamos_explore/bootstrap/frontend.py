"""Is this code running in a Jupyter kernel with a person at a widget frontend?

A kernel cannot see its frontend, so the signal is the current request: JupyterLab,
Notebook and VS Code send ``allow_stdin: true`` with a cell a person runs; nbconvert,
nbclient, papermill and nbmake send ``false``, and nobody could click a widget there.
"""

from __future__ import annotations

import sys
from typing import Any


def _kernel() -> Any:
    """The running ipykernel kernel, or None (plain Python, a terminal IPython)."""
    if "ipykernel" not in sys.modules:
        return None
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None)


def kernel_allows_stdin() -> bool:
    """True when the cell now running came from a frontend that can answer input."""
    kernel = _kernel()
    if kernel is None:
        return False
    try:
        parent = kernel.get_parent()
    except (AttributeError, TypeError):  # ipykernel < 6 has no get_parent()
        parent = getattr(kernel, "_parent_header", {})
    return bool((parent or {}).get("content", {}).get("allow_stdin", False))


def widget_frontend() -> bool:
    """True in a kernel driven by an interactive frontend, where widgets are shown."""
    return kernel_allows_stdin()
