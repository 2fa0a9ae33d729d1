"""The one wrapper around dateparser: read a date typed by staff, echo it back unambiguously.

Why a wrapper: dateparser is liberal by design (it swaps day and month when the month would
be out of range, fills missing parts with today's, drops what it does not understand, and
can take a second on long junk). A follow-up record must never hold a silently guessed date,
so this module reads a date *exactly* or refuses it:

- numeric dates (day/month/year only, never month first) are parsed here, so "1/13/2017",
  "31/02/2017" or "-5/3/2017" are refused with a precise reason;
- a date in words goes through dateparser's own language data (English, French and Spanish
  only), which translates it into canonical English tokens ("il y a 3 jours" -> "3 day ago",
  "3 de marzo" -> "3 march"); the phrase is accepted only if those tokens form exactly one
  of a few shapes (a full date, a day and month, N units ago or ahead, last or next weekday),
  so "2 days before yesterday" (which dateparser reads as yesterday) is refused rather than
  saved as another day. A full date or an offset must also be what ``dateparser.parse``
  itself reads, with DATE_ORDER DMY: the two readings never disagree silently;
- a day and month without a year ("3 March", "3 mars") is the most recent such day when the
  question is about the past, and is refused as incomplete otherwise. Every failure is a
  :class:`DateParseError` whose text can be shown to the user as a re-ask with examples.

Time zones: ``Europe/Geneva`` is not an IANA zone key (Geneva uses ``Europe/Zurich``), so
:data:`DEFAULT_TZ` is ``Europe/Zurich`` and :func:`get_zone` accepts ``Europe/Geneva`` as an
alias. Use :func:`get_zone` rather than ``ZoneInfo(...)`` for configured zone names.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser
import dateparser.conf
import dateparser.languages.loader
from babel.dates import get_day_names, get_month_names

from workflows.language import N_, _, current, formats

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
#: (Marked for translation; `_examples()` gives it in the current language.)
EXAMPLES = N_("15/03/2017, 15 March 2017, 15 mars 2017, yesterday, 3 weeks ago or last Monday")

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

# An optional clock time after a numeric date is ignored (only the date is stored).
_TIME = (
    r"(?:,?\s+\d{1,2}(?:[:.h]\d{2}|h)(?:\s*[ap]\.?m\.?)?"  # 10:00, 10h30, 10h, 10:00 am
    r"|,?\s+\d{1,2}\s*[ap]\.?m\.?)?"  # 10am, 10 p.m.
)
# d/m/y with one consistent separator; y is 2 or 4 digits.
_DMY = re.compile(r"(\d{1,2})([./\- ])(\d{1,2})\2(\d{4}|\d{2})" + _TIME, re.IGNORECASE)
# ISO-like y-m-d (also y/m/d, y.m.d).
_YMD = re.compile(r"(\d{4})([./\-])(\d{1,2})\2(\d{1,2})" + _TIME, re.IGNORECASE)
# A day and month with no year: 15/03, 15.3.
_DM = re.compile(r"(\d{1,2})([./])(\d{1,2})\.?")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
# Spanish article dateparser does not skip: "el 15 de marzo de 2017".
_LEADING_ARTICLE = re.compile(r"^el\s+(?=\d)", re.IGNORECASE)


class DateParseError(ValueError):
    """A typed date could not be accepted; ``str(e)`` is a user-facing re-ask.

    ``reason`` is a stable machine code ("empty", "too_long", "unreadable", "incomplete",
    "invalid", "out_of_range", "bad_timezone") for callers and tests that must
    not depend on wording. The message quotes the user's text unescaped: the transport escapes it.
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
    """Unambiguous echo in the current language: "Mon 15 May 2017", "lun. 15 mai 2017",
    "lun 15 de mayo de 2017".

    From Babel's CLDR data (workflows.language.formats) rather than strftime, so the output
    never depends on the process locale; the weekday lets the user spot a day/month mix-up
    at a glance.
    """
    return formats.day(d)


