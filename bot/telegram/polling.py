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
be sent again), so after a batch the loop waits until the oldest update in hand is finished
(the offset moves: the next call confirms something), or for `RECHECK_SECONDS`, before
asking again: a long-running update (a big report) costs a few calls a second, not a busy
loop, and Telegram does not send the same updates over and over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

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
                batch = await self.app.bot.get_updates(
                    offset=offset, timeout=POLL_SECONDS, allowed_updates=self.allowed
                )
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

    async def _take(self, batch: tuple[Update, ...]) -> None:
        """Queue the updates not fetched before."""
        self._taken = {i for i in self._taken if i >= self._confirmed}  # never sent again
        fresh = [u for u in batch if u.update_id not in self._taken]
        for update in fresh:
            self._taken.add(update.update_id)
            self._in_hand.add(update.update_id)
            self._next = max(self._next, update.update_id + 1)
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
                await self.app.bot.get_updates(offset=self.offset, timeout=0, limit=1)
