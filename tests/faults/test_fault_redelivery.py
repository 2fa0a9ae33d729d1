"""Telegram delivers an update again until the bot confirms it (the offset of its next
getUpdates). A bot killed after applying an update but before that confirmation arrived gets
the update again after its restart: it must not apply it a second time, to whatever question
the user is at by then. Made deterministic here: the confirming getUpdates calls fail (a
502, as during an API hiccup) from the moment the update is handed out until the kill.

The other way round, an update the bot took but had not handled when it was killed must
still be answered after the restart, even though Telegram was already told to forget it:
python-telegram-bot confirms a batch as soon as it has fetched it. The bot's inbox (see
bot/telegram/inbox.py) kept it on disk, and the restarted bot handles it then.

And Telegram numbers updates sequentially, except that "if there are no new updates for at
least a week, then identifier of the next update will be chosen randomly instead of
sequentially" (Bot API, Update.update_id): a lower number is not a repeat.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from botapi_stub import BotApiStub, Sent, callback, message
from fault_harness import (
    ADMIN,
    BotProcess,
    ChatClient,
    Inbox,
    add_officers,
    bot_process,
    read_case,
    read_session,
    running,
    saved_echoes,
    seed_visit,
    until,
)
from telegram import Update
from telegram_harness import OFFICER, Harness

from storage import layout
from storage.inbox import Inbox as UpdateInbox
from workflows.checklists.model import Registry

USER = 201


async def apply_then_die(
    api: BotApiStub, bot: BotProcess, user: ChatClient, update: dict[str, Any]
) -> list[Sent]:
    """Hand `update` to the bot, let it answer, and kill it before it confirms the update;
    then start it again. Returns what the bot answered before it died."""
    await until(
        lambda: api.called("getUpdates")[-1].result is None, 30, "a pending getUpdates call"
    )
    for _ in range(6):  # the confirming calls fail for 25 s (back-off 0.5, 1, 2, 4, 8, 10 s)
        api.fail("getUpdates", 502)
    seen = len(user.inbox.chats.get(user.user_id, []))
    update_id = await api.push(update)
    await until(lambda: len(user.inbox.chats.get(user.user_id, [])) > seen, 30, "the answer")
    assert update_id in api.pending_updates(), "the update was confirmed: nothing to re-deliver"
    await bot.kill()
    api.clear_faults()
    await bot.start()
    user.cursor = len(user.inbox.chats[user.user_id])
    return user.inbox.chats[user.user_id][seen:]


async def test_an_answer_delivered_again_after_a_kill_is_not_applied_to_the_next_question(
    api: BotApiStub, tmp_path: Path, registry: Registry
) -> None:
    data = tmp_path / "data"
    add_officers(data, [USER])
    visit = seed_visit(data, registry, USER, date.today() - timedelta(days=90))
    visited_from = date.today() - timedelta(days=5)
    bot = bot_process(api, data)
    user = ChatClient(Inbox(api), USER)
    async with running(bot):
        window = await user.exchange(user.tap_data(f"s:{visit}:visit_conducted"), 30)
        assert window and window[-1].text.startswith("Question 1 of")
        assert "First day of the visit?" in window[-1].text
        # Three date questions in a row: the first day, the last day, the announcement.
        before = await apply_then_die(api, bot, user, user.say(f"{visited_from:%d/%m/%Y}"))
        assert saved_echoes(before) == [
            f"{visited_from:%a} {visited_from.day} {visited_from:%b %Y}"
        ]

        after = await user.exchange(user.say("/resume"), 30)  # after the re-delivered update
        assert after is not None
        run = read_case(data, visit)["runs"][-1]
        assert run["answers"] == {"visited_from": visited_from.isoformat()}
        assert saved_echoes(after) == [], "the answer was applied again"
        assert "Last day of the visit?" in after[-1].text.split("\n")
        assert await bot.stop() == 0


async def test_a_new_case_tap_delivered_again_after_a_kill_creates_no_second_case(
    api: BotApiStub, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    add_officers(data, [USER])
    bot = bot_process(api, data)
    user = ChatClient(Inbox(api), USER)
    async with running(bot):
        window = await user.exchange(user.say("/new"), 30)
        assert window and window[-1].text.startswith("What do you want to log?")
        before = await apply_then_die(api, bot, user, user.tap(window[-1], "Communication"))
        assert before[-1].text.startswith("Question 1 of 8")
        first = (read_session(data, USER) or {})["case"]

        after = await user.exchange(user.say("/resume"), 30)
        assert after is not None
        assert await bot.stop() == 0
    assert layout.case_ids_on_disk(data) == [first]
    assert (read_session(data, USER) or {})["case"] == first


async def test_a_message_taken_by_a_killed_process_is_answered_after_the_restart(
    api: BotApiStub, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    add_officers(data, [USER])
    bot = bot_process(api, data)
    user = ChatClient(Inbox(api), USER)
    async with running(bot):
        window = await user.exchange(user.say("/new"), 30)
        assert window
        window = await user.exchange(user.tap(window[-1], "Communication"), 30)
        assert window
        window = await user.exchange(user.tap(window[-1], "AL allegation letter"), 30)
        assert window and window[-1].text.startswith("Question 2 of 8")
        api.stall("sendMessage", 60)  # the answer is on its way when the process dies
        update_id = await api.push(user.say("Burundi"))
        sending = lambda: api.called("sendMessage")[-1].result is None  # noqa: E731
        await until(lambda: api.confirmed > update_id and sending(), 30, "the answer in flight")
        await bot.kill()
        api.clear_faults()
        await bot.start()
        user.cursor = len(user.inbox.chats[USER])

        after = await user.exchange(None, 30)  # a marker only: anything before answers it
        assert after is not None
        assert after, "the message was never answered"
        assert after[-1].text.startswith("Question 3 of 8"), after[-1].text  # after "Burundi"
        assert await bot.stop() == 0
    case = read_case(data, (read_session(data, USER) or {})["case"])
    assert [a["code"] for a in case["runs"][0]["answers"]["addressees"]] == ["BDI"]
    assert UpdateInbox(data).pending() == []  # handled, and marked so


async def test_an_update_numbered_lower_after_a_quiet_week_is_applied(tg: Harness) -> None:
    assert tg.app is not None
    app = tg.app
    burundi = message(OFFICER, text="Burundi")

    async def send(update_id: int, update: dict[str, Any]) -> Sent:
        before = len(tg.stub.sent)
        await app.process_update(Update.de_json({"update_id": update_id, **update}, app.bot))
        (reply,) = tg.stub.sent[before:]
        return reply

    menu = await send(861_204_571, message(OFFICER, text="/new"))
    first = await send(861_204_572, callback(OFFICER, menu.button("Communication"), menu))
    await send(861_204_573, callback(OFFICER, first.button("AL allegation letter"), first))
    assert "Saved: Burundi (BDI)" in (await send(861_204_574, burundi)).text
    # A week without updates: the next number is random, here lower than the last.
    reply = await send(52_380_117, message(OFFICER, text="yesterday"))
    assert "Saved: Sun 14 May 2017" in reply.text


async def test_a_confidential_report_asked_for_just_before_a_kill_is_sent_after_the_restart(
    api: BotApiStub, tmp_path: Path
) -> None:
    """The tap that builds a report clears the report question from the session and audits
    the confidential variant as produced; killed before the report went out, the restarted
    bot replays the tap from its inbox and must send the report, not "out of date"."""
    data = tmp_path / "data"
    bot = bot_process(api, data)
    admin = ChatClient(Inbox(api), ADMIN)
    async with running(bot):
        window = await admin.exchange(admin.say("/report 2017"), 30)
        assert window and window[-1].text.endswith("Which cases?")
        api.stall("sendMessage", 60)  # the report is on its way when the process dies
        update_id = await api.push(admin.tap(window[-1], "All, with confidential names"))
        sending = lambda: api.called("sendMessage")[-1].result is None  # noqa: E731
        await until(lambda: api.confirmed > update_id and sending(), 60, "the report in flight")
        await bot.kill()
        api.clear_faults()
        await bot.start()
        admin.cursor = len(admin.inbox.chats[ADMIN])

        after = await admin.exchange(None, 60)
        assert after, "the report was never sent"
        assert all("out of date" not in sent.text for sent in after), after[-1].text
        assert any(sent.text.startswith("Report") for sent in after)
        names = [doc.filename for chat, doc in api.documents if chat == ADMIN]
        assert any(name.endswith(".docx") for name in names), names
        assert await bot.stop() == 0
