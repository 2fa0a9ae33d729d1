"""The one error handler: log what failed, tell the user plainly, never show a traceback.

What reaches here has already been retried (see `retry`), or is a bug. The log names the
update and the user id but not the message text, which may hold confidential answers.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.telegram.bridge import chat_id_of
from workflows.language import N_, _

log = logging.getLogger(__name__)

SORRY = N_(
    "Sorry, something went wrong on my side. Every answer I confirmed is saved; "
    "please try again, or /resume to see where you are."
)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=context.error)
        return
    user = update.effective_user.id if update.effective_user else None
    log.error("error handling update %s from user %s", update.update_id, user,
              exc_info=context.error)  # fmt: skip
    if update.effective_user is None:
        return
    # The failure may be Telegram itself being unreachable; then this cannot be sent either.
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(chat_id_of(update), _(SORRY))
