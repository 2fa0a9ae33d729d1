"""The one path from a Telegram update into the conversation and back out as messages.

`Conversation` is synchronous and writes to disk (with fsync) before it returns, which is
what makes a confirmed answer durable. Its calls run on a small pool of chat threads, off
the event loop. One thread at a time owns the data files: every conversation call holds the
repository's lock (a fair one, storage.fairlock), so read-modify-writes never interleave,
except where a call steps aside for long reading (a report, the digest, a search, an export,
a rule change); then the next user in line is answered meanwhile instead of waiting seconds
behind it (bench/README.md, "Answers while reports are built"). Other storage calls (the
inbox, the guard's look-up, reminder records) keep their one dedicated storage thread.

Each update is answered in its sender's language (workflows.people.user_language): a conversation
call looks it up on its own thread, in the same trip as the call itself, and runs inside
``with use(language)``; the few replies made on the event loop (a file refused before it is
downloaded, a sticker) ask for it first (`language`). Calls handed to a thread carry the
caller's context with them (as asyncio.to_thread does), so the language chosen on the event
loop holds on the thread too.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden

from bot.telegram import render
from bot.telegram.quiet import QuietPeriod
from storage.repository import ReadFailed, Repository, StorageError
from workflows.cases.service import Clock
from workflows.chat.conversation import REFUSAL, Chat, Conversation
from workflows.chat.views import Reply
from workflows.language import LANGUAGES, N_, _, from_telegram, use
from workflows.people.user_language import speaking

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

NOT_SAVED = N_(
    "Not saved: the bot could not write to its data folder. Your earlier answers are safe; "
    "please try again in a moment."
)
NOT_READ = N_(
    "The bot could not read its data folder just now; nothing was changed. "
    "Please try again in a moment."
)
#: Conversation calls in flight at once; beyond the few long reads that step aside, they
#: wait for the repository's lock in turn anyway.
CHAT_THREADS = 16


class Bridge:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self._storage_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storage")
        self._chat_threads = ThreadPoolExecutor(CHAT_THREADS, thread_name_prefix="chat")
        #: Someone not on the list gets one refusal per quiet period; the rest is dropped.
        self.strangers = self.quiet_period()

    @property
    def repo(self) -> Repository:
        return self.conversation.repo

    @property
    def clock(self) -> Clock:
        return self.conversation.service.clock

    def quiet_period(self) -> QuietPeriod:
        """A quiet period on the conversation's clock (which tests move by hand)."""
        return QuietPeriod(clock=lambda: self.clock.now().timestamp())

    async def call(
        self,
        method: Callable[Concatenate[Chat, P], list[Reply]],
        chat: Chat,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> list[Reply]:
        """Run a conversation call off the event loop, in the language of whoever is talking;
        a failed write becomes a clear reply."""
        spoken = functools.partial(self._spoken, method, chat, *args, **kwargs)
        return await self.call_shared(spoken)

    def _spoken(
        self,
        method: Callable[Concatenate[Chat, P], list[Reply]],
        chat: Chat,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> list[Reply]:
        with use(self.language_of(chat)):
            try:
                return method(chat, *args, **kwargs)
            except ReadFailed:
                log.exception("storage read failure; the user was told to try again")
                return [Reply(_(NOT_READ), error=True)]
            except StorageError:
                log.exception("storage failure; the user was told the change was not saved")
                return [Reply(_(NOT_SAVED), error=True)]

    def language_of(self, chat: Chat) -> str:
        """The language to answer `chat` in: their record's, or at first contact the one
        their Telegram app reports (a user look-up is a dictionary read, on any thread)."""
        try:
            user = self.repo.get_user(chat.user_id)
        except StorageError:
            user = None  # the call itself meets the same failure and says so
        return speaking(user, chat.language)

    async def language(self, chat: Chat) -> str:
        """`language_of` from the event loop, on the storage thread."""
        return await self.call_value(self.language_of, chat)

    async def call_value(self, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run any storage-touching call on the storage thread and return its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._storage_thread, _in_context(method, *args, **kwargs)
        )

    async def call_shared(self, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a call that takes the repository's lock itself (conversation calls, sweeps,
        the digest) on the chat threads, so that one stepping aside does not hold up the
        rest."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._chat_threads, _in_context(method, *args, **kwargs))

    async def deliver(self, bot: Bot, chat_id: int, reply: Reply) -> None:
        """One reply to one chat, raising what Telegram refuses (jobs decide what to do)."""
        await _deliver(bot, chat_id, reply)

    async def send(self, bot: Bot, chat_id: int, replies: list[Reply]) -> None:
        """Each reply in order: to this chat, or to the user it names (`Reply.to`). A
        refusal (the conversation's answer to a stranger) only once per quiet period."""
        if not _is_refusal(replies):
            self.strangers.forget(chat_id)
        elif not self.strangers.may_answer(chat_id):
            return
        for reply in replies:
            if reply.to is None:
                await _deliver(bot, chat_id, reply)
            else:
                await _tell(bot, reply.to, reply)


def _is_refusal(replies: list[Reply]) -> bool:
    """Whether `replies` is the conversation's one sentence to a stranger, in whichever
    language their app asked for (the send itself does not know it)."""
    return len(replies) == 1 and replies[0].text in _refusals()


@functools.cache
def _refusals() -> frozenset[str]:
    """The conversation's refusal in every language (the catalogues never change while the
    bot runs)."""
    found = set()
    for lang in LANGUAGES:
        with use(lang):
            found.add(_(REFUSAL))
    return frozenset(found)


def _in_context(method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Callable[[], T]:
    """`method` bound to its arguments, to run in a copy of the caller's context (the current
    language among it), as asyncio.to_thread does; run_in_executor alone would drop it."""
    context = contextvars.copy_context()
    return functools.partial(context.run, method, *args, **kwargs)


async def _deliver(bot: Bot, chat_id: int, reply: Reply) -> None:
    """HTML messages (the keyboard on the last), then any files as documents. HTML parse mode
    and no link previews are the application's defaults (bot.app); the rate limiter retries
    what fails on the way (see `retry`)."""
    for message in render.messages(reply):
        await bot.send_message(chat_id, message.html, reply_markup=message.keyboard)
    for attachment in reply.files:
        await bot.send_document(chat_id, attachment.data, filename=attachment.name)


async def _tell(bot: Bot, user_id: str, reply: Reply) -> None:
    """A message for someone else (a new case owner), in their private chat (id = user id).

    Telegram refuses if that user never opened a chat with the bot or blocked it; the
    person who acted has had their answer already, so this is logged, not raised.
    """
    if not user_id.lstrip("-").isdigit():
        log.info("user %s has no Telegram chat; message not sent", user_id)
        return
    try:
        await _deliver(bot, int(user_id), reply)
    except (Forbidden, BadRequest) as exc:
        log.warning("could not message user %s: %s", user_id, exc)


def chat_of(update: Update) -> Chat:
    """The conversation's view of who is talking; only private chats get this far."""
    assert update.effective_user is not None, "the guard lets only updates from users through"
    user = update.effective_user
    return Chat(str(user.id), private=True, update_id=update.update_id, name=user.full_name,
                language=from_telegram(user.language_code))  # fmt: skip


def chat_id_of(update: Update) -> int:
    """Where to answer: the chat of the message, or the user's private chat for a tap."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    assert update.effective_user is not None
    return update.effective_user.id
