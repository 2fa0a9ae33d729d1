"""The inbox under the real Application (bot/telegram/inbox.py): polling and the webhook
against the Bot API stand-in. What a killed process left pending is answered after the
start, once; an update delivered again is handled once; every handled update, refused ones
included, gets its done mark."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from botapi_stub import BotApiStub, message
from clocks import MovableClock
from telegram_harness import GROUP, OFFICER, STRANGER, Harness, until

from bot.app import ALLOWED_UPDATES
from bot.settings import Webhook
from bot.telegram.guard import PRIVATE_ONLY
from bot.telegram.inbox import Deliveries
from bot.telegram.ordering import PerUserOrder
from bot.telegram.polling import Polling
from bot.telegram.webhook import SECRET_HEADER, WebhookServer
from storage.atomic import dumps, make_private_dirs
from storage.inbox import INBOX_FILE, Inbox
from workflows.chat.conversation import REFUSAL
from workflows.checklists.model import Registry

HELP = "Commands\n"


def left_by_a_killed_process(
    data_dir: Path, received: list[dict[str, Any]], done: list[int]
) -> None:
    """The inbox file as a process killed after receiving `received` (and handling `done`)
    left it: the updates as Telegram sent them; never closed (closing compacts it)."""
    lines = [{"update": u} for u in received] + [{"done": i} for i in done]
    make_private_dirs(data_dir)
    path = data_dir / INBOX_FILE
    path.write_bytes(b"".join(dumps(line) + b"\n" for line in lines))
    path.chmod(0o600)


def inbox_lines(data_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (data_dir / INBOX_FILE).read_bytes().splitlines()]


def pending_ids(data_dir: Path) -> list[int]:
    return [u["update_id"] for u in Inbox(data_dir).pending()]


def deliveries(h: Harness) -> Deliveries:
    assert h.app is not None
    found = h.app.bot_data["deliveries"]
    assert isinstance(found, Deliveries)
    return found


def answers(stub: BotApiStub, chat_id: int, prefix: str) -> int:
    return sum(1 for s in stub.sent_to(chat_id) if s.text.startswith(prefix))


@asynccontextmanager
async def polling(h: Harness, clock: MovableClock) -> AsyncIterator[None]:
    """What `python -m bot` does: post_init (replays the inbox), poll, process, then stop."""
    app = h.app
    assert app is not None and app.post_init is not None
    clock.instant += timedelta(days=5)  # a Saturday: no digest goes out when the jobs start
    await app.post_init(app)
    poller = Polling(app, deliveries(h), ALLOWED_UPDATES)
    await app.start()
    task = asyncio.ensure_future(poller.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await app.stop()
        await poller.close()


async def mark(h: Harness, user_id: int, n: int) -> None:
    """Send an unknown command and wait for its answer: the bot handles one user's updates
    in order, so everything before it from that user has been handled by then."""
    await h.stub.push(message(user_id, text=f"/zzmark{n}"))
    await until(lambda: answers(h.stub, user_id, f"I do not know /zzmark{n}") == 1, what="mark")


async def test_an_update_pending_at_start_up_is_answered_once(
    stub: BotApiStub, tmp_path: Path, registry: Registry, clock: MovableClock
) -> None:
    """A killed process had taken two /help messages: Telegram still has the first (never
    confirmed) and sends it again; the second was confirmed, only the inbox has it."""
    data = tmp_path / "data"
    first = message(OFFICER, text="/help")
    first_id = await stub.push(first)
    second_id = stub.new_update_id()  # handed out and confirmed before the kill
    second = message(OFFICER, text="/help")
    received = [{**first, "update_id": first_id}, {**second, "update_id": second_id}]
    left_by_a_killed_process(data, received, done=[])

    h = await Harness(stub, data, registry, clock).start()
    try:
        async with polling(h, clock):
            await until(lambda: deliveries(h).skipped == 1, what="the copy Telegram sent again")
            await mark(h, OFFICER, 1)
            await until(lambda: pending_ids(data) == [], what="done marks")
            dones = [line["done"] for line in inbox_lines(data) if "done" in line]
    finally:
        await h.stop()

    assert answers(stub, OFFICER, HELP) == 2  # one answer each, not three
    assert sorted(dones)[:2] == [first_id, second_id] and len(dones) == 3  # and the mark
    assert (data / INBOX_FILE).read_bytes() == b""  # a clean stop compacts the inbox


async def test_an_update_handled_before_a_restart_and_sent_again_is_skipped(
    stub: BotApiStub, tmp_path: Path, registry: Registry, clock: MovableClock
) -> None:
    """The process that handled it was killed before its next getUpdates confirmed it."""
    data = tmp_path / "data"
    update = message(OFFICER, text="/help")
    update_id = await stub.push(update)
    left_by_a_killed_process(data, [{**update, "update_id": update_id}], done=[update_id])

    h = await Harness(stub, data, registry, clock).start()
    try:
        async with polling(h, clock):
            await mark(h, OFFICER, 1)
            assert deliveries(h).skipped == 1
    finally:
        await h.stop()

    assert answers(stub, OFFICER, HELP) == 0
    assert update_id < stub.confirmed  # it was fetched (and now confirmed), not answered


async def test_updates_fetched_by_polling_are_recorded_then_marked_done(
    stub: BotApiStub, tmp_path: Path, registry: Registry, clock: MovableClock
) -> None:
    """Refused updates too: a stranger, and a group (answered once per quiet period)."""
    data = tmp_path / "data"
    h = await Harness(stub, data, registry, clock).start()
    bot_side = deliveries(h)
    ids = [
        await stub.push(message(OFFICER, text="/help")),
        await stub.push(message(STRANGER, text="hello")),
        await stub.push(message(OFFICER, GROUP, text="/new")),
        await stub.push(message(OFFICER, GROUP, text="/new")),
    ]
    try:
        async with polling(h, clock):
            await until(lambda: bool(stub.sent_to(STRANGER)) and bool(stub.sent_to(GROUP)))
            await until(lambda: pending_ids(data) == [], what="done marks")
            await until(lambda: stub.confirmed > ids[-1], what="the confirming getUpdates")
            lines = inbox_lines(data)
    finally:
        await h.stop()

    received = [line["update"]["update_id"] for line in lines if "update" in line]
    assert received == ids
    assert sorted(line["done"] for line in lines if "done" in line) == ids
    assert [s.text for s in stub.sent_to(STRANGER)] == [REFUSAL]
    assert [s.text for s in stub.sent_to(GROUP)] == [PRIVATE_ONLY]
    assert answers(stub, OFFICER, HELP) == 1
    assert bot_side.skipped == 0
    assert (data / INBOX_FILE).read_bytes() == b""  # a clean stop compacts the inbox


async def test_an_update_posted_twice_to_the_webhook_is_handled_once(
    harness: Harness, clock: MovableClock
) -> None:
    """Telegram posts an update again when it did not get our 200 in time: at once (both
    posts wait for the one handling), or after it was handled (skipped: it is remembered)."""
    assert harness.app is not None
    clock.instant += timedelta(days=5)  # a Saturday: no digest goes out when the jobs start
    hook = Webhook("https://bot.example.org/hook", "right", listen="127.0.0.1", port=0)
    server = WebhookServer(harness.app, hook)
    assert isinstance(harness.app.update_processor, PerUserOrder)
    harness.app.update_processor.finished = server.finished  # as bot.app._serve does
    port = await server.start()
    url = f"http://127.0.0.1:{port}/hook"
    headers = {SECRET_HEADER: "right"}
    first = {"update_id": 41, **message(OFFICER, text="/help")}
    second = {"update_id": 42, **message(OFFICER, text="/help")}
    await harness.app.start()
    try:
        async with aiohttp.ClientSession() as client:

            async def post(update: dict[str, Any]) -> int:
                async with client.post(url, json=update, headers=headers) as answer:
                    return answer.status

            assert await asyncio.gather(post(first), post(first)) == [200, 200]
            assert answers(harness.stub, OFFICER, HELP) == 1  # answered before the 200s
            assert await post(first) == 200
            assert await post(second) == 200
            assert answers(harness.stub, OFFICER, HELP) == 2
    finally:
        await harness.app.stop()
        await server.close()

    assert deliveries(harness).skipped == 1  # the post after handling; the two at once shared
