"""Delivery when Telegram misbehaves: 429, 5xx, dropped connections, refused requests."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from telegram import Update
from telegram_harness import (
    OFFICER,
    Harness,
    Person,
)

from bot.telegram import retry
from bot.telegram.bridge import NOT_SAVED
from bot.telegram.errors import SORRY
from bot.telegram.ordering import PerUserOrder
from storage.repository import StorageError


async def at_question_two(p: Person) -> None:
    await p.say("/new")
    await p.tap("Communication")
    await p.tap("AL allegation letter")


def statuses(h: Harness, method: str) -> list[int]:
    return [call.status for call in h.stub.called(method)]


async def test_a_429_is_waited_out_and_the_reply_still_arrives(harness: Harness) -> None:
    p = harness.person(OFFICER)
    await at_question_two(p)
    harness.stub.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    start = asyncio.get_running_loop().time()

    (reply,) = await p.say("Burundi")

    assert "Saved: Burundi (BDI)" in reply.text
    assert statuses(harness, "sendMessage")[-2:] == [429, 200]
    assert asyncio.get_running_loop().time() - start >= 1.0  # retry_after was honoured


@pytest.mark.parametrize(
    "refusal",
    [  # a tap handled again after a restart: Telegram refuses to answer it by then
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
        "Bad Request: QUERY_ID_INVALID",
        "Bad Request: anything else",  # the tap is applied meanwhile: its reply must come
    ],
)
async def test_a_tap_telegram_will_not_answer_is_applied_all_the_same(
    harness: Harness, refusal: str
) -> None:
    p = harness.person(OFFICER)
    await p.say("/new")
    harness.stub.fail("answerCallbackQuery", 400, refusal)

    (question,) = await p.tap("Communication")

    assert question.text.startswith("Question 1 of 8")
    assert statuses(harness, "answerCallbackQuery") == [400]


async def test_a_tap_is_answered_before_its_reply_even_when_the_answer_is_slow(
    harness: Harness,
) -> None:
    p = harness.person(OFFICER)
    await p.say("/new")
    harness.stub.stall("answerCallbackQuery", 0.3)

    (question,) = await p.tap("Communication")

    assert question.text.startswith("Question 1 of 8")
    methods = [c.method for c in harness.stub.calls if c.method != "getUpdates"]
    assert methods[-2:] == ["answerCallbackQuery", "sendMessage"]
    answered = harness.stub.called("answerCallbackQuery")[-1]
    sent = harness.stub.called("sendMessage")[-1]
    assert sent.at >= answered.at + 0.3  # sent once the answer was through


async def test_5xx_and_dropped_connections_are_retried(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry, "FIRST_DELAY", 0.05)  # the schedule, not the behaviour
    p = harness.person(OFFICER)
    await p.say("/new")
    harness.stub.fail("answerCallbackQuery", 500)
    harness.stub.fail("sendMessage", 502)
    harness.stub.drop("sendMessage")

    (question,) = await p.tap("Communication")

    assert question.text.startswith("Question 1 of 8")
    assert statuses(harness, "answerCallbackQuery") == [500, 200]
    assert statuses(harness, "sendMessage")[-3:] == [502, 0, 200]


async def test_a_refused_request_reaches_the_error_handler(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    p = harness.person(OFFICER)
    await at_question_two(p)
    harness.stub.fail("sendMessage", 400, "Bad Request: chat not found")

    (sorry,) = await p.say("Burundi")

    assert sorry.text == SORRY  # plain words, no traceback
    assert statuses(harness, "sendMessage")[-2:] == [400, 200]  # a 400 is never retried
    (record,) = [r for r in caplog.records if r.name == "bot.telegram.errors"]
    assert record.getMessage().endswith(f"from user {OFFICER}")
    assert "Burundi" not in record.getMessage()  # what the user typed is not logged
    assert harness.repo is not None  # the answer itself was saved before the reply failed
    (entry,) = harness.repo.list_cases()
    case = harness.repo.get_case(entry["id"])
    assert case is not None and case["runs"][0]["answers"]["addressees"][0]["code"] == "BDI"


async def test_a_failed_write_is_reported_and_nothing_is_claimed(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = harness.person(OFFICER)
    await at_question_two(p)
    assert harness.repo is not None

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise StorageError("could not save: the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(harness.repo, "save_case", disk_full)
        (refused,) = await p.say("Burundi")
    assert refused.text == NOT_SAVED

    (saved,) = await p.say("Burundi")
    assert "Saved: Burundi (BDI)" in saved.text


async def test_one_users_updates_run_in_order_others_in_parallel() -> None:
    order = PerUserOrder(max_concurrent_updates=16)
    events: list[str] = []

    def update(user_id: int) -> Update:
        return Update.de_json(
            {"update_id": 1, "message": {"message_id": 1, "date": 0,
             "chat": {"id": user_id, "type": "private"},
             "from": {"id": user_id, "is_bot": False, "first_name": "x"}, "text": "x"}},
            None,
        )  # fmt: skip

    b1_done = asyncio.Event()

    async def work(name: str, wait_for: asyncio.Event | None = None) -> None:
        events.append(f"{name} start")
        if wait_for is not None:
            await wait_for.wait()  # a1 can only end once user 2's update has run
        events.append(f"{name} end")
        if name == "b1":
            b1_done.set()

    async with asyncio.timeout(5):  # user 2 held up behind user 1 would never end
        await asyncio.gather(
            order.process_update(update(1), work("a1", b1_done)),
            order.process_update(update(1), work("a2")),
            order.process_update(update(2), work("b1")),
        )

    assert events.index("a1 end") < events.index("a2 start")  # same user: in order
    assert events.index("b1 end") < events.index("a1 end")  # another user: not held up
    assert order._locks == {}  # nothing kept for idle users


@pytest.fixture(autouse=True)
def _quiet_retries(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
