"""Reminders, the digest and the card's due line in French and Spanish (issue 15).

The fixture is the reminder tests' urgent appeal (UA BDI 1/2017, sent Wed 15 March 2017 by
officer 2) and an allegation letter (AL BDI 2/2017, sent Sat 18 March by officer 3); the
clock stands at Mon 15 May 2017. Worked out by hand: the UA's reply and the letter's
publication fell due on Sun 14 May (1 day ago), its early check on Wed 22 March; the AL's
reply and publication fall due on Wed 17 May. So the digest counts 3 overdue (all officer
2's) and 2 due within 7 days (officer 3's).
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from test_alerts import LETTER, log_communication
from test_conversation import say

from workflows.chat.conversation import Chat, Conversation
from workflows.deadlines import due
from workflows.deadlines.rules import deadlines
from workflows.language import use

NB = "\u00a0"  # French sets a no-break space before a colon


def _speaks(conversation: Conversation, user_id: str, lang: str) -> None:
    """Reminders go out in the receiver's language: the one kept in their record."""
    user = conversation.repo.get_user(user_id)
    assert user is not None
    conversation.repo.put_user({**user, "language": lang}, actor="test")


def _reply_reminder(conversation: Conversation, lang: str):
    with use("en"):  # the letter is logged by tapping the chat's English button labels
        log_communication(conversation)
    _speaks(conversation, "2", lang)
    found = [o for o in conversation.alerts.pending() if o.key.split("|")[1] == "reply"]
    assert len(found) == 1
    return found[0].reply


def test_a_reminder_in_french(conversation: Conversation) -> None:
    reply = _reply_reminder(conversation, "fr")
    assert reply.text == (
        f"Réponse attendue du destinataire{NB}: échéance le dim. 14 mai 2017 (il y a 1 jour)."
    )
    assert reply.title == "Rappel · UA BDI 1/2017 (Burundi)"
    assert [b.label for b in reply.buttons] == [
        "Réponse reçue", "Lettre de suivi envoyée", "Reporter de 7 jours", "Aucune action requise",
    ]  # fmt: skip


def test_a_reminder_in_spanish(conversation: Conversation) -> None:
    reply = _reply_reminder(conversation, "es")
    assert reply.text == (
        "Respuesta pendiente del destinatario: vence el dom 14 de mayo de 2017 (hace 1 día)."
    )
    assert reply.title == "Recordatorio · UA BDI 1/2017 (Burundi)"
    assert [b.label for b in reply.buttons] == [
        "Respuesta recibida", "Carta de seguimiento enviada", "Aplazar 7 días",
        "No se requiere acción",
    ]  # fmt: skip


def test_a_deadline_is_named_in_the_language_of_whoever_reads_it(
    conversation: Conversation,
) -> None:
    """A sweep computes deadlines before it knows who reads them: the title is looked up
    when shown, so one computed deadline reads in each reader's language."""
    case = log_communication(conversation)
    reply = next(
        d for d in deadlines(case, conversation.service.rules_of(case)) if d.rule == "reply"
    )
    assert reply.title == "Reply due from the addressee"
    with use("fr"):
        assert reply.title == "Réponse attendue du destinataire"
    with use("es"):
        assert reply.title == "Respuesta pendiente del destinatario"


def _two_letters(conversation: Conversation) -> None:
    log_communication(conversation)
    say(conversation, Chat("3"), "/new", "#Communication", "#AL", "Burundi", "18 March 2017",
        "WGAD", "#AL BDI 2/2017", "Another", "/skip", "/skip", "#Save")  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "lines", "sheet", "headers"),
    [
        (
            "fr",
            [
                f"En retard{NB}: 3 · à échéance dans les 7 prochains jours{NB}: 2",
                "Tous les éléments figurent dans la feuille de calcul jointe.",
                f"utilisateur 2{NB}: 3 en retard, 0 à échéance prochaine",
                f"  • UA BDI 1/2017{NB}: Réponse attendue du destinataire, 1 jour de retard",
                f"utilisateur 3{NB}: 0 en retard, 2 à échéance prochaine",
                f"  • AL BDI 2/2017{NB}: Réponse attendue du destinataire, "
                "échéance le mer. 17 mai 2017",
            ],
            "Récapitulatif",
            [
                "Responsable",
                "Dossier",
                "Destinataire ou État",
                "Échéance",
                "Date d'échéance",
                "Jours de retard",
            ],
        ),
        (
            "es",
            [
                "Con retraso: 3 · vencen en los próximos 7 días: 2",
                "Todos los elementos figuran en la hoja de cálculo adjunta.",
                "usuario 2: 3 con retraso, 0 por vencer",
                "  • UA BDI 1/2017: Respuesta pendiente del destinatario, 1 día de retraso",
                "usuario 3: 0 con retraso, 2 por vencer",
                "  • AL BDI 2/2017: Respuesta pendiente del destinatario, "
                "vence el mié 17 de mayo de 2017",
            ],
            "Resumen",
            [
                "Responsable",
                "Caso",
                "Destinatario o Estado",
                "Plazo",
                "Fecha de vencimiento",
                "Días de retraso",
            ],
        ),
    ],
)
def test_the_digest_and_its_spreadsheet_in_french_and_spanish(
    conversation: Conversation, lang: str, lines: list[str], sheet: str, headers: list[str]
) -> None:
    _two_letters(conversation)
    with use(lang):
        digest = conversation.alerts.digest()
    text = digest.text.split("\n")
    for line in lines:
        assert line in text, (line, text)
    assert digest.title == {"fr": "Récapitulatif · lun. 15 mai 2017",
                            "es": "Resumen · lun 15 de mayo de 2017"}[lang]  # fmt: skip
    book = load_workbook(io.BytesIO(digest.files[0].data), read_only=True)
    assert book.sheetnames == [sheet]
    rows = list(book[sheet].iter_rows(values_only=True))
    assert list(rows[0]) == headers
    assert len(rows) == 1 + 5  # the 3 overdue and the 2 due soon
    early = {"fr": "Vérification anticipée d'un appel urgent",
             "es": "Verificación temprana de un llamamiento urgente"}  # fmt: skip
    assert rows[1][3] == early[lang]  # the most overdue first: the early check of 22 March


