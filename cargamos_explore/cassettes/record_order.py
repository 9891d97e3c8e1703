"""An order to record, passed by ``cargamos-explore record`` to the notebook it runs.

The record command executes a notebook in a fresh kernel. The notebook's own
``cx.login(cassette="...")`` cannot know it is being recorded, so the command leaves an
order in the kernel's environment: which file to write (mode ``rewrite``), the instant the
recording stands at, and the embedded sandbox's seed and size. A session given a cassette
follows the order; a session without one ignores it, so only notebooks that chose to
replay are ever recorded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..errors import ConfigurationError

ENV_CASSETTE: Final = "CARGAMOS_RECORD_CASSETTE"
ENV_ANCHOR: Final = "CARGAMOS_RECORD_ANCHOR"
ENV_SEED: Final = "CARGAMOS_RECORD_SEED"
ENV_SIZE: Final = "CARGAMOS_RECORD_SIZE"


@dataclass(frozen=True)
class RecordOrder:
    """Record into ``cassette`` (an absolute path), the clock standing at ``anchor`` (epoch
    seconds; None: now), an embedded sandbox at ``seed``, ``size`` and that anchor."""

    cassette: str
    anchor: int | None = None
    seed: int | None = None
    size: int | None = None

    def environment(self) -> dict[str, str]:
        """The variables that carry this order into a kernel."""
        values = {ENV_CASSETTE: os.path.abspath(self.cassette), ENV_ANCHOR: self.anchor,
                  ENV_SEED: self.seed, ENV_SIZE: self.size}
        return {name: str(value) for name, value in values.items() if value is not None}

    def sandbox_options(self) -> dict[str, Any]:
        """Options for an embedded sandbox, so that its data stand at the same instant."""
        options = {"anchor": self.anchor, "seed": self.seed, "size": self.size}
        return {name: value for name, value in options.items() if value is not None}


def record_order(env: Mapping[str, str]) -> RecordOrder | None:
    """The order left in ``env``, or None when nothing is to be recorded.

    >>> record_order({"CARGAMOS_RECORD_CASSETTE": "/c/a.yaml", "CARGAMOS_RECORD_SEED": "0"})
    RecordOrder(cassette='/c/a.yaml', anchor=None, seed=0, size=None)
    """
    cassette = env.get(ENV_CASSETTE)
    if not cassette:
        return None
    return RecordOrder(cassette, _number(env, ENV_ANCHOR), _number(env, ENV_SEED),
                       _number(env, ENV_SIZE))


def _number(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError as err:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}; it is set "
                                 "by `cargamos-explore record`.") from err
