"""The running bot (`python -m bot`, long polling) when the Bot API misbehaves: 429 with
retry_after, 5xx, connections dropped before or after the request was handled, a slow
getUpdates and one that hangs past the bot's read timeout. After each fault the bot recovers
by itself and answers, and no answer is lost or applied twice."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from pathlib import Path

from botapi_stub import BotApiStub, Sent
from fault_harness import (
    SECRET_PART,
    TOKEN,
    ChatClient,
    Inbox,
    add_officers,
    bot_process,
    running,
    saved_echoes,
    until,
)

from storage.tinydb_repo import open_repository

OFFICER = 201


def statuses(api: BotApiStub, method: str, since: int) -> list[int]:
    return [c.status for c in api.calls[since:] if c.method == method]


async def next_poll(api: BotApiStub) -> int:
    """End the bot's pending long poll (empty), so that the getUpdates faults armed before
    apply from its very next call; returns where the calls from then on start."""

    def pending() -> bool:
        polls = api.called("getUpdates")
        return bool(polls) and polls[-1].status == 200 and polls[-1].result is None

    await until(pending, 30, "a pending getUpdates")
    poll = api.called("getUpdates")[-1]
    since = len(api.calls)
    await api.wake()
    await until(lambda: poll.result is not None, 30, "the woken getUpdates to return")
    return since


class Step:
    """One exchange with the bot, timed, with the calls it caused."""

    def __init__(self, user: ChatClient) -> None:
        self.user = user

    async def __call__(self, update: dict[str, object]) -> tuple[list[Sent], float, int]:
        loop = asyncio.get_running_loop()
        since, start = len(self.user.stub.calls), loop.time()
        window = await self.user.exchange(update, 60)
        assert window, "the bot did not answer"
        return window, loop.time() - start, since


async def test_the_bot_recovers_from_every_api_fault_and_loses_no_answer(
    api: BotApiStub, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    add_officers(data, [OFFICER])
    bot = bot_process(api, data)
    user = ChatClient(Inbox(api), OFFICER)
    step = Step(user)
    sent_on = date.today() - timedelta(days=2)
    async with running(bot):
        await step(user.say("/new"))
        menu = user.seen()[-1]

        # 429 with retry_after: waited out, then sent.
        api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        window, took, since = await step(user.tap(menu, "Communication"))
        assert window[-1].text.startswith("Question 1 of 8")
        assert statuses(api, "sendMessage", since)[:2] == [429, 200] and took >= 1.0

        # 5xx on the tap's answer and twice on the reply.
        api.fail("answerCallbackQuery", 500)
        api.fail("sendMessage", 502)
        api.fail("sendMessage", 502)
        window, _, since = await step(user.tap(window[-1], "AL allegation letter"))
        assert window[-1].text.startswith("Question 2 of 8")
        assert statuses(api, "answerCallbackQuery", since) == [500, 200]
        assert statuses(api, "sendMessage", since)[:3] == [502, 502, 200]

        # A connection dropped before the request was handled: sent again.
        api.drop("sendMessage")
        window, _, since = await step(user.say("Burundi"))
        assert saved_echoes(window) == ["Burundi (BDI)"]
        assert statuses(api, "sendMessage", since)[:2] == [0, 200]

        # Dropped after it was handled: the user may see the answer twice, never not at all.
        api.drop("sendMessage", after=True)
        window, _, _ = await step(user.say(f"{sent_on:%d/%m/%Y}"))
        assert set(saved_echoes(window)) == {f"{sent_on:%a} {sent_on.day} {sent_on:%b %Y}"}
        assert 1 <= len(window) <= 2

        # getUpdates fails twice (502), then is dropped with no answer.
        api.fail("getUpdates", 502)
        api.fail("getUpdates", 502)
        api.drop("getUpdates")
        since = await next_poll(api)
        window, _, _ = await step(user.say("WGAD"))
        assert saved_echoes(window) == ["WGAD"]
        assert statuses(api, "getUpdates", since)[:3] == [502, 502, 0]

        # A getUpdates answer lost on the way (handled, never received): not confirmed, so
        # delivered again, and applied once.
        reference = f"AL BDI 7/{sent_on.year}"
        api.drop("getUpdates", after=True)
        since = await next_poll(api)
        window, _, _ = await step(user.say(reference))
        assert saved_echoes(window) == [reference]
        batches = [c.result for c in api.calls[since:] if c.method == "getUpdates" and c.result]
        assert statuses(api, "getUpdates", since)[0] == 0
        assert batches[0] == batches[1]  # the lost batch came again

        # A slow getUpdates (3 s): the update waits, then is answered.
        api.stall("getUpdates", 3)
        since = await next_poll(api)
        window, _, _ = await step(user.say("Arbitrary detention of a journalist."))
        assert saved_echoes(window) == ["Arbitrary detention of a journalist."]
        slow = next(c for c in api.calls[since:] if c.method == "getUpdates")
        assert time.monotonic() - slow.at >= 3 and slow.result  # it carried the update

        # A getUpdates that hangs past the bot's read timeout (10 s long poll + 5 s): the bot
        # gives up on it, polls again, and the update is delivered then.
        api.stall("getUpdates", 40)
        since = await next_poll(api)
        window, took, _ = await step(user.say("/skip"))
        assert window[-1].text.startswith("Question 8 of 8") and "Skipped." in window[-1].text
        hung, again = [c for c in api.calls[since:] if c.method == "getUpdates"][:2]
        assert 14 <= again.at - hung.at < 20 and took < 30  # gave up after its read timeout

        # A 500 on the last tap's answer: the checklist is saved all the same.
        await step(user.say("/skip"))
        api.fail("answerCallbackQuery", 500)
        window, _, _ = await step(user.tap(user.seen()[-1], "Save"))
        assert window[-1].text.startswith(f"{reference}\nChecklist saved.")
        assert await bot.stop() == 0

    with open_repository(data) as repo:
        (entry,) = repo.list_cases()
        case = repo.get_case(entry["id"])
    assert case is not None and case["status"] == "open"
    answers = case["runs"][0]["answers"]
    assert answers == {
        "comm_type": "AL",
        "addressees": [{"code": "BDI", "name": "Burundi", "kind": "state"}],
        "date_sent": sent_on.isoformat(),
        "mandates": ["WGAD"],
        "reference": reference,
        "summary": "Arbitrary detention of a journalist.",
    }
    assert case["runs"][0]["skipped"] == ["themes", "letter"]
    answered = [e for e in case["history"] if e["action"] == "answer"]
    assert len(answered) == 6  # each answer applied once, none twice
    log = bot.log_text()
    assert TOKEN not in log and SECRET_PART not in log
