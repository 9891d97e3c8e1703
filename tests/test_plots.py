"""Every chart drawn with Agg, checked for what a reader sees: bars, points, labels, notes."""

from __future__ import annotations

import itertools
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
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

import cargamos_explore as cx
from cargamos_explore.analysis.drawing import PALE_BAR
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


#: The sandbox's "now": its data stop there, so the report is read as of then.
AS_OF = pd.Timestamp(ANCHOR, unit="s", tz="UTC")


@pytest.fixture(scope="module")
def plot(shipments: pd.DataFrame, events: pd.DataFrame) -> KPIPlots:
    return cx.kpis(shipments, events=events, as_of=AS_OF).plot


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def bars(ax: Axes) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def texts(ax: Axes) -> list[str]:
    """The texts drawn on a chart, less its as-of line (every chart has one)."""
    return [t.get_text() for t in ax.texts if not t.get_text().startswith("as of ")]


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
    assert f"(of {attempted:,} attempted)" in ax.get_title(loc="left")
    assert ax.get_ylabel() == "First-attempt rate, of attempted shipments"


def test_bars_per_alcaldia_keep_their_spanish_names_and_sort_by_rate(plot: KPIPlots) -> None:
    ax = plot.by_alcaldia()
    places = plot._report.by_alcaldia
    assert len(bars(ax)) == places["on_time_rate"].notna().sum()
    names = tick_labels(ax)
    assert {"Cuauhtémoc", "Benito Juárez", "Álvaro Obregón"} <= set(names)
    sizes = places["due"].to_numpy()
    ranked = places[sizes >= 30]
    widths = [b.get_width() for b in bars(ax)][-len(ranked):]
    assert widths == sorted(widths)  # barh: the highest rate is drawn last, on top
    assert isinstance(ax.xaxis.get_major_formatter(), PercentFormatter)
    assert any(t.startswith("all: ") for t in texts(ax))
    assert sum(t.startswith("n=") for t in texts(ax)) == len(bars(ax))


def test_any_rate_can_be_charted_and_a_wrong_name_is_refused(plot: KPIPlots) -> None:
    assert plot.by_alcaldia("mishap_rate").get_title(loc="left").startswith("MISHAP rate")
    assert plot.by_week("first_attempt_rate").get_ylabel() == (
        "First-attempt rate, of attempted shipments")
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


def test_a_window_with_shipments_but_none_due_says_which(shipments: pd.DataFrame) -> None:
    early = shipments["created_at"].min()  # no promise has passed yet
    assert texts(cx.kpis(shipments, as_of=early).plot.on_time_by_week()) == [
        "no due shipments in this window"]


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


