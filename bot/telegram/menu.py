"""The command menu Telegram shows next to the text field (setMyCommands), set at start.

Everyone gets the staff commands in private chats (the bot does nothing in groups, so
groups get no menu); each admin's own chat also lists the user-management commands.
Admins are those in storage at start, which includes FOLLOWUP_ADMINS. The menu is set in
English for every app, then once more for each other language with its `language_code`
(Telegram shows the one matching the app's language), the descriptions translated. The
English menu is set before the first update; the translated ones by a job just after
start, so that compiling their catalogues and the extra calls do not hold up the first
updates after every restart.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.telegram.jobs import JOB_KWARGS
from storage.repository import Repository
from workflows import commands
from workflows.language import DEFAULT, LANGUAGES, _, use

log = logging.getLogger(__name__)
TRANSLATED = tuple(lang for lang in LANGUAGES if lang != DEFAULT)


async def set_commands(bot: Bot, repo: Repository, languages: tuple[str, ...] = (DEFAULT,)) -> None:
    """Best effort: a bot without a menu still works, so a failure is logged, not fatal."""
    admins = [u["id"] for u in repo.list_users() if u["role"] == "admin"]
    for lang in languages:
        code = None if lang == DEFAULT else lang
        staff, admin = _menu(None, lang), _menu("admin", lang)
        try:
            await bot.set_my_commands(
                staff, scope=BotCommandScopeAllPrivateChats(), language_code=code
            )
        except TelegramError as exc:
            log.warning("could not set the command menu: %s", exc)
            return
        for user_id in admins:
            if not user_id.lstrip("-").isdigit():  # the console user has no Telegram chat
                continue
            try:
                await bot.set_my_commands(
                    admin, scope=BotCommandScopeChat(int(user_id)), language_code=code
                )
            except TelegramError as exc:  # e.g. an admin who never opened a chat with the bot
                log.info("no admin menu for user %s yet: %s", user_id, exc)


def install(app: Application, repo: Repository) -> None:
    """The translated menus, from the job queue once the application has started."""

    async def translated(context: ContextTypes.DEFAULT_TYPE) -> None:
        await set_commands(context.bot, repo, TRANSLATED)

    queue = app.job_queue
    assert queue is not None, "python-telegram-bot[job-queue] is a dependency"
    queue.run_once(translated, when=0, name="translated menus", job_kwargs=JOB_KWARGS)


def _menu(role: str | None, lang: str) -> list[BotCommand]:
    with use(lang):
        return [BotCommand(c.name, _(c.description)) for c in commands.listed(role)]