def test_the_cards_due_line_next_step_and_promise_in_french(
    conversation: Conversation,
) -> None:
    case = log_communication(conversation)
    rules = conversation.service.rules_of(case)
    today = conversation.service.today()
    with use("fr"):
        line = due.due_line(case, rules, today)
        step = due.next_step(case, rules)
        promise = due.reminder_promise(case, rules, today)
    # The earliest open deadline is the early check of 22 March: 54 days overdue.
    assert line == (
        f"Prochaine échéance{NB}: mer. 22 mars 2017 · Vérification anticipée d'un appel "
        "urgent (54 jours de retard)"
    )
    assert step == (
        f"faire le point sur l'appel urgent{NB}: enregistrer une réponse ou une mesure de suivi"
    )
    assert promise == (
        f"«{NB}Vérification anticipée d'un appel urgent{NB}»{NB}: 54 jours de retard. Je vous "
        "enverrai un rappel aujourd'hui si aucune réponse ni mesure de suivi n'est enregistrée."
    )


def test_the_promise_on_saving_in_spanish(conversation: Conversation) -> None:
    """An allegation letter sent today (15 May 2017): reply due 14 July, the first reminder
    on that day."""
    say(conversation, Chat("2"), "/new", "#Communication", "#AL", "Burundi", "15 May 2017",
        "WGAD", "AL BDI 3/2017", "Another", "/skip", "/skip", "#Save")  # fmt: skip
    case = conversation.repo.case_by_reference("AL BDI 3/2017")
    rules = conversation.service.rules_of(case)
    today = conversation.service.today()
    with use("es"):
        promise = due.reminder_promise(case, rules, today)
        line = due.due_line(case, rules, today)
    assert promise == (
        "Le enviaré un recordatorio el vie 14 de julio de 2017 si no se registra ninguna respuesta."
    )
    assert line == (
        "Próximo vencimiento: vie 14 de julio de 2017 · Respuesta pendiente del destinatario "
        "(dentro de 60 días)"
    )


def test_the_catch_up_summary_in_french(conversation: Conversation) -> None:
    """Two urgent appeals of officer 2 sent 15 March 2017: each has its early check (22
    March, 54 days overdue), its reply and its letter's publication (14 May) due, so 6
    reminders on 2 cases, more than 3: one summary."""
    log_communication(conversation)
    second = [("UA BDI 2/2017" if m == "#UA BDI 1/2017" else m) for m in LETTER]
    say(conversation, Chat("2"), *second, "#Save")
    _speaks(conversation, "2", "fr")
    (summary,) = conversation.alerts.pending()
    lines = summary.reply.text.split("\n")
    assert lines[0] == (
        "6 rappels sont arrivés à échéance pour 2 dossiers pendant que le bot était "
        "indisponible ou du fait de dossiers tout juste importés. Chacun est "
        f"enregistré{NB}; aucun ne vous parviendra deux fois{NB}:"
    )
    for title in ("Vérification anticipée d'un appel urgent", "Réponse attendue du destinataire",
                  "Publier la lettre"):  # fmt: skip
        assert f"  {title}{NB}: 2" in lines
    assert f"Les plus en retard{NB}:" in lines
    assert (
        f"  • UA BDI 1/2017{NB}: Vérification anticipée d'un appel urgent, 54 jours de retard"
        in lines
    )
    assert summary.reply.title == "Rappels · rattrapage"
