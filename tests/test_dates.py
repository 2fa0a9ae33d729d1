"""Tests for workflows.reference.dates: the single wrapper around dateparser."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.checklists.answers import AnswerContext, AnswerError, Parsed, parse_answer
from workflows.checklists.model import Registry
from workflows.reference.dates import (
    DEFAULT_TZ,
    DateParseError,
    canonical_tz,
    format_date,
    get_zone,
    parse_date,
    parse_iso,
    today_in,
)

TODAY = date(2017, 5, 15)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # absolute, numeric day-first
        ("15/03/2017", date(2017, 3, 15)),
        ("03/04/2017", date(2017, 4, 3)),  # day-first, never 4 March
        ("15.03.2017", date(2017, 3, 15)),
        ("15-03-2017", date(2017, 3, 15)),
        ("15 3 2017", date(2017, 3, 15)),
        ("15/3/17", date(2017, 3, 15)),
        ("15/3/99", date(1999, 3, 15)),
        ("15/03/2017 10:30", date(2017, 3, 15)),
        ("29/02/2016", date(2016, 2, 29)),
        # ISO and year-first
        ("2017-03-15", date(2017, 3, 15)),
        ("2017/3/15", date(2017, 3, 15)),
        # month names in English, French, Spanish
        ("15 March 2017", date(2017, 3, 15)),
        ("March 15, 2017", date(2017, 3, 15)),
        ("1st March 2017", date(2017, 3, 1)),
        ("15 mars 2017", date(2017, 3, 15)),
        ("le 1er septembre 2017", date(2017, 9, 1)),
        ("15 de marzo de 2017", date(2017, 3, 15)),
        ("el 15 de marzo de 2017", date(2017, 3, 15)),
        ("Mon 15 May 2017", date(2017, 5, 15)),  # our own echo reads back
        # relative, against TODAY
        ("today", date(2017, 5, 15)),
        ("yesterday", date(2017, 5, 14)),
        ("3 weeks ago", date(2017, 4, 24)),
        ("in 60 days", date(2017, 7, 14)),
        ("hier", date(2017, 5, 14)),
        ("aujourd'hui", date(2017, 5, 15)),
        ("il y a 2 semaines", date(2017, 5, 1)),
        ("dans 3 jours", date(2017, 5, 18)),
        ("ayer", date(2017, 5, 14)),
        ("hace 3 días", date(2017, 5, 12)),
        ("the day before yesterday", date(2017, 5, 13)),
        ("avant-hier", date(2017, 5, 13)),
        ("hace 2 semanas", date(2017, 5, 1)),
        ("il y a 1 mois", date(2017, 4, 15)),
        ("3 days from now", date(2017, 5, 18)),
        ("last Monday", date(2017, 5, 8)),  # TODAY is a Monday: a week ago
        ("last Friday", date(2017, 5, 12)),
        ("next Monday", date(2017, 5, 22)),
        ("15 mars 2017 à 10h", date(2017, 3, 15)),
        ("lunes 15 de mayo de 2017", date(2017, 5, 15)),
        # tidying
        ("  15   March\t2017  ", date(2017, 3, 15)),
        ("15 mars 2017\u200b", date(2017, 3, 15)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/2017", "invalid"),
        ("31 February 2017", "invalid"),
        ("31 de abril de 2017", "invalid"),
        ("29/02/2017", "invalid"),
        ("2017-02-31", "invalid"),
        ("1/13/2017", "invalid"),  # month-first is not silently swapped
        ("0/1/2017", "invalid"),
        ("soon", "unreadable"),
        ("next blue", "unreadable"),
        ("😀", "unreadable"),
        ("\x00\x01", "unreadable"),
        ("15032017", "unreadable"),
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("2016", "incomplete"),
        ("March 2017", "incomplete"),
        ("mars 2017", "incomplete"),
        ("15 March", "incomplete"),  # no year, and the question is not about the past
        ("15/03", "incomplete"),
        ("Monday", "incomplete"),
        ("-5/3/2017", "unreadable"),
        ("5/-3/2017", "unreadable"),
        ("5/3/2017-", "unreadable"),
        ("-5 March 2017", "unreadable"),
        ("5 March 2017-", "unreadable"),
        ("2 days before yesterday", "unreadable"),
        ("yesterday 2 days", "unreadable"),
        ("deux jours", "unreadable"),
        ("1 hour ago", "unreadable"),
        ("Tue 15 May 2017", "invalid"),  # 15 May 2017 is a Monday
        ("15/03/0017", "out_of_range"),
        ("in 999999 days", "out_of_range"),
        ("x" * 5000, "too_long"),
        ("15 March 2017 " * 5, "too_long"),
    ],
)
def test_parse_date_refuses_with_examples(text: str, reason: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_date(text, TODAY)
    assert info.value.reason == reason
    assert "15/03/2017" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_messages_say_why() -> None:
    with pytest.raises(DateParseError, match=r'I could not read "soon" as a date\. Try 15/03/2017'):
        parse_date("soon", TODAY)
    with pytest.raises(DateParseError, match="February 2017 has 28 days"):
        parse_date("31/02/2017", TODAY)
    with pytest.raises(DateParseError, match="13 is not a month"):
        parse_date("1/13/2017", TODAY)
    with pytest.raises(DateParseError, match="no day"):
        parse_date("March 2017", TODAY)
    with pytest.raises(DateParseError, match="day and the month"):
        parse_date("2016", TODAY)


def test_long_junk_is_shortened_and_unprintables_hidden_in_message() -> None:
    with pytest.raises(DateParseError) as info:
        parse_date("zz " * 19, TODAY)
    assert len(str(info.value)) < 200
    with pytest.raises(DateParseError) as info:
        parse_date("a\x07b", TODAY)
    assert "\x07" not in str(info.value)


@pytest.mark.parametrize("bad", [None, 15, b"15/03/2017"])
def test_non_text_is_refused_not_crashed(bad: object) -> None:
    with pytest.raises(DateParseError):
        parse_date(bad, TODAY)  # type: ignore[arg-type]


def test_unknown_timezone_raises_only_date_parse_error() -> None:
    with pytest.raises(DateParseError) as info:
        parse_date("15/03/2017", TODAY, "Mars/Olympus")
    assert info.value.reason == "bad_timezone"


@pytest.mark.parametrize("tz", ["Europe/Geneva", "Europe/Zurich", "UTC", "America/New_York"])
def test_relative_dates_use_the_given_today_in_any_zone(tz: str) -> None:
    assert parse_date("yesterday", TODAY, tz) == date(2017, 5, 14)
    assert parse_date("15/03/2017", TODAY, tz) == date(2017, 3, 15)


def test_junk_is_refused_quickly() -> None:
    parse_date("15 mars 2017", TODAY)  # warm dateparser's language data
    junk = ["soon", "next blue", "x" * 5000, "a b c d e f g h i j k l m n o p q r s t u v w x y"]
    start = time.perf_counter()
    for text in junk * 5:
        with pytest.raises(DateParseError):
            parse_date(text, TODAY)
    assert time.perf_counter() - start < 1.0


def test_format_date() -> None:
    assert format_date(date(2017, 5, 15)) == "Mon 15 May 2017"
    assert format_date(date(2017, 3, 5)) == "Sun 5 Mar 2017"
    assert format_date(date(2016, 2, 29)) == "Mon 29 Feb 2016"


@pytest.mark.parametrize("d", [date(2017, 1, 1) + timedelta(days=n) for n in range(0, 365, 17)])
def test_format_then_parse_round_trips(d: date) -> None:
    assert parse_date(format_date(d), TODAY) == d


def test_parse_iso() -> None:
    assert parse_iso("2017-03-15") == date(2017, 3, 15)
    assert parse_iso(date(2016, 2, 29).isoformat()) == date(2016, 2, 29)


@pytest.mark.parametrize("bad", ["15/03/2017", "20170315", "2017-3-15", "2017-02-31", "", None])
def test_parse_iso_is_strict(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_iso(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tz", "now", "expected"),
    [
        # Winter: Geneva is UTC+1, so 23:30Z is already the next day.
        ("Europe/Geneva", datetime(2017, 3, 25, 23, 30, tzinfo=UTC), date(2017, 3, 26)),
        ("Europe/Geneva", datetime(2017, 3, 25, 22, 59, tzinfo=UTC), date(2017, 3, 25)),
        # DST starts 26 Mar 2017 01:00Z: from then on UTC+2.
        ("Europe/Geneva", datetime(2017, 3, 26, 22, 30, tzinfo=UTC), date(2017, 3, 27)),
        ("Europe/Geneva", datetime(2017, 3, 26, 21, 59, tzinfo=UTC), date(2017, 3, 26)),
        # DST ends 29 Oct 2017 01:00Z: 28 Oct is UTC+2, 29 Oct evening is UTC+1.
        ("Europe/Geneva", datetime(2017, 10, 28, 22, 30, tzinfo=UTC), date(2017, 10, 29)),
        ("Europe/Geneva", datetime(2017, 10, 29, 22, 30, tzinfo=UTC), date(2017, 10, 29)),
        ("Europe/Geneva", datetime(2017, 10, 29, 23, 0, tzinfo=UTC), date(2017, 10, 30)),
        (DEFAULT_TZ, datetime(2017, 3, 25, 23, 30, tzinfo=UTC), date(2017, 3, 26)),
        ("America/New_York", datetime(2017, 3, 26, 2, 0, tzinfo=UTC), date(2017, 3, 25)),
        # An aware instant in another offset is the same instant.
        (
            "UTC",
            datetime(2017, 3, 26, 0, 30, tzinfo=timezone(timedelta(hours=1))),
            date(2017, 3, 25),
        ),
    ],
)
def test_today_in(tz: str, now: datetime, expected: date) -> None:
    assert today_in(tz, now) == expected


def test_today_in_rejects_naive_now() -> None:
    with pytest.raises(ValueError):
        today_in("Europe/Geneva", datetime(2017, 3, 25, 23, 30))


def test_geneva_is_an_alias_for_zurich() -> None:
    assert canonical_tz("Europe/Geneva") == "Europe/Zurich" == DEFAULT_TZ
    assert str(get_zone("Europe/Geneva")) == "Europe/Zurich"
    assert canonical_tz("Asia/Tokyo") == "Asia/Tokyo"
    with pytest.raises(ValueError):
        canonical_tz("Nowhere/Special")


# ---- day and month without a year; relative phrases; property tests ---------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 March", date(2017, 3, 3)),
        ("3 mars", date(2017, 3, 3)),
        ("3 de marzo", date(2017, 3, 3)),
        ("le 3 mars", date(2017, 3, 3)),
        ("March 3", date(2017, 3, 3)),
        ("15 May", date(2017, 5, 15)),  # today itself
        ("16 May", date(2016, 5, 16)),  # tomorrow's date this year is in the future
        ("3 December", date(2016, 12, 3)),
        ("29 February", date(2016, 2, 29)),
        ("15/03", date(2017, 3, 15)),
        ("Fri 3 March", date(2017, 3, 3)),
    ],
)
def test_a_day_and_month_is_the_most_recent_for_past_questions(text: str, expected: date) -> None:
    assert parse_date(text, TODAY, past=True) == expected


def test_yearless_dates_still_say_why_they_are_refused() -> None:
    with pytest.raises(DateParseError, match="April 2017 has 30 days"):
        parse_date("31 April", TODAY, past=True)
    with pytest.raises(DateParseError, match="is a Friday, not a Monday"):
        parse_date("Mon 3 March", TODAY, past=True)
    with pytest.raises(DateParseError, match="has no year"):
        parse_date("3 March", TODAY, past=False)


MONTHS = {
    "en": "January February March April May June July August September October November "
    "December".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre "
    "décembre".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre".split(),
}
WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche".split(),
    "es": "lunes martes miércoles jueves viernes sábado domingo".split(),
}
todays = st.dates(date(1990, 1, 1), date(2150, 12, 31))
days = st.dates(date(1950, 1, 1), date(2150, 12, 31))
languages = st.sampled_from(["en", "fr", "es"])


def full_date(d: date, language: str, form: int) -> str:
    """How staff write a whole date in words, in each language (a few forms each)."""
    month, weekday = MONTHS[language][d.month - 1], WEEKDAYS[language][d.weekday()]
    forms = {
        "en": [f"{d.day} {month} {d.year}", f"{month} {d.day}, {d.year}",
               f"{weekday} {d.day} {month} {d.year}"],
        "fr": [f"{d.day} {month} {d.year}", f"le {d.day} {month} {d.year}",
               f"{weekday} {d.day} {month} {d.year}"],
        "es": [f"{d.day} de {month} de {d.year}", f"el {d.day} de {month} de {d.year}",
               f"{weekday} {d.day} de {month} de {d.year}"],
    }  # fmt: skip
    return forms[language][form]


def days_ago(n: int, language: str, unit: str) -> str:
    words = {
        "en": {"day": ("day", "days"), "week": ("week", "weeks")},
        "fr": {"day": ("jour", "jours"), "week": ("semaine", "semaines")},
        "es": {"day": ("día", "días"), "week": ("semana", "semanas")},
    }[language][unit][n != 1]
    return {"en": f"{n} {words} ago", "fr": f"il y a {n} {words}", "es": f"hace {n} {words}"}[
        language
    ]


@settings(max_examples=120, deadline=None)
@given(today=todays, d=days, language=languages, form=st.integers(0, 2))
def test_a_whole_date_in_words_is_that_date(today: date, d: date, language: str, form: int) -> None:
    assert parse_date(full_date(d, language, form), today) == d


@settings(max_examples=120, deadline=None)
@given(
    today=todays, n=st.integers(0, 400), language=languages, unit=st.sampled_from(["day", "week"])
)
def test_n_days_or_weeks_ago_counts_back_from_today(
    today: date, n: int, language: str, unit: str
) -> None:
    expected = today - timedelta(days=n * (7 if unit == "week" else 1))
    assert parse_date(days_ago(n, language, unit), today) == expected


@settings(max_examples=120, deadline=None)
@given(today=todays, day=st.integers(1, 31), month=st.integers(1, 12), language=languages)
def test_a_day_and_month_is_the_most_recent_such_day(
    today: date, day: int, month: int, language: str
) -> None:
    name = MONTHS[language][month - 1]
    text = f"{day} de {name}" if language == "es" else f"{day} {name}"
    try:
        found = parse_date(text, today, past=True)
    except DateParseError as error:  # only a day the month never has (31 April)
        assert error.reason == "invalid" and day > 29
        return
    assert (found.day, found.month) == (day, month)
    assert found <= today
    # No later occurrence of that day and month up to today: it is the most recent one.
    later = [date(y, month, day) for y in range(found.year + 1, today.year + 1)
             if day <= _month_length(y, month)]  # fmt: skip
    assert all(d > today for d in later)


@settings(max_examples=80, deadline=None)
@given(today=todays, weekday=st.integers(0, 6))
def test_last_weekday_is_within_the_past_week(today: date, weekday: int) -> None:
    found = parse_date(f"last {WEEKDAYS['en'][weekday]}", today)
    assert found.weekday() == weekday and 1 <= (today - found).days <= 7


JUNK = ["-", "+", "2 days before", "yesterday", "tomorrow", "xyz", "ago", "next", "3 days"]


@settings(max_examples=150, deadline=None)
@given(
    today=todays,
    d=days,
    language=languages,
    form=st.integers(0, 2),
    n=st.integers(1, 60),
    junk=st.sampled_from(JUNK),
    before=st.booleans(),
    relative=st.booleans(),
)
def test_a_phrase_with_anything_left_over_is_refused_never_another_day(
    today: date, d: date, language: str, form: int, n: int, junk: str, before: bool,
    relative: bool,
) -> None:  # fmt: skip
    phrase = days_ago(n, language, "day") if relative else full_date(d, language, form)
    text = f"{junk} {phrase}" if before else f"{phrase} {junk}"
    with pytest.raises(DateParseError):
        parse_date(text, today, past=True)


def _month_length(year: int, month: int) -> int:
    return ((date(year + month // 12, month % 12 + 1, 1)) - date(year, month, 1)).days


# ---- as a checklist asks: the question's constraint says whether it is about the past -----


def test_a_question_about_the_past_takes_a_day_and_month_and_echoes_the_year() -> None:
    registry = Registry.from_folder()
    sent = registry.latest("communication_intake").question("date_sent")  # value <= today
    assert sent is not None
    parsed = parse_answer(sent, "3 December", AnswerContext(today=TODAY))
    assert isinstance(parsed, Parsed)
    assert (parsed.value, parsed.echo) == ("2016-12-03", "Sat 3 Dec 2016")
    received = registry.latest("communication_reply").question("reply_date")
    assert received is not None
    ctx = AnswerContext(today=TODAY, names={"date_sent": "2017-03-01"})
    parsed = parse_answer(received, "3 mars", ctx)
    assert isinstance(parsed, Parsed) and parsed.echo == "Fri 3 Mar 2017"


def test_a_question_that_may_be_about_the_future_needs_the_year() -> None:
    start = Registry.from_folder().latest("visit_response").question("visit_start")
    assert start is not None  # proposed visit dates: no constraint, may be ahead
    with pytest.raises(AnswerError, match="has no year"):
        parse_answer(start, "3 de marzo", AnswerContext(today=TODAY))
    parsed = parse_answer(start, "3 de marzo de 2018", AnswerContext(today=TODAY))
    assert isinstance(parsed, Parsed) and parsed.value == "2018-03-03"
