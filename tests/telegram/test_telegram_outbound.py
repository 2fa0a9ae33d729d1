"""What the bot sends besides answers: documents (reports, exports), messages to other users."""

from __future__ import annotations

import json

import pytest
from telegram_harness import ADMIN, OFFICER, OFFICER2, Harness, log_letter


async def test_a_report_arrives_as_word_csv_and_chart_documents(harness: Harness) -> None:
    admin = harness.person(ADMIN)
    await log_letter(admin)
    await admin.say("/report")
    await admin.tap("This year")
    (summary,) = await admin.tap("All cases")

    assert summary.text.startswith("Report")
    names = [doc.filename for chat, doc in harness.stub.documents if chat == ADMIN]
    assert [name.rsplit(".", 1)[1] for name in names] == ["docx", "csv", "png"]
    docx, csv, png = (doc for _, doc in harness.stub.documents)
    assert docx.data.startswith(b"PK\x03\x04") and png.data.startswith(b"\x89PNG")
    assert b"BDI" in csv.data


async def test_an_export_arrives_as_a_json_document(harness: Harness) -> None:
    admin = harness.person(ADMIN)
    await log_letter(admin)

    (said,) = await admin.say("/export")

    assert said.text == "Export of 1 cases (no confidential answers)."
    ((chat, export),) = harness.stub.documents
    assert chat == ADMIN and export.filename == "followup-export-2017-05-15.json"
    assert "AL BDI 1/2017" in json.dumps(json.loads(export.data))


async def test_a_handed_over_case_is_announced_to_its_new_owner(harness: Harness) -> None:
    owner = harness.person(OFFICER)
    reference = await log_letter(owner)

    (confirmation,) = await owner.say(f"/assign {reference} {OFFICER2}")

    assert confirmation.text.endswith("I am telling them.")
    (told,) = harness.stub.sent_to(OFFICER2)
    assert told.text == f"{reference} is now yours (handed over by {OFFICER})."


async def test_a_new_owner_who_never_opened_the_bot_does_not_break_the_answer(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    owner = harness.person(OFFICER)
    reference = await log_letter(owner)
    harness.stub.fail("sendMessage", 403, "Forbidden: bot can't initiate conversation with a user",
                      chat_id=OFFICER2)  # fmt: skip

    (confirmation,) = await owner.say(f"/assign {reference} {OFFICER2}")

    assert confirmation.text.endswith("I am telling them.")
    assert not harness.stub.sent_to(OFFICER2)
    assert f"could not message user {OFFICER2}" in caplog.text
    assert "went wrong" not in confirmation.text
