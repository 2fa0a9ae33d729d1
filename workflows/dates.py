"""The one wrapper around dateparser: read a date typed by staff, echo it back unambiguously.

Why a wrapper: dateparser is liberal by design (it swaps day and month when the month would
be out of range, fills missing parts with today's, and can take a second on long junk). A
follow-up record must never hold a silently guessed date, so this module pins the settings
(English, French and Spanish only; numeric dates strictly day/month/year; day, month and year
all required; relative dates against the user's own *today*), parses the plain numeric forms
itself so that "1/13/2017" or "31/02/2017" are refused with a precise reason, and turns every
failure into a :class:`DateParseError` whose text can be shown to the user as a re-ask.

Time zones: ``Europe/Geneva`` is not an IANA zone key (Geneva uses ``Europe/Zurich``), so
:data:`DEFAULT_TZ` is ``Europe/Zurich`` and :func:`get_zone` accepts ``Europe/Geneva`` as an
alias. Use :func:`get_zone` rather than ``ZoneInfo(...)`` for configured zone names.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser
from dateparser.date import DateDataParser

__all__ = [
    "DEFAULT_TZ",
    "EXAMPLES",
    "MAX_YEAR",
    "MIN_YEAR",
    "TZ_ALIASES",
    "DateParseError",
    "canonical_tz",
    "format_date",
    "get_zone",
    "parse_date",
    "parse_iso",
    "today_in",
]

#: Geneva's IANA zone. ("Europe/Geneva" does not exist in tzdata; it is accepted as an alias.)
DEFAULT_TZ = "Europe/Zurich"

#: Friendly zone names people put in configuration that are not IANA keys.
TZ_ALIASES: dict[str, str] = {"Europe/Geneva": "Europe/Zurich", "Geneva": "Europe/Zurich"}

#: Shown in every refusal so the user sees at once what works.
EXAMPLES = "15/03/2017, 15 March 2017, 15 mars 2017, yesterday or 3 weeks ago"

#: Dates outside this range are typos in this domain (e.g. "15/03/0017", "in 999999 days").
MIN_YEAR = 1900
MAX_YEAR = 2199

_LANGUAGES = ["en", "fr", "es"]
# Longest sensible answer is about "sábado 15 de septiembre de 2017 a las 10:00" (44 chars);
# anything longer is refused before dateparser sees it, so junk never costs real time.
_MAX_CHARS = 60
# Raw input above this is refused before even normalising it (5000 chars of paste, etc.).
_MAX_RAW_CHARS = 1000
_SHOWN_CHARS = 40

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_ABBR = tuple(m[:3] for m in _MONTHS)
_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# An optional clock time after a numeric date is ignored (only the date is stored).
_TIME = (
    r"(?:,?\s+\d{1,2}(?:[:.h]\d{2}|h)(?:\s*[ap]\.?m\.?)?"  # 10:00, 10h30, 10h, 10:00 am
    r"|,?\s+\d{1,2}\s*[ap]\.?m\.?)?"  # 10am, 10 p.m.
)
# d/m/y with one consistent separator; y is 2 or 4 digits.
_DMY = re.compile(r"(\d{1,2})([./\- ])(\d{1,2})\2(\d{4}|\d{2})" + _TIME, re.IGNORECASE)
# ISO-like y-m-d (also y/m/d, y.m.d).
_YMD = re.compile(r"(\d{4})([./\-])(\d{1,2})\2(\d{1,2})" + _TIME, re.IGNORECASE)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
# Spanish article dateparser does not skip: "el 15 de marzo de 2017".
_LEADING_ARTICLE = re.compile(r"^el\s+(?=\d)", re.IGNORECASE)
# A day number followed by text that is not a time, e.g. "31 February 2017", "31 de abril".
_LEADING_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er)?(\s+\D.*)", re.IGNORECASE)


class DateParseError(ValueError):
    """A typed date could not be accepted; ``str(e)`` is a user-facing re-ask.

    ``reason`` is a stable machine code ("empty", "too_long", "unreadable", "incomplete",
    "invalid", "out_of_range", "bad_timezone") for callers and tests that must not depend on
    wording. The message quotes the user's text unescaped: the transport escapes it.
    """

    def __init__(self, message: str, reason: str = "unreadable") -> None:
        super().__init__(message)
        self.reason = reason


def canonical_tz(tz: str) -> str:
    """Return the IANA key for ``tz`` (resolving :data:`TZ_ALIASES`); ValueError if unknown."""
    key = TZ_ALIASES.get(tz, tz)
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"Unknown time zone {tz!r}") from exc
    return key


def get_zone(tz: str) -> ZoneInfo:
    """ZoneInfo for a configured zone name, accepting aliases such as "Europe/Geneva"."""
    return ZoneInfo(canonical_tz(tz))


def today_in(tz: str, now: datetime) -> date:
    """The calendar date in ``tz`` at the instant ``now``.

    ``now`` comes from an injected clock and must be aware (UTC by convention): a naive value
    would silently be read in the server's zone, which is exactly the bug this avoids.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(get_zone(tz)).date()


