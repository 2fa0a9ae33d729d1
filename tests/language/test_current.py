"""The current language: chosen per request, English by default, Babel's formats."""

from __future__ import annotations

from datetime import date

import pytest

from workflows.language import _, current, formats, from_telegram, ngettext, use


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("es-419", "es"),
        ("ES", "es"),
        ("de", "en"),
        (None, "en"),
        ("", "en"),
        ("en-GB", "en"),
    ],
)
def test_telegram_language_code_picks_one_of_the_three(code, lang):
    assert from_telegram(code) == lang


def test_use_sets_and_restores_the_language():
    assert current() == "en"
    with use("fr"):
        assert current() == "fr"
        with use("xx"):
            assert current() == "en"
        assert current() == "fr"
    assert current() == "en"


def test_unknown_text_stays_english_in_every_language():
    for lang in ("en", "fr", "es"):
        with use(lang):
            assert _("No such sentence in any catalogue") == "No such sentence in any catalogue"
            assert ngettext("{n} zebra", "{n} zebras", 2) == "{n} zebras"


@pytest.mark.parametrize(
    ("lang", "echo", "plain"),
    [
        ("en", "Mon 15 May 2017", "15 May 2017"),
        ("fr", "lun. 15 mai 2017", "15 mai 2017"),
        ("es", "lun 15 de mayo de 2017", "15 de mayo de 2017"),
    ],
)
def test_dates_as_each_language_writes_them(lang, echo, plain):
    assert formats.day(date(2017, 5, 15), lang) == echo
    with use(lang):
        assert formats.long_date(date(2017, 5, 15)) == plain


def test_numbers_as_each_language_writes_them():
    assert formats.number(1234567, "en") == "1,234,567"
    assert formats.number(1234567, "fr") == "1\u202f234\u202f567"
    assert formats.decimal(47.5, "es") + formats.percent_sign("es") == "47,5\u00a0%"
