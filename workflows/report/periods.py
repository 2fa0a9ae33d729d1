"""Report periods: years, HRC session windows and free ranges typed by staff.

Why session windows: communications and replies become public in the joint communications
report to the Human Rights Council's regular sessions, each covering a fixed window of
dates sent (DESIGN.md): 1 Jun-30 Nov -> March session of the next year; 1 Dec-end Feb ->
June session; 1 Mar-31 May -> September session. "Outstanding since the previous joint
communications report" and "last session window" are defined on these windows.

`parse_period` reads what staff type or tap ("this year", "last year", "2016", "since 1 June
2017", "from 1/3/2017 to 31/5/2017", "last session window", "March 2018 session", "June
2017"); every refusal is a `PeriodError` whose text is a user-facing re-ask.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from workflows.language import N_, _, formats
from workflows.reference.dates import (
    DEFAULT_TZ,
    MAX_YEAR,
    MIN_YEAR,
    DateParseError,
    parse_date,
)
from workflows.report.model import DASH

__all__ = [
    "SESSIONS",
    "Period",
    "PeriodError",
    "SessionWindow",
    "long_date",
    "parse_period",
    "previous_window",
    "session_window",
    "window_containing",
]

#: The three regular sessions, in calendar order.
SESSIONS = ("March", "June", "September")
#: Each session's name, translated where it is shown (the keys above are data).
_SESSION_NAMES = {
    "March": N_("March {year} session"),
    "June": N_("June {year} session"),
    "September": N_("September {year} session"),
}
#: What the parser reads; English words whatever the language (like a command's arguments).
EXAMPLES = (
    "this year, last year, 2016, June 2017, since 1 June 2017, from 1/3/2017 to 31/5/2017, "
    "last session window, March 2018 session"
)
_MONTHS = {name.casefold(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.casefold(): n for n, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_SESSION_ALIASES = {"mar": "March", "march": "March", "jun": "June", "june": "June"}
_SESSION_ALIASES |= {"sep": "September", "sept": "September", "september": "September"}
_SESSION = re.compile(
    r"(?:hrc\s+)?(?:(?P<m1>[a-z]+)\s+(?P<y1>\d{4})|(?P<y2>\d{4})\s+(?P<m2>[a-z]+))"
    r"\s+session(?:\s+window)?"
)
_RANGE = re.compile(
    r"(?:from\s+|between\s+)?(?P<a>.+?)\s+(?:to|until|till|and|-|\N{EN DASH})\s+(?P<b>.+)"
)


_SESSION_MONTHS = {"March": 3, "June": 6, "September": 9}


class PeriodError(ValueError):
    """The text is not a period; ``str(e)`` is a re-ask naming what works."""


@dataclass(frozen=True)
class Period:
    """An inclusive range of days with the label shown on the report."""

    start: date
    end: date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class SessionWindow:
    """The dates sent that one joint communications report covers."""

    session: str  # "March" | "June" | "September"
    year: int  # year of the Council session
    start: date
    end: date

    @property
    def name(self) -> str:
        return _(_SESSION_NAMES[self.session]).format(year=self.year)

    def period(self) -> Period:
        # Translators: the dates a joint communications report covers, by date sent.
        label = _("{session} window (sent {start} {dash} {end})").format(
            session=self.name, start=long_date(self.start), dash=DASH, end=long_date(self.end)
        )
        return Period(self.start, self.end, label)


def long_date(day: date) -> str:
    """ "1 June 2017", "1 juin 2017", "1 de junio de 2017": how dates read on a report (no
    weekday, the month in full), in the current language."""
    return formats.long_date(day)


def _end_of_february(year: int) -> date:
    return date(year, 2, calendar.monthrange(year, 2)[1])


def session_window(session: str, year: int) -> SessionWindow:
    """The window reported to the `session` ("March"/"June"/"September") of `year`."""
    if session == "March":
        return SessionWindow(session, year, date(year - 1, 6, 1), date(year - 1, 11, 30))
    if session == "June":
        return SessionWindow(session, year, date(year - 1, 12, 1), _end_of_february(year))
    if session == "September":
        return SessionWindow(session, year, date(year, 3, 1), date(year, 5, 31))
    raise ValueError(f"not a regular session: {session!r}; use one of {SESSIONS}")


@lru_cache(maxsize=8192)
def window_containing(day: date) -> SessionWindow:
    """The window whose communications include one sent on `day`."""
    if 6 <= day.month <= 11:
        return session_window("March", day.year + 1)
    if day.month == 12:
        return session_window("June", day.year + 1)
    if day.month <= 2:
        return session_window("June", day.year)
    return session_window("September", day.year)


def previous_window(window: SessionWindow) -> SessionWindow:
    return window_containing(window.start - timedelta(days=1))


def last_window_before(day: date) -> SessionWindow:
    """The latest window that ended before `day` (its report is the previous one)."""
    window = window_containing(day - timedelta(days=1))
    return window if window.end < day else previous_window(window)


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), str(year))


def parse_period(text: str, today: date, tz: str = DEFAULT_TZ) -> Period:
    """Read a period typed by staff; `today` is the user's local day (see dates.today_in)."""
    words = " ".join(str(text).casefold().replace(",", " ").split())
    if not words:
        raise PeriodError(_("Which period? For example {examples}.").format(examples=EXAMPLES))
    if len(words) > 80:
        raise PeriodError(
            _("That is too long to be a period. Try {examples}.").format(examples=EXAMPLES)
        )
    fixed = _fixed(words, today)
    if fixed is not None:
        return _checked(fixed, today)
    if words.startswith("since "):
        start = _bound(words[6:], today, tz, end=False)
        span = f"{long_date(start)} {DASH} {long_date(today)}"
        return _checked(Period(start, today, span), today)
    match = _RANGE.fullmatch(words)
    if match:
        start = _bound(match["a"], today, tz, end=False)
        end = _bound(match["b"], today, tz, end=True)
        if end < start:
            raise PeriodError(_("The period ends before it starts; give the earlier date first."))
        return _checked(Period(start, end, f"{long_date(start)} {DASH} {long_date(end)}"), today)
    raise PeriodError(
        _('I could not read "{text}" as a period. Try {examples}.').format(
            text=text.strip()[:40], examples=EXAMPLES
        )
    )


