"""Who gets what: unknown users, group chats, roles and user management over Telegram."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from botapi_stub import Sent, message
from clocks import MovableClock
from telegram_harness import (
    ADMIN,
    GROUP,
    OFFICER,
    STRANGER,
    VIEWER,
    Harness,
    log_letter,
)

from bot.telegram.guard import PRIVATE_ONLY
from bot.telegram.quiet import QUIET_SECONDS
from workflows.chat.conversation import REFUSAL

PDF = b"%PDF-1.4 test\n"


async def test_unknown_user_gets_one_sentence_and_nothing_else(
    harness: Harness, caplog: pytest.LogCaptureFixture, clock: MovableClock
) -> None:
    await log_letter(harness.person(OFFICER), victims="Secret Victim-Name")
    stranger = harness.person(STRANGER)
    caplog.set_level(logging.INFO, logger="bot.telegram.guard")  # documents and the like
    caplog.set_level(logging.INFO, logger="workflows.chat.conversation")  # text and taps

    async def ask(n: int) -> list[Sent]:
        """Each kind of message in turn, the quiet period over before each: one refusal."""
        clock.instant += timedelta(seconds=QUIET_SECONDS)
        steps = (
            lambda: stranger.say("/start"),
            lambda: stranger.say("/cases"),
            lambda: stranger.say("/case AL BDI 1/2017"),
            lambda: stranger.say("hello?"),
            lambda: stranger.tap_data("n:communication"),
            lambda: stranger.send_document(PDF, "x.pdf", "application/pdf"),
        )
        return await steps[n]()

    answers = [await ask(n) for n in range(6)]

    assert [[m.text for m in a] for a in answers] == [[REFUSAL]] * len(answers)
    assert not harness.stub.called("getFile")  # nothing downloaded for a stranger
    assert harness.repo is not None
    assert harness.repo.get_user(str(STRANGER)) is None
    assert len(harness.repo.list_cases()) == 1
    refusals = [r for r in caplog.records if "refused user" in r.getMessage()]
    assert len(refusals) == len(answers)
    assert all(r.getMessage() == f"refused user {STRANGER} (not authorised)" for r in refusals)


async def test_a_stranger_is_refused_once_per_quiet_period(
    harness: Harness, clock: MovableClock
) -> None:
    stranger = harness.person(STRANGER)
    first = [await stranger.say(f"message {n}") for n in range(5)]
    tap = await stranger.tap_data("n:communication")
    document = await stranger.send_document(PDF, "x.pdf", "application/pdf")
    assert [[m.text for m in a] for a in first] == [[REFUSAL], [], [], [], []]
    assert tap == [] and document == []
    clock.instant += timedelta(seconds=QUIET_SECONDS - 1)
    assert await stranger.say("still quiet") == []
    clock.instant += timedelta(seconds=1)
    assert [m.text for m in await stranger.say("later")] == [REFUSAL]


async def test_group_chat_never_shows_case_data(harness: Harness) -> None:
    reference = await log_letter(harness.person(OFFICER), victims="Secret Victim-Name")
    in_group = harness.person(OFFICER, chat_id=GROUP)
    admin_in_group = harness.person(ADMIN, chat_id=GROUP)
    stranger_in_group = harness.person(STRANGER, chat_id=GROUP)
    before = len(harness.stub.calls)

    first = await in_group.say("/cases")
    assert [m.text for m in first] == [PRIVATE_ONLY]
    assert first[0].markup == {"inline_keyboard": [[
        {"text": "Open a private chat", "url": "https://t.me/followup_test_bot"}]]}  # fmt: skip
    answer = first
    for p, text in [
        (in_group, f"/case {reference}"),
        (in_group, "/resume"),
        (in_group, "/start@followup_test_bot"),
        (admin_in_group, "/users"),
        (admin_in_group, f"/case {reference}"),
        (stranger_in_group, "/start"),
    ]:
        # one answer per group per quiet period: a flood in a group must not queue up work
        assert await p.say(text) == []
    assert await in_group.send_document(PDF, "x.pdf", "application/pdf") == []  # quiet period
    await in_group.tap_data("rv:whatever:0", on=answer[0])  # a keyboard shown in the group

    calls = harness.stub.calls[before:]
    everything = " ".join(str(call.params) for call in calls)
    for secret in (reference, "Burundi", "Secret Victim-Name", "journalist", str(OFFICER) + " ·"):
        assert secret not in everything
    assert {c.method for c in calls} == {"sendMessage", "answerCallbackQuery"}
    assert all(int(c.params["chat_id"]) == GROUP for c in calls if c.method == "sendMessage")
    (tap,) = [c for c in calls if c.method == "answerCallbackQuery"]
    assert tap.params["text"] == PRIVATE_ONLY


async def test_viewer_reads_but_cannot_create_or_see_confidential(harness: Harness) -> None:
    reference = await log_letter(harness.person(OFFICER), victims="Secret Victim-Name")
    viewer = harness.person(VIEWER)

    card = (await viewer.say(f"/case {reference}"))[0]
    assert "Detention of a journalist." in card.text
    assert "Secret Victim-Name" not in card.text and "(confidential)" in card.text
    assert card.buttons == []  # nothing to edit
    assert "not create them" in (await viewer.say("/new"))[0].text


async def test_admin_grants_and_revokes_access(harness: Harness) -> None:
    admin, newcomer = harness.person(ADMIN), harness.person(STRANGER)
    assert (await newcomer.say("/start"))[0].text == REFUSAL

    assert "is now officer" in (await admin.say(f"/grant {STRANGER} officer"))[0].text
    welcome = (await newcomer.say("/start"))[0]
    assert "Your role: officer." in welcome.text
    users = (await admin.say("/users"))[0].text
    # the newcomer's name, as Telegram gave it, is kept on their first message
    assert f"{STRANGER} · officer · User {STRANGER}" in users and f"{ADMIN} · admin" in users

    assert "revoked" in (await admin.say(f"/revoke {STRANGER}"))[0].text
    assert (await newcomer.say("/start"))[0].text == REFUSAL
    assert harness.repo is not None
    audit = [e["action"] for e in harness.repo.audit_log() if e["target"] == str(STRANGER)]
    assert audit == ["put_user", "put_user", "delete_user"]  # grant, name, revoke


async def test_officers_cannot_manage_users(harness: Harness) -> None:
    answer = (await harness.person(OFFICER).say(f"/grant {STRANGER} admin"))[0].text
    assert answer.startswith("I do not know /grant.")
    assert harness.repo is not None and harness.repo.get_user(str(STRANGER)) is None


async def test_admins_from_settings_are_created_once(harness: Harness) -> None:
    assert harness.repo is not None
    assert harness.repo.get_user(str(ADMIN)) == {"id": str(ADMIN), "role": "admin"}
    await harness.person(ADMIN).say(f"/grant {OFFICER} admin")  # not the last admin, then
    await harness.person(ADMIN).say(f"/grant {ADMIN} viewer")  # an admin may step down
    await harness.restart()
    assert harness.repo is not None
    assert harness.repo.get_user(str(ADMIN))["role"] == "viewer"  # not reset at restart


async def test_every_message_gets_an_answer(harness: Harness) -> None:
    p = harness.person(OFFICER)
    assert "I do not know /frobnicate." in (await p.say("/frobnicate"))[0].text
    stray = (await p.say("just some words"))[0].text
    assert stray.startswith("You are not in a checklist right now.") and "/new" in stray
    sticker = {"file_id": "s1", "file_unique_id": "us1", "width": 512, "height": 512,
               "is_animated": False, "is_video": False, "type": "regular"}  # fmt: skip
    before = len(harness.stub.sent)
    await harness.feed(message(OFFICER, sticker=sticker))
    (hint,) = harness.stub.sent[before:]
    assert hint.text.startswith("I can read typed answers, button taps and documents")