def format_date(d: date) -> str:
    """Unambiguous English echo, e.g. "Mon 15 May 2017".

    Built from fixed tables rather than strftime so the output never depends on the
    process locale, and the weekday lets the user spot a day/month mix-up at a glance.
    """
    return f"{_WEEKDAY_ABBR[d.weekday()]} {d.day} {_MONTH_ABBR[d.month - 1]} {d.year}"


def parse_iso(s: str) -> date:
    """Read a stored ISO date ("2017-03-15") back; ValueError on anything else.

    Strict on purpose: stored values are always written by ``date.isoformat()``, so any other
    shape means corrupted data, not user input to be guessed at.
    """
    if not isinstance(s, str) or not _ISO.fullmatch(s):
        raise ValueError(f"Not an ISO date (YYYY-MM-DD): {s!r}")
    return date.fromisoformat(s)


def parse_date(text: str, today: date, tz: str = DEFAULT_TZ) -> date:
    """Read a date typed by a user; raise :class:`DateParseError` with a re-ask otherwise.

    Accepts numeric day-first dates (15/03/2017, 15.3.17), ISO (2017-03-15), dates with month
    names in English, French or Spanish, and relative dates ("yesterday", "il y a 2 semaines",
    "hace 3 días", "in 60 days") counted from ``today`` — the user's local date, see
    :func:`today_in`. Day, month and year are all required. Never raises anything else.
    """
    try:
        return _parse_date(text, today, tz)
    except DateParseError:
        raise
    except Exception as exc:  # the contract: callers only ever handle DateParseError
        raise DateParseError(_unreadable(text), "unreadable") from exc


def warm_up() -> None:
    """Load dateparser's data for our languages now: it loads them on first use, which would
    otherwise make the first date anyone types after a start take a few hundred ms longer."""
    for text in ("yesterday", "3 mars 2024", "next week"):
        with contextlib.suppress(DateParseError):
            parse_date(text, date(2024, 6, 1))


def _parse_date(text: str, today: date, tz: str) -> date:
    cleaned = _clean(text)
    try:
        zone = canonical_tz(tz)
    except ValueError as exc:
        raise DateParseError(
            f"The configured time zone {tz!r} is not known, so I cannot read dates yet. "
            "Please tell the bot administrator.",
            "bad_timezone",
        ) from exc

    numeric = _parse_numeric(cleaned, today)
    if numeric is not None:
        return _in_range(numeric, cleaned)

    settings: dict[str, Any] = {
        "DATE_ORDER": "DMY",
        "PREFER_LOCALE_DATE_ORDER": False,
        # Noon keeps relative arithmetic well away from midnight/DST edges.
        "RELATIVE_BASE": datetime.combine(today, time(12, 0)),
        "TIMEZONE": zone,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": ["day", "month", "year"],
    }
    found = dateparser.parse(cleaned, languages=_LANGUAGES, settings=settings)
    if found is not None:
        return _in_range(found.date(), cleaned)

    # Refused: ask again without REQUIRE_PARTS only to tell "incomplete" from "unreadable".
    del settings["REQUIRE_PARTS"]
    data = DateDataParser(languages=_LANGUAGES, settings=settings).get_date_data(cleaned)
    if data.date_obj is not None:
        raise DateParseError(_incomplete(cleaned, data.period), "incomplete")
    _explain_bad_day(cleaned, settings)
    raise DateParseError(_unreadable(cleaned), "unreadable")


