"""KPIs on small hand-made frames whose answers are known from the definitions."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.analysis import KPIReport, kpis
from cargamos_explore.analysis.kpis import overall
from cargamos_explore.decoding import records as frames
from cargamos_explore.sandbox import DEMO_ORGANISATIONS, Sandbox

from .conftest import ANCHOR

AS_OF = pd.Timestamp("2026-11-10T12:00:00-06:00")  # the Tuesday after the shipments' week
PROMISE = "2026-11-04T21:00:00-06:00"


def shipment(state: str, attempts: int, alcaldia: str, delivered: str | None, *,
             promise: str = PROMISE, created: str = "2026-11-02T09:00:00-06:00",
             mishap: str | None = None, tracking: str = "CG1") -> dict[str, Any]:
    events = [{"state": "CREATED", "timestamp": created, "anomalies": None}]
    if mishap:
        events.append({"state": "MISHAP", "timestamp": "2026-11-04T12:00:00-06:00",
                       "anomalies": {"code": mishap, "description": None}})
    return {
        "trackingId": tracking, "state": state, "attempts": attempts, "createdAt": created,
        "shipperDropoffDate": created.replace("T09:", "T10:"),
        "expectedDeliveryDate": promise, "deliveredAt": delivered,
        "recipientLocation": {"subAdministrativeArea": alcaldia}, "events": events,
    }


#: One of each case the definitions tell apart (dropped off 2026-11-02 10:00).
CASES = [
    shipment("DELIVERED", 1, "Coyoacán", "2026-11-03T10:00:00-06:00", tracking="A"),  # on time
    shipment("DELIVERED", 2, "Coyoacán", "2026-11-05T10:00:00-06:00", tracking="B"),  # late
    shipment("MISHAP", 3, "Tlalpan", None, mishap="ATTEMPTS_EXHAUSTED", tracking="C"),
    shipment("DELIVERY_ATTEMPTED", 1, "Tlalpan", None, tracking="D"),  # open past its promise
    shipment("OUT_FOR_DELIVERY", 0, "Tlalpan", None, promise="2026-11-12T21:00:00-06:00",
             tracking="E"),  # open, not yet due
    shipment("DELIVERED", 1, "Coyoacán", PROMISE, tracking="F"),  # exactly at the deadline
]


@pytest.fixture
def report() -> KPIReport:
    return kpis(frames.shipments_frame(CASES), events=frames.events_frame(CASES), as_of=AS_OF)


def test_every_kpi_follows_its_definition_on_each_case(report: KPIReport) -> None:
    row = report.overall.iloc[0]
    # Counts: six shipments; E is not yet due; A, B, F delivered; C in MISHAP; E not tried.
    assert [row[n] for n in ("shipments", "due", "not_yet_due", "closed", "delivered",
                             "attempted")] == [6, 5, 1, 4, 3, 5]
    assert row["on_time_rate"] == 2 / 5  # A and F of the due A B C D F: C and D are late
    assert row["on_time_among_delivered_rate"] == 2 / 3
    assert row["first_attempt_rate"] == 2 / 5  # A and F of the attempted A B C D F
    assert row["mishap_rate"] == row["mishap_exhausted_rate"] == 1 / 4  # C of closed A B C F
    assert row["mishap_damaged_lost_rate"] == row["mishap_other_rate"] == 0
    assert [row[f"attempts_{n}"] for n in range(4)] == [0, 0.5, 0.25, 0.25]  # closed only
    # Kaplan-Meier from drop-off: deliveries at 24, 59 and 72 h; D and E still open at 194 h
    # count as "longer than that"; C (MISHAP) is left out. F(24) = 0.2, F(59) = 0.4,
    # F(72) = 0.6: the median is 72 h and nothing reaches 90% yet.
    assert row["dropoff_to_delivery_median_h"] == 72
    assert math.isnan(row["dropoff_to_delivery_p90_h"])
    assert row["created_to_delivery_median_h"] == 73  # created an hour before drop-off
    assert bool(row["provisional"])  # E's promise has not passed


def test_a_median_over_delivered_only_would_be_lower(report: KPIReport) -> None:
    """The old reading (delivered only, interpolated) said 59 h; open shipments count."""
    assert report.overall.iloc[0]["dropoff_to_delivery_median_h"] > 59


def test_by_alcaldia_counts_late_what_is_not_delivered(report: KPIReport) -> None:
    places = report.by_alcaldia
    assert places.loc["Coyoacán", "on_time_rate"] == 2 / 3
    # Tlalpan has no delivery: a MISHAP and an open shipment past their promise are late, so
    # it shows 0% instead of vanishing.
    assert places.loc["Tlalpan", "on_time_rate"] == 0
    assert places.loc["Tlalpan", "due"] == 2 and bool(places.loc["Tlalpan", "provisional"])
    assert not places.loc["Coyoacán", "provisional"]


def test_without_events_the_mishap_causes_are_unknown_not_zero() -> None:
    row = kpis(frames.shipments_frame(CASES), as_of=AS_OF).overall.iloc[0]
    assert row["mishap_rate"] == 1 / 4 and math.isnan(row["mishap_exhausted_rate"])


def test_damaged_lost_and_unknown_causes_are_told_apart() -> None:
    cases = [shipment("MISHAP", 0, "Tlalpan", None, mishap=code, tracking=str(k))
             for k, code in enumerate(["DAMAGED_PACKAGE", "LOST_PACKAGE", "STOLEN"])]
    row = kpis(frames.shipments_frame(cases), events=frames.events_frame(cases),
               as_of=AS_OF).overall.iloc[0]
    assert (row["mishap_damaged_lost_rate"], row["mishap_other_rate"]) == (2 / 3, 1 / 3)


def test_weeks_run_without_holes_and_leave_the_unfinished_one_apart() -> None:
    cases = [
        shipment("DELIVERED", 1, "Coyoacán", "2026-10-20T10:00:00-06:00",
                 created="2026-10-19T09:00:00-06:00", promise="2026-10-21T21:00:00-06:00"),
        # no shipment in the week of 26 October
        shipment("DELIVERED", 1, "Coyoacán", "2026-11-03T10:00:00-06:00"),
        shipment("CREATED", 0, "Coyoacán", None, promise="2026-11-12T21:00:00-06:00"),
        shipment("DELIVERED", 1, "Coyoacán", "2026-11-10T10:00:00-06:00",
                 created="2026-11-09T09:00:00-06:00", promise="2026-11-10T21:00:00-06:00"),
    ]
    report = kpis(frames.shipments_frame(cases), as_of=AS_OF)
    weeks = report.by_week
    assert [str(w) for w in weeks.index] == ["2026-10-19", "2026-10-26", "2026-11-02"]
    assert weeks["shipments"].tolist() == [1, 0, 2]
    assert math.isnan(weeks.loc[weeks.index[1], "on_time_rate"])  # a gap, not a zero
    assert weeks["provisional"].tolist() == [False, False, True]
    assert [str(w) for w in report.current_week.index] == ["2026-11-09"]
    assert "Current week from 2026-11-09 (partial" in str(report)


def test_as_of_comes_from_the_argument_the_frame_or_the_clock() -> None:
    df = frames.shipments_frame(CASES)
    assert kpis(df, as_of="2026-11-10 12:00").as_of == AS_OF  # naive: Mexico City
    df.attrs["cargamos"] = {"fetched_at": "2026-11-04T08:00:00-06:00"}
    report = kpis(df)
    assert report.as_of == pd.Timestamp("2026-11-04T08:00:00-06:00")
    assert report.as_of.tzinfo is not None
    assert report.overall.iloc[0]["due"] == 0  # on the 4th at 08:00 no promise had passed
    assert str(report).startswith("KPIs as of 2026-11-04 08:00 (Mexico City)")
    assert "as of 2026-11-04 08:00" in report._repr_html_()


def test_an_empty_frame_gives_zero_shipments() -> None:
    report = kpis(frames.shipments_frame([]), as_of=AS_OF)
    assert report.overall["shipments"].tolist() == [0]
    assert report.by_week.empty and report.current_week.empty


def test_a_frame_that_is_not_shipments_is_refused() -> None:
    with pytest.raises(cx.InvalidArgumentError, match=r"shipments: .*missing columns"):
        kpis(pd.DataFrame({"a": [1]}))
    with pytest.raises(cx.InvalidArgumentTypeError, match=r"shipments: .*got list"):
        kpis([1, 2])  # type: ignore[arg-type]
    with pytest.raises(cx.InvalidArgumentError, match=r"events: .*missing columns"):
        kpis(frames.shipments_frame([]), events=pd.DataFrame({"a": [1]}))


def test_an_as_of_that_is_not_a_moment_says_what_is_accepted() -> None:
    for typed in ("last tuesday", "2026-02-30"):
        with pytest.raises(cx.InvalidArgumentError, match=rf"as_of: a moment.*{typed}"):
            kpis(frames.shipments_frame([]), as_of=typed)


def test_rates_stay_floats_but_print_as_percentages(report: KPIReport) -> None:
    by_place = report.by_alcaldia
    assert pd.api.types.is_float_dtype(by_place["on_time_rate"])
    html = by_place._repr_html_()
    assert "66.7%" in html and "0.666" not in html
    with pd.option_context("display.width", 400, "display.max_columns", 40):
        assert "66.7%" in repr(by_place) and "72.0 h" in repr(by_place)
    assert "66.7%" in by_place.style.to_html()


def test_frames_derived_from_a_report_still_print_percentages(report: KPIReport) -> None:
    derived = report.by_alcaldia.sort_values("on_time_rate").tail(1)
    assert "66.7%" in derived._repr_html_()
    assert derived["on_time_rate"].iloc[0] == 2 / 3


def test_the_report_reads_as_percentages_in_text_and_html(report: KPIReport) -> None:
    text = repr(report)
    assert text == str(report) and "40.0%" in text and "72.0 h" in text
    assert "<h4>By alcaldía</h4>" in report._repr_html_()
    assert "40.0%" in report._repr_html_()


def test_an_events_frame_is_checked_too() -> None:
    with pytest.raises(ValueError, match="events frame"):
        kpis(frames.shipments_frame([]), events=pd.DataFrame({"a": [1]}))


# --- The README's table, kept true ---------------------------------------------------------

README = Path(__file__).parent.parent / "README.md"


def readme_kpis() -> list[str]:
    """The KPI names of the README's table "How each KPI is counted"."""
    text = README.read_text().split("## How each KPI is counted", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return [name for row in rows for name in re.findall(r"`([a-z0-9_]+)`",
                                                         row.split("|")[1])]


def definitions(df: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp
                ) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Each rate of the README's table as (numerator, denominator) masks, in plain pandas."""
    state = df["state"].astype(str)
    delivered, mishap = state == "DELIVERED", state == "MISHAP"
    closed = delivered | mishap
    due = (df["expected_delivery_date"] <= as_of).fillna(False)
    on_time = delivered & (df["delivered_at"] <= df["expected_delivery_date"]).fillna(False)
    attempts = df["attempts"].fillna(0).clip(upper=3)
    mishaps = events[events["state"] == "MISHAP"].sort_values("timestamp")
    code = df["tracking_id"].map(mishaps.groupby("tracking_id")["anomaly_code"].last()
                                 .astype(str))
    exhausted = mishap & (code == "ATTEMPTS_EXHAUSTED")
    damaged = mishap & code.isin(["DAMAGED_PACKAGE", "LOST_PACKAGE"])
    return {
        "on_time_rate": (on_time, due),
        "on_time_among_delivered_rate": (on_time, delivered),
        "first_attempt_rate": (delivered & (attempts == 1), attempts >= 1),
        "mishap_rate": (mishap, closed),
        "mishap_exhausted_rate": (exhausted, closed),
        "mishap_damaged_lost_rate": (damaged, closed),
        "mishap_other_rate": (mishap & ~exhausted & ~damaged, closed),
        **{f"attempts_{n}": (attempts == n, closed) for n in range(4)},
    }


@pytest.fixture(scope="module")
def sandbox_sample() -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    shipper = Sandbox(size=1500, seed=11, anchor=ANCHOR).shipper(DEMO_ORGANISATIONS[0])
    records, _ = shipper.page(0, ANCHOR + 1, None, 1, 1500)
    return (frames.shipments_frame(records), frames.events_frame(records),
            pd.Timestamp(ANCHOR, unit="s", tz="UTC"))


def test_the_readme_table_names_every_kpi_of_the_report(
        sandbox_sample: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]) -> None:
    report = kpis(sandbox_sample[0], as_of=sandbox_sample[2])
    counts = ["shipments", "due", "not_yet_due", "closed", "delivered", "attempted"]
    assert sorted(readme_kpis()) == sorted(c for c in report.overall.columns
                                           if c not in (*counts, "provisional"))


