"""Is this code running in a Jupyter kernel with a person at a widget frontend? And the
notices that read differently there.

A kernel cannot see its frontend, so the signal is the current request: JupyterLab,
Notebook and VS Code send ``allow_stdin: true`` with a cell a person runs; nbconvert,
nbclient, papermill and nbmake send ``false``, and nobody could click a widget there.
"""

from __future__ import annotations

import logging
import sys
from html import escape
from typing import Any

log = logging.getLogger("cargamos_explore")


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


def in_kernel() -> bool:
    """True in a Jupyter kernel (any frontend, nbconvert included): output can be HTML."""
    return _kernel() is not None


def announce_demo(url: str, username: str) -> None:
    """Say, calmly, that a blank login uses the sandbox's demo account, and how to use a
    real one: one line of HTML in a notebook (a log line there lands in a pink stderr box
    that reads as an error), a log line elsewhere."""
    what = f"Using the local sandbox's demo account ({username}) at {url}: no host is set."
    how = ("For your own account, pass the host and credentials to cx.login(), set "
           "CARGAMOS_HOST and CARGAMOS_USERNAME/PASSWORD/KEY, or use cx.LoginForm().")
    if not in_kernel():
        log.warning("%s %s", what, how)
        return
    from IPython.display import display

    html = (f"<div class='cx-notice' style='color:#555'>ⓘ {escape(what)} "
            f"{_code_spans(escape(how))}</div>")
    # With its text beside it: nbconvert and consoles show that instead.
    display({"text/html": html, "text/plain": f"{what} {how}"},  # type: ignore[no-untyped-call]
            raw=True)


def _code_spans(text: str) -> str:
    for name in ("cx.login()", "cx.LoginForm()", "CARGAMOS_HOST"):
        text = text.replace(name, f"<code>{name}</code>")
    return text
