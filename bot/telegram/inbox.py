"""At-least-once handling of updates: nothing Telegram handed to the bot is lost to a kill.

python-telegram-bot's `Updater` confirms a batch of updates as soon as it has fetched it: it
puts the updates on the application's queue and sets the next getUpdates offset past them,
and that next call (made at once, long before the batch has been handled) tells Telegram to
forget them. A process killed meanwhile loses them for good, and the users get no answer.

So the bot keeps its own durable record, the inbox (`storage.inbox`, in the data folder):

- The polling loop (`bot.telegram.polling`) writes each batch to the inbox, one flush per
  batch, before its next getUpdates call confirms it: nothing can confirm a batch before it
  is on disk. (The webhook needs no inbox: it answers Telegram's post only once the update
  has been handled, so Telegram posts again whatever a killed process held.)
- `PerUserOrder` (`bot.telegram.ordering`) asks `Deliveries.take` before it handles an
  update and calls `Deliveries.finish` after: the inbox gets a done mark (no flush needed:
  a lost mark only means the update is handled again, which is idempotent).
- At start-up, `Deliveries.replay` puts the updates received but never marked done back on
  the application's queue, before polling starts.

An update can therefore arrive twice: replayed from the inbox and sent again by Telegram
(it was never confirmed), or sent again after it was handled. Duplicates are skipped when
they reach `PerUserOrder`: one
copy is taken, the others are dropped while it is in hand or once it is done. A delivery
counts as the same only if its id and its message (or tap) match, because after a quiet week
Telegram numbers updates from a random, possibly lower, value.

Every inbox call runs on the bridge's storage thread, the one thread that owns the data
files; the event loop only keeps the in-memory sets below.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.telegram.bridge import Bridge
from storage.inbox import Inbox
from storage.repository import StorageError

log = logging.getLogger(__name__)

#: Updates remembered as handled in this process, to skip a copy delivered again. Telegram
#: only sends again what it was not yet told to forget: a recent update, never thousands ago.
REMEMBER = 10_000

Key = tuple[int, str]
JSONDict = dict[str, Any]
#: The kinds of update that carry a message (the bot asks only for messages and taps).
_MESSAGE_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post")


def delivery_key(update: Update) -> Key:
    """What makes two deliveries the same update: the id, and the message or tap it carries."""
    if update.callback_query is not None:
        return update.update_id, f"q{update.callback_query.id}"
    for kind in _MESSAGE_KINDS:
        if (message := getattr(update, kind)) is not None:
            return update.update_id, f"m{message.chat_id}:{message.message_id}"
    return update.update_id, ""


def raw_delivery_key(raw: JSONDict) -> Key:
    """`delivery_key` of an update as Telegram sent it (JSON), before it is parsed: the
    inbox records batches before python-telegram-bot builds `Update`s from them."""
    update_id = raw["update_id"]
    if query := raw.get("callback_query"):
        return update_id, f"q{query['id']}"
    for kind in _MESSAGE_KINDS:
        if message := raw.get(kind):
            return update_id, f"m{message['chat']['id']}:{message['message_id']}"
    return update_id, ""


def _record(inbox: Inbox, batch: list[dict[str, Any]]) -> list[int]:
    """On the storage thread: record the batch; the positions of updates already done."""
    inbox.receive(batch)
    return [i for i, update in enumerate(batch) if inbox.is_done(update)]


class Deliveries:
    """The bot's side of the inbox: what is in hand, what was handled, done marks, replay."""

    def __init__(self, inbox: Inbox, bridge: Bridge) -> None:
        self.inbox = inbox
        self.bridge = bridge
        self._in_hand: set[Key] = set()
        self._handled: OrderedDict[Key, None] = OrderedDict()  # oldest first
        self.skipped = 0  # duplicate deliveries dropped (for tests and the log)
        self._marks: list[int] = []  # handled, done mark not yet written
        self._marking: asyncio.Task[None] | None = None

    async def receive(self, updates: list[JSONDict]) -> None:
        """Record `updates` durably before they can be confirmed to Telegram.

        If the data folder refuses the write (a full disk), the updates are still handled,
        just without a durable copy: the user then at least hears that nothing could be
        saved, and a later batch is recorded again as soon as the disk allows.
        """
        try:
            done = await self.bridge.call_value(_record, self.inbox, updates)
        except StorageError as exc:
            log.error("could not record %d update(s) in the inbox, handling them without a "
                      "durable copy: %s", len(updates), exc)  # fmt: skip
            return
        for i in done:  # handled before the last restart, and not confirmed then
            self._remember(raw_delivery_key(updates[i]))

    def take(self, update: Update) -> bool:
        """Whether to handle this delivery: False if a copy is in hand or was handled."""
        key = delivery_key(update)
        if key in self._in_hand or key in self._handled:
            self.skipped += 1
            log.debug("update %s delivered again; skipped", update.update_id)
            return False
        self._in_hand.add(key)
        return True

    def finish(self, update: Update, *, handled: bool) -> None:
        """After `take`: mark the update done in the inbox, unless it was not `handled`
        (cancelled at shutdown: it stays pending, to be replayed at the next start)."""
        key = delivery_key(update)
        self._in_hand.discard(key)
        if not handled:
            return
        self._remember(key)
        self._marks.append(update.update_id)
        if self._marking is None:
            self._marking = asyncio.get_running_loop().create_task(self._write_marks())

    async def _write_marks(self) -> None:
        """Done marks go to the inbox in groups: those of every update finished while the
        previous group was being written, with one trip to the storage thread. The marks need
        no flush, so a group costs one write; a lost group means updates handled again."""
        try:
            while self._marks:
                marks, self._marks = self._marks, []
                try:
                    await self.bridge.call_value(self.inbox.done, *marks)
                except StorageError as exc:  # handled again (idempotently) after a restart
                    log.warning("could not mark %d update(s) done: %s", len(marks), exc)
        finally:
            self._marking = None

    def _remember(self, key: Key) -> None:
        self._handled[key] = None
        self._handled.move_to_end(key)
        while len(self._handled) > REMEMBER:
            self._handled.popitem(last=False)

    async def replay(self, app: Application[Any, Any, Any, Any, Any, Any]) -> int:
        """Queue the updates received before the last stop but never handled; returns how
        many. Call before updates are fetched (post_init), so they go first."""
        pending = await self.bridge.call_value(self.inbox.pending)
        try:
            await self.bridge.call_value(self.inbox.forget_handled)
        except StorageError as exc:  # it is compacted again later, or at a clean stop
            log.warning("could not compact the inbox: %s", exc)
        for raw in pending:
            try:
                update = Update.de_json(raw, app.bot)
            except Exception:  # not an update this version can read: it would never be
                log.warning("update %s in the inbox is unreadable; dropped", raw["update_id"])
                with contextlib.suppress(StorageError):
                    await self.bridge.call_value(self.inbox.done, raw["update_id"])
                continue
            await app.update_queue.put(update)
        if pending:
            log.info("replaying %d update(s) received but not handled before the last stop",
                     len(pending))  # fmt: skip
        return len(pending)

    async def close(self) -> None:
        if self._marking is not None:
            await self._marking
        await self.bridge.call_value(self.inbox.close)
