"""Documents and photos: checked, downloaded into the data folder, handed to the conversation.

A file is taken when the current question asks for one, or after "Attach a file" on a case
card. Anything else is refused before it is downloaded, so the data folder only keeps files
that a case records. The checks are `bot.filetypes.FilePolicy`, the console's too: before
download the type (by the cleaned name's extension) is allowed and the size Telegram reports
is within the limit; after download the real size and the content match the type. Each
refusal says what to send instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update
from telegram.ext import ContextTypes, MessageHandler, filters

from bot import filetypes
from bot.filetypes import FilePolicy, FileType
from bot.telegram.bridge import Bridge, chat_id_of, chat_of
from bot.telegram.retry import with_retries
from storage.files import store_file
from workflows.chat.conversation import Chat
from workflows.chat.views import Reply
from workflows.language import N_, _, use

# Translators: “Attach a file” is the label of a button on a case card.
NOT_NOW = N_(
    "I only keep a file when a question asks for one, or after you tap “Attach a file” "
    "on a case (/cases)."
)


@dataclass(frozen=True)
class Incoming:
    file_id: str
    name: str
    kind: FileType | None
    size: int | None


def handler(bridge: Bridge, policy: FilePolicy) -> MessageHandler[ContextTypes.DEFAULT_TYPE, None]:
    async def on_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        chat = chat_of(update)
        with use(await bridge.language(chat)):  # refusals are made here, on the event loop
            replies = await _receive(bridge, policy, update.message, chat, context)
        await bridge.send(context.bot, chat_id_of(update), replies)

    return MessageHandler(filters.Document.ALL | filters.PHOTO, on_file)


async def _receive(
    bridge: Bridge,
    policy: FilePolicy,
    message: Message,
    chat: Chat,
    context: ContextTypes.DEFAULT_TYPE,
) -> list[Reply]:
    incoming = _incoming(message, bridge)
    if refusal := policy.refusal(incoming.kind, incoming.size):
        return [Reply(refusal, error=True)]
    assert incoming.kind is not None
    if not await bridge.call_value(bridge.conversation.expects_file, chat):
        resume = await bridge.call(bridge.conversation.text, chat, "/resume")
        return [Reply(_(NOT_NOW), error=True), *resume]
    telegram_file = await context.bot.get_file(incoming.file_id)
    data = bytes(await with_retries("file download", telegram_file.download_as_bytearray))
    if refusal := policy.content_refusal(incoming.kind, data):
        return [Reply(refusal, error=True)]
    return await bridge.call(_keep, chat, bridge, incoming, data)


def _keep(chat: Chat, bridge: Bridge, incoming: Incoming, data: bytes) -> list[Reply]:
    """Store the bytes durably, then let the conversation record them on the case."""
    assert incoming.kind is not None
    files_dir = bridge.repo.files_dir()
    meta = store_file(
        files_dir, incoming.name, data, incoming.kind.mime, chat.user_id, bridge.clock.now()
    )
    return bridge.conversation.file(chat, meta)


def _incoming(message: Message, bridge: Bridge) -> Incoming:
    if message.document is not None:
        document = message.document
        cleaned = filetypes.clean_name(document.file_name)
        kind = filetypes.identify(cleaned, document.mime_type)
        name = cleaned or f"document.{kind.name if kind else 'bin'}"
        return Incoming(document.file_id, name, kind, document.file_size)
    photo = message.photo[-1]  # Telegram lists sizes smallest first; keep the largest
    name = f"photo-{bridge.clock.now():%Y%m%d-%H%M%S}.jpg"
    return Incoming(photo.file_id, name, filetypes.KNOWN["jpeg"], photo.file_size)
