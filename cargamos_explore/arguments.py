"""Checks on what a caller passes in, made before any request is sent.

Every error names the argument it is about and says what would be accepted, so a slip in a
notebook cell can be fixed from the message alone. Only ``errors`` and ``contract`` are
imported: any module may use these.
"""

from __future__ import annotations

import numbers
import sys
import warnings
from collections.abc import Iterable, Mapping
from types import FrameType
from typing import Any

from . import contract as c
from .errors import InvalidArgumentError, InvalidArgumentTypeError, UnknownValueWarning

PACKAGE = __name__.split(".")[0]


def got(value: Any) -> str:
    """How a rejected value is shown in a message: its type and a short repr.

    >>> got(20260101)
    'got int 20260101'
    """
    if value is None:
        return "got None"
    text = repr(value)
    return f"got {type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def count(name: str, value: Any, *, meaning: str, most: int | None = None) -> int:
    """``value`` as an int of at least 1 (and at most ``most``). Bools and floats are
    refused, even ``10.0``: ``max_rows=True`` is a slip, not a request for one row."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentTypeError(
            f"{name} must be a whole number of at least 1 ({meaning}); {got(value)}",
            argument=name)
    if value < 1:
        raise InvalidArgumentError(f"{name} must be at least 1 ({meaning}); got {value}",
                                   argument=name)
    if most is not None and int(value) > most:
        raise InvalidArgumentError(f"{name} must be at most {most} ({meaning}); got {value}",
                                   argument=name)
    return int(value)


def optional_count(name: str, value: Any, *, meaning: str) -> int | None:
    return None if value is None else count(name, value, meaning=meaning)


def flag(name: str, value: Any, *, meaning: str) -> bool | None:
    """``value`` if it is True, False or None; anything else (even 1 or "yes") is refused."""
    if value is None or isinstance(value, bool):
        return value
    raise InvalidArgumentTypeError(f"{name} must be True, False or None ({meaning}); "
                                   f"{got(value)}", argument=name)


def states(value: Any) -> tuple[str, ...]:
    """The state names to filter on; ``()`` (from None) means every state.

    A documented state is matched whatever its case (``"delivered"`` is ``DELIVERED``).
    The contract keeps the set of states open, so an unknown name is only warned about (it
    may be a state Cargamos added) and still sent as given.

    >>> states(["delivered", "Mishap"])
    ('DELIVERED', 'MISHAP')
    """
    if value is None:
        return ()
    documented = {state.casefold(): state for state in c.STATES}
    names = tuple(documented.get(name.casefold(), name) for name in _state_names(value))
    if not names:
        raise InvalidArgumentError("states is empty: give a state name, a list of them, or "
                                   "None for every state", argument="states")
    unknown = [name for name in names if name not in c.STATES]
    if unknown:
        warnings.warn(
            f"states: {', '.join(map(repr, unknown))} is not a documented Cargamos state "
            f"({', '.join(c.STATES)}); it is sent as given because the list of states is "
            "open, so check its spelling if nothing comes back.",
            UnknownValueWarning, stacklevel=_caller_level())
    return names


def _state_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[Any] = [value]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        # A set has no order; sorting keeps the request (and its cache key) stable.
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
    else:
        raise InvalidArgumentTypeError(
            "states must be a state name or a list of them, such as ['DELIVERED', 'MISHAP'], "
            f"or None for every state; {got(value)}", argument="states")
    wrong = [item for item in items if not isinstance(item, str)]
    if wrong:
        raise InvalidArgumentTypeError(f"states must hold state names (strings) such as "
                                       f"'DELIVERED'; {got(wrong[0])}", argument="states")
    names = tuple(part.strip() for item in items for part in item.split(c.STATE_SEPARATOR))
    if "" in names:
        raise InvalidArgumentError(f"states holds an empty state name ({value!r}); give names "
                                   f"such as {', '.join(c.STATES)}", argument="states")
    return names


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside this package, so that a warning
    points at the notebook line that asked, however deep inside we noticed."""
    # Level 1 is the function that calls warn(), i.e. the one that called this helper.
    level = 1
    caller: FrameType | None = sys._getframe(1)
    while caller is not None and caller.f_globals.get("__name__", "").split(".")[0] == PACKAGE:
        level, caller = level + 1, caller.f_back
    return level
