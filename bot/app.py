"""The one wiring module: settings + case service -> a python-telegram-bot Application.

`build_application` is what both `python -m bot` and the tests run, so the tests exercise
exactly the handlers, rate limiter, retries and ordering that production uses; only the
Bot API address differs (TELEGRAM_API_BASE_URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot.settings import Settings
from bot.telegram import buttons, errors, files, guard, logs, menu, text
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.bridge import Bridge
from bot.telegram.inbox import Deliveries
from bot.telegram.jobs import Scheduler
from bot.telegram.ordering import PerUserOrder
from bot.telegram.polling import Polling
from bot.telegram.retry import RetryingRateLimiter
from storage.inbox import Inbox
from storage.repository import Repository, StorageError
from workflows.cases.service import CaseService
from workflows.chat.conversation import Conversation
from workflows.language import _
from workflows.reference import dates

if TYPE_CHECKING:  # imported when used: aiohttp.web is needed in webhook mode only
    from bot.telegram.webhook import WebhookServer

log = logging.getLogger(__name__)

#: The only updates the bot handles; Telegram does not even send the others.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
#: Updates processed at once (different users; one user's run in order).
CONCURRENT_UPDATES = 256
#: HTTP connections to the Bot API. Telegram takes about 30 messages/s, so a few suffice
#: (16 keep up with that at a round trip of half a second).
CONNECTIONS = 16
#: Every message is HTML (every interpolated value is escaped: bot.telegram.render); user text
#: may hold links, and a preview would fetch and display them in the chat.
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
)
App = Application[Any, Any, Any, Any, Any, Any]


def build_application(settings: Settings, service: CaseService) -> App:
    """Handlers in order: the guard first (group -1), then text, files, taps, anything else.
    Updates come from `run_telegram` (polling or webhook), or from tests' `process_update`."""
    ensure_admins(service.repo, settings.admins)
    conversation = Conversation(service)
    bridge = Bridge(conversation)
    scheduler = Scheduler(bridge, conversation.alerts, settings.schedule)
    policy = files.FilePolicy.of(settings.file_types, settings.max_file_bytes)

    # Every update is recorded in the inbox before Telegram is told to forget it, and
    # handled at least once, even across a kill (bot.telegram.inbox).
    deliveries = Deliveries(Inbox(settings.data_dir), bridge)

    async def post_init(app: App) -> None:
        await deliveries.replay(app)  # before updates are fetched: what a killed process held
        await menu.set_commands(app.bot, service.repo)
        settle_memory()

    async def post_shutdown(app: App) -> None:
        await deliveries.close()

    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .request(AiohttpRequest(CONNECTIONS))
        .get_updates_request(AiohttpRequest(1))  # unused: bot.telegram.polling asks itself
        .rate_limiter(RetryingRateLimiter(settings.send_rate))
        .defaults(DEFAULTS)
        .updater(None)  # updates come from bot.telegram.polling or .webhook
        .concurrent_updates(PerUserOrder(CONCURRENT_UPDATES, deliveries))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
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
    app.bot_data["deliveries"] = deliveries
    return app


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
        logs.fail(_("Cannot start: {reason}").format(reason=exc))
        return 2
    api = urlsplit(settings.api_base_url).netloc
    try:
        asyncio.run(_serve(app, settings))
    except InvalidToken:
        logs.fail(_("Cannot start: Telegram refused TELEGRAM_BOT_TOKEN (check it with @BotFather)"))
        return 2
    except TelegramError as exc:
        logs.fail(
            _("Cannot start: the Bot API at {api} failed: {reason}").format(api=api, reason=exc)
        )
        return 1
    return 0


async def _serve(app: App, settings: Settings) -> None:
    """What python-telegram-bot's `run_polling` does, with our receiver instead of its
    Updater: its hooks (post_init, post_stop, post_shutdown) run where it runs them."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    receiver: WebhookServer | Polling
    if settings.webhook:
        from bot.telegram.webhook import WebhookServer

        receiver = WebhookServer(app, settings.webhook)
        assert isinstance(app.update_processor, PerUserOrder)
        app.update_processor.finished = receiver.finished  # its 200 waits for this
    else:
        receiver = Polling(app, app.bot_data["deliveries"], ALLOWED_UPDATES)
    try:
        async with app:  # initialize, then shutdown however this ends
            if app.post_init:
                await app.post_init(app)
            # Updates first, then the jobs (as run_polling does): the start-up catch-up of
            # reminders must not hold up the first batch of users' messages.
            receiving = asyncio.ensure_future(_receive(app, receiver, settings, stop))
            try:
                await app.start()
                await receiving
            finally:
                receiving.cancel()
                await app.stop()  # handles what was received, unless cancelled
                await receiver.close()  # confirms the last batch, or answers the last posts
                if app.post_stop:
                    await app.post_stop(app)
    finally:
        if app.post_shutdown:
            await app.post_shutdown(app)


async def _receive(
    app: App, receiver: WebhookServer | Polling, settings: Settings, stop: asyncio.Event
) -> None:
    if isinstance(receiver, Polling):
        polling = asyncio.ensure_future(receiver.run())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling  # raises what stopped it (a refused token)
        return
    from bot.telegram.webhook import TELEGRAM_CONNECTIONS

    assert settings.webhook is not None
    await app.bot.set_webhook(
        settings.webhook.url,
        secret_token=settings.webhook.secret,
        allowed_updates=ALLOWED_UPDATES,
        max_connections=TELEGRAM_CONNECTIONS,
    )
    port = await receiver.start()
    log.info("receiving updates on %s port %d", settings.webhook.listen, port)
    try:
        await stop.wait()
    finally:
        receiver.stop_listening()
