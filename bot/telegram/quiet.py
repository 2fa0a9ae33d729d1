"""One answer per chat per quiet period: how the bot answers those it does not serve.

Anyone can add the bot to a group and flood it, or write to it a thousand times without being
on the list. Telegram lets a bot send only about 30 messages a second in all (20 a minute in
a group), so answering each of those messages would queue up sends that hold the staff's own
answers back. One answer per chat per period says all there is; the rest is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable

QUIET_SECONDS = 600.0


class QuietPeriod:
    def __init__(
        self, seconds: float = QUIET_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: dict[int, float] = {}

    def may_answer(self, chat_id: int) -> bool:
        now = self.clock()
        if now - self._last.get(chat_id, -self.seconds) < self.seconds:
            return False
        self._last = {c: t for c, t in self._last.items() if now - t < self.seconds}
        self._last[chat_id] = now
        return True

    def forget(self, chat_id: int) -> None:
        """The next message from `chat_id` is answered (say a stranger was granted access,
        then revoked: the revocation is news)."""
        self._last.pop(chat_id, None)