def _fixed(words: str, today: date) -> Period | None:
    """Periods named by words rather than dates: years, months and session windows."""
    if words in ("this year", "current year"):
        return year_period(today.year)
    if words in ("last year", "previous year"):
        return year_period(today.year - 1)
    if re.fullmatch(r"\d{4}", words):
        return year_period(_year(words))
    if words in ("last session window", "last session", "previous session window"):
        return last_window_before(today + timedelta(days=1)).period()
    if words in ("this session window", "current session window"):
        return window_containing(today).period()
    if match := _SESSION.fullmatch(words):
        name, year = match["m1"] or match["m2"], _year(match["y1"] or match["y2"])
        if name not in _SESSION_ALIASES:
            raise PeriodError(_("The Council's regular sessions are in March, June and September."))
        return session_window(_SESSION_ALIASES[name], year).period()
    if (match := re.fullmatch(r"([a-z]+)\s+(\d{4})", words)) and match[1] in _MONTHS:
        month, year = _MONTHS[match[1]], _year(match[2])
        last = calendar.monthrange(year, month)[1]
        first = date(year, month, 1)
        return Period(first, date(year, month, last), formats.month_year(first))
    return None


def _year(digits: str) -> int:
    year = int(digits)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            _("{digits} looks like a typo for a year. Try {examples}.").format(
                digits=digits, examples=EXAMPLES
            )
        )
    return year


def _bound(text: str, today: date, tz: str, *, end: bool) -> date:
    """One end of a range: a date, or a year, month or window ("since 2016", "to May 2017")."""
    named = _fixed(text, today)
    if named is not None:
        return named.end if end else named.start
    try:
        return parse_date(text, today, tz)
    except DateParseError as exc:
        raise PeriodError(str(exc)) from None


def _checked(period: Period, today: date) -> Period:
    if period.start > today:
        raise PeriodError(
            _("The period starts after today ({today}).").format(today=long_date(today))
        )
    return period
