"""Long polling that confirms an update to Telegram only once it has been handled.

Telegram keeps an update, and sends it again with every getUpdates call, until a call asks
for a higher offset; it keeps unconfirmed updates for 24 hours. python-telegram-bot's
`Updater` asks for the next offset as soon as it has *fetched* a batch, so a process killed
while handling it loses the batch for good. This loop holds the offset at the oldest update
not yet handled instead: whatever a killed process held comes again after the restart, and
is handled then. No file of our own is needed for that.

An update can therefore arrive twice: Telegram sends again every update handled since the
last confirmation, in this process (skipped here: `_taken`) or after a restart (handled
again). Handling again is harmless because the conversation applies an update at most once:
each case stores the ids of the updates applied to it (`workflows.conversation`, `_step`),
and a new case's id is derived from the update that asked for it.

While an update is in hand, a getUpdates call returns at once (that update is still there to
be sent again). So only the updates not fetched before are parsed into `Update`s: the call
goes through the bot's request object (`BaseRequest.post`), which returns Telegram's JSON;
parsing whole batches each time cost 10 ms of CPU per call under load. And after a batch the
loop waits until the oldest update in hand is finished (the offset moves: the next call
confirms something), or for `RECHECK_SECONDS`, before asking again: a long-running update (a
big report) costs a few calls a second, not a busy loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import urlencode

from telegram import Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application

log = logging.getLogger(__name__)

#: How long one getUpdates call waits for an update (Telegram allows up to 50 s).
POLL_SECONDS = 10
#: With nothing new but updates in hand, ask again after this long at the latest.
RECHECK_SECONDS = 0.1
#: Back-off after a failed call: 0.5, 1, 2, 4, 8, 10, 10, ... s (an outage is waited out).
FIRST_DELAY, MAX_DELAY = 0.5, 10.0


class Polling:
    """Feeds `app.update_queue` from getUpdates; `finished` is called by the update processor
    (bot.telegram.ordering) once an update has been handled."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], allowed: list[str]):
        self.app = app
        self.allowed = allowed
        self._in_hand: set[int] = set()  # fetched, not yet handled
        self._taken: set[int] = set()  # fetched in this process, at or above the offset
        self._next = 0  # one past the highest update id fetched
        self._progress = asyncio.Event()
        self._confirmed = 0

    @property
    def offset(self) -> int:
        """What the next getUpdates call confirms: every update below it has been handled."""
        return min(self._in_hand, default=self._next)

    def finished(self, update: Update) -> None:
        oldest = self.offset
        self._in_hand.discard(update.update_id)
        if self.offset != oldest:
            self._progress.set()

    async def run(self) -> None:
        """Poll until cancelled. A refused token stops it (start-up reports it); any other
        failure is logged and retried after a pause, however long Telegram is away."""
        await self.app.bot.delete_webhook()  # getUpdates is refused while a webhook is set
        delay = FIRST_DELAY
        while True:
            offset = self.offset
            try:
                batch = await self._get_updates(offset, POLL_SECONDS)
            except InvalidToken:
                raise
            except TelegramError as exc:
                level = logging.ERROR if isinstance(exc, Conflict) else logging.WARNING
                log.log(level, "getUpdates failed (%s); again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(2 * delay, MAX_DELAY)
                continue
            delay = FIRST_DELAY
            self._confirmed = offset
            await self._take(batch)
            await self._wait_for_progress()

    async def _get_updates(self, offset: int, timeout: int, limit: int = 100) -> list[Any]:
        """Telegram's answer as JSON (parameters in the query string, which the Bot API takes
        as well as a form); errors raised as python-telegram-bot maps them."""
        query = urlencode({"offset": offset, "timeout": timeout, "limit": limit,
                           "allowed_updates": json.dumps(self.allowed)})  # fmt: skip
        request = self.app.bot.request
        read_timeout = (request.read_timeout or 0) + timeout
        result = await request.post(
            f"{self.app.bot.base_url}/getUpdates?{query}", read_timeout=read_timeout
        )
        return result if isinstance(result, list) else []

    async def _take(self, batch: list[Any]) -> None:
        """Queue the updates not fetched before; an update this version cannot read is
        logged and skipped (it would never be readable)."""
        self._taken = {i for i in self._taken if i >= self._confirmed}  # never sent again
        for raw in batch:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int) or update_id in self._taken:
                continue
            self._taken.add(update_id)
            self._next = max(self._next, update_id + 1)
            try:
                update = Update.de_json(raw, self.app.bot)
            except Exception:
                log.warning("update %s is unreadable; skipped", update_id)
                continue
            self._in_hand.add(update_id)
            await self.app.update_queue.put(update)

    async def _wait_for_progress(self) -> None:
        if not self._in_hand:
            return  # nothing to confirm: a long poll, at once
        self._progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), RECHECK_SECONDS)

    async def close(self) -> None:
        """At a clean stop: tell Telegram to forget what was handled, so that a restart does
        not receive it again (python-telegram-bot's Updater does the same)."""
        if self.offset > self._confirmed:
            with contextlib.suppress(TelegramError):
                await self._get_updates(self.offset, timeout=0, limit=1)