def parse_iso(s: str) -> date:
    """Read a stored ISO date ("2017-03-15") back; ValueError on anything else.

    Strict on purpose: stored values are always written by ``date.isoformat()``, so any other
    shape means corrupted data, not user input to be guessed at.
    """
    if not isinstance(s, str) or not _ISO.fullmatch(s):
        raise ValueError(f"Not an ISO date (YYYY-MM-DD): {s!r}")
    return date.fromisoformat(s)


def parse_date(text: str, today: date, tz: str = DEFAULT_TZ, *, past: bool = False) -> date:
    """Read a date typed by a user; raise :class:`DateParseError` with a re-ask otherwise.

    Accepts numeric day-first dates (15/03/2017, 15.3.17), ISO (2017-03-15), dates with month
    names in English, French or Spanish, and relative dates ("yesterday", "il y a 2 semaines",
    "hace 3 días", "in 60 days", "last Monday") counted from ``today`` — the user's local
    date, see :func:`today_in`. With ``past`` (the question asks about something that has
    happened), a day and month without a year mean the most recent such day; otherwise the
    year is required. Never raises anything else.
    """
    try:
        return _parse_date(text, today, tz, past)
    except DateParseError:
        raise
    except Exception as exc:  # the contract: callers only ever handle DateParseError
        raise DateParseError(_unreadable(text), "unreadable") from exc


def warm_up() -> None:
    """Load dateparser's data for our languages now, and Babel's for showing dates in them:
    both load on first use, which would otherwise make the first date anyone types or sees
    after a start take a few hundred ms longer."""
    for text in ("yesterday", "3 mars 2024", "next week"):
        with contextlib.suppress(DateParseError):
            parse_date(text, date(2024, 6, 1))
    for lang in ("en", "fr", "es"):
        formats.day(date(2024, 6, 1), lang)


def _parse_date(text: str, today: date, tz: str, past: bool) -> date:
    cleaned = _clean(text)
    try:
        zone = canonical_tz(tz)
    except ValueError as exc:
        raise DateParseError(
            _(
                "The configured time zone {zone} is not known, so I cannot read dates yet. "
                "Please tell the bot administrator."
            ).format(zone=repr(tz)),
            "bad_timezone",
        ) from exc
    numeric = _parse_numeric(cleaned, today, past)
    if numeric is not None:
        return _in_range(numeric, cleaned)
    if not any(ch.isalpha() for ch in cleaned):
        raise DateParseError(
            _(
                'I could not read "{text}" as a date: numeric dates are '
                "day/month/year with one separator and no signs. Try {examples}."
            ).format(text=_shown(cleaned), examples=_examples()),
            "unreadable",
        )
    return _parse_words(cleaned, today, zone, past)


# ---- dates in words ----------------------------------------------------------------------
_LOCALE_SETTINGS = dateparser.conf.Settings()
_MONTH_NUMBER = {name.lower(): n for n, name in enumerate(_MONTHS, start=1)}
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: (days, months) per unit, as dateparser counts them.
_UNITS = {"day": (1, 0), "week": (7, 0), "fortnight": (14, 0), "month": (0, 1), "year": (0, 12)}
_COUNT = re.compile(r"[0-9]+")
_DAY = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}|[0-9]{2}")
_CLOCK = re.compile(r"[0-9]{1,2}:[0-9]{2}")


def _parse_words(text: str, today: date, zone: str, past: bool) -> date:
    """A date in words, read exactly in the first of our languages that reads it (English,
    French, then Spanish, as dateparser itself tries them), else a precise refusal."""
    problems: list[DateParseError] = []
    for tokens in _translations(text):
        try:
            found = _read_tokens(tokens, today, past, text)
        except DateParseError as exc:
            problems.append(exc)
            continue
        if found is None:
            continue
        found_date, checked = found
        found_date = _in_range(found_date, text)
        if checked and _dateparser_reading(text, today, zone) != found_date:
            break  # dateparser reads it otherwise: refuse rather than pick one
        return found_date
    raise problems[0] if problems else DateParseError(_unreadable(text), "unreadable")


