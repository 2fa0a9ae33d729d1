"""/report, /find and /export in the chat: buttons, typed periods, files, confidentiality."""

from __future__ import annotations

import io
import json

from test_conversation import COMMUNICATION, say

from workflows.chat.conversation import Chat, Conversation
from workflows.chat.views import Reply


def files_of(reply: Reply) -> dict[str, bytes]:
    return {f.name.rsplit("-", 1)[-1] if f.name.endswith(".png") else f.name[-4:]: f.data
            for f in reply.files}  # fmt: skip


def test_report_by_buttons_sends_summary_docx_csv_and_chart(conversation: Conversation) -> None:
    say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    reply = say(conversation, Chat("4"), "/report", "#This year", "#All cases")
    assert reply.title == "Report" and "2017" in reply.text
    assert len(reply.text) < 4096
    files = files_of(reply)
    assert files["docx"][:2] == b"PK"
    assert files[".csv"][:3] == b"\xef\xbb\xbf" and "UA BDI 1/2017" in files[".csv"].decode()
    assert files["rate.png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "Jean Dupont" not in files[".csv"].decode("utf-8-sig")


def test_typed_period_and_one_state(conversation: Conversation) -> None:
    say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    chat = Chat("2")
    asked = say(conversation, chat, "/report", "#Another period")
    assert "Type the period" in asked.text
    refused = conversation.text(chat, "next blue")[-1]
    assert refused.error and "since 1 June 2017" in refused.text
    scope = say(conversation, chat, "since 1 March 2017")
    assert [b.label for b in scope.buttons] == ["All cases", "One mandate", "One State"]
    assert conversation.text(chat, "Atlantis")[-1].text.startswith("Choose with the buttons")
    one_state = next(b.token for b in scope.buttons if b.label == "One State")
    assert "Which State?" in conversation.tap(chat, one_state)[-1].text
    assert conversation.text(chat, "Atlantis")[-1].error
    report = say(conversation, chat, "Burundi")
    assert "UA BDI 1/2017" in files_of(report)[".csv"].decode()


def test_state_profile(conversation: Conversation) -> None:
    say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    reply = say(conversation, Chat("2"), "/report state BDI")
    assert "Burundi" in reply.text and reply.files
    assert conversation.text(Chat("2"), "/report state Atlantis")[-1].error


def test_profiles_name_their_files_and_start_at_the_first_record(
    conversation: Conversation,
) -> None:
    conversation.repo.put_user({"id": "2", "role": "officer", "name": "Amina Diallo"},
                               actor="test")  # fmt: skip
    say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    state = say(conversation, Chat("2"), "/report state BDI")
    names = [f.name for f in state.files]
    # The letter to Burundi, sent 15 March 2017, is the first record: the profile starts
    # there (no "1980", no joint report window before it).
    assert names[0].startswith("followup-report-2017-03-15-") and names[0].endswith("-BDI.docx")
    assert all("-BDI" in name for name in names)
    assert "1980" not in state.text
    assert "Still without reply from the previous joint report (none in the record)" in state.text
    mandate = say(conversation, Chat("2"), "/report mandate WGAD")
    assert "Scope: mandate WGAD" in mandate.text
    assert all("-WGAD" in f.name for f in mandate.files)
    rows = files_of(mandate)[".csv"].decode("utf-8-sig")
    assert "Amina Diallo" in rows  # the owner by the name in the user record
    assert conversation.text(Chat("2"), "/report mandate Nothing at all")[-1].error


def test_report_help_says_how_each_figure_is_counted(conversation: Conversation) -> None:
    reply = say(conversation, Chat("4"), "/report help")
    assert reply.text.startswith("HOW THESE FIGURES ARE COUNTED")
    assert "Answered / reply period ended" in reply.text
    assert not reply.files


def test_confidential_variant_only_for_admins_in_private_and_audited(
    conversation: Conversation,
) -> None:
    say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    officer_scopes = say(conversation, Chat("2"), "/report", "#This year").buttons
    assert "All, with confidential names" not in [b.label for b in officer_scopes]
    forged = conversation.tap(Chat("2"), "r:s:confidential")[-1]
    assert forged.error
    group = conversation.tap(Chat("1", private=False), "r:p:this year")
    assert conversation.tap(Chat("1", private=False), "r:s:confidential")[-1].error, group
    reply = say(conversation, Chat("1"), "/report", "#This year", "#All, with confidential")
    assert "Jean Dupont" in files_of(reply)[".csv"].decode("utf-8-sig")
    audit = [e for e in conversation.repo.audit_log() if e["action"] == "report_confidential"]
    assert len(audit) == 1 and audit[0]["actor"] == "1"


def test_report_does_not_lose_the_checklist_the_user_was_in(conversation: Conversation) -> None:
    chat = Chat("2")
    say(conversation, chat, "/new", "#Communication", "#AL", "Burundi")
    say(conversation, chat, "/report", "#Last year", "#All cases")
    assert say(conversation, chat, "/resume").title.startswith("Question 3 of")


def test_find_pages_through_results(conversation: Conversation) -> None:
    chat = Chat("2")
    for _ in range(10):
        say(conversation, chat, "/new", "#Communication", "#AL", "Burundi", "yesterday", "WGAD",
            "#AL BDI", "Arrest of a journalist", "/skip", "/skip", "#Save")  # fmt: skip
    first = say(conversation, chat, "/find journalist")
    assert first.title.endswith("page 1/2") and len(first.buttons) == 7  # 6 cases + Next
    next_page = next(b.token for b in first.buttons if b.label.startswith("Next"))
    second = conversation.tap(chat, next_page)[-1]
    assert second.title.endswith("page 2/2") and len(second.buttons) == 5  # 4 cases + Previous
    assert "No cases" in say(conversation, chat, "/find nothing-like-this").text
    assert conversation.text(Chat("3"), "/find journalist")[-1].text.startswith("No cases")


def test_export_is_admin_only_and_has_no_confidential_answers(
    conversation: Conversation,
) -> None:
    say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    assert conversation.text(Chat("2"), "/export")[-1].error
    assert conversation.text(Chat("1", private=False), "/export")[-1].error
    reply = say(conversation, Chat("1"), "/export")
    (attachment,) = reply.files
    exported = json.loads(attachment.data)
    assert "Jean Dupont" not in attachment.data.decode()
    assert "UA BDI 1/2017" in json.dumps(exported)


def test_report_dialogue_and_files_in_french(conversation: Conversation) -> None:
    # The transport sets the reader's language around each update (use); here the whole
    # dialogue is French. Button data stays the English phrase the period parser reads.
    from docx import Document

    from workflows.language import use

    say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    chat = Chat("4")
    with use("fr"):
        asked = conversation.text(chat, "/report")[-1]
        assert asked.text == "Quelle période\N{NO-BREAK SPACE}?" and asked.title == "Rapport"
        labels = [b.label for b in asked.buttons]
        assert labels == ["Cette année", "L'année dernière", "Période de la dernière session",
                          "Autre période…"]  # fmt: skip
        assert asked.buttons[0].token == "r:p:this year"
        scope = conversation.tap(chat, asked.buttons[0].token)[-1]
        assert scope.text == "2017. Quels dossiers\N{NO-BREAK SPACE}?"
        assert [b.label for b in scope.buttons] == ["Tous les dossiers", "Un mandat", "Un État"]
        report = conversation.tap(chat, scope.buttons[0].token)[-1]
        empty = conversation.text(chat, "/find")[-1]
    assert report.text.startswith("Rapport de suivi\N{NO-BREAK SPACE}: 2017\n")
    assert "UA BDI 1/2017" in files_of(report)[".csv"].decode()
    docx = next(f.data for f in report.files if f.name.endswith(".docx"))
    headings = [p.text for p in Document(io.BytesIO(docx)).paragraphs if p.style
                and p.style.name == "Heading 1"]  # fmt: skip
    assert headings[:2] == ["Communications", "Visites de pays"]
    assert empty.error and empty.text.startswith("Que dois-je rechercher\N{NO-BREAK SPACE}?")
