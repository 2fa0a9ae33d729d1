"""Calendar helpers for the demo data: working days, office hours, Council sessions.

Why a module of its own: every date the generator invents must be one a person could have
typed (a letter leaves on a working day, a report is presented while the Council sits), and
every instant in a case's history must fall in Geneva office hours on that day. Keeping those
rules here lets the generators say *what* happens and *how long after*, never how to count.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from workflows.reference.dates import DEFAULT_TZ, get_zone

GENEVA = get_zone(DEFAULT_TZ)
#: The Human Rights Council's first regular session after its creation (June 2006) was its
#: 1st; from 2007 it holds three a year, numbered in order: March 2016 was the 31st.
FIRST_SESSION_YEAR = 2007
#: Days in each regular session when country-visit reports are usually presented.
SESSION_DAYS = ((3, 1, 25), (6, 15, 35), (9, 10, 30))  # (month, first day, last day offset)


def weekday(day: date) -> date:
    """The day itself, or the next Monday if it falls on a weekend (letters leave on weekdays)."""
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def after(day: date, low: int, high: int, rng: random.Random) -> date:
    """A working day between `low` and `high` days after `day` (inclusive)."""
    return weekday(day + timedelta(days=rng.randint(low, high)))


def between(first: date, last: date, rng: random.Random) -> date:
    """A working day in [first, last], or `first` itself if the range holds none."""
    span = (last - first).days
    for _ in range(8):
        day = first + timedelta(days=rng.randint(0, max(span, 0)))
        if day.weekday() < 5:
            return day
    return first


def instant(day: date, rng: random.Random) -> str:
    """An aware UTC instant during Geneva office hours on `day`, as stored in histories."""
    minutes = rng.randint(8 * 60 + 30, 17 * 60 + 30)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), GENEVA)
    return local.astimezone(UTC).isoformat(timespec="seconds")


def end_of_day(day: date) -> datetime:
    """18:00 in Geneva on `day`: the moment the generated data describe ("as at")."""
    return datetime.combine(day, time(18, 0), GENEVA).astimezone(UTC)


def session_number(year: int, slot: int) -> int:
    """Regular session number of the March (0), June (1) or September (2) session of `year`."""
    return 4 + 3 * (year - FIRST_SESSION_YEAR) + slot


def next_session(earliest: date, rng: random.Random) -> tuple[int, date]:
    """(number, a presentation day) of the first regular session starting on or after
    `earliest`: reports are presented while the Council sits, not on the day they are due."""
    year = earliest.year
    while True:
        for slot, (month, first, span) in enumerate(SESSION_DAYS):
            opens = date(year, month, first)
            if opens >= earliest:
                day = between(opens, opens + timedelta(days=span), rng)
                return session_number(year, slot), day
        year += 1


def sg_report_day(sent: date, rng: random.Random) -> date:
    """When a case reported in the SG's reprisals report appears: its cycle runs 1 June to
    31 May and the report goes to the September session."""
    year = sent.year if sent.month <= 5 else sent.year + 1
    return between(date(year, 9, 10), date(year, 9, 30), rng)