def test_each_rate_recomputes_from_its_readme_definition(
        sandbox_sample: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]) -> None:
    df, events, as_of = sandbox_sample
    report = kpis(df, events=events, as_of=as_of)
    for name, (numerator, denominator) in definitions(df, events, as_of).items():
        assert report.overall.iloc[0][name] == pytest.approx(
            numerator[denominator].mean()), name
        by_place = numerator[denominator].groupby(df["alcaldia"][denominator],
                                                  observed=True).mean()
        assert report.by_alcaldia[name].dropna().to_numpy() == pytest.approx(
            by_place.to_numpy()), name
    row = report.overall.iloc[0]
    assert row["due"] + row["not_yet_due"] == row["shipments"] == len(df)


def test_lead_times_of_finished_weeks_are_plain_quantiles_of_their_deliveries(
        sandbox_sample: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]) -> None:
    """With nothing open, Kaplan-Meier is the empirical distribution: each quantile is the
    shortest lead time that at least that share of deliveries reached."""
    df, events, as_of = sandbox_sample
    report = kpis(df, events=events, as_of=as_of)
    week = report.by_week.index[-3]
    assert not report.by_week.loc[week, "provisional"]
    created = df["created_at"].dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    mine = df[(created.dt.date == week) & (df["state"] == "DELIVERED")]
    assert (df[created.dt.date == week]["state"].astype(str).isin(["DELIVERED", "MISHAP"])
            ).all()
    for clock, start in (("dropoff_to_delivery", "shipper_dropoff_date"),
                         ("created_to_delivery", "created_at")):
        hours = (mine["delivered_at"] - mine[start]).dt.total_seconds() / 3600
        for name, share in (("median", 0.5), ("p90", 0.9), ("p95", 0.95)):
            assert report.by_week.loc[week, f"{clock}_{name}_h"] == pytest.approx(
                np.quantile(hours, share, method="inverted_cdf")), (clock, name)


def test_the_overall_row_alone_is_the_reports(
        sandbox_sample: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]) -> None:
    """What a dashboard's tiles compare against: the same row as the whole report's."""
    shipments, events, as_of = sandbox_sample
    pd.testing.assert_frame_equal(overall(shipments, events=events, as_of=as_of),
                                  kpis(shipments, events=events, as_of=as_of).overall)