def _explain_bad_day(text: str, settings: dict[str, Any]) -> None:
    """Name the reason for "31 February 2017": dateparser just returns None for it.

    If the text reads as a date once its leading day number is replaced by 1, the month and
    year were fine and the day was out of range, which deserves a precise re-ask.
    """
    m = _LEADING_DAY.match(text)
    if not m or int(m.group(1)) < 29:
        return
    settings = {**settings, "REQUIRE_PARTS": ["day", "month", "year"]}
    first = dateparser.parse("1" + m.group(2), languages=_LANGUAGES, settings=settings)
    if first is None:
        return
    last = _days_in_month(first.year, first.month)
    raise DateParseError(
        f'"{_shown(text)}" is not a valid date: {_MONTHS[first.month - 1]} {first.year} has '
        f"{last} days. Try {EXAMPLES}.",
        "invalid",
    )


def _clean(text: object) -> str:
    """Normalise whitespace and refuse empty, oversized or control-character input early."""
    if not isinstance(text, str) or not text.strip():
        raise DateParseError(f"Please type a date, for example {EXAMPLES}.", "empty")
    if len(text) > _MAX_RAW_CHARS:
        raise DateParseError(_too_long(), "too_long")
    text = unicodedata.normalize("NFC", text)
    # Drop invisible format characters (zero-width space, BOM, direction marks) pasted along.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = " ".join(text.split())
    if not text:
        raise DateParseError(f"Please type a date, for example {EXAMPLES}.", "empty")
    if len(text) > _MAX_CHARS:
        raise DateParseError(_too_long(), "too_long")
    if any(unicodedata.category(ch) == "Cc" for ch in text) or not any(ch.isalnum() for ch in text):
        raise DateParseError(_unreadable(text), "unreadable")
    return _LEADING_ARTICLE.sub("", text)


def _parse_numeric(text: str, today: date) -> date | None:
    """Parse all-numeric dates ourselves: dateparser swaps d/m when m > 12 (1/13/2017)."""
    m = _YMD.fullmatch(text)
    if m:
        return _build(int(m.group(1)), int(m.group(3)), int(m.group(4)), text)
    m = _DMY.fullmatch(text)
    if m:
        year_s = m.group(4)
        year = int(year_s)
        if len(year_s) == 2:
            # Two-digit years: this century unless that lands far in the future.
            year += 2000 if 2000 + year <= today.year + 20 else 1900
        return _build(year, int(m.group(3)), int(m.group(1)), text)
    return None


def _build(year: int, month: int, day: int, text: str) -> date:
    if not 1 <= month <= 12:
        raise DateParseError(
            f'"{_shown(text)}" is not a valid date: {month} is not a month. '
            f"Numeric dates are read day/month/year. Try {EXAMPLES}.",
            "invalid",
        )
    try:
        return date(year, month, day)
    except ValueError:
        pass
    if 1 <= year <= 9999:
        last = _days_in_month(year, month)
        why = f"{_MONTHS[month - 1]} {year} has {last} days"
    else:
        why = f"{year} is not a usable year"
    raise DateParseError(f'"{_shown(text)}" is not a valid date: {why}. Try {EXAMPLES}.', "invalid")


def _days_in_month(year: int, month: int) -> int:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (nxt - date(year, month, 1)).days


def _in_range(d: date, text: str) -> date:
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise DateParseError(
            f'"{_shown(text)}" gives the year {d.year}, which looks like a typo '
            f"(I accept {MIN_YEAR}-{MAX_YEAR}). Try {EXAMPLES}.",
            "out_of_range",
        )
    return d


def _shown(text: str) -> str:
    """The user's text, shortened and with unprintable characters replaced, for messages."""
    text = "".join(ch if ch.isprintable() else "?" for ch in " ".join(str(text).split()))
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _unreadable(text: object) -> str:
    return f'I could not read "{_shown(str(text))}" as a date. Try {EXAMPLES}.'


def _too_long() -> str:
    return f"That is too long to be a date. Please type just the date, for example {EXAMPLES}."


def _incomplete(text: str, period: str | None) -> str:
    if period == "year":
        missing = "only gives a year. I also need the day and the month."
    elif period == "month":
        missing = "has no day. Which day of that month?"
    else:
        missing = "is incomplete: I need the day, the month and the year."
    return f'"{_shown(text)}" {missing} Try {EXAMPLES}.'
