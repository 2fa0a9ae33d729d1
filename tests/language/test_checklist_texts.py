"""Checklist texts are shown in the user's language; what is stored never depends on it.

The checklist objects keep the files' English; the translation happens when a prompt, label,
help, choice or message is shown. Buttons are tapped here by their token (the choice value),
so these tests do not depend on how other parts of the chat are translated.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from workflows.chat import views
from workflows.chat.conversation import Chat, Conversation
from workflows.chat.views import Reply
from workflows.checklists import engine
from workflows.checklists.answers import AnswerContext, AnswerError, parse_answer
from workflows.checklists.model import BUILTIN_DIR, Checklist, Registry, load_checklist, shown
from workflows.language import use
from workflows.report.confidential import confidential_answers

NBSP = "\u00a0"  # French puts a no-break space before "?" and ":"
TODAY = date(2017, 6, 1)


def _tap(conv: Conversation, chat: Chat, reply: Reply, token_end: str) -> Reply:
    button = next(b for b in reply.buttons if b.token.endswith(token_end))
    return conv.tap(chat, button.token)[-1]


def _first_run(conv: Conversation, chat: Chat) -> dict[str, Any]:
    session = conv.repo.get_session(chat.user_id)
    assert session is not None
    case = conv.repo.get_case(session["case"])
    assert case is not None
    return dict(case["runs"][0])


def _new_communication(conv: Conversation, chat: Chat) -> Reply:
    menu = conv.text(chat, "/new")[-1]
    return _tap(conv, chat, menu, "n:communication")


def test_a_question_is_asked_in_french_with_french_buttons(conversation: Conversation) -> None:
    chat = Chat("2")
    with use("fr"):
        question = _new_communication(conversation, chat)
        assert question.text.startswith(f"De quel type de communication s'agit-il{NBSP}?")
        assert f"\nUA{NBSP}: la violation est en cours ou imminente." in question.text
        assert question.title is not None and question.title.endswith("Nouvelle communication")
        assert [b.label for b in question.buttons] == [
            "AL lettre d'allégation",
            "UA appel urgent",
            "OL autre lettre",
        ]
        after = _tap(conversation, chat, question, ":UA")
        assert f"\nÀ qui a-t-elle été adressée{NBSP}? Indiquez le ou les États" in after.text
    assert _first_run(conversation, chat)["answers"]["comm_type"] == "UA"


def test_the_stored_answer_is_the_same_value_in_every_language(
    conversation: Conversation,
) -> None:
    stored = {}
    for number, (user, lang) in enumerate((("1", "en"), ("2", "fr"), ("3", "es")), start=1):
        chat = Chat(user)
        with use(lang):
            question = _new_communication(conversation, chat)
            question = _tap(conversation, chat, question, ":OL")
            # a choice typed in the language shown, or in English, is the same value
            conversation.text(chat, "Burundi")
            conversation.text(chat, "15/03/2017")
            conversation.text(chat, "WGAD")
            conversation.text(chat, f"OL BDI {number}/2017")
            themes = conversation.text(chat, "A summary")[-1]
            typed = {"en": "Children, 5", "fr": "Enfants, Detention", "es": "niños y niñas, 5"}
            conversation.text(chat, typed[lang])
        answers = _first_run(conversation, chat)["answers"]
        stored[lang] = (answers["comm_type"], answers["themes"])
        listed = {"en": "4. Children", "fr": "4. Enfants", "es": "4. Niños y niñas"}
        assert listed[lang] in themes.text
    assert stored == {lang: ("OL", ["children", "detention"]) for lang in ("en", "fr", "es")}


def test_a_constraint_failure_re_asks_in_spanish(conversation: Conversation) -> None:
    chat = Chat("2")
    with use("es"):
        question = _new_communication(conversation, chat)
        _tap(conversation, chat, question, ":AL")
        conversation.text(chat, "Burundi")
        reply = conversation.text(chat, "15/03/2099")[-1]
    assert reply.error
    assert reply.text.startswith("La fecha de envío no puede ser una fecha futura.")
    assert "¿Cuándo se envió?" in reply.text
    assert "Por ejemplo, 15/03/2017, 15 de marzo de 2017 o ayer." in reply.text
    assert "date_sent" not in _first_run(conversation, chat)["answers"]


def test_a_pattern_message_is_shown_in_french(registry: Registry) -> None:
    q = registry.latest("visit_report").question("report_symbol")
    assert q is not None and q.pattern is not None
    with use("fr"), pytest.raises(AnswerError) as caught:
        parse_answer(q, "not a symbol", AnswerContext(today=TODAY))
    assert str(caught.value) == (
        f"Une cote de document du Conseil se présente ainsi{NBSP}: A/HRC/35/23/Add.1."
    )


def _every_version() -> list[Checklist]:
    """Every installed file, the old versions (*.v1.toml) included."""
    checklists = [load_checklist(p) for p in sorted(BUILTIN_DIR.glob("*.toml"))]
    assert sum(c.source.endswith(".v1.toml") for c in checklists) >= 6
    return checklists


def test_english_is_shown_exactly_as_written_in_the_files() -> None:
    """English output is byte-identical: every shown text is the loaded one."""
    for checklist in _every_version():
        assert checklist.shown_title == checklist.title
        for q in checklist.questions:
            assert (q.shown_prompt, q.shown_label, q.shown_help) == (q.prompt, q.label, q.help)
            assert q.shown_constraint_message == q.constraint_message
            assert q.shown_pattern_message == q.pattern_message
            assert [c.shown_label for c in q.choices] == [c.label for c in q.choices]


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_version_including_the_old_files_is_translated(lang: str) -> None:
    """The old *.v1.toml files still answer old runs, so their words are translated too.
    (A few words are the same in English and French, "Type", "Date", "Notes": listed here.)"""
    same = {"fr": {"Type", "Date", "Notes"}, "es": {"No"}}[lang]
    untranslated = []
    with use(lang):
        for checklist in _every_version():
            texts = [checklist.title]
            for q in checklist.questions:
                texts += [q.prompt, q.label, q.help, q.constraint_message, q.pattern_message]
                texts += [c.label for c in q.choices]
            untranslated += [
                (checklist.source, t) for t in texts if t and shown(t) == t and t not in same
            ]
    assert untranslated == []


def test_an_empty_text_stays_empty_instead_of_the_catalogue_header() -> None:
    with use("fr"):
        assert shown("") == ""


def test_an_old_version_run_reads_back_in_spanish(registry: Registry) -> None:
    """A visit_response version-1 run (its event values exist only in v1) on a review."""
    checklist = registry.get("visit_response", 1)
    run = engine.new_run(checklist)
    run["answers"] = {"event": "acknowledged", "event_date": "2017-05-02"}
    run["status"] = "done"
    case = {"id": "c1", "label": "Visit HND", "runs": [run]}
    ctx = AnswerContext(today=TODAY)
    with use("es"):
        review = views.review_reply(case, 0, checklist, run, ctx, show_confidential=False)
    assert "Acuse de recibo (sin aceptación)" in review.text
    assert review.title is not None and "Solicitud de visita: actualización de la situación" in (
        review.title
    )
    assert run["answers"]["event"] == "acknowledged"


def test_the_confidential_annex_names_checklist_and_question_in_french(
    registry: Registry,
) -> None:
    checklist = registry.latest("communication_intake")
    run = engine.new_run(checklist)
    run["answers"] = {"victims": "Jean Dupont"}
    with use("fr"):
        rows = list(confidential_answers({"runs": [run]}, registry))
    assert rows == [("Nouvelle communication", "Noms des personnes concernées", "Jean Dupont")]
