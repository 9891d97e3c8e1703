"""Arguments are checked before any request, and every error names the argument at fault."""

from __future__ import annotations

import re
import warnings
from datetime import date
from typing import Any

import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.queries.window import empty_reason

from .conftest import ANCHOR, JOHN, open_session, user_stats


def nothing_sent(url: str) -> bool:
    seen = user_stats(url, JOHN)
    return seen["requests"] == 0 and seen["logins_ok"] == 0


@pytest.mark.parametrize(("options", "argument", "accepted"), [
    ({"start": "garbage"}, "start", "ISO-8601"),
    ({"end": "2026-13-45"}, "end", "ISO-8601"),
    ({"start": "2026-11-05", "end": "2026-11-01"}, "end", "before start"),
    ({"max_rows": -5}, "max_rows", "at least 1"),
    ({"max_rows": 0}, "max_rows", "at least 1"),
    ({"concurrency": 0}, "concurrency", "at least 1"),
    ({"states": []}, "states", "None for every state"),
    ({"states": ["CREATED", ""]}, "states", "state name"),
])
def test_unusable_values_name_the_argument_before_any_request(
    url: str, session: cx.Session, options: dict[str, Any], argument: str, accepted: str
) -> None:
    for read in (session.shipments, session.events):
        with pytest.raises(cx.InvalidArgumentError, match=accepted) as caught:
            read(**options)
        assert isinstance(caught.value, ValueError)
        assert caught.value.argument == argument
        assert str(caught.value).startswith(argument)
    assert nothing_sent(url)


@pytest.mark.parametrize(("options", "argument"), [
    ({"start": 20260101}, "start"),
    ({"end": 3.5}, "end"),
    ({"max_rows": True}, "max_rows"),
    ({"max_rows": 10.0}, "max_rows"),
    ({"max_rows": "10"}, "max_rows"),
    ({"concurrency": 2.5}, "concurrency"),
    ({"concurrency": False}, "concurrency"),
    ({"states": 3}, "states"),
    ({"states": [None]}, "states"),
    ({"states": {"state": "CREATED"}}, "states"),
    ({"progress": "yes"}, "progress"),
    ({"progress": 1}, "progress"),
])
def test_wrong_types_name_the_argument_and_are_type_errors(
    url: str, session: cx.Session, options: dict[str, Any], argument: str
) -> None:
    for read in (session.shipments, session.events):
        with pytest.raises(TypeError) as caught:
            read(**options)
        assert isinstance(caught.value, cx.InvalidArgumentError)
        assert caught.value.argument == argument
        assert str(caught.value).startswith(argument)
        assert "got " in str(caught.value)
    assert nothing_sent(url)


def test_a_date_given_as_a_number_says_how_to_write_it(session: cx.Session) -> None:
    with pytest.raises(cx.InvalidArgumentTypeError, match="'2026-11-01'") as caught:
        session.shipments(start=20260101)
    assert "int" in str(caught.value)


def test_an_unknown_state_warns_with_the_known_ones_and_is_still_asked_for(
    url: str, session: cx.Session
) -> None:
    with pytest.warns(cx.UnknownValueWarning) as caught:
        df = session.shipments("2026-11-01", "2026-11-02", states=["NOPE"])
    message = str(caught[0].message)
    assert "'NOPE'" in message and all(s in message for s in
                                       ("CREATED", "DELIVERED", "MISHAP"))
    assert caught[0].filename == __file__  # points at the caller's line, not ours
    assert df.attrs["cargamos"]["params"]["state"] == "NOPE"
    assert user_stats(url, JOHN)["requests"] >= 1


def test_known_states_do_not_warn(session: cx.Session) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = session.shipments(date(2026, 11, 1), "2026-11-02",
                               states=("DELIVERED", "MISHAP"), max_rows=3)
    assert df.attrs["cargamos"]["params"]["state"] == "DELIVERED,MISHAP"


def test_state_names_match_whatever_their_case(session: cx.Session) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a documented state in lower case is no unknown one
        lower = session.shipments(date(2026, 11, 1), "2026-11-30", states="delivered")
    upper = session.shipments(date(2026, 11, 1), "2026-11-30", states="DELIVERED")
    assert len(lower) == len(upper) > 0 and set(lower["state"]) == {"DELIVERED"}
    assert lower.attrs["cargamos"]["params"]["state"] == "DELIVERED"
    with pytest.warns(cx.UnknownValueWarning, match="'delivred'"):
        session.shipments(date(2026, 11, 1), "2026-11-02", states=["Mishap", "delivred"])


@pytest.mark.parametrize("sheet", [None, [{"postal_code": "06700"}], "orders.csv"])
def test_an_orders_sheet_must_be_a_dataframe(url: str, session: cx.Session,
                                             sheet: Any) -> None:
    for send in (session.validate_orders, session.create_orders):
        with pytest.raises(TypeError, match="pandas DataFrame") as caught:
            send(sheet)
        assert isinstance(caught.value, cx.InvalidArgumentError)
        assert caught.value.argument == "sheet"
    assert nothing_sent(url)


def test_orders_progress_must_be_a_flag(url: str, session: cx.Session) -> None:
    sheet = pd.DataFrame({"postal_code": ["06700"]})
    with pytest.raises(cx.InvalidArgumentTypeError, match=r"^progress"):
        session.validate_orders(sheet, progress="no")
    assert nothing_sent(url)


def test_argument_errors_are_cargamos_errors() -> None:
    assert issubclass(cx.InvalidArgumentError, cx.CargamosError)
    assert issubclass(cx.InvalidArgumentError, ValueError)
    assert issubclass(cx.InvalidArgumentTypeError, cx.InvalidArgumentError)
    assert issubclass(cx.InvalidArgumentTypeError, TypeError)


# --- an empty read whose window explains it -----------------------------------------------
def anchored(url: str) -> cx.Session:
    """A session whose today is the sandbox's (2026-11-18), whatever the real date."""
    return open_session(url, clock=lambda: float(ANCHOR))


@pytest.mark.parametrize(("start", "end", "why"), [
    ("2026-06-01", "2026-06-30", "ended 141 days before today (2026-11-18)"),
    ("2026-12-01", "2026-12-31", "starts after today (2026-11-18)"),
])
def test_an_empty_read_outside_the_data_window_says_why(url: str, start: str, end: str,
                                                        why: str) -> None:
    with anchored(url) as session:
        with pytest.warns(cx.EmptyWindowWarning, match=re.escape(why)) as caught:
            df = session.shipments(start=start, end=end)
        with pytest.warns(cx.EmptyWindowWarning, match="holds the 90 days up to today"):
            session.events(start=start, end=end)
    assert df.empty and "tracking_id" in df.columns
    assert "date.today() - timedelta(days=90)" in str(caught[0].message)
    assert caught[0].filename == __file__  # points at the caller's line


def test_reads_inside_the_data_window_do_not_warn(url: str) -> None:
    with anchored(url) as session, warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(session.shipments(start=date(2026, 9, 1), end=date(2026, 11, 18))) > 0
    params = {"from": "2026-11-18T00:00:00-06:00", "to": "2026-11-19T00:00:00-06:00"}
    # Empty, but only because nothing was created that day: no reason to give.
    assert empty_reason(params, date(2026, 11, 18)) is None
