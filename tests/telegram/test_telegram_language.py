"""Each user's language over Telegram: taken from the app's language_code at first contact,
changed with /language, and used for reminders and the digest per receiver (issue 15, item 3).

Assertions in French and Spanish are on what this wiring owns (its own /language strings,
dates from Babel, State names); other strings are translated elsewhere."""

from __future__ import annotations

from typing import Any

from botapi_stub import Sent, message
from telegram_harness import ADMIN, OFFICER, OFFICER2, VIEWER, Harness
from test_telegram_flows import only
from test_telegram_reminders import log_letter, run_job

NBSP = "\N{NO-BREAK SPACE}"
NEWCOMER = 401


def language(h: Harness, user_id: int) -> Any:
    assert h.repo is not None
    user = h.repo.get_user(str(user_id))
    assert user is not None
    return user.get("language")


async def say_from_app(h: Harness, user_id: int, text: str, code: str | None) -> list[Sent]:
    """A message as Telegram sends it from an app set to `code` ("fr-CA"; None: no code)."""
    update = message(user_id, text=text)
    if code is not None:
        update["message"]["from"]["language_code"] = code
    before = len(h.stub.sent)
    await h.feed(update)
    return [s for s in h.stub.sent[before:] if s.chat_id == user_id]


async def test_first_contact_takes_the_apps_language_and_language_changes_it(
    harness: Harness,
) -> None:
    assert harness.repo is not None
    harness.repo.put_user({"id": str(NEWCOMER), "role": "officer"}, actor="test")
    assert language(harness, NEWCOMER) is None  # granted, never written: no language yet

    menu = only(await say_from_app(harness, NEWCOMER, "/language", "fr-CA"))
    assert language(harness, NEWCOMER) == "fr"
    assert menu.text.startswith(f"Langue actuelle{NBSP}: Français.")
    assert [label for label, _ in menu.buttons] == ["English", "Français", "Español"]

    chosen = only(await harness.person(NEWCOMER).tap("Español", menu))
    assert chosen.text == "A partir de ahora le escribo en español."
    assert language(harness, NEWCOMER) == "es"

    # the app still says French: the choice made with /language wins
    again = only(await say_from_app(harness, NEWCOMER, "/language", "fr"))
    assert language(harness, NEWCOMER) == "es"
    assert again.text.startswith("Idioma actual: Español.")


async def test_an_app_without_a_language_code_gets_english(harness: Harness) -> None:
    menu = only(await say_from_app(harness, OFFICER2, "/language", None))
    assert language(harness, OFFICER2) == "en"
    assert menu.text.startswith("Current language: English.")
    typed = only(await say_from_app(harness, OFFICER2, "/language français", "es"))
    assert typed.text == "Désormais, je vous écris en français."
    assert language(harness, OFFICER2) == "fr"


async def test_reminders_go_out_in_each_receivers_language(harness: Harness) -> None:
    await log_letter(harness)  # OFFICER's, sent 15 March 2017: reply due 14 May
    await log_letter(harness, user=OFFICER2, sent="14/03/2017", number=2)  # due 13 May
    await harness.person(OFFICER).say("/language fr")
    await run_job(harness, "sweep")
    french = "\n".join(s.text for s in harness.stub.sent_to(OFFICER)[-1:])
    english = "\n".join(s.text for s in harness.stub.sent_to(OFFICER2)[-1:])
    assert "dim. 14 mai 2017" in french and "14 May" not in french
    assert "Sat 13 May 2017" in english


async def test_the_digest_goes_out_in_each_receivers_language(harness: Harness) -> None:
    await log_letter(harness)
    await harness.person(VIEWER).say("/digest on")
    await harness.person(ADMIN).say("/language es")
    await run_job(harness, "digest")
    (spanish,) = [s.text for s in harness.stub.sent_to(ADMIN)[-1:]]
    (english,) = [s.text for s in harness.stub.sent_to(VIEWER)[-1:]]
    assert "lun 15 de mayo de 2017" in spanish and "AL BDI 1/2017" in spanish
    assert english.startswith("Digest · Mon 15 May 2017") and "AL BDI 1/2017" in english


async def test_state_names_and_dates_in_the_readers_language(harness: Harness) -> None:
    p = harness.person(OFFICER)
    await p.say("/language es")
    recorded = only(await p.say("/standing Syria 1/3/2001"))
    assert "República Árabe Siria" in recorded.text and "jue 1 de marzo de 2001" in recorded.text
    await p.say("/language en")
    listed = only(await p.say("/standing"))
    assert "Syrian Arab Republic" in listed.text and "Thu 1 Mar 2001" in listed.text
