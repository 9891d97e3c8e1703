"""``cx.provenance(df)``: where a frame came from, readable as a table in a notebook."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import formatters

#: The key under which the Session records a frame's origin in ``df.attrs``.
ATTRS_KEY = "cargamos"


@dataclass(frozen=True)
class Provenance:
    """A frame's ``attrs["cargamos"]`` with an HTML table and a text form. It holds no
    secret: the session records only the endpoint, parameters, host and fetch details."""

    details: Mapping[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        return formatters.provenance_html(self.details)

    def __str__(self) -> str:
        return formatters.provenance_text(self.details)

    def __repr__(self) -> str:
        return formatters.provenance_text(self.details)


def provenance(df: Any) -> Provenance:
    """Where ``df`` came from: endpoint, parameters, host, fetch time, API version, cache.

    >>> import pandas as pd
    >>> df = pd.DataFrame()
    >>> df.attrs["cargamos"] = {"endpoint": "/v1/webhook", "params": {}, "from_cache": True}
    >>> provenance(df)
    Endpoint    /v1/webhook
    Parameters  none
    From cache  yes
    """
    return Provenance(dict(getattr(df, "attrs", {}).get(ATTRS_KEY, {})))
