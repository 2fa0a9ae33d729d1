"""Webhook mode (`--webhook`): Telegram POSTs each update to us instead of being polled.

python-telegram-bot's own webhook server needs tornado, which this project does not
install; receiving updates is small enough to do with asyncio streams, as PTB's "custom
webhook" examples do with other frameworks: check the request, record the update in the
inbox, put it on the application's queue, answer 200. Processing then happens exactly as
with polling. Telegram posts an update again until it gets a 200, so the 200 is its
confirmation: the update is written durably to the inbox before it (see
`bot.telegram.inbox`), and a kill while it is being handled loses nothing.

Plain HTTP on purpose: Telegram only posts to https URLs, so this sits behind a reverse
proxy that terminates TLS (nginx, Caddy, a platform router). Requests must carry the secret
token given to setWebhook; anything else gets 403 and is not parsed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from http import HTTPStatus

from telegram import Update
from telegram.ext import Application

from bot.settings import Webhook
from bot.telegram.inbox import InboxBot

log = logging.getLogger(__name__)

MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024  # an update is a few KB; Telegram's largest are far below this
IDLE_SECONDS = 75.0  # how long a kept-alive connection may sit idle
SECRET_HEADER = "x-telegram-bot-api-secret-token"


class WebhookServer:
    """Receives updates on `webhook.path` and feeds them to `app.update_queue`."""

    def __init__(self, app: Application, webhook: Webhook) -> None:
        self.app = app
        self.webhook = webhook
        self.deliveries = app.bot.deliveries if isinstance(app.bot, InboxBot) else None
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen on the configured address; returns the port (useful when it was 0)."""
        self._server = await asyncio.start_server(
            self._connection, self.webhook.listen, self.webhook.port, limit=MAX_HEAD
        )
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            keep_alive = True
            while keep_alive:
                async with asyncio.timeout(IDLE_SECONDS):
                    status, keep_alive = await self._request(reader)
                body = HTTPStatus(status).phrase.encode()
                connection = "keep-alive" if keep_alive else "close"
                writer.write(
                    f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                    f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                    f"Connection: {connection}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ConnectionError, ValueError):  # fmt: skip
            pass  # the peer went away or sent garbage: just close
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _request(self, reader: asyncio.StreamReader) -> tuple[int, bool]:
        """Read one request; returns the status to answer and whether to keep the connection."""
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *lines = head.split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return HTTPStatus.LENGTH_REQUIRED, False
        length = int(headers.get("content-length", "0"))
        if not 0 <= length <= MAX_BODY:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, False
        body = await reader.readexactly(length)
        keep_alive = headers.get("connection", "").lower() != "close"
        if target.split("?", 1)[0] != self.webhook.path:
            return HTTPStatus.NOT_FOUND, keep_alive
        if method != "POST":
            return HTTPStatus.METHOD_NOT_ALLOWED, keep_alive
        secret = headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode(), self.webhook.secret.encode()):
            log.warning("webhook request without the right secret token refused")
            return HTTPStatus.FORBIDDEN, keep_alive
        try:
            raw = json.loads(body)
            update = Update.de_json(raw, self.app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return HTTPStatus.BAD_REQUEST, keep_alive
        if self.deliveries is not None:
            try:
                await self.deliveries.receive([raw])  # durable before the 200 confirms it
            except ValueError:  # parsed, but not as an update (no update_id)
                return HTTPStatus.BAD_REQUEST, keep_alive
        await self.app.update_queue.put(update)
        return HTTPStatus.OK, keep_alive
