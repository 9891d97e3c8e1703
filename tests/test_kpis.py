"""KPIs on small hand-made frames whose answers are known from the definitions."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from cargamos_explore.analysis import KPIReport, kpis
from cargamos_explore.decoding import records as frames

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
    with pytest.raises(ValueError, match="missing columns"):
        kpis(pd.DataFrame({"a": [1]}))


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
