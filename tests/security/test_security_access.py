"""Unknown users and group chats never receive case data, whatever they send.

Officers log cases with distinctive strings; an admin asks for a report, an export, lists
and searches, and reminders go out, so that every kind of button exists. Then a stranger
(in a private chat) and group chats (a group and a supergroup, written in by an officer, an
admin and the stranger) send every command and tap every button seen so far, and buttons
forged from the real case ids. Every request the stand-in received for them is scanned.
The bot runs in this process (the real Application, through HTTP to the stand-in).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from botapi_stub import Sent, callback, message
from clocks import MovableClock
from telegram_harness import ADMIN, GROUP, OFFICER, OFFICER2, STRANGER, Harness, Person

from bot.telegram.guard import PRIVATE_ONLY
from bot.telegram.jobs import Scheduler
from workflows.chat.conversation import ADMIN_COMMANDS, COMMANDS, REFUSAL

SUPERGROUP = -1001234567890
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SECRETS = ("ZZSECRETSUMMARY", "ZZVICTIM", "letter.pdf", "Burundi", "Kenya")


async def log_case(p: Person, state: str, code: str, tag: str) -> str:
    """A communication with a distinctive summary, a confidential name and a letter."""
    await p.say("/new")
    await p.tap("Communication")
    await p.tap("AL allegation letter")
    await p.say(state)
    await p.say("yesterday")
    await p.say("WGAD")
    reference = p.last_keyboard().buttons[0][0]
    assert reference.startswith(f"AL {code} ")
    await p.tap(reference)
    await p.say(f"ZZSECRETSUMMARY {tag}")
    await p.say("2")  # defenders: the confidential question
    await p.say(f"ZZVICTIM {tag}")
    await p.send_document(PDF, "letter.pdf", "application/pdf")
    await p.tap("Save")
    return reference


async def build_up(tg: Harness, clock: MovableClock) -> tuple[list[str], list[str]]:
    """Cases, reports, lists and reminders; returns the references and the case ids."""
    references = [
        await log_case(tg.person(OFFICER), "Burundi", "BDI", "A"),
        await log_case(tg.person(OFFICER2), "Kenya", "KEN", "B"),
    ]
    admin = tg.person(ADMIN)
    for text in ("/cases", "/find ZZSECRETSUMMARY", "/export", "/digest", "/users", "/rules"):
        await admin.say(text)
    await admin.say("/report")
    await admin.tap("This year")
    await admin.tap("All, with confidential names")
    await admin.say(f"/case {references[0]}")
    clock.instant += timedelta(days=61)  # the replies are overdue: reminders with buttons
    assert tg.app is not None
    scheduler: Scheduler = tg.app.bot_data["scheduler"]
    assert await scheduler.sweep(tg.app.bot) >= 2
    assert tg.repo is not None
    return references, [e["id"] for e in tg.repo.list_cases()]


def commands(references: list[str], case_ids: list[str]) -> list[str]:
    texts = [f"/{name}" for name, _ in COMMANDS + ADMIN_COMMANDS]
    texts += [f"/{name}@followup_test_bot" for name, _ in COMMANDS[:3]]
    for ref in [*references, *case_ids]:
        texts += [f"/case {ref}", f"/assign {ref} {STRANGER}"]
    texts += ["/find ZZSECRETSUMMARY", "/find Burundi", "/report state Burundi",
              "/report 2017", "/digest on", f"/grant {STRANGER} admin", f"/revoke {OFFICER}",
              "/rules WGAD reply_days 1", "/edit 1", "/review", "/start extra", "Burundi",
              "1", "ZZVICTIM A"]  # fmt: skip
    return texts


def forged(case_ids: list[str]) -> list[str]:
    tokens = ["n:communication", "n:visit", "p:0", "p:1", "fp:0", "r:p:this year",
              "r:s:all", "r:s:confidential", "r:p:"]  # fmt: skip
    for cid in case_ids:
        tokens += [f"c:{cid}", f"rv:{cid}:0", f"e:{cid}:0:summary", f"e:{cid}:0:victims",
                   f"a:{cid}:0:comm_type:UA", f"sv:{cid}:0", f"f:{cid}", f"z:{cid}:reply",
                   f"x:{cid}:reply", f"s:{cid}:communication_reply",
                   f"s:{cid}:communication_closure"]  # fmt: skip
    return tokens


def in_chat(update: dict[str, Any], kind: str) -> dict[str, Any]:
    """The same update, in a chat of another type (a supergroup)."""
    body = update.get("message") or update["callback_query"]["message"]
    body["chat"]["type"] = kind
    return update


async def test_strangers_and_group_chats_never_receive_case_data(
    tg: Harness, clock: MovableClock
) -> None:
    references, case_ids = await build_up(tg, clock)
    tokens = sorted(
        {data for s in tg.stub.sent for _, data in s.buttons if data} | set(forged(case_ids))
    )
    assert any(t.startswith("z:") for t in tokens) and any(t.startswith("r:s:") for t in tokens)
    texts = commands(references, case_ids)
    # This test has the bot post a thousand messages: the rate limits (30 a second, and 20
    # a minute in a group, as Telegram's) are lifted; what is sent is the point, not when.
    await tg.stop()
    await tg.start(send_rate=0)
    assert tg.app is not None
    limiter = tg.app.bot.rate_limiter
    assert limiter is not None and limiter._group_max_rate == 20
    limiter._group_max_rate = 0
    before_calls = len(tg.stub.calls)
    before_files = _snapshot(tg.data_dir)

    senders = [(STRANGER, STRANGER, "private"), (STRANGER, GROUP, "group"),
               (OFFICER, GROUP, "group"), (ADMIN, GROUP, "group"),
               (OFFICER, SUPERGROUP, "supergroup"), (ADMIN, SUPERGROUP, "supergroup")]  # fmt: skip
    for user_id, chat_id, kind in senders:
        shown = Sent(chat_id, 1, "x", "x", None)  # a message of the bot's in that chat
        updates = [message(user_id, chat_id, text=t) for t in texts]
        updates += [callback(user_id, token, shown) for token in tokens]
        file_id = tg.stub.add_file(PDF, "documents/x.pdf")
        updates.append(message(user_id, chat_id, document={
            "file_id": file_id, "file_unique_id": "ux", "file_name": "x.pdf",
            "mime_type": "application/pdf", "file_size": len(PDF)}))  # fmt: skip
        for update in updates:
            await tg.feed(in_chat(update, kind) if kind == "supergroup" else update)
    # A tap with no message at all (as from an inline message), by the stranger.
    for token in tokens:
        await tg.feed(callback(STRANGER, token))

    calls = tg.stub.calls[before_calls:]
    assert {c.method for c in calls} == {"sendMessage", "answerCallbackQuery"}  # no file
    chats = {int(c.params["chat_id"]) for c in calls if c.method == "sendMessage"}
    assert chats == {STRANGER, GROUP, SUPERGROUP}
    said = {c.params["text"] for c in calls if c.method == "sendMessage"}
    assert said == {REFUSAL, PRIVATE_ONLY}
    alerts = {c.params.get("text") for c in calls if c.method == "answerCallbackQuery"}
    assert alerts <= {None, PRIVATE_ONLY}
    everything = " ".join(str(c.params) for c in calls)
    for secret in (*SECRETS, *references, *case_ids):
        assert secret not in everything
    assert _snapshot(tg.data_dir) == before_files  # nothing was written for them


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }
