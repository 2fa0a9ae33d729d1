"""The current language wired everywhere (issue 15, items 2-5): dates and periods through
Babel, State names and mandate titles in the reader's language, the user's language in their
record, the console's and the CLI's --lang.

French and Spanish are asserted only on what this wiring owns (dates, month names, State
names, mandate titles, the /language strings, the stored language); strings that other
areas translate are left to their own tests."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from test_alerts import LETTER
from test_conversation import say

from storage.tinydb_repo import open_repository
from workflows.chat.conversation import Chat, Conversation
from workflows.checklists.answers import AnswerContext, parse_answer
from workflows.language import use
from workflows.people.user_language import at_first_contact, language_of, speaking
from workflows.reference.dates import format_date
from workflows.reference.mandates import load_mandates, match_mandate
from workflows.report.model import Figure, format_cell
from workflows.report.periods import long_date, parse_period, session_window

NBSP = "\N{NO-BREAK SPACE}"
REPORT_FIXTURE = Path(__file__).resolve().parents[1] / "report"


# ---- dates and periods ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "english"),
    [  # written out by hand: what the bot said before Babel, byte for byte
        (date(2017, 5, 15), "Mon 15 May 2017"),
        (date(2017, 9, 3), "Sun 3 Sep 2017"),
        (date(2001, 3, 1), "Thu 1 Mar 2001"),
        (date(2020, 2, 29), "Sat 29 Feb 2020"),
        (date(1999, 12, 31), "Fri 31 Dec 1999"),
    ],
)
def test_english_dates_are_unchanged(day: date, english: str) -> None:
    assert format_date(day) == english
    with use("en"):
        assert format_date(day) == english


def test_dates_follow_the_current_language() -> None:
    day = date(2017, 5, 15)
    with use("fr"):
        assert format_date(day) == "lun. 15 mai 2017"
        assert long_date(date(2017, 6, 1)) == "1 juin 2017"
    with use("es"):
        assert format_date(day) == "lun 15 de mayo de 2017"
        assert long_date(date(2017, 6, 1)) == "1 de junio de 2017"
    assert long_date(date(2017, 6, 1)) == "1 June 2017"


def test_month_names_in_periods_follow_the_current_language() -> None:
    today = date(2018, 2, 1)
    assert parse_period("June 2017", today).label == "June 2017"
    assert session_window("March", 2018).name == "March 2018 session"
    with use("fr"):
        assert parse_period("June 2017", today).label == "juin 2017"
        assert "mars 2018" in session_window("March", 2018).name
        ranged = parse_period("from 1/3/2017 to 31/5/2017", today).label
        assert ranged == "1 mars 2017 \N{EN DASH} 31 mai 2017"
    with use("es"):
        assert parse_period("June 2017", today).label == "junio de 2017"


def test_report_numbers_take_the_languages_decimal_sign() -> None:
    rate, count = Figure("rate", "Reply rate", 47.5, "%"), Figure("sent", "Sent", 1234)
    assert (rate.shown(), count.shown(), format_cell(0.15)) == ("47.5%", "1234", "0.1")
    with use("fr"):
        # French groups thousands with a narrow no-break space (CLDR); the digits and their
        # rounding are English's.
        shown = (rate.shown(), count.shown(), format_cell(0.15))
        assert shown == (f"47,5{NBSP}%", "1\N{NARROW NO-BREAK SPACE}234", "0,1")
    with use("es"):
        assert rate.shown() == f"47,5{NBSP}%"


# ---- names -----------------------------------------------------------------------------------


def test_a_state_is_shown_in_the_readers_language_and_stored_in_english(registry) -> None:
    question = registry.latest("communication_intake").question("addressees")
    assert question is not None
    ctx = AnswerContext(today=date(2017, 5, 15))
    with use("fr"):
        parsed = parse_answer(question, "Syrie, Iran", ctx)
    assert [a["name"] for a in parsed.value] == [  # type: ignore[union-attr]
        "Syrian Arab Republic",
        "Iran (Islamic Republic of)",
    ]
    assert parsed.echo == "République arabe syrienne (SYR), Iran (République islamique d') (IRN)"  # type: ignore[union-attr]
    with use("es"):
        again = parse_answer(question, "Siria", ctx)
    assert again.value[0]["name"] == "Syrian Arab Republic"  # type: ignore[union-attr,index]
    assert again.echo == "República Árabe Siria (SYR)"  # type: ignore[union-attr]


def test_mandate_titles_in_the_current_language() -> None:
    by_short = {m.short_name: m for m in load_mandates()}
    wgad, hrds, syria = by_short["WGAD"], by_short["SR HRDs"], by_short["SR Syria"]
    with use("fr"):
        assert wgad.shown_title() == "Groupe de travail sur la détention arbitraire"
        assert hrds.shown_title() == (
            "Rapporteur spécial sur la situation des défenseurs des droits de l'homme"
        )
        assert syria.shown_title() == syria.title  # not sourced: English kept
    with use("es"):
        assert wgad.shown_title() == "Grupo de Trabajo sobre la Detención Arbitraria"
        assert hrds.shown_title() == (
            "Relator Especial sobre la situación de los defensores de los derechos humanos"
        )
    assert wgad.shown_title() == "Working Group on Arbitrary Detention"
    typed = "groupe de travail sur la detention arbitraire"
    assert [m.short_name for m in match_mandate(typed)] == ["WGAD"]
    assert [m.short_name for m in match_mandate("Relator Especial sobre la tortura")] == [
        "SR Torture"
    ]
    kept = [m.short_name for m in load_mandates() if not m.title_fr or not m.title_es]
    assert kept == ["SR Slavery and Trafficking", "SR Syria"]


def test_an_admins_did_you_mean_names_mandates_in_their_language(
    conversation: Conversation,
) -> None:
    with use("fr"):  # as the transports set it for a French admin
        (reply,) = conversation.text(Chat("1"), "/rules arbitrary reply_days 90")
    assert any("WGAD (Groupe de travail sur la" in b.label for b in reply.buttons)


# ---- the user's language ---------------------------------------------------------------------


def test_language_of_a_record() -> None:
    assert language_of(None) == "en"
    assert language_of({"id": "1", "role": "admin"}) == "en"  # records before the field
    assert language_of({"id": "1", "role": "admin", "language": "es"}) == "es"
    assert language_of({"id": "1", "role": "admin", "language": "de"}) == "en"
    assert speaking({"id": "1", "role": "admin"}, "fr") == "fr"  # first contact
    assert speaking({"id": "1", "role": "admin", "language": "en"}, "fr") == "en"
    assert at_first_contact({"id": "1"}, "es") == {"id": "1", "language": "es"}
    assert at_first_contact({"id": "1", "language": "en"}, "es") == {"id": "1", "language": "en"}
    assert at_first_contact({"id": "1"}, None) == {"id": "1"}  # the console reports none


def test_first_contact_records_the_language_once(conversation: Conversation) -> None:
    repo = conversation.repo
    conversation.text(Chat("2", language="es"), "/help")
    assert repo.get_user("2")["language"] == "es"  # type: ignore[index]
    conversation.text(Chat("2", language="fr"), "/help")
    assert repo.get_user("2")["language"] == "es"  # type: ignore[index]
    before = len(repo.audit_log())
    conversation.text(Chat("2", language="es"), "/help")
    assert len(repo.audit_log()) == before  # nothing rewritten once it is there


def test_language_command_menu_choice_and_refusal(conversation: Conversation) -> None:
    viewer = Chat("4")
    (menu,) = conversation.text(viewer, "/language")
    assert menu.text == "Current language: English. In which language should I write to you?"
    assert [(b.label, b.token) for b in menu.buttons] == [
        ("English", "lg:en"), ("Français", "lg:fr"), ("Español", "lg:es"),
    ]  # fmt: skip
    (chosen,) = conversation.tap(viewer, "lg:fr")
    assert chosen.text == "Désormais, je vous écris en français."
    assert conversation.repo.get_user("4")["language"] == "fr"  # type: ignore[index]
    with use("fr"):
        (menu,) = conversation.text(viewer, "/language")
    assert menu.text == (
        f"Langue actuelle{NBSP}: Français. "
        f"Dans quelle langue souhaitez-vous que je vous écrive{NBSP}?"
    )
    (typed,) = conversation.text(viewer, "/language Inglés")
    assert typed.text == "From now on I write to you in English."
    (unknown,) = conversation.text(viewer, "/language klingon")
    assert unknown.error and len(unknown.buttons) == 3
    assert conversation.repo.get_user("4")["language"] == "en"  # type: ignore[index]
    (stale,) = conversation.tap(viewer, "lg:de")
    assert stale.error


def test_the_sweep_writes_each_reminder_in_its_receivers_language(
    conversation: Conversation,
) -> None:
    """A letter whose owner lost access is reminded to every admin: here two, one of them
    first seen with a French app."""
    say(conversation, Chat("3"), *LETTER, "#Save")  # UA sent 15 March 2017: due 14 May
    say(conversation, Chat("1"), "/grant 9 admin", "/revoke 3")
    conversation.text(Chat("9", language="fr"), "/help")  # first contact
    texts: dict[str, list[str]] = {}
    for outgoing in conversation.alerts.pending():
        texts.setdefault(outgoing.to, []).append(outgoing.reply.text)
    assert set(texts) == {"1", "9"}
    assert any("Sun 14 May 2017" in text for text in texts["1"])
    assert any("dim. 14 mai 2017" in text for text in texts["9"])
    assert not any("May 2017" in text for text in texts["9"])
    assert conversation.repo.get_user("1").get("language") is None  # type: ignore[union-attr]


# ---- console and command line ----------------------------------------------------------------


def bot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_console_lang_sets_the_sessions_language_until_language_is_used(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    lines = "/language\n/standing Syria 1/3/2001\n/language es\n/standing\n"
    done = bot("--console", "--lang", "fr", "--data-dir", data, stdin=lines)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"Langue actuelle{NBSP}: Français." in out
    assert "République arabe syrienne" in out and "jeu. 1 mars 2001" in out
    assert "A partir de ahora le escribo en español." in out
    assert "República Árabe Siria" in out and "jue 1 de marzo de 2001" in out
    with open_repository(tmp_path / "data") as repo:
        assert repo.get_user("console")["language"] == "es"  # type: ignore[index]
    # the next session, without --lang, is in the language chosen
    later = bot("--console", "--data-dir", data, stdin="/standing\n").stdout
    assert "jue 1 de marzo de 2001" in later


def test_console_without_lang_speaks_the_users_language(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    done = bot("--console", "--data-dir", data, stdin="/standing Syria 1/3/2001\n/language\n")
    assert "Syrian Arab Republic" in done.stdout and "Thu 1 Mar 2001" in done.stdout
    assert "Current language: English." in done.stdout
    refused = bot("--lang", "fr", "--data-dir", data)
    assert refused.returncode == 2 and "--lang is for --console" in refused.stderr
