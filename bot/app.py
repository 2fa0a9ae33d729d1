"""The one wiring module: settings + case service -> a python-telegram-bot Application.

`build_application` is what both `python -m bot` and the tests run, so the tests exercise
exactly the handlers, rate limiter, retries and ordering that production uses; only the
Bot API address differs (TELEGRAM_API_BASE_URL).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

from bot.settings import Settings
from bot.telegram import buttons, errors, files, guard, logs, menu, text
from bot.telegram.bridge import Bridge
from bot.telegram.http11 import StreamRequest, proxy_configured
from bot.telegram.inbox import Deliveries, InboxBot
from bot.telegram.jobs import Scheduler
from bot.telegram.ordering import PerUserOrder
from bot.telegram.retry import RetryingRateLimiter
from bot.telegram.webhook import WebhookServer
from storage.inbox import Inbox
from storage.repository import Repository, StorageError
from workflows import dates
from workflows.cases import CaseService
from workflows.conversation import Conversation

log = logging.getLogger(__name__)

#: The only updates the bot handles; Telegram does not even send the others.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
#: Updates processed at once (different users; one user's run in order).
CONCURRENT_UPDATES = 256
#: HTTP connections to the Bot API. Telegram takes about 30 messages/s, so a few suffice
#: (16 keep up with that at a round trip of half a second); PTB's default of 256 would only
#: hold sockets open. With httpx, the pool is scanned on every request (bench/README.md).
CONNECTIONS = 16


def build_application(settings: Settings, service: CaseService) -> Application:
    """Handlers in order: the guard first (group -1), then text, files, taps, anything else."""
    ensure_admins(service.repo, settings.admins)
    conversation = Conversation(service)
    bridge = Bridge(conversation)
    scheduler = Scheduler(bridge, conversation.alerts, settings.schedule)
    policy = files.FilePolicy.of(settings.file_types, settings.max_file_bytes)

    # Every update is recorded in the inbox before Telegram is told to forget it, and
    # handled at least once, even across a kill (bot.telegram.inbox). That takes our own
    # bot class, so the bot is built here with what ApplicationBuilder would give it.
    deliveries = Deliveries(Inbox(settings.data_dir), bridge)
    bot = InboxBot(
        deliveries,
        settings.token,
        base_url=settings.api_base_url,
        base_file_url=settings.api_file_url,
        request=http_request(settings.api_base_url, CONNECTIONS),
        get_updates_request=http_request(settings.api_base_url, 1),  # one long poll at a time
        rate_limiter=RetryingRateLimiter(settings.send_rate),
    )

    async def post_init(app: Application) -> None:
        await deliveries.replay(app)  # before polling starts: what a killed process held
        await menu.set_commands(app.bot, service.repo)
        settle_memory()

    app = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerUserOrder(CONCURRENT_UPDATES, deliveries))
        .post_init(post_init)
        .build()
    )
    app.add_handler(guard.handler(bridge), group=-1)
    app.add_handler(text.handler(bridge))
    app.add_handler(files.handler(bridge, policy))
    app.add_handler(buttons.handler(bridge))
    app.add_handler(text.fallback(bridge))
    app.add_error_handler(errors.on_error)
    scheduler.install(app)
    app.bot_data["scheduler"] = scheduler
    return app


def http_request(api_base_url: str, connections: int) -> BaseRequest:
    """Our lean HTTP/1.1 client (bot.telegram.http11: a tenth of httpx's CPU per call), or
    python-telegram-bot's httpx one when the environment sets a proxy, which only httpx
    supports."""
    if proxy_configured(api_base_url):
        return HTTPXRequest(connection_pool_size=connections)
    return StreamRequest(connection_pool_size=connections)


def settle_memory() -> None:
    """Before the first update: load what loads lazily, then exempt everything loaded so far
    (the case index, checklists, dateparser's and python-telegram-bot's data: over 100,000
    objects) from garbage collection. Otherwise each full collection walks all of it, and
    stops every user's reply for 30-75 ms a few times a minute under load (bench/README.md)."""
    dates.warm_up()
    gc.collect()
    gc.freeze()


def ensure_admins(repo: Repository, admins: tuple[str, ...]) -> None:
    """FOLLOWUP_ADMINS are admins from the first start; existing users keep their role."""
    for user_id in admins:
        if repo.get_user(user_id) is None:
            repo.put_user({"id": user_id, "role": "admin"}, actor="system")
            log.info("added admin %s from FOLLOWUP_ADMINS", user_id)


def run_telegram(settings: Settings, service: CaseService) -> int:
    """Run until SIGINT/SIGTERM: long polling, or webhook mode if settings.webhook is set."""
    secrets = [settings.token, settings.token.partition(":")[2]]
    if settings.webhook:
        secrets.append(settings.webhook.secret)
    logs.configure(*secrets)
    try:
        app = build_application(settings, service)
    except StorageError as exc:  # an unreadable inbox, a full disk for the first admins
        logs.fail(f"Cannot start: {exc}")
        return 2
    api = urlsplit(settings.api_base_url).netloc
    try:
        if settings.webhook:
            asyncio.run(_serve_webhook(app, settings))
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        logs.fail("Cannot start: Telegram refused TELEGRAM_BOT_TOKEN (check it with @BotFather)")
        return 2
    except TelegramError as exc:  # its text may echo the request path, token and all
        logs.fail(f"Cannot start: the Bot API at {api} failed: {exc}")
        return 1
    return 0


async def _serve_webhook(app: Application, settings: Settings) -> None:
    """What `run_polling` does, with our webhook receiver instead of the updater."""
    assert settings.webhook is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    server = WebhookServer(app, settings.webhook)
    async with app:
        if app.post_init:
            await app.post_init(app)
        await app.bot.set_webhook(
            settings.webhook.url,
            secret_token=settings.webhook.secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        await app.start()
        port = await server.start()
        log.info("receiving updates on port %d", port)
        try:
            await stop.wait()
        finally:
            await server.close()
            await app.stop()
