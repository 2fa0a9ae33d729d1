"""Webhook mode (`--webhook`): Telegram POSTs each update to us instead of being polled.

The server is aiohttp.web (already the bot's HTTP client). Telegram posts an update again
until it gets a 200, so the 200 is its confirmation: it is sent only once the update has been
handled (its answer saved and sent), as the poller confirms (`bot.telegram.polling`). A kill
while an update is being handled loses nothing: Telegram posts it again after the restart,
and the conversation applies an update at most once.

Plain HTTP on purpose: Telegram only posts to https URLs, so this listens on localhost behind
a reverse proxy that terminates TLS (nginx, Caddy, a platform router). Requests must carry
the secret token given to setWebhook; anything else gets 403 and is not parsed.

Limits, so that nobody can starve it: a request body over `MAX_BODY` gets 413 (aiohttp's
`client_max_size`); a connection that has not delivered a whole request within
`HEAD_SECONDS` is closed, and one idle that long after its last answer too (aiohttp's
keep-alive timeout); at most `MAX_CONNECTIONS` are open at once, and when a new one comes
at the limit the oldest that has not delivered a request yet is closed to make room, so a
crowd of idle connections cannot lock Telegram out.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.settings import Webhook

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # an update is a few KB; Telegram's largest are far below this
HEAD_SECONDS = 10.0
MAX_CONNECTIONS = 200
#: Parallel posts Telegram may make (setWebhook max_connections; its default is 40).
TELEGRAM_CONNECTIONS = 40
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

App = Application[Any, Any, Any, Any, Any, Any]


class WebhookServer:
    """Receives updates on `webhook.path`, feeds them to `app.update_queue` and answers each
    once `finished` has been called for it."""

    def __init__(self, app: App, webhook: Webhook) -> None:
        self.app = app
        self.webhook = webhook
        self._handling: dict[int, asyncio.Future[None]] = {}
        self._guard = ConnectionGuard()
        web_app = web.Application(client_max_size=MAX_BODY)
        web_app.router.add_post(webhook.path, self._receive)
        self._runner = web.AppRunner(web_app, keepalive_timeout=HEAD_SECONDS, access_log=None)
        self._server: asyncio.Server | None = None

    def finished(self, update: Update) -> None:
        future = self._handling.pop(update.update_id, None)
        if future is not None and not future.done():
            future.set_result(None)

    async def start(self) -> int:
        """Listen on the configured address; returns the port (useful when it was 0)."""
        await self._runner.setup()
        assert self._runner.server is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._guard.wrap(self._runner.server), self.webhook.listen, self.webhook.port
        )
        return int(self._server.sockets[0].getsockname()[1])

    def stop_listening(self) -> None:
        """No new connections; those open may still post until `close`."""
        if self._server is not None:
            self._server.close()

    async def close(self) -> None:
        """After the application has stopped: what is still waiting was not handled."""
        self.stop_listening()
        for future in self._handling.values():
            future.cancel()  # answered 503: Telegram posts them again after the restart
        await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        self._guard.served(request.transport)
        secret = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode(), self.webhook.secret.encode()):
            log.warning("webhook request without the right secret token refused")
            return web.Response(status=403)
        try:
            raw = await request.json()
            update = Update.de_json(raw, self.app.bot)
            update_id = raw["update_id"]
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400)
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return web.Response(status=400)
        future = self._handling.get(update_id)
        if future is None:  # not a second post of an update in hand
            future = self._handling[update_id] = asyncio.get_running_loop().create_future()
            await self.app.update_queue.put(update)
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            return web.Response(status=503)
        return web.Response(status=200)


class ConnectionGuard:
    """Counts the server's connections and closes those that send no request in time."""

    def __init__(self) -> None:
        self.open = 0
        self._waiting: OrderedDict[asyncio.BaseTransport, asyncio.TimerHandle] = OrderedDict()

    def wrap(self, factory: Callable[[], asyncio.BaseProtocol]) -> Callable[[], asyncio.Protocol]:
        return lambda: _Counted(self, factory())

    def connected(self, transport: asyncio.BaseTransport) -> bool:
        """Admit a new connection (whether it was: False if it was closed at once)."""
        if self.open >= MAX_CONNECTIONS:
            if not self._waiting:
                transport.close()  # every slot is busy with a real request
                return False
            oldest, timer = self._waiting.popitem(last=False)
            timer.cancel()
            oldest.close()
        self.open += 1
        loop = asyncio.get_running_loop()
        self._waiting[transport] = loop.call_later(HEAD_SECONDS, self._expire, transport)
        return True

    def served(self, transport: asyncio.BaseTransport | None) -> None:
        """A whole request arrived on `transport`: from now on aiohttp's keep-alive rules."""
        timer = self._waiting.pop(transport, None) if transport is not None else None
        if timer is not None:
            timer.cancel()

    def lost(self, transport: asyncio.BaseTransport, counted: bool) -> None:
        self.served(transport)
        self.open -= counted

    def _expire(self, transport: asyncio.BaseTransport) -> None:
        if self._waiting.pop(transport, None) is not None:
            transport.close()


class _Counted(asyncio.Protocol):
    """aiohttp's protocol for one connection, with the guard told when it opens and closes."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.BaseProtocol) -> None:
        self.guard = guard
        self.inner: Any = inner
        self.transport: asyncio.BaseTransport | None = None
        self.counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.counted = self.guard.connected(transport)
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        result: bool | None = self.inner.eof_received()
        return result

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.guard.lost(self.transport, self.counted)
        self.inner.connection_lost(exc)
