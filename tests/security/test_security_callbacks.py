"""Button data cannot be forged to open or change another user's case.

An officer's case has every kind of button: a review, an update checklist waiting at a
question (so its answer buttons are current), a reminder. A viewer and another officer then
press buttons built from the real case id: every kind the bot makes (c, e, a, rv, s, f, z,
x, sv, r, fp, p, n), and every button the owner was shown, each followed by what the button
would lead to (a reason for "No action needed", a document for "Attach a file", an answer).
They get a refusal, or only what their role allows: the viewer reads the case without the
confidential name; the other officer gets nothing of it. Storage is unchanged.
The bot runs in this process (the real Application, through HTTP to the stand-in).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from botapi_stub import Sent
from clocks import MovableClock
from security_session import readable
from telegram_harness import OFFICER, OFFICER2, VIEWER, Harness, Person

from bot.telegram.jobs import Scheduler
from storage import layout

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SUMMARY = "ZZSECRETSUMMARY of the owner's case"
VICTIM = "ZZVICTIM Jane Doe"
NOT_YOURS = "That case is not available to you."
READ_ONLY = "You can read this case but not change it."


async def owners_case(tg: Harness, clock: MovableClock) -> tuple[str, str]:
    p = tg.person(OFFICER)
    await p.say("/new")
    await p.tap("Communication")
    await p.tap("AL allegation letter")
    for answer in ("Burundi", "yesterday", "WGAD"):
        await p.say(answer)
    await p.tap("AL BDI 1/2017")
    await p.say(SUMMARY)
    await p.say("2")
    await p.say(VICTIM)
    await p.send_document(PDF, "letter.pdf", "application/pdf")
    card = (await p.tap("Save"))[-1]
    await p.say("/cases")  # its "open the case" button
    clock.instant += timedelta(days=61)
    assert tg.app is not None
    scheduler: Scheduler = tg.app.bot_data["scheduler"]
    # reminders with their buttons: the reply, and the letter's publication (same day)
    assert await scheduler.sweep(tg.app.bot) == 2
    await p.tap("Reply received", card)  # an update checklist...
    await p.say("yesterday")  # ...waiting at its second question (buttons current)
    assert "In which language is the reply?" in p.last_keyboard().text
    assert tg.repo is not None
    (entry,) = tg.repo.list_cases()
    return entry["id"], "AL BDI 1/2017"


def forged(case_id: str) -> list[str]:
    c = case_id
    return [f"c:{c}", f"e:{c}:0:summary", f"e:{c}:0:victims", f"e:{c}:1:reply_date",
            f"a:{c}:1:reply_language:EN", f"a:{c}:0:comm_type:UA", f"rv:{c}:0", f"rv:{c}:1",
            f"s:{c}:communication_reply", f"s:{c}:communication_followup",
            f"s:{c}:communication_closure", f"f:{c}", f"z:{c}:reply", f"x:{c}:reply",
            f"sv:{c}:0", f"sv:{c}:1", "r:p:this year", "r:s:all", "r:s:confidential", "fp:0",
            "p:0", "n:communication", f"ed:{c}", f"dc:{c}:1", f"dy:{c}:1:communication_reply",
            f"dd:{c}", f"dz:{c}", "ru:0"]  # fmt: skip


async def press_everything(p: Person, tokens: list[str], reference: str) -> list[Sent]:
    """Each token, then what it would lead to; everything the bot said back."""
    said: list[Sent] = []
    for token in tokens:
        said += await p.tap_data(token)
        said += await p.say("Nothing to add.")  # a reason, an answer, a period
        said += await p.send_document(PDF, "forged.pdf", "application/pdf")
    for text in (f"/case {reference}", f"/assign {reference} {p.user_id}", "/edit 1",
                 "/resume", "/skip", "/back", "/review", "/find ZZSECRETSUMMARY",
                 "/cases"):  # fmt: skip
        said += await p.say(text)
    return said


def state(tg: Harness, case_id: str) -> dict[str, object]:
    """The owner's case (its file as written), its index entry, and the owner's session."""
    assert tg.repo is not None
    return {
        "file": layout.case_path(tg.data_dir, case_id).read_bytes(),
        "index": [e for e in tg.repo.list_cases() if e["id"] == case_id],
        "session": tg.repo.get_session(str(OFFICER)),
    }


async def test_forged_buttons_neither_show_nor_change_another_users_case(
    tg: Harness, clock: MovableClock
) -> None:
    await tg.stop()  # a few hundred messages: no send throttle (what is sent is the point)
    await tg.start(send_rate=0)
    case_id, reference = await owners_case(tg, clock)
    shown_to_owner = {data for s in tg.stub.sent_to(OFFICER) for _, data in s.buttons if data}
    assert {t.split(":")[0] for t in shown_to_owner} >= {"a", "c", "e", "ed", "s", "f", "z", "x"}
    tokens = sorted(set(forged(case_id)) | shown_to_owner)
    before = state(tg, case_id)

    viewer = await press_everything(tg.person(VIEWER), tokens, reference)
    other = await press_everything(tg.person(OFFICER2), tokens, reference)

    assert state(tg, case_id) == before
    assert tg.repo is not None  # "n:" made the other officer cases of their own: allowed
    assert {e["owner"] for e in tg.repo.list_cases() if e["id"] != case_id} <= {str(OFFICER2)}
    # The viewer may read the case: never the confidential name, and nothing to press on it.
    cards = [m for m in viewer if m.text.startswith(reference)]
    assert cards and all(SUMMARY in m.text and "(confidential)" in m.text for m in cards)
    assert all(not m.buttons for m in cards)
    assert READ_ONLY in {m.text for m in viewer}
    # The other officer gets nothing of it (reports cover every case by design: only the
    # confidential name is checked in those, below).
    # What echoes the reference they typed is what a case that does not exist gets: the
    # answer tells nothing, not even that the case exists.
    echoes = {f"No case {reference} that you can see. /cases lists yours; /case also finds a "
              "visit by State and mandate or year, e.g. /case Honduras 2019.",
              f"No case {reference} that you can hand over."}  # fmt: skip
    chat = [m.text for m in other if not m.text.startswith("Report") and m.text not in echoes]
    assert NOT_YOURS in chat
    for text in chat:
        assert SUMMARY not in text and reference not in text and case_id not in text
    assert {chat_id for chat_id, _ in tg.stub.documents} >= {VIEWER, OFFICER2}  # reports
    for chat_id, upload in tg.stub.documents:
        if chat_id in (VIEWER, OFFICER2):
            for name, data in readable(upload.filename, upload.data):  # inside the .docx too
                assert b"ZZVICTIM" not in data and b"Jane Doe" not in data, name
    for m in viewer + other:
        assert "ZZVICTIM" not in m.text and "Jane Doe" not in m.text
    assert not (Path(tg.data_dir) / layout.FILES_DIR / "forged").exists()