def _translations(text: str) -> Iterator[list[str]]:
    """The phrase in dateparser's canonical English tokens, for each language that knows
    every word of it ("3 mars" -> ["3", "march"]), in order; lazily, so that a language's
    data is only loaded when an earlier one could not read the phrase."""
    for language in _LANGUAGES:
        locale = _locale(language)
        if locale.is_applicable(text, strip_timezone=False, settings=_LOCALE_SETTINGS):
            english = locale.translate(text, keep_formatting=False, settings=_LOCALE_SETTINGS)
            yield [t for t in (w.strip(".,") for w in english.split()) if t]


def _locale(language: str) -> Any:
    return dateparser.languages.loader.default_loader.get_locale(language)


def _read_tokens(tokens: list[str], today: date, past: bool, text: str) -> tuple[date, bool] | None:
    """The date the tokens say, and whether it is a shape dateparser reads on its own; None
    when they are not exactly one of our shapes (the phrase is then unreadable)."""
    match tokens:
        case [count, unit, "ago"] if _COUNT.fullmatch(count) and unit in _UNITS:
            return _shift(today, -int(count), unit, text), True
        case ["in", count, unit] if _COUNT.fullmatch(count) and unit in _UNITS:
            return _shift(today, int(count), unit, text), True
        case [count, unit, "in"] if _COUNT.fullmatch(count) and unit in _UNITS:  # from now
            return _shift(today, int(count), unit, text), True
        case ["last" | "next" as way, day_name] if day_name in _WEEKDAY_NAMES:
            return _weekday(today, _WEEKDAY_NAMES.index(day_name), way == "next"), False
        case [day_name] if day_name in _WEEKDAY_NAMES:
            raise DateParseError(
                _(
                    '"{text}" does not say which week: type last {weekday} or a date. '
                    "Try {examples}."
                ).format(
                    text=_shown(text),
                    weekday=_weekday_name(_WEEKDAY_NAMES.index(day_name)),
                    examples=_examples(),
                ),
                "incomplete",
            )
    if len(tokens) > 1 and _CLOCK.fullmatch(tokens[-1]):
        tokens = tokens[:-1]  # a clock time after a date: only the date is kept
    weekday = tokens[0] if tokens and tokens[0] in _WEEKDAY_NAMES else None
    found = _calendar_date(tokens[1:] if weekday else tokens, today, past, text)
    if found is not None and weekday and found[0].weekday() != _WEEKDAY_NAMES.index(weekday):
        day = found[0]
        raise DateParseError(
            _(
                '"{text}": {date} is a {weekday}, not a {typed}. Which did you mean? '
                "Try {examples}."
            ).format(
                text=_shown(text),
                date=_named_date(day.day, day.month, day.year),
                weekday=_weekday_name(day.weekday()),
                typed=_weekday_name(_WEEKDAY_NAMES.index(weekday)),
                examples=_examples(),
            ),
            "invalid",
        )
    return found


def _calendar_date(
    tokens: list[str], today: date, past: bool, text: str
) -> tuple[date, bool] | None:
    """Day and month in either order, then a year or none."""
    if len(tokens) in (2, 3) and tokens[0] in _MONTH_NUMBER:
        tokens = [tokens[1], tokens[0], *tokens[2:]]  # "march 15 2017" as "15 march 2017"
    match tokens:
        case [day, month, year] if (
            _DAY.fullmatch(day) and month in _MONTH_NUMBER and _YEAR.fullmatch(year)
        ):
            return _build(_full_year(year, today), _MONTH_NUMBER[month], int(day), text), True
        case [day, month] if _DAY.fullmatch(day) and month in _MONTH_NUMBER:
            return _most_recent(int(day), _MONTH_NUMBER[month], today, past, text), False
        case [year, month] if month in _MONTH_NUMBER and _YEAR.fullmatch(year):
            raise DateParseError(_incomplete(text, "month"), "incomplete")
        case [month] if month in _MONTH_NUMBER:
            raise DateParseError(_incomplete(text, None), "incomplete")
    return None


