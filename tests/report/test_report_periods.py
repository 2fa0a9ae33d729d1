"""Periods typed or tapped by staff, and the HRC session windows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from workflows.report.periods import (
    PeriodError,
    last_window_before,
    parse_period,
    previous_window,
    session_window,
    window_containing,
)

TODAY = date(2017, 5, 15)


@pytest.mark.parametrize(
    ("sent", "session", "year"),
    [
        (date(2016, 6, 1), "March", 2017),
        (date(2016, 11, 30), "March", 2017),
        (date(2016, 12, 1), "June", 2017),
        (date(2017, 2, 28), "June", 2017),
        (date(2016, 2, 29), "June", 2016),  # leap year: end of February
        (date(2017, 3, 1), "September", 2017),
        (date(2017, 5, 31), "September", 2017),
    ],
)
def test_each_date_sent_falls_in_one_session_window(sent: date, session: str, year: int) -> None:
    window = window_containing(sent)
    assert (window.session, window.year) == (session, year)
    assert window.start <= sent <= window.end


def test_windows_tile_the_calendar_without_gaps() -> None:
    window = session_window("March", 2016)
    for _ in range(12):
        assert window_containing(window.start) == window == window_containing(window.end)
        following = window_containing(window.end + timedelta(days=1))
        assert following.start == window.end + timedelta(days=1)
        assert previous_window(following) == window
        window = following


def test_previous_joint_report_is_the_last_window_that_closed() -> None:
    # A calendar-year report: the window containing 31 Dec is still open, so the
    # previous joint report is the March session's (sent Jun-Nov of the year before).
    assert last_window_before(date(2017, 1, 1)).name == "March 2017 session"
    # A session-window report: the window just before it.
    assert last_window_before(date(2017, 6, 1)).name == "September 2017 session"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("this year", date(2017, 1, 1), date(2017, 12, 31)),
        ("Last year", date(2016, 1, 1), date(2016, 12, 31)),
        ("2016", date(2016, 1, 1), date(2016, 12, 31)),
        ("April 2017", date(2017, 4, 1), date(2017, 4, 30)),
        ("since 1 June 2016", date(2016, 6, 1), TODAY),
        ("since 2016", date(2016, 1, 1), TODAY),
        ("from 1/3/2017 to 31/5/2017", date(2017, 3, 1), date(2017, 5, 31)),
        ("2017-01-01 - 2017-03-31", date(2017, 1, 1), date(2017, 3, 31)),
        ("between March 2017 and April 2017", date(2017, 3, 1), date(2017, 4, 30)),
        ("last session window", date(2016, 12, 1), date(2017, 2, 28)),
        ("this session window", date(2017, 3, 1), date(2017, 5, 31)),
        ("March 2017 session", date(2016, 6, 1), date(2016, 11, 30)),
        ("HRC September 2016 session", date(2016, 3, 1), date(2016, 5, 31)),
        ("since 3 weeks ago", date(2017, 4, 24), TODAY),
    ],
)
def test_parse_period(text: str, start: date, end: date) -> None:
    period = parse_period(text, TODAY)
    assert (period.start, period.end) == (start, end)


def test_labels_read_well_on_a_title_page() -> None:
    assert parse_period("2016", TODAY).label == "2016"
    assert parse_period("march 2017 session", TODAY).label == (
        "March 2017 session window (sent 1 June 2016 \N{EN DASH} 30 November 2016)"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Which period?"),
        ("whenever", "could not read"),
        ("since 1 June 2018", "starts after today"),
        ("0017", "typo"),
        ("from 1/5/2017 to 1/4/2017", "ends before it starts"),
        ("May 2017 session", "March, June and September"),
        ("since 31/02/2017", "February 2017 has 28 days"),
        ("x" * 200, "too long"),
    ],
)
def test_refusals_say_why(text: str, reason: str) -> None:
    with pytest.raises(PeriodError, match=reason):
        parse_period(text, TODAY)
