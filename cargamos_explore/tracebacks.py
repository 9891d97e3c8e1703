"""How our errors show in IPython and Jupyter: the message and the user's line, not 19 frames.

IPython calls an exception's ``_render_traceback_()`` for the lines to show (see
``CargamosError``). Our messages already say what happened and what to do; the frames inside
the toolkit only push them off the screen. So in IPython's default mode (``Context``) an
error shows as its message plus the line of the user's code that raised it; any other mode
gives IPython's own full traceback: ``%tb plain`` for the last error, ``%xmode plain`` for
every error from then on (``%xmode context`` returns to the short form).

Imports only the standard library: ``errors`` imports this module lazily.
"""

from __future__ import annotations

import linecache
import sys
import traceback
from pathlib import Path
from typing import Any, Final

PACKAGE: Final = str(Path(__file__).parent)
SHORT_MODE: Final = "Context"
HINT: Final = "(%tb plain shows the full traceback)"
RED, RESET = "\x1b[31m", "\x1b[39m"


def render(err: BaseException) -> list[str]:
    """The lines IPython shows for ``err``: short in the default mode, else in full."""
    shell = _shell()
    formatter = getattr(shell, "InteractiveTB", None)
    if formatter is not None and getattr(formatter, "mode", SHORT_MODE) != SHORT_MODE:
        # tb_offset=1 leaves out IPython's own frame, as IPython does.
        return list(formatter.structured_traceback(type(err), err, err.__traceback__,
                                                   tb_offset=1))
    return short(err, shell)


def short(err: BaseException, shell: Any = None) -> list[str]:
    """``Name: message``, the user's line that led to it, and how to see everything."""
    lines = [f"{RED}{type(err).__name__}{RESET}: {err}"]
    found = user_frame(err)
    if found is not None:
        filename, lineno = found
        code = linecache.getline(filename, lineno).strip()
        lines.append(f"  {_place(filename, lineno, shell)}: {code}")
    lines.append(HINT)
    return lines


def user_frame(err: BaseException) -> tuple[str, int] | None:
    """The file and line of the last frame outside the toolkit before its first frame inside
    it: the user's call. None when the error was raised outside the toolkit altogether."""
    found = None
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        filename = frame.f_code.co_filename
        if filename.startswith(PACKAGE):
            return found
        found = (filename, lineno)
    return found


def _place(filename: str, lineno: int, shell: Any) -> str:
    """``Cell In[3], line 2`` for a notebook cell (as IPython names it), else the file."""
    compiler = getattr(shell, "compile", None)
    named = getattr(compiler, "format_code_name", lambda _name: None)(filename)
    return f"{named[0]} {named[1]}, line {lineno}" if named else f"{filename}, line {lineno}"


def _shell() -> Any:
    """The running IPython shell, if any (never imports IPython itself)."""
    ipython = sys.modules.get("IPython")
    return None if ipython is None else ipython.get_ipython()
