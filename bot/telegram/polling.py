"""Long polling (getUpdates), with every batch on disk before Telegram may forget it.

Telegram keeps an update, and sends it again with every getUpdates call, until a call asks
for a higher offset. This loop, like python-telegram-bot's `Updater`, asks for the next offset
as soon as it has a batch; but it first records the batch in the inbox (`bot.telegram.inbox`,
one flush per batch), so a process killed while handling it loses nothing: the restarted
bot replays what the inbox holds and was never marked done.

Why not confirm an update only once it has been handled, and keep no inbox? That was tried
(bench/README.md, "At-least-once without the inbox"): Telegram can hold only one offset, so
everything handled after the oldest update still in hand is sent again after a kill and
handled again; under the SIGKILL test on a loaded machine those re-deliveries piled up from
one short life of the process to the next until the users got nothing done.

The call goes through the bot's request object (`BaseRequest.post`, parameters in the query
string, which the Bot API takes as well as a form): it returns Telegram's JSON, which is what
the inbox records, and python-telegram-bot still maps every error.
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

from bot.telegram.inbox import Deliveries

log = logging.getLogger(__name__)

#: How long one getUpdates call waits for an update (Telegram allows up to 50 s).
POLL_SECONDS = 10
#: Back-off after a failed call: 0.5, 1, 2, 4, 8, 10, 10, ... s (an outage is waited out).
FIRST_DELAY, MAX_DELAY = 0.5, 10.0


class Polling:
    """Feeds `app.update_queue` from getUpdates, each batch recorded by `deliveries` first."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        deliveries: Deliveries,
        allowed: list[str],
    ) -> None:
        self.app = app
        self.deliveries = deliveries
        self.allowed = allowed
        self._offset = 0  # one past the highest update id fetched
        self._confirmed = 0

    async def run(self) -> None:
        """Poll until cancelled. A refused token stops it (start-up reports it); any other
        failure is logged and retried after a pause, however long Telegram is away."""
        await self.app.bot.delete_webhook()  # getUpdates is refused while a webhook is set
        delay = FIRST_DELAY
        while True:
            offset = self._offset
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

    async def _get_updates(self, offset: int, timeout: int, limit: int = 100) -> list[Any]:
        """Telegram's answer as JSON; errors raised as python-telegram-bot maps them."""
        query = urlencode({"offset": offset, "timeout": timeout, "limit": limit,
                           "allowed_updates": json.dumps(self.allowed)})  # fmt: skip
        request = self.app.bot.request
        read_timeout = (request.read_timeout or 0) + timeout
        result = await request.post(
            f"{self.app.bot.base_url}/getUpdates?{query}", read_timeout=read_timeout
        )
        return result if isinstance(result, list) else []

    async def _take(self, batch: list[Any]) -> None:
        """Record the batch (durably, before the next call confirms it), then queue it; an
        update this version cannot read is logged and skipped (it never would be)."""
        updates = [u for u in batch if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        if not updates:
            return
        await self.deliveries.receive(updates)
        self._offset = max(u["update_id"] for u in updates) + 1
        for raw in updates:
            try:
                update = Update.de_json(raw, self.app.bot)
            except Exception:
                log.warning("update %s is unreadable; skipped", raw["update_id"])
                continue
            await self.app.update_queue.put(update)

    async def close(self) -> None:
        """At a clean stop: confirm the last batch, so that a restart does not receive it
        again (python-telegram-bot's Updater does the same)."""
        if self._offset > self._confirmed:
            with contextlib.suppress(TelegramError):
                await self._get_updates(self._offset, timeout=0, limit=1)
