"""Retrying Telegram calls, so that a reply to a saved answer is not lost on a hiccup.

By the time the bot sends anything, the user's answer is already durable in storage; what
can still be lost is the reply. Telegram answers 429 with `retry_after` when the bot sends
too fast (AIORateLimiter waits and retries those), and 5xx or a dropped connection when it
has trouble (python-telegram-bot raises NetworkError; this module retries those with
exponential back-off). `BadRequest` is a NetworkError subclass but means the request itself
is wrong, so it is never retried.

A retried send whose first attempt did reach Telegram shows the message twice: better than
a user left without an answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Back-off 0.5, 1, 2, 4, 8, 10, 10, 10 s: gives up after about 45 s of outage.
NETWORK_RETRIES = 8
FIRST_DELAY = 0.5
MAX_DELAY = 10.0
#: 429 answers: how many times to wait `retry_after` and send again.
FLOOD_RETRIES = 5


async def with_retries(what: str, attempt: Callable[[], Awaitable[T]]) -> T:
    """Await `attempt()`, again after a pause each time it fails with a network error."""
    delay, tries = FIRST_DELAY, 0
    while True:
        try:
            return await attempt()
        except BadRequest:
            raise
        except NetworkError as exc:
            tries += 1
            if tries > NETWORK_RETRIES:
                raise
            log.warning("%s failed (%s); retry %d in %.1f s", what, exc, tries, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter (flood limits, 429 retries) that also retries network errors and 5xx."""

    def __init__(self, messages_per_second: float) -> None:
        super().__init__(overall_max_rate=messages_per_second, max_retries=FLOOD_RETRIES)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        parent = super().process_request
        return await with_retries(
            endpoint, lambda: parent(callback, args, kwargs, endpoint, data, rate_limit_args)
        )
