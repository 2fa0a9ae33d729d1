"""Typed messages: commands (/new, /case REF, ...) and answers, all parsed by the conversation.

Every message gets an answer: text goes to the conversation, which replies to anything
(an unknown command or stray text gets the list of commands); anything the bot cannot
read (a sticker, a voice note, a location) gets a short hint.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes, MessageHandler, filters

from bot.telegram.bridge import Bridge, chat_id_of, chat_of
from workflows.chat.views import Reply
from workflows.language import N_, _, use

UNREADABLE = N_(
    "I can read typed answers, button taps and documents (PDF, Word or images). "
    "/help lists the commands."
)


def handler(bridge: Bridge) -> MessageHandler[ContextTypes.DEFAULT_TYPE, None]:
    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        replies = await bridge.call(bridge.conversation.text, chat_of(update), update.message.text)
        await bridge.send(context.bot, chat_id_of(update), replies)

    return MessageHandler(filters.TEXT, on_text)


def fallback(bridge: Bridge) -> MessageHandler[ContextTypes.DEFAULT_TYPE, None]:
    """Last in line: whatever no other handler took (service messages are left alone)."""

    async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        with use(await bridge.language(chat_of(update))):
            hint = Reply(_(UNREADABLE), error=True)
        await bridge.send(context.bot, chat_id_of(update), [hint])

    return MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, on_other)
