"""Updates from different users run concurrently; one user's updates run in the order sent.

With plain concurrent updates, a user who types two answers quickly could have the second
applied first (or get the replies swapped). Serialising per user keeps each conversation in
order, while 200 users still proceed in parallel.

This is also the one place every update passes through on its way to the handlers, so with
`deliveries` (the inbox, see `bot.telegram.inbox`) it skips a copy of an update that is
already in hand or handled, and marks each update done in the inbox once it has been handled
(successfully, or with an error the error handler dealt with), and it calls `finished` then
(the webhook answers Telegram's post at that moment). Updates the guard refuses (strangers,
groups) are handled too, by refusing them, so they are marked done as well. An update
cancelled at shutdown is neither: it is handled again after the restart.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.inbox import Deliveries


class PerUserOrder(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int, deliveries: Deliveries | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self.deliveries = deliveries
        self.finished: Callable[[Update], None] | None = None
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await self._in_order(update, coroutine)
            return
        deliveries = self.deliveries
        if deliveries is not None and not deliveries.take(update):
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never started: no "never awaited" warning
            if self.finished is not None:
                self.finished(update)  # a copy was handled: that is what Telegram waits for
            return
        handled = False
        try:
            await self._in_order(update, coroutine)
            handled = True
        except Exception:
            handled = True  # a bug, already logged by PTB: handling it again would fail again
            raise
        finally:  # not handled: cancelled at shutdown; it stays pending in the inbox
            if deliveries is not None:
                deliveries.finish(update, handled=handled)
            if handled and self.finished is not None:
                self.finished(update)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock = self._locks.setdefault(user.id, asyncio.Lock())
        self._waiting[user.id] = self._waiting.get(user.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[user.id] -= 1
            if not self._waiting[user.id]:  # nobody queued: forget the user
                del self._waiting[user.id], self._locks[user.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
