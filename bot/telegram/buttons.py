"""Button taps: the callback data is passed back unchanged; the conversation unpacks it
(`workflows.buttons_data`, which refuses anything it did not pack).

Every tap is answered (`answerCallbackQuery`), so the user's client stops its spinner, before
any message goes out; the answer travels while the tap is being applied, which saves a round
trip on every tap (a tap too old to answer, handled again after a restart, is still
applied). The token names the case, the checklist run and the question, so the conversation
itself recognises a tap on an old keyboard and answers "This question was already answered."
instead of applying it to the current question.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import CallbackQuery, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.telegram.bridge import Bridge, chat_id_of, chat_of

log = logging.getLogger(__name__)
#: Telegram: "Bad Request: query is too old and response timeout expired or query ID is invalid"
_TOO_OLD = re.compile(r"query is too old|query.id.is.invalid", re.IGNORECASE)


def handler(bridge: Bridge) -> CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]:
    async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        if not query.data:
            await _stop_spinner(query)
            return  # a game or a button of another bot: nothing of ours to apply
        spinner = asyncio.ensure_future(_stop_spinner(query))  # while the tap is applied
        try:
            replies = await bridge.call(bridge.conversation.tap, chat_of(update), query.data)
        finally:
            await spinner
        await bridge.send(context.bot, chat_id_of(update), replies)

    return CallbackQueryHandler(on_tap)


async def _stop_spinner(query: CallbackQuery) -> None:
    """Answer the tap. A failure is logged, never raised: the tap is being applied meanwhile,
    and its reply matters more than the spinner (which Telegram stops by itself). Telegram
    refuses taps too old to answer (a tap handled again after a restart) as a matter of
    course; anything else is worth a warning."""
    try:
        await query.answer()
    except TelegramError as exc:
        if isinstance(exc, BadRequest) and _TOO_OLD.search(exc.message):
            log.info("tap %s too old to answer; applied all the same", query.id)
        else:
            log.warning("could not answer tap %s (%s); applied all the same", query.id, exc)
