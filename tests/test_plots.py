"""Every chart drawn with Agg, checked for what a reader sees: bars, points, labels, notes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

import cargamos_explore as cx
from cargamos_explore.analysis.plots import KPIPlots
from cargamos_explore.decoding import events_frame, shipments_frame
from cargamos_explore.sandbox import DEMO_ORGANISATIONS, Sandbox

from .conftest import ANCHOR

ROOT = Path(__file__).parent.parent

SHIPMENT_CHARTS = ("on_time_by_week", "first_attempt_by_week", "by_week", "by_alcaldia",
                   "lead_time", "mishaps", "map")
EVENT_CHARTS = ("failed_attempts", "anomalies_by_alcaldia", "anomalies_by_hour",
                "anomalies_by_weekday")


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    shipper = Sandbox(size=800, seed=5, anchor=ANCHOR).shipper(DEMO_ORGANISATIONS[0])
    return shipper.page(0, ANCHOR + 1, None, 1, 800)[0]


@pytest.fixture(scope="module")
def shipments(records: list[dict[str, Any]]) -> pd.DataFrame:
    return shipments_frame(records)


@pytest.fixture(scope="module")
def events(records: list[dict[str, Any]]) -> pd.DataFrame:
    return events_frame(records)


@pytest.fixture(scope="module")
def plot(shipments: pd.DataFrame, events: pd.DataFrame) -> KPIPlots:
    return cx.kpis(shipments, events=events).plot


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def bars(ax: Axes) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def tick_labels(ax: Axes, axis: str = "y") -> list[str]:
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in ticks]


def points(ax: Axes) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))


def test_the_weekly_line_has_a_point_per_week_on_a_percent_axis(plot: KPIPlots) -> None:
    ax = plot.on_time_by_week()
    weeks = plot._report.by_week
    shown = weeks[weeks["on_time_rate"].notna()]
    assert len(ax.lines[0].get_xdata()) == len(shown) and points(ax) == len(shown)
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    assert ax.get_title(loc="left").startswith("On-time rate by week")
    assert sum(t.startswith("n=") for t in texts(ax)) == len(shown)  # sample sizes


def test_first_attempts_by_week_count_attempted_shipments(plot: KPIPlots) -> None:
    ax = plot.first_attempt_by_week()
    attempted = int(plot._report.by_week["attempted"].sum())
    assert f"({attempted:,} attempted)" in ax.get_title(loc="left")


def test_bars_per_alcaldia_keep_their_spanish_names_and_sort_by_rate(plot: KPIPlots) -> None:
    ax = plot.by_alcaldia()
    places = plot._report.by_alcaldia
    assert len(bars(ax)) == places["on_time_rate"].notna().sum()
    names = tick_labels(ax)
    assert {"Cuauhtémoc", "Benito Juárez", "Álvaro Obregón"} <= set(names)
    widths = [b.get_width() for b in bars(ax)]
    assert widths == sorted(widths)  # barh: the highest rate is drawn last, on top
    assert isinstance(ax.xaxis.get_major_formatter(), PercentFormatter)
    assert any(t.startswith("all: ") for t in texts(ax))
    assert sum(t.startswith("n=") for t in texts(ax)) == len(widths)


def test_any_rate_can_be_charted_and_a_wrong_name_is_refused(plot: KPIPlots) -> None:
    assert plot.by_alcaldia("mishap_rate").get_title(loc="left").startswith("MISHAP rate")
    assert plot.by_week("first_attempt_rate").get_ylabel() == "First-attempt rate"
    with pytest.raises(cx.InvalidArgumentError, match="on_time_rate") as raised:
        plot.by_alcaldia("late_rate")
    assert raised.value.argument == "rate"


def test_the_lead_time_histogram_counts_every_delivery(plot: KPIPlots,
                                                        shipments: pd.DataFrame) -> None:
    ax = plot.lead_time()
    delivered = int((shipments["state"] == "DELIVERED").sum())
    # The late bars sit on top of the on-time ones: their heights add up to the deliveries.
    assert round(sum(b.get_height() for b in bars(ax))) == delivered
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["on time", "late"]
    assert any(t.startswith(" median ") for t in texts(ax))


def test_failed_attempts_by_reason_read_in_spanish(plot: KPIPlots, events: pd.DataFrame) -> None:
    ax = plot.failed_attempts()
    failed = events[events["state"] == "DELIVERY_ATTEMPTED"]
    assert len(bars(ax)) == failed["anomaly_code"].nunique()
    assert "Nadie en el domicilio" in tick_labels(ax)
    assert sum(b.get_width() for b in bars(ax)) == len(failed)


@pytest.mark.parametrize(("chart", "ticks"), [
    ("anomalies_by_hour", [str(h) for h in range(24)]),
    ("anomalies_by_weekday", ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
])
def test_failed_attempts_over_time_keep_every_hour_or_day(plot: KPIPlots, events: pd.DataFrame,
                                                          chart: str, ticks: list[str]) -> None:
    ax = getattr(plot, chart)()
    assert tick_labels(ax, "x") == ticks
    assert sum(b.get_height() for b in bars(ax)) == (events["state"] == "DELIVERY_ATTEMPTED").sum()
    assert "Sin acceso al edificio" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_anomalies_by_alcaldia_stack_reasons_per_place(plot: KPIPlots, events: pd.DataFrame
                                                       ) -> None:
    ax = plot.anomalies_by_alcaldia()
    reasons = events.loc[events["state"] == "DELIVERY_ATTEMPTED", "anomaly_code"].nunique()
    assert len(bars(ax)) == reasons * len(tick_labels(ax))
    assert "Cuauhtémoc" in tick_labels(ax)


def test_mishaps_awaiting_instructions_count_shipments(plot: KPIPlots,
                                                       shipments: pd.DataFrame) -> None:
    waiting = int((shipments["state"] == "MISHAP").sum())
    assert waiting > 0
    ax = plot.mishaps()
    assert sum(b.get_width() for b in bars(ax)) == waiting
    assert f"({waiting})" in ax.get_title(loc="left")
    without_events = cx.kpis(shipments).plot.mishaps()
    legend = [t.get_text() for t in without_events.get_legend().get_texts()]
    assert legend == ["reason not given"]


def test_the_map_shows_each_delivery_once_with_alcaldia_names(plot: KPIPlots,
                                                              shipments: pd.DataFrame) -> None:
    ax = plot.map()
    delivered = shipments[(shipments["state"] == "DELIVERED") & shipments["lat"].notna()]
    assert points(ax) == len(delivered)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("on time (") and legend[1].startswith("late (")
    assert {"Cuauhtémoc", "Coyoacán"} <= set(texts(ax))
    assert ax.get_aspect() == pytest.approx(1 / 0.943, rel=0.01)  # 1 / cos(19.4°)


def test_charts_need_events_only_where_they_read_them(shipments: pd.DataFrame) -> None:
    plot = cx.kpis(shipments).plot
    for chart in SHIPMENT_CHARTS:
        assert isinstance(getattr(plot, chart)(), Axes)
    for chart in EVENT_CHARTS:
        with pytest.raises(cx.InvalidArgumentError, match=r"events=session\.events"):
            getattr(plot, chart)()


@pytest.mark.parametrize("chart", SHIPMENT_CHARTS + EVENT_CHARTS)
def test_an_empty_window_gives_a_labelled_chart_that_says_so(chart: str) -> None:
    report = cx.kpis(shipments_frame([]), events=events_frame([]))
    ax = getattr(report.plot, chart)()
    assert ax.get_title(loc="left")
    note = " ".join(texts(ax))
    assert "no shipments in this window" in note or note.startswith("no failed attempts")
    assert not bars(ax) and points(ax) == 0


def test_missing_values_and_columns_are_charted_around(shipments: pd.DataFrame) -> None:
    gaps = shipments.head(60).copy()
    gaps.loc[gaps.index[:10], "alcaldia"] = pd.NA
    gaps.loc[gaps.index[10:20], "lat"] = pd.NA
    plot = cx.kpis(gaps).plot
    assert "(no alcaldía)" in tick_labels(plot.by_alcaldia())
    located = gaps[(gaps["state"] == "DELIVERED") & gaps["lat"].notna()]
    assert points(plot.map()) == len(located)
    no_coordinates = cx.kpis(gaps.drop(columns=["lat", "lng"])).plot.map()
    assert texts(no_coordinates) == ["no coordinates (lat, lng) in this frame"]


def test_a_window_with_shipments_but_no_deliveries_says_which(shipments: pd.DataFrame) -> None:
    waiting = shipments[shipments["state"] != "DELIVERED"]
    assert texts(cx.kpis(waiting).plot.on_time_by_week()) == [
        "no delivered shipments in this window"]


def test_charts_draw_into_given_axes_and_the_overview_has_four(plot: KPIPlots) -> None:
    _, (left, right) = plt.subplots(1, 2)
    assert plot.on_time_by_week(ax=left) is left and plot.map(ax=right) is right
    assert len(plot.overview().axes) == 4


def test_importing_the_package_does_not_load_matplotlib() -> None:
    code = "import sys, cargamos_explore as cx; print('matplotlib' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert found == "False"


def test_the_readme_charts_render_and_match_docs(tmp_path: Path) -> None:
    """`make charts` draws the README's three PNGs; a test run draws them again and compares
    them by eye, not by byte: same size, and pixels that differ by at most a faint blur
    (fonts and antialiasing may differ a little from one machine to another)."""
    from matplotlib.image import imread

    from . import charts

    charts.main(tmp_path)
    readme = (ROOT / "README.md").read_text()
    for name in ("on-time-by-week.png", "on-time-by-alcaldia.png", "deliveries-map.png"):
        assert f"](docs/{name})" in readme
        drawn, committed = imread(tmp_path / name), imread(ROOT / "docs" / name)
        assert drawn.shape == committed.shape, f"{name}: run make charts"
        assert abs(drawn - committed).mean() < 0.02, f"{name}: run make charts"