def _shift(today: date, count: int, unit: str, text: str) -> date:
    """`today` moved by `count` units; a month or year later keeps the day when it exists,
    else the month's last day (as dateparser does: 31 March minus a month is 28 February)."""
    days, months = _UNITS[unit]
    try:
        if not months:
            return today + timedelta(days=count * days)
        year, month0 = divmod(today.year * 12 + today.month - 1 + count * months, 12)
        return date(year, month0 + 1, min(today.day, _days_in_month(year, month0 + 1)))
    except (OverflowError, ValueError):
        raise DateParseError(_out_of_range(text, None), "out_of_range") from None


def _weekday(today: date, weekday: int, ahead: bool) -> date:
    """The nearest such weekday strictly before (or after) today: "last Monday" said on a
    Monday is a week ago."""
    if ahead:
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)


def _most_recent(day: int, month: int, today: date, past: bool, text: str) -> date:
    """A day and month without a year: the most recent such day, for a question about the
    past ("3 March" typed on 15 May 2017 is 3 March 2017; typed on 1 March, 3 March 2016)."""
    if not past:
        raise DateParseError(
            _('"{text}" has no year. Which year? For example {example}. Try {examples}.').format(
                text=_shown(text),
                example=_named_date(day, month, today.year),
                examples=_examples(),
            ),
            "incomplete",
        )
    for year in range(today.year, today.year - 8, -1):  # 29 February: a leap year within 8
        if day <= _days_in_month(year, month) and (found := date(year, month, day)) <= today:
            return found
    return _build(today.year, month, day, text)  # not a day of that month: say why


def _dateparser_reading(text: str, today: date, zone: str) -> date | None:
    settings: dict[str, Any] = {
        "DATE_ORDER": "DMY",
        "PREFER_LOCALE_DATE_ORDER": False,
        # Noon keeps relative arithmetic well away from midnight/DST edges.
        "RELATIVE_BASE": datetime.combine(today, time(12, 0)),
        "TIMEZONE": zone,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": ["day", "month", "year"],
    }
    found = dateparser.parse(text, languages=_LANGUAGES, settings=settings)
    return found.date() if found is not None else None


def _clean(text: object) -> str:
    """Normalise whitespace and refuse empty, oversized or control-character input early."""
    if not isinstance(text, str) or not text.strip():
        raise DateParseError(_please_type(), "empty")
    if len(text) > _MAX_RAW_CHARS:
        raise DateParseError(_too_long(), "too_long")
    text = unicodedata.normalize("NFC", text)
    # Drop invisible format characters (zero-width space, BOM, direction marks) pasted along.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = " ".join(text.split())
    if not text:
        raise DateParseError(_please_type(), "empty")
    if len(text) > _MAX_CHARS:
        raise DateParseError(_too_long(), "too_long")
    if any(unicodedata.category(ch) == "Cc" for ch in text) or not any(ch.isalnum() for ch in text):
        raise DateParseError(_unreadable(text), "unreadable")
    return _LEADING_ARTICLE.sub("", text)


def _parse_numeric(text: str, today: date, past: bool) -> date | None:
    """Parse all-numeric dates ourselves: dateparser swaps d/m when m > 12 (1/13/2017) and
    reads "-5/3/2017" as 5 March. None when the text is not one of these shapes."""
    m = _YMD.fullmatch(text)
    if m:
        return _build(int(m.group(1)), int(m.group(3)), int(m.group(4)), text)
    m = _DMY.fullmatch(text)
    if m:
        year = _full_year(m.group(4), today)
        return _build(year, int(m.group(3)), int(m.group(1)), text)
    m = _DM.fullmatch(text)
    if m and 1 <= int(m.group(3)) <= 12:
        return _most_recent(int(m.group(1)), int(m.group(3)), today, past, text)
    if m:
        return _build(today.year, int(m.group(3)), int(m.group(1)), text)  # says why
    if re.fullmatch(r"[0-9]{4}", text):
        raise DateParseError(_incomplete(text, "year"), "incomplete")
    return None


