"""A case's label is stored in English and shown in the reader's language.

The stored labels below are written as `workflows.cases.service` writes them; the expected
French and Spanish are the catalogue's words around the UN's own names for the States.
"""

from __future__ import annotations

import pytest
from test_conversation import say

from workflows.cases.labels import shown_label
from workflows.chat.conversation import Chat, Conversation
from workflows.language import use

NB = "\u00a0"


@pytest.mark.parametrize(
    ("stored", "fr", "es"),
    [
        ("AL BDI 1/2017", "AL BDI 1/2017", "AL BDI 1/2017"),
        (
            "Visit to Burundi (WGAD)",
            f"Visite de pays{NB}: Burundi (WGAD)",
            "Visita al país: Burundi (WGAD)",
        ),
        (
            "Visit to Iran (Islamic Republic of)",
            f"Visite de pays{NB}: Iran (République islamique d')",
            "Visita al país: Irán (República Islámica del)",
        ),
        (
            "Visit to Syrian Arab Republic (SR HRDs, WGAD)",
            f"Visite de pays{NB}: République arabe syrienne (SR HRDs, WGAD)",
            "Visita al país: República Árabe Siria (SR HRDs, WGAD)",
        ),
        (
            "Draft UA to Burundi, Acme Mining Ltd",
            f"Brouillon (UA){NB}: Burundi, Acme Mining Ltd",
            "Borrador (UA): Burundi, Acme Mining Ltd",
        ),
        ("Draft communication", "Brouillon (communication)", "Borrador (comunicación)"),
        ("New country visit", "Nouvelle visite de pays", "Nueva visita a un país"),
        ("Visit to a State", "Visite dans un État", "Visita a un Estado"),
        ("Deleted draft", "Brouillon supprimé", "Borrador eliminado"),
    ],
)
def test_a_stored_label_in_each_language(stored: str, fr: str, es: str) -> None:
    case = {"id": "c1", "label": stored}
    assert shown_label(case) == stored  # English: as stored
    with use("fr"):
        assert shown_label(case) == fr
    with use("es"):
        assert shown_label(case) == es


def test_the_case_list_shows_a_visit_in_the_readers_language(conversation: Conversation) -> None:
    """The label stays English in the index (searched and shared); /cases shows it in French."""
    with use("en"):
        say(conversation, Chat("2"), "/new", "#Country visit")
    (entry,) = conversation.repo.list_cases()
    assert entry["label"] == "Visit to a State"  # no State answered yet
    with use("fr"):
        (reply,) = conversation.text(Chat("2"), "/cases")
    assert "Visite dans un État" in reply.text + " ".join(b.label for b in reply.buttons)
    assert "Visit to" not in reply.text
