"""Draw the README's charts from a fixed sandbox, so the pictures are the same on every run.

    python -m tests.charts docs     # or: make charts

Reads the sandbox's generated shipments directly (no server, no network) and writes
on-time-by-week.png, on-time-by-alcaldia.png and deliveries-map.png into the folder given.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: never open a window, whatever the machine has

import matplotlib.pyplot as plt
import pandas as pd

import cargamos_explore as cx
from cargamos_explore.decoding import events_frame, shipments_frame
from cargamos_explore.sandbox import DEMO_ORGANISATIONS, Sandbox

SIZE, SEED = 3000, 7
#: 2026-11-18 in Mexico City: the charts' "today", fixed so the pictures do not drift.
ANCHOR = 1_795_000_000
DPI = 110


def sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo shipper's shipments and events, as a session would return them."""
    shipper = Sandbox(size=SIZE, seed=SEED, anchor=ANCHOR).shipper(DEMO_ORGANISATIONS[0])
    records, _ = shipper.page(0, ANCHOR + 1, None, 1, SIZE)
    return shipments_frame(records), events_frame(records)


def main(folder: Path) -> None:
    shipments, events = sample()
    report = cx.kpis(shipments, events=events, as_of=pd.Timestamp(ANCHOR, unit="s", tz="UTC"))
    charts = {
        "on-time-by-week.png": report.plot.on_time_by_week,
        "on-time-by-alcaldia.png": report.plot.by_alcaldia,
        "deliveries-map.png": report.plot.map,
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, draw in charts.items():
        figure = draw().get_figure()
        assert figure is not None
        # No timestamp in the PNG metadata: the same data gives the same bytes.
        figure.savefig(folder / name, dpi=DPI, metadata={"Software": None})
        plt.close(figure)
        print(folder / name)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
