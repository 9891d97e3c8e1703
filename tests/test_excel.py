"""cx.to_excel: a workbook Excel users can work in, read back with openpyxl (another library
than the XlsxWriter that wrote it): values and number formats, Mexico City local times
without a zone and named in the header, frozen headers, autofilters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore import contract as c

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """5,000 shipments from the sandbox (its default size, 90 days), and a week's events."""
    with cx.login(sandbox_options={"size": 5_000, "seed": 2}, cache=False) as session:
        today = session.today()
        shipments = session.shipments(start=today - timedelta(days=100), end=today,
                                      progress=False)
        events = session.events(start=today - timedelta(days=7), end=today, progress=False)
    return shipments, events


@pytest.fixture(scope="module")
def shipments(frames: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return frames[0]


@pytest.fixture(scope="module")
def workbook(shipments: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, cx.KPIReport]:
    report = cx.kpis(shipments)
    path = tmp_path_factory.mktemp("excel") / "deliveries.xlsx"
    assert cx.to_excel(path, shipments=shipments, kpis=report) == path
    return path, report


@pytest.fixture(scope="module")
def book(workbook: tuple[Path, cx.KPIReport]) -> Any:
    """The workbook as openpyxl reads it (once: 5,000 rows take a while)."""
    return openpyxl.load_workbook(workbook[0])


def header(sheet: Any, row: int = 1) -> list[str]:
    return [cell.value for cell in sheet[row]]


def column(sheet: Any, name: str, row: int = 1) -> list[Any]:
    index = header(sheet, row).index(name) + 1
    return [cells[0] for cells in sheet.iter_rows(min_row=row + 1, min_col=index,
                                                  max_col=index)]


def test_one_sheet_per_frame_and_per_report_table(book: Any, shipments: pd.DataFrame) -> None:
    assert book.sheetnames == ["shipments", "overall", "by_alcaldia", "by_week", "current_week"]
    sheet = book["shipments"]
    assert len(shipments) == 5_000 and sheet.max_row == 5_001
    assert sheet.freeze_panes == "A2"
    last = openpyxl.utils.get_column_letter(len(shipments.columns))
    assert sheet.auto_filter.ref == f"A1:{last}5001"
    widths = [sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width
              for i in range(1, len(shipments.columns) + 1)]
    assert all(8 <= width <= 53 for width in widths)


def test_times_are_mexico_city_local_to_the_second_and_named_so(
        book: Any, shipments: pd.DataFrame) -> None:
    sheet = book["shipments"]
    assert "created_at (Mexico City)" in header(sheet) and "created_at" not in header(sheet)
    cells = column(sheet, "created_at (Mexico City)")
    expected = shipments["created_at"].dt.tz_convert(c.TIMEZONE).dt.tz_localize(None)
    assert all(cell.number_format == "yyyy-mm-dd hh:mm:ss" for cell in cells)
    assert all(cell.value.tzinfo is None for cell in cells)
    assert [cell.value.replace(microsecond=0) for cell in cells] == [
        stamp.to_pydatetime().replace(microsecond=0) for stamp in expected]
    delivered = column(sheet, "delivered_at (Mexico City)")
    assert sum(cell.value is None for cell in delivered) == shipments["delivered_at"].isna().sum()


def test_integers_are_numbers_and_texts_keep_their_zeros(
        book: Any, shipments: pd.DataFrame) -> None:
    sheet = book["shipments"]
    attempts = [cell for cell in column(sheet, "attempts") if cell.value is not None]
    assert attempts and all(cell.data_type == "n" and isinstance(cell.value, int)
                            for cell in attempts)
    codes = [cell.value for cell in column(sheet, "postal_code")]
    assert codes == shipments["postal_code"].astype(object).where(
        shipments["postal_code"].notna(), None).tolist()
    assert any(code.startswith("0") for code in codes if code)
    assert [cell.value for cell in column(sheet, "tracking_id")] == shipments[
        "tracking_id"].tolist()


def test_rates_are_excel_percentages_of_the_same_numbers(
        book: Any, workbook: tuple[Path, cx.KPIReport]) -> None:
    report = workbook[1]
    overall = book["overall"]
    # Every report sheet opens with the time its figures are true at, above the header.
    assert overall.cell(1, 1).value == f"As of {report.as_of:%Y-%m-%d %H:%M:%S} (Mexico City)"
    names = header(overall, 2)
    for rate in ("on_time_rate", "first_attempt_rate", "mishap_rate", "attempts_1"):
        cell = overall.cell(3, names.index(rate) + 1)
        assert cell.number_format == "0.0%"
        assert cell.value == pytest.approx(float(report.overall[rate].iloc[0]))
    assert overall.cell(3, names.index("shipments") + 1).number_format == "General"
    weeks = book["by_week"]
    assert header(weeks, 2)[0] == "week" and weeks.freeze_panes == "A3"
    first_week = weeks.cell(3, 1)
    assert first_week.value.date() == report.by_week.index[0]
    assert first_week.number_format == "yyyy-mm-dd"
    assert weeks.max_row == len(report.by_week) + 2


@dataclass(frozen=True)
class NewerReport:
    """A report as another version might shape it: other tables, other rate names, an
    ``as_of`` time, and the frames it came from."""

    late: pd.DataFrame
    as_of: datetime
    shipments: pd.DataFrame = field(default_factory=pd.DataFrame)
    note: str = "not a table"


def test_any_report_table_gets_a_sheet_with_its_as_of_time(tmp_path: Path) -> None:
    late = pd.DataFrame({"alcaldia": ["Coyoacán"], "late_pct": [0.25], "delivered": [8]})
    as_of = pd.Timestamp("2026-11-30 20:15:00", tz="UTC").to_pydatetime()
    path = cx.to_excel(tmp_path / "newer.xlsx", kpis=NewerReport(late, as_of))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["late"]
    sheet = book["late"]
    assert sheet["A1"].value == "As of 2026-11-30 14:15:00 (Mexico City)"
    assert header(sheet, 2) == ["alcaldia", "late_pct", "delivered"]
    assert sheet["B3"].number_format == "0.0%" and sheet["B3"].value == 0.25
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == "A2:C3"


def test_wrong_arguments_say_what_is_accepted(tmp_path: Path) -> None:
    with pytest.raises(cx.InvalidArgumentError, match="at least one frame"):
        cx.to_excel(tmp_path / "empty.xlsx")
    with pytest.raises(cx.InvalidArgumentTypeError, match="shipments= takes a DataFrame"):
        cx.to_excel(tmp_path / "x.xlsx", shipments=[1, 2])  # type: ignore[arg-type]
    with pytest.raises(cx.ExportError, match=r"\.xlsx"):
        cx.to_excel(tmp_path / "x.csv", sheets={"a": pd.DataFrame({"a": [1]})})
    with pytest.raises(cx.InvalidArgumentTypeError, match="KPI report"):
        cx.to_excel(tmp_path / "x.xlsx", kpis=object())


def test_the_readme_line_writes_the_workbook(tmp_path: Path,
                                            frames: tuple[pd.DataFrame, pd.DataFrame],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text()
    line = re.search(r"^cx\.to_excel\(\"deliveries\.xlsx\".*\)$", readme, re.MULTILINE)
    assert line is not None
    monkeypatch.chdir(tmp_path)
    shipments, events = frames
    exec(line.group(0), {"cx": cx, "shipments": shipments, "events": events,
                         "report": cx.kpis(shipments, events=events)})
    book = openpyxl.load_workbook(tmp_path / "deliveries.xlsx", read_only=True)
    assert book.sheetnames == ["shipments", "events", "overall", "by_alcaldia", "by_week",
                               "current_week"]
    assert book["events"].max_row == len(events) + 1 > 1



def test_a_filtered_frame_writes_its_rows_without_their_old_row_numbers(
        shipments: pd.DataFrame, tmp_path: Path) -> None:
    delivered = shipments[shipments["state"] == "DELIVERED"].head(20)
    cx.to_excel(tmp_path / "delivered.xlsx", shipments=delivered)
    sheet = openpyxl.load_workbook(tmp_path / "delivered.xlsx", read_only=True)["shipments"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "tracking_id" and "index" not in rows[0]
    assert [row[0] for row in rows[1:]] == delivered["tracking_id"].tolist()


def test_texts_that_look_like_formulas_or_links_stay_texts(tmp_path: Path) -> None:
    """A barcode the shipper typed as ``=HYPERLINK(...)`` must not become a formula that
    Excel runs on opening the workbook (CSV injection, in a workbook), nor a URL a link."""
    typed = ['=HYPERLINK("http://127.0.0.1/x","open")', "+1+2", "-3", "@SUM(1)",
             "http://127.0.0.1/a b"]
    cx.to_excel(tmp_path / "typed.xlsx", sheets={"typed": pd.DataFrame({"barcode": typed})})
    sheet = openpyxl.load_workbook(tmp_path / "typed.xlsx")["typed"]
    cells = column(sheet, "barcode")
    assert [cell.value for cell in cells] == typed
    assert {cell.data_type for cell in cells} == {"s"}
    assert not sheet._hyperlinks and all(cell.hyperlink is None for cell in cells)
