"""The command menu Telegram shows next to the text field (setMyCommands), set at start.

Everyone gets the staff commands in private chats (the bot does nothing in groups, so
groups get no menu); each admin's own chat also lists the user-management commands.
Admins are those in storage at start, which includes FOLLOWUP_ADMINS.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from storage.repository import Repository
from workflows.chat.conversation import ADMIN_COMMANDS, COMMANDS

log = logging.getLogger(__name__)


async def set_commands(bot: Bot, repo: Repository) -> None:
    """Best effort: a bot without a menu still works, so a failure is logged, not fatal."""
    staff = [BotCommand(name, what) for name, what in COMMANDS]
    admin = staff + [BotCommand(name, what) for name, what in ADMIN_COMMANDS]
    admins = [u["id"] for u in repo.list_users() if u["role"] == "admin"]
    try:
        await bot.set_my_commands(staff, scope=BotCommandScopeAllPrivateChats())
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", exc)
        return
    for user_id in admins:
        if not user_id.lstrip("-").isdigit():  # the console user has no Telegram chat
            continue
        try:
            await bot.set_my_commands(admin, scope=BotCommandScopeChat(int(user_id)))
        except TelegramError as exc:  # e.g. an admin who never opened a chat with the bot
            log.info("no admin menu for user %s yet: %s", user_id, exc)
