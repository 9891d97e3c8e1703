"""KPIs on a small hand-made frame whose answers are known."""

from __future__ import annotations

import pandas as pd
import pytest

from cargamos_explore.analysis import kpis
from cargamos_explore.decoding import records as frames


def shipment(state: str, attempts: int, alcaldia: str, delivered: str | None,
             created: str = "2026-11-02T09:00:00-06:00") -> dict[str, object]:
    return {
        "state": state, "attempts": attempts, "createdAt": created,
        "shipperDropoffDate": "2026-11-02T10:00:00-06:00",
        "expectedDeliveryDate": "2026-11-03T21:00:00-06:00", "deliveredAt": delivered,
        "recipientLocation": {"subAdministrativeArea": alcaldia},
    }


@pytest.fixture
def report() -> object:
    df = frames.shipments_frame([
        shipment("DELIVERED", 1, "Coyoacán", "2026-11-03T10:00:00-06:00"),  # on time, 24 h
        shipment("DELIVERED", 2, "Coyoacán", "2026-11-04T10:00:00-06:00"),  # late, 48 h
        shipment("MISHAP", 3, "Tlalpan", None),
        shipment("OUT_FOR_DELIVERY", 0, "Tlalpan", None, created="2026-11-10T09:00:00-06:00"),
    ])
    return kpis(df)


def test_overall(report: object) -> None:
    row = report.overall.iloc[0]  # type: ignore[attr-defined]
    assert (row["shipments"], row["delivered"]) == (4, 2)
    assert row["on_time_rate"] == 0.5
    assert row["first_attempt_rate"] == pytest.approx(1 / 3)
    assert row["mishap_rate"] == 0.25
    assert row["median_lead_time_h"] == 36.0
    assert [row[f"attempts_{n}"] for n in range(4)] == [0.25, 0.25, 0.25, 0.25]


def test_by_alcaldia_and_week(report: object) -> None:
    by_place = report.by_alcaldia  # type: ignore[attr-defined]
    assert by_place.loc["Coyoacán", "on_time_rate"] == 0.5
    assert by_place.loc["Tlalpan", "mishap_rate"] == 0.5
    by_week = report.by_week  # type: ignore[attr-defined]
    assert by_week["shipments"].tolist() == [3, 1]
    assert str(report).startswith("Overall")


def test_an_empty_frame_gives_zero_shipments() -> None:
    assert kpis(frames.shipments_frame([])).overall["shipments"].tolist() == [0]


def test_a_frame_that_is_not_shipments_is_refused() -> None:
    with pytest.raises(ValueError, match="missing columns"):
        kpis(pd.DataFrame({"a": [1]}))


def test_rates_stay_floats_but_print_as_percentages(report: object) -> None:
    by_place = report.by_alcaldia  # type: ignore[attr-defined]
    assert pd.api.types.is_float_dtype(by_place["on_time_rate"])
    assert by_place.loc["Coyoacán", "attempted"] == 2
    html = by_place._repr_html_()
    assert "50.0%" in html and "0.5" not in html.replace("50.0%", "")
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        assert "50.0%" in repr(by_place) and "36.0 h" in repr(by_place)
    assert "50.0%" in by_place.style.to_html()


def test_frames_derived_from_a_report_still_print_percentages(report: object) -> None:
    weeks = report.by_week  # type: ignore[attr-defined]
    derived = weeks.sort_values("on_time_rate").head(1)
    assert "50.0%" in derived._repr_html_()
    assert derived["on_time_rate"].iloc[0] == 0.5


def test_the_report_reads_as_percentages_in_text_and_html(report: object) -> None:
    text = repr(report)
    assert text == str(report) and "25.0%" in text and "36.0 h" in text
    assert "<h4>By alcaldía</h4>" in report._repr_html_()  # type: ignore[attr-defined]
    assert "25.0%" in report._repr_html_()  # type: ignore[attr-defined]


def test_an_events_frame_is_checked_too() -> None:
    with pytest.raises(ValueError, match="events frame"):
        kpis(frames.shipments_frame([]), events=pd.DataFrame({"a": [1]}))
