"""The bot as it runs in production, talking to a loopback Bot API stand-in.

`harness` builds the real Application with `bot.app.build_application` (same handlers,
rate limiter, retries), pointed at `botapi_stub` through TELEGRAM_API_BASE_URL /
TELEGRAM_API_FILE_URL. Updates go in through `Application.process_update`, which returns
once every handler (and the error handler) has finished, so each step's messages can be read
from the stand-in without waiting or polling. `until` is for what does happen elsewhere (a
bot process, a polling loop, a server task): a bounded wait for its effect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from botapi_stub import TOKEN, BotApiStub, Sent, callback, message
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.settings import Settings
from storage.tinydb_repo import TinyDBRepository, open_repository
from workflows.cases.service import CaseService, Clock
from workflows.checklists.model import Registry

ADMIN, OFFICER, OFFICER2, VIEWER, STRANGER = 100, 201, 202, 301, 999
GROUP = -5005


class Harness:
    """One bot process on one data folder; `restart()` is a new process on the same folder."""

    def __init__(self, stub: BotApiStub, data_dir: Path, registry: Registry, clock: Clock) -> None:
        self.stub = stub
        self.data_dir = data_dir
        self.registry = registry
        self.clock = clock
        self.settings = Settings(
            data_dir=data_dir,
            token=TOKEN,
            admins=(str(ADMIN),),
            api_base_url=stub.base_url,
            api_file_url=stub.file_url,
        )
        self.repo: TinyDBRepository | None = None
        self.app: Application | None = None

    async def start(self, **overrides: Any) -> Harness:
        self.settings = replace(self.settings, **overrides)
        self.repo = open_repository(self.data_dir)
        for user_id, role in ((OFFICER, "officer"), (OFFICER2, "officer"), (VIEWER, "viewer")):
            if self.repo.get_user(str(user_id)) is None:
                self.repo.put_user({"id": str(user_id), "role": role}, actor="test")
        service = CaseService(self.repo, self.registry, self.clock)
        self.app = build_application(self.settings, service)
        await self.app.initialize()
        return self

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.shutdown()
            if self.app.post_shutdown is not None:  # as python -m bot does
                await self.app.post_shutdown(self.app)
            self.app = None
        if self.repo is not None:
            self.repo.close()
            self.repo = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def feed(self, update: dict[str, Any]) -> None:
        assert self.app is not None
        data = {"update_id": self.stub.new_update_id(), **update}
        await self.app.process_update(Update.de_json(data, self.app.bot))

    def person(self, user_id: int, chat_id: int | None = None) -> Person:
        return Person(self, user_id, user_id if chat_id is None else chat_id)


class Person:
    """Someone chatting with the bot: says things, taps buttons, sends files."""

    def __init__(self, harness: Harness, user_id: int, chat_id: int) -> None:
        self.h = harness
        self.user_id = user_id
        self.chat_id = chat_id

    async def say(self, text: str) -> list[Sent]:
        return await self._step(message(self.user_id, self.chat_id, text=text))

    async def tap(self, label: str, on: Sent | None = None) -> list[Sent]:
        """Tap the button `label` on message `on` (default: the latest one with a keyboard)."""
        on = on or self.last_keyboard()
        return await self._step(callback(self.user_id, on.button(label), on))

    async def tap_data(self, data: str, on: Sent | None = None) -> list[Sent]:
        return await self._step(callback(self.user_id, data, on))

    async def send_document(self, data: bytes, name: str, mime: str) -> list[Sent]:
        file_id = self.h.stub.add_file(data, f"documents/{name}")
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name,
                    "mime_type": mime, "file_size": len(data)}  # fmt: skip
        return await self._step(message(self.user_id, self.chat_id, document=document))

    async def send_photo(self, data: bytes) -> list[Sent]:
        file_id = self.h.stub.add_file(data, "photos/file_1.jpg")
        sizes = [{"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 800,
                  "height": 600, "file_size": len(data)}]  # fmt: skip
        return await self._step(message(self.user_id, self.chat_id, photo=sizes))

    async def _step(self, update: dict[str, Any]) -> list[Sent]:
        before = len(self.h.stub.sent)
        await self.h.feed(update)
        return [s for s in self.h.stub.sent[before:] if s.chat_id == self.chat_id]

    def last_keyboard(self) -> Sent:
        for sent in reversed(self.h.stub.sent_to(self.chat_id)):
            if sent.buttons:
                return sent
        raise LookupError("no message with buttons yet")


async def log_letter(p: Person, victims: str | None = None) -> str:
    """An officer logs an allegation letter to Burundi sent yesterday; with `victims`, it is
    flagged as a reprisal case and the confidential names are given. Returns the reference."""
    for step in ("/new", "#Communication", "#AL allegation letter", "Burundi", "yesterday",
                 "WGAD", "#AL BDI 1/2017", "Detention of a journalist."):  # fmt: skip
        await (p.tap(step[1:]) if step.startswith("#") else p.say(step))
    for answer in ("1", victims) if victims else ("/skip",):
        await p.say(answer)
    await p.say("/skip")
    await p.tap("Save")
    return "AL BDI 1/2017"


async def until(condition: Callable[[], bool], seconds: float = 20.0, what: str = "") -> None:
    """Wait for something another process or task does; fails the test at the deadline.

    It polls because what it waits for happens outside this event loop's control (a bot
    process writing a file, a socket closing); time itself is never waited for."""
    try:
        async with asyncio.timeout(seconds):
            while not condition():
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"gave up after {seconds} s waiting for {what or condition}") from None
