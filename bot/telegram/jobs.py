"""Reminders and the daily digest on python-telegram-bot's JobQueue (APScheduler).

The jobs hold no state: every run asks `AlertService` what is due, computed from stored
deadlines, so a restart loses nothing (in-memory jobs do not survive one; PTB #974,
#4080). At start-up a catch-up run sends what came due while the bot was down, then a
sweep repeats every few minutes. Each reminder's key is recorded before it is sent, so
two sweeps, a restart or a crash right after sending never send it twice; a send that
Telegram refuses outright is released again for the next sweep.

APScheduler skips a run more than one second late by default; these jobs may run late
(a busy event loop, a suspended laptop) and should still run, once: hence a generous
`misfire_grace_time` and `coalesce`.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.settings import Schedule
from bot.telegram.bridge import Bridge
from storage.repository import StorageError
from workflows.deadlines.alerts import AlertService, Outgoing
from workflows.reference.dates import get_zone

log = logging.getLogger(__name__)

JOB_KWARGS = {"misfire_grace_time": 6 * 3600, "coalesce": True, "max_instances": 1}
LAST_DIGEST = "digest_last_day"


class Scheduler:
    """What the jobs do, callable directly too (tests run it with a moved clock)."""

    def __init__(self, bridge: Bridge, alerts: AlertService, schedule: Schedule) -> None:
        self.bridge = bridge
        self.alerts = alerts
        self.schedule = schedule
        # One sweep at a time (the catch-up and the periodic job may meet): a summary's
        # reminders are recorded case by case, so two sweeps claiming it together could
        # each get some of them and both send it.
        self._sweeping = asyncio.Lock()

    def install(self, app: Application) -> None:
        queue = app.job_queue
        assert queue is not None, "python-telegram-bot[job-queue] is a dependency"
        queue.run_once(self._startup, when=0, name="catch-up", job_kwargs=JOB_KWARGS)
        queue.run_repeating(self._sweep, interval=self.schedule.sweep_every,
                            first=self.schedule.sweep_every, name="sweep",
                            job_kwargs=JOB_KWARGS)  # fmt: skip
        zone = get_zone(self.alerts.service.tz)
        queue.run_daily(self._digest, self.schedule.digest_at.replace(tzinfo=zone),
                        days=self.schedule.digest_days, name="digest",
                        job_kwargs=JOB_KWARGS)  # fmt: skip

    async def _startup(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.sweep(context.bot)
        if self.digest_missed_today():
            await self.digest(context.bot)

    async def _sweep(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.sweep(context.bot)

    async def _digest(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.digest(context.bot)

    async def sweep(self, bot: Bot) -> int:
        """Send every reminder due now that was never sent; returns how many went out. One
        that cannot be recorded is logged and left for the next sweep; the others still go."""
        async with self._sweeping:
            return await self._sweep_once(bot)

    async def _sweep_once(self, bot: Bot) -> int:
        sent = 0
        for outgoing in await self.bridge.call_shared(self.alerts.pending):
            if not _is_telegram_id(outgoing.to):
                continue  # the console's user: left for the console to show
            try:
                claimed = await self.bridge.call_shared(self.alerts.claim_outgoing, outgoing)
            except StorageError as exc:
                log.warning("reminder %s not recorded, so not sent: %s", outgoing.key, exc)
                continue
            if claimed:
                sent += await self._send(bot, outgoing)
        return sent

    async def _send(self, bot: Bot, outgoing: Outgoing) -> int:
        try:
            await self.bridge.deliver(bot, int(outgoing.to), outgoing.reply)
        except Forbidden as exc:  # blocked the bot or never opened it: retrying won't help
            log.warning("reminder for user %s not delivered: %s", outgoing.to, exc)
            return 0
        except TelegramError as exc:
            log.warning("reminder for user %s failed, retried next sweep: %s", outgoing.to, exc)
            await self.bridge.call_shared(self.alerts.release_outgoing, outgoing)
            return 0
        return 1

    def digest_missed_today(self) -> bool:
        """A working day, past the digest time, and no digest yet today (the bot was down)."""
        now = self.alerts.service.clock.now().astimezone(get_zone(self.alerts.service.tz))
        weekday = (now.weekday() + 1) % 7  # Python's Monday=0 to PTB's Sunday=0
        sent = self.alerts.repo.get_setting(LAST_DIGEST)
        return (
            weekday in self.schedule.digest_days
            and now.time() >= self.schedule.digest_at
            and sent != now.date().isoformat()
        )

    async def digest(self, bot: Bot) -> int:
        """The digest to admins and everyone who opted in, once a day, in each one's language."""
        today = self.alerts.service.today().isoformat()
        if await self.bridge.call_value(self.alerts.repo.get_setting, LAST_DIGEST) == today:
            return 0
        recipients = await self.bridge.call_value(self.alerts.digest_recipients)
        receivers = [user_id for user_id in recipients if _is_telegram_id(user_id)]
        written = await self.bridge.call_shared(
            self.alerts.digests, receivers
        )  # a failure marks nothing
        await self.bridge.call_value(
            self.alerts.repo.set_setting, LAST_DIGEST, today, actor="system"
        )
        sent = 0
        for user_id, reply in written.items():
            try:
                await self.bridge.deliver(bot, int(user_id), reply)
                sent += 1
            except TelegramError as exc:
                log.warning("digest for user %s not delivered: %s", user_id, exc)
        return sent


def _is_telegram_id(user_id: str) -> bool:
    return user_id.lstrip("-").isdigit() and len(user_id) < 20
