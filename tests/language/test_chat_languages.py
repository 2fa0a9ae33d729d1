"""The chat speaks French and Spanish: representative replies through the real Conversation.

Each expected text is written out here as a reader of that language should see it (the
catalogue test checks that every string has a translation; these check that the
translations are the ones shown, placeholders filled, in the language of the request).
"""

from __future__ import annotations

import pytest

from workflows.chat.conversation import Chat, Conversation
from workflows.chat.views import Reply
from workflows.language import use

COMMUNICATION = (
    "/new", "@communication", "@UA", "Burundi, Shell plc", "@other", "15/03/2017",
    "WGAD, SR HRDs", "@suggested", "Summary", "1, 2", "Jean Dupont", "/skip", "@save",
)  # fmt: skip


def say(conv: Conversation, chat: Chat, *messages: str) -> Reply:
    """Send each message; "@value" taps the button whose data ends with that value (labels
    change with the language, button data never does)."""
    reply: Reply | None = None
    for message in messages:
        if message.startswith("@"):
            assert reply is not None
            value = message[1:]
            if value == "save":
                token = next(b.token for b in reply.buttons if b.token.startswith("sv:"))
            else:
                token = next(b.token for b in reply.buttons if b.token.endswith(f":{value}"))
            reply = conv.tap(chat, token)[-1]
        else:
            reply = conv.text(chat, message)[-1]
    assert reply is not None
    return reply


@pytest.mark.parametrize(
    ("lang", "title", "intro", "role"),
    [
        ("fr", "Bot de suivi", "Je vous aide à assurer le suivi des communications et des "
         "visites de pays", "Votre rôle : officer."),
        ("es", "Bot de seguimiento", "Le ayudo a dar seguimiento a las comunicaciones y a las "
         "visitas a países", "Su rol: officer."),
    ],
)  # fmt: skip
def test_start_welcomes_in_the_users_language(conversation, lang, title, intro, role):
    with use(lang):
        reply = conversation.text(Chat("2"), "/start")[0]
    assert reply.title == title
    assert reply.text.startswith(intro)
    assert reply.text.splitlines()[1] == role
    assert "/new" in reply.text  # the command list follows, command names untranslated


@pytest.mark.parametrize(("lang", "title"), [("fr", "Commandes"), ("es", "Comandos")])
def test_help_is_titled_in_the_users_language(conversation, lang, title):
    with use(lang):
        reply = conversation.text(Chat("2"), "/help")[0]
    assert reply.title == title and not reply.error
    assert [line.split(" ")[0] for line in reply.text.splitlines()][:3] == [
        "/start",
        "/help",
        "/new",
    ]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("fr", "Je ne connais pas la commande /bogus."),
        ("es", "No conozco el comando /bogus."),
        ("en", "I do not know /bogus."),
    ],
)
def test_an_unknown_command_is_refused_in_the_users_language(conversation, lang, said):
    with use(lang):
        reply = conversation.text(Chat("2"), "/bogus")[0]
    assert reply.error
    assert reply.text.splitlines()[0] == said


@pytest.mark.parametrize(
    ("lang", "reask", "title"),
    [
        (
            "fr",
            "« 31/02/2017 » n'est pas une date valide : février 2017 compte 28 jours. "
            "Essayez 15/03/2017, 15 mars 2017, 15 March 2017, 15 de marzo de 2017, hier "
            "ou il y a 3 semaines.",
            "Question 3 sur ",
        ),
        (
            "es",
            "«31/02/2017» no es una fecha válida: febrero de 2017 tiene 28 días. "
            "Pruebe 15/03/2017, 15 de marzo de 2017, 15 March 2017, 15 mars 2017, ayer "
            "o hace 3 semanas.",
            "Pregunta 3 de ",
        ),
        (
            "en",
            '"31/02/2017" is not a valid date: February 2017 has 28 days. Try 15/03/2017, '
            "15 March 2017, 15 mars 2017, yesterday, 3 weeks ago or last Monday.",
            "Question 3 of ",
        ),
    ],
)
def test_a_date_is_asked_again_in_the_users_language(conversation, lang, reask, title):
    """The re-ask names the month in the user's language and offers examples they can type."""
    with use(lang):
        reply = say(conversation, Chat("2"), "/new", "@communication", "@UA", "Burundi")
        reply = conversation.text(Chat("2"), "31/02/2017")[-1]
    assert reply.error
    assert reply.text.splitlines()[0] == reask
    assert reply.title.startswith(title)


@pytest.mark.parametrize(
    ("lang", "lines", "buttons"),
    [
        (
            "fr",
            ["Type : communication conjointe UA", "Prochaine étape : "],
            ["Modifier…", "Joindre un fichier"],
        ),
        (
            "es",
            ["Tipo: comunicación conjunta UA", "Próximo paso: "],
            ["Editar…", "Adjuntar un archivo"],
        ),
    ],
)  # fmt: skip
def test_a_case_card_reads_in_the_users_language(conversation, lang, lines, buttons):
    """Recorded in English, read in another language: stored answers stay as typed, the
    card around them follows the reader."""
    say(conversation, Chat("2"), *COMMUNICATION)
    with use(lang):
        card = conversation.text(Chat("2"), "/case UA BDI 1/2017")[0]
    status = {"fr": "Statut : ouvert · responsable 2", "es": "Situación: abierto · responsable 2"}
    assert card.title == "UA BDI 1/2017"
    assert status[lang] in card.text.splitlines()
    for line in lines:
        assert any(shown.startswith(line) for shown in card.text.splitlines()), line
    assert set(buttons) <= {b.label for b in card.buttons}
    assert "Summary" in card.text and "Jean Dupont" in card.text  # answers as typed


def test_yes_no_buttons_and_the_saved_note_follow_the_language(conversation):
    """The engine's own labels (Yes/No, Saved: ...) are translated where they are shown."""
    chat = Chat("2")
    with use("es"):
        reply = say(conversation, chat, "/new", "@communication", "@UA", "Burundi, Shell plc")
        labels = [b.label for b in reply.buttons]
        assert labels[0] == "Sí, registrar como otro actor"
        assert labels[-1] == "No, volver a escribir"
        other = next(b.token for b in reply.buttons if b.token.endswith(":other"))
        reply = conversation.tap(chat, other)[-1]
        assert reply.text.splitlines()[0] == "Guardado: Burundi (BDI), Shell plc (otro actor)"


@pytest.mark.parametrize(
    ("lang", "refusal"),
    [
        ("fr", "Nous regrettons, mais ce bot est réservé au personnel autorisé."),
        ("es", "Lo sentimos, este bot está reservado al personal autorizado."),
    ],
)
def test_a_stranger_is_refused_in_their_language(conversation, lang, refusal):
    with use(lang):
        assert conversation.text(Chat("999"), "/start") == [Reply(refusal)]