def weekly(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    """Shipments from (created, promise, delivered) triples, all in Coyoacán."""
    return shipments_frame([{
        "trackingId": f"T{k}", "state": "DELIVERED" if done else "OUT_FOR_DELIVERY",
        "attempts": 1 if done else 0, "createdAt": f"{created}T09:00:00-06:00",
        "shipperDropoffDate": f"{created}T10:00:00-06:00",
        "expectedDeliveryDate": f"{promise}T21:00:00-06:00",
        "deliveredAt": f"{done}T12:00:00-06:00" if done else None,
        "recipientLocation": {"subAdministrativeArea": "Coyoacán"},
    } for k, (created, promise, done) in enumerate(rows)])


def test_a_week_with_nothing_due_is_a_gap_and_a_provisional_week_stands_apart() -> None:
    df = weekly([("2026-10-05", "2026-10-07", "2026-10-06"),   # week 1: on time
                 ("2026-10-19", "2026-10-21", "2026-10-22"),   # week 3: late (week 2 empty)
                 ("2026-10-26", "2026-10-28", "2026-10-27"),   # week 4: on time ...
                 ("2026-10-26", "2026-11-05", None)])          # ... and one not yet due
    ax = cx.kpis(df, as_of="2026-11-03 12:00").plot.on_time_by_week()
    line = ax.lines[0].get_ydata()
    # Four weeks on the x axis; the empty one is a gap (NaN), not joined; the provisional
    # one is not on the line either, only a hollow point with its legend.
    assert len(line) == 4 and pd.isna(line[1]) and pd.isna(line[3])
    assert list(line[[0, 2]]) == [1.0, 0.0]
    hollow = [c for c in ax.collections if isinstance(c, PathCollection)
              and len(c.get_offsets()) and (c.get_facecolor()[:, :3] == 1).all()]
    assert len(hollow) == 1 and hollow[0].get_offsets()[0][1] == 1.0
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "provisional: some promises not yet passed" in legend
    assert any(t.get_text() == "as of 2026-11-03 12:00 (Mexico City)" for t in ax.texts)


def test_the_unfinished_week_is_not_a_point_on_the_line() -> None:
    df = weekly([("2026-10-26", "2026-10-28", "2026-10-27"),
                 ("2026-11-02", "2026-11-02", "2026-11-02")])   # the week of as_of
    report = cx.kpis(df, as_of="2026-11-03 12:00")
    assert len(report.plot.on_time_by_week().lines[0].get_ydata()) == 1
    assert report.current_week["shipments"].tolist() == [1]


def test_a_small_alcaldia_is_pale_and_never_ranked_first(shipments: pd.DataFrame) -> None:
    lonely = shipments.head(1).copy()
    lonely["alcaldia"] = lonely["alcaldia"].cat.add_categories(["Milpa Alta"])
    lonely.loc[:, "alcaldia"] = "Milpa Alta"
    lonely["state"], lonely["delivered_at"] = "DELIVERED", lonely["expected_delivery_date"]
    report = cx.kpis(pd.concat([shipments, lonely]), as_of=AS_OF, min_sample=30)
    assert report.by_alcaldia.loc["Milpa Alta", "on_time_rate"] == 1.0  # 1 of 1
    ax = report.plot.by_alcaldia()
    names = tick_labels(ax)
    assert names[-1] != "Milpa Alta"  # the top row is the best of the well-sampled ones
    ranked_top = report.by_alcaldia[report.by_alcaldia["due"] >= 30]["on_time_rate"].idxmax()
    assert names[-1] == ranked_top
    assert "below: fewer than 30, not ranked" in texts(ax)
    row = names.index("Milpa Alta")
    (bar,) = [b for b in bars(ax) if round(b.get_y() + b.get_height() / 2) == row]
    assert to_hex(bar.get_facecolor()) == PALE_BAR and bar.get_width() == 1.0


def test_every_rate_chart_names_its_denominator_and_its_as_of(plot: KPIPlots) -> None:
    for rate, size in (("on_time_rate", "due"), ("on_time_among_delivered_rate", "delivered"),
                       ("first_attempt_rate", "attempted"), ("mishap_rate", "closed")):
        for ax in (plot.by_week(rate), plot.by_alcaldia(rate)):
            assert f" {size})" in ax.get_title(loc="left")
            assert (ax.get_ylabel() or ax.get_xlabel()).endswith(f"of {size} shipments")
            assert any(t.get_text().startswith("as of 2026-11-") for t in ax.texts)


def test_the_lead_time_chart_marks_the_report_quantiles(plot: KPIPlots) -> None:
    overall = plot._report.overall.iloc[0]
    marks = [t for t in texts(plot.lead_time()) if t.strip().split(" ")[0] in
             ("median", "p90", "p95")]
    assert marks[0] == f" median {overall['dropoff_to_delivery_median_h']:.1f} h"
    assert len(marks) == 3


def test_with_no_alcaldia_ranked_the_note_stays_off_the_overall_label(
        shipments: pd.DataFrame) -> None:
    """Every alcaldía under the sample size (a short window): the note saying so and the
    overall rate's label once sat on the same spot above the top bar."""
    report = cx.kpis(shipments.head(100), as_of=AS_OF, min_sample=30)
    assert (report.by_alcaldia["due"] < 30).all()
    ax = report.plot.by_alcaldia()
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    drawn = [t for t in [*ax.texts, ax.xaxis.label, *ax.get_yticklabels()] if t.get_text()]
    assert any(t.get_text().startswith("all: ") for t in drawn)
    assert any("fewer than 30" in t.get_text() for t in drawn)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in drawn]
    crowded = [(a, b) for (a, box), (b, other) in itertools.combinations(boxes, 2)
               if box.overlaps(other)]
    assert crowded == []
