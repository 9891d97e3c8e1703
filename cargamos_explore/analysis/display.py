"""How KPI frames print: rates as percentages, lead times in hours, the numbers untouched.

A KPI frame is a ``pandas.DataFrame`` whose values stay floats between 0 and 1, so they can
be sorted, averaged and plotted; only its reprs (text, notebook HTML and ``.style``) show
``87.5%`` where the frame holds ``0.875``. Which columns are rates is read from their
names, so a frame derived from one (sorted, filtered, joined) prints the same way.

>>> frame = KPIFrame({"shipments": [64], "on_time_rate": [0.015625]})
>>> print(frame)
   shipments on_time_rate
0         64         1.6%
>>> float(frame.loc[0, "on_time_rate"])
0.015625
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from ..contract import TIMEZONE

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

MISSING: Final = "–"
LEAD_TIME_SUFFIX: Final = "_h"


def is_rate(name: object) -> bool:
    """Columns holding a share between 0 and 1."""
    text = str(name)
    return text.endswith("_rate") or text.startswith("attempts_")


def is_hours(name: object) -> bool:
    return str(name).endswith(LEAD_TIME_SUFFIX)


def percent(value: Any) -> str:
    """``0.875`` as ``87.5%``; a missing value as a dash.

    >>> percent(0.875), percent(None) == percent(float("nan")) == MISSING
    ('87.5%', True)
    """
    return MISSING if _missing(value) else f"{float(value):.1%}"


def hours(value: Any) -> str:
    return MISSING if _missing(value) else f"{float(value):.1f} h"


def timestamp(moment: pd.Timestamp) -> str:
    """A report's as-of time to the minute, in Mexico City, saying so.

    >>> timestamp(pd.Timestamp("2026-11-18T15:30:00+00:00"))
    '2026-11-18 09:30 (Mexico City)'
    """
    return f"{moment.tz_convert(TIMEZONE):%Y-%m-%d %H:%M} (Mexico City)"


def formats(columns: pd.Index) -> dict[Any, Callable[[object], str]]:
    """The text form of each rate or lead-time column among ``columns``."""
    chosen: dict[Any, Callable[[object], str]] = {}
    for name in columns:
        if is_rate(name):
            chosen[name] = percent
        elif is_hours(name):
            chosen[name] = hours
    return chosen


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    """A plain copy of ``df`` with its rate and lead-time columns turned into text."""
    shown = pd.DataFrame(df, copy=True)
    for name, fmt in formats(shown.columns).items():
        shown[name] = shown[name].map(fmt).astype(object)
    return shown


class KPIFrame(pd.DataFrame):
    """A DataFrame of KPIs: floats inside, percentages on screen."""

    @property
    def _constructor(self) -> Callable[..., KPIFrame]:
        # pandas builds the results of sort_values, head, loc... with this, so a frame
        # derived from a KPI frame keeps printing rates as percentages.
        return KPIFrame

    def __repr__(self) -> str:
        return repr(as_text(self))

    def _repr_html_(self) -> str | None:
        # pandas-stubs does not declare DataFrame._repr_html_, so mypy reads it as a column.
        html: str | None = as_text(self)._repr_html_()  # type: ignore[operator]
        return html

    @property
    def style(self) -> Styler:
        """A Styler that already shows rates as percentages; chain more on it as usual."""
        plain = pd.DataFrame(self)
        chosen: dict[Any, str | Callable[[object], str] | None] = {**formats(plain.columns)}
        return plain.style.format(chosen, na_rep=MISSING)


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))
