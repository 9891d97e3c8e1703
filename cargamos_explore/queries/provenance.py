"""Where a frame came from, recorded in ``df.attrs["cargamos"]``: never a secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from .. import contract as c
from ..scrub import REDACTED, is_secret_name, scrub


def with_provenance(df: pd.DataFrame, host: str, endpoint: str, params: dict[str, Any], *,
                    pages: int = 1, pages_from_cache: int = 0,
                    api_version: str | None = None,
                    fetched_at: float | None = None) -> pd.DataFrame:
    """``df``, its attrs saying which host, endpoint and parameters made it, when
    (``fetched_at``, epoch seconds: the session's clock, which a replay stops at the
    recording; default now), and how much of it came from the cache."""
    when = datetime.now(c.MEXICO_CITY) if fetched_at is None else \
        datetime.fromtimestamp(fetched_at, c.MEXICO_CITY)
    df.attrs["cargamos"] = {
        # A key or token passed by hand, as a parameter or inside the path, must not
        # travel with the frame.
        "endpoint": scrub(endpoint),
        "params": {k: REDACTED if is_secret_name(k) else v for k, v in params.items()},
        "host": host,
        "fetched_at": when.isoformat(timespec="seconds"),
        "api_version": api_version,
        "from_cache": pages == pages_from_cache,
        "pages": pages,
        "pages_from_cache": pages_from_cache,
    }
    return df