def _full_year(digits: str, today: date) -> int:
    """Two-digit years: this century unless that lands more than 20 years ahead."""
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if 2000 + year <= today.year + 20 else 1900
    return year


def _build(year: int, month: int, day: int, text: str) -> date:
    if not 1 <= month <= 12:
        raise DateParseError(
            _(
                '"{text}" is not a valid date: {month} is not a month. '
                "Numeric dates are read day/month/year. Try {examples}."
            ).format(text=_shown(text), month=month, examples=_examples()),
            "invalid",
        )
    try:
        return date(year, month, day)
    except ValueError:
        pass
    if 1 <= year <= 9999:
        why = _('"{text}" is not a valid date: {month} {year} has {n} days. Try {examples}.')
        why = why.format(
            text=_shown(text),
            month=_month_name(month),
            year=year,
            n=_days_in_month(year, month),
            examples=_examples(),
        )
    else:
        why = _('"{text}" is not a valid date: {year} is not a usable year. Try {examples}.')
        why = why.format(text=_shown(text), year=year, examples=_examples())
    raise DateParseError(why, "invalid")


def _days_in_month(year: int, month: int) -> int:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (nxt - date(year, month, 1)).days


def _in_range(d: date, text: str) -> date:
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise DateParseError(_out_of_range(text, d.year), "out_of_range")
    return d


def _out_of_range(text: str, year: int | None) -> str:
    if year is not None:
        message = _(
            '"{text}" gives the year {year}, which looks like a typo (I accept {first}-{last}). '
            "Try {examples}."
        )
    else:
        message = _(
            '"{text}" is too far away: it looks like a typo (I accept {first}-{last}). '
            "Try {examples}."
        )
    return message.format(
        text=_shown(text), year=year, first=MIN_YEAR, last=MAX_YEAR, examples=_examples()
    )


def _shown(text: str) -> str:
    """The user's text, shortened and with unprintable characters replaced, for messages."""
    text = "".join(ch if ch.isprintable() else "?" for ch in " ".join(str(text).split()))
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _unreadable(text: object) -> str:
    return _('I could not read "{text}" as a date. Try {examples}.').format(
        text=_shown(str(text)), examples=_examples()
    )


def _too_long() -> str:
    return _(
        "That is too long to be a date. Please type just the date, for example {examples}."
    ).format(examples=_examples())


def _please_type() -> str:
    return _("Please type a date, for example {examples}.").format(examples=_examples())


def _incomplete(text: str, period: str | None) -> str:
    if period == "year":
        message = _(
            '"{text}" only gives a year. I also need the day and the month. Try {examples}.'
        )
    elif period == "month":
        message = _('"{text}" has no day. Which day of that month? Try {examples}.')
    else:
        message = _(
            '"{text}" is incomplete: I need the day, the month and the year. Try {examples}.'
        )
    return message.format(text=_shown(text), examples=_examples())


def _examples() -> str:
    """The examples every refusal shows, in the current language (dates typed in any of the
    three are read whatever the user's language)."""
    return _(EXAMPLES)


def _month_name(month: int) -> str:
    """ "March", "mars", "marzo": a month named in a re-ask (CLDR's names)."""
    return str(get_month_names("wide", locale=current())[month])


def _weekday_name(weekday: int) -> str:
    """ "Monday", "lundi", "lunes" (0 is Monday, as `date.weekday()`)."""
    return str(get_day_names("wide", locale=current())[weekday])


def _named_date(day: int, month: int, year: int) -> str:
    """A day that may not exist ("31 April 2017") written out for a re-ask."""
    # Translators: a date in a re-ask; {month} is the month's name ("15 March 2017").
    return _("{day} {month} {year}").format(day=day, month=_month_name(month), year=year)
