"""Who may talk to the bot, and where: checked before any handler sees an update.

Two rules, applied by one handler in an early group that stops the update when it refuses:

- Group chats never get case details, so the bot does no work there at all: every message
  and tap is answered with one sentence asking to continue in a private chat, and nothing
  else is called (not even storage).
- A user who is not in storage gets one short sentence that reveals nothing (no command
  list, no case data), once per quiet period (`bot.telegram.quiet`: a stranger's flood is
  dropped, not answered), and the refusal is logged with the user id only. For typed text and
  button taps, the conversation checks and refuses by itself (`Conversation.text` and `tap`
  look the user up first), in the same trip to the storage thread that handles the update:
  a second trip would make every message wait in that thread's queue twice under load.
  Everything else (documents, photos, stickers) is checked here before any handler runs.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.telegram.bridge import Bridge, chat_id_of
from bot.telegram.quiet import QuietPeriod
from workflows.chat.conversation import REFUSAL
from workflows.language import N_, _, from_telegram, use

log = logging.getLogger(__name__)

PRIVATE_ONLY = N_(
    "To keep case details confidential I only work in a private chat. "
    "Please write to me directly to continue."
)


def handler(bridge: Bridge) -> TypeHandler[Update, ContextTypes.DEFAULT_TYPE, None]:
    quiet = bridge.quiet_period()

    async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is None or user.is_bot:
            raise ApplicationHandlerStop  # channel posts and the like: nobody to answer
        chat = update.effective_chat
        with use(from_telegram(user.language_code)):  # no record read for these: their app's
            if chat is not None and chat.type != ChatType.PRIVATE:
                if update.callback_query is not None or quiet.may_answer(chat.id):
                    await _private_only(update, context)
                raise ApplicationHandlerStop
            if _refused_by_the_conversation(update):
                return
            if await bridge.call_value(bridge.repo.get_user, str(user.id)) is None:
                log.info("refused user %s (not authorised)", user.id)
                await _refuse(update, context, bridge.strangers)
                raise ApplicationHandlerStop

    return TypeHandler(Update, guard)


def _refused_by_the_conversation(update: Update) -> bool:
    """Text and taps with data go straight to the conversation, which refuses strangers."""
    if update.callback_query is not None:
        return bool(update.callback_query.data)
    return update.message is not None and update.message.text is not None


async def _private_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(_(PRIVATE_ONLY), show_alert=True)
        return
    message = update.message
    if message is None or not (message.text or message.document or message.photo):
        return  # joins, pins, stickers: nothing was asked of the bot
    url = f"https://t.me/{context.bot.username}"
    link = InlineKeyboardButton(_("Open a private chat"), url=url)
    await context.bot.send_message(
        chat_id_of(update), _(PRIVATE_ONLY), reply_markup=InlineKeyboardMarkup([[link]])
    )


async def _refuse(
    update: Update, context: ContextTypes.DEFAULT_TYPE, strangers: QuietPeriod
) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    if strangers.may_answer(chat_id_of(update)):
        await context.bot.send_message(chat_id_of(update), _(REFUSAL))
