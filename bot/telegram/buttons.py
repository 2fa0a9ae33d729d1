"""Button taps: the callback data is the conversation's token, passed back unchanged.

Every tap is answered (`answerCallbackQuery`) first, so the user's client stops its
spinner whatever happens next. The token names the case, the checklist run and the
question, so the conversation itself recognises a tap on an old keyboard and answers
"This question was already answered." instead of applying it to the current question.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.telegram.bridge import Bridge, chat_id_of, chat_of


def handler(bridge: Bridge) -> CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]:
    async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        if not query.data:
            return  # a game or a button of another bot: nothing of ours to apply
        replies = await bridge.call(bridge.conversation.tap, chat_of(update), query.data)
        await bridge.send(context.bot, chat_id_of(update), replies)

    return CallbackQueryHandler(on_tap)
