"""Replies as Telegram messages: HTML-escaped text, inline keyboards, split under 4096.

Everything here is pure, so the limits can be tested without a network. Text from the
conversation is plain; every character of it is escaped, and only the title is wrapped in
<b>, so nothing a user typed can change the formatting or break Telegram's HTML parser.

Telegram counts a message's length in UTF-16 code units after parsing entities. Lengths here
are measured on the escaped HTML, which is never shorter than what Telegram counts, so a
message built here is never refused as too long.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from workflows.chat.views import Button, Reply

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
MAX_CALLBACK_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
#: A title is a heading ("Question 4 of 12 · New communication"); longer ones are cut.
MAX_TITLE = 200
#: Buttons with labels this short ("Yes", "Edit 3") share a row, up to `ROW_WIDTH` of them.
SHORT_LABEL = 12
ROW_WIDTH = 4


@dataclass(frozen=True)
class Message:
    html: str
    keyboard: InlineKeyboardMarkup | None = None


def messages(reply: Reply, limit: int = MAX_TEXT) -> list[Message]:
    """One reply as one or more messages; the keyboard goes with the last one."""
    title = ""
    if reply.title and reply.title.strip():
        heading = reply.title if len(reply.title) <= MAX_TITLE else reply.title[:MAX_TITLE] + "…"
        title = f"<b>{escape(heading)}</b>"
    first = limit - (units(title) + 1 if title else 0)
    chunks = [escape(chunk) for chunk in split(reply.text, first, limit)]
    if title:
        chunks[0] = f"{title}\n{chunks[0]}" if chunks[0] else title
    chunks = [chunk for chunk in chunks if chunk.strip()] or ["…"]
    keyboard = inline_keyboard(reply.buttons)
    return [Message(c, keyboard if n == len(chunks) - 1 else None) for n, c in enumerate(chunks)]


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji can count as two)."""
    return len(text.encode("utf-16-le")) // 2


def split(text: str, first: int, limit: int) -> list[str]:
    """Plain-text chunks whose escaped forms fit: the first in `first`, the others in `limit`.

    Chunks end at line breaks; a line too long on its own is cut between words, and a word
    too long on its own is cut anywhere (never inside an HTML entity, as escaping comes after).
    The line breaks at chunk boundaries are dropped; everything else is kept.
    """
    chunks: list[str] = []
    current: str | None = None
    size = 0
    for separator, piece in _pieces(text, min(first, limit)):
        cost = units(escape(piece))
        budget = first if not chunks else limit
        if current is not None and size + len(separator) + cost <= budget:
            current += separator + piece
            size += len(separator) + cost
            continue
        if current is not None:
            chunks.append(current)
        current, size = piece, cost
    chunks.append(current or "")
    return chunks


def _pieces(text: str, width: int) -> Iterator[tuple[str, str]]:
    """(separator, piece): the lines of `text`, long ones cut into pieces of `width` units.

    The separator is what joins a piece to the one before: a line break between lines,
    nothing between the pieces of one cut line.
    """
    for number, line in enumerate(text.split("\n")):
        separator = "\n" if number else ""
        if units(escape(line)) <= width:
            yield separator, line
            continue
        part, size = "", 0
        for word in re.findall(r"\S*\s*", line):
            for char in word if units(escape(word)) > width else (word,):
                cost = units(escape(char))
                if part and size + cost > width:
                    yield separator, part
                    separator, part, size = "", "", 0
                part += char
                size += cost
        if part:
            yield separator, part


def inline_keyboard(buttons: list[Button]) -> InlineKeyboardMarkup | None:
    """Buttons whose callback data is the conversation's token, checked against 64 bytes."""
    if not buttons:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        size = len(button.token.encode("utf-8"))
        if not 0 < size <= MAX_CALLBACK_BYTES:
            # Telegram would refuse the whole message; fail loudly here instead.
            raise ValueError(
                f"button {button.label!r} has {size} bytes of callback data; "
                f"Telegram accepts 1 to {MAX_CALLBACK_BYTES}"
            )
        key = InlineKeyboardButton(button.label, callback_data=button.token)
        if _shares_row(rows, button):
            rows[-1].append(key)
        else:
            rows.append([key])
    return InlineKeyboardMarkup(rows)


def _shares_row(rows: list[list[InlineKeyboardButton]], button: Button) -> bool:
    if not rows or len(button.label) > SHORT_LABEL or len(rows[-1]) >= ROW_WIDTH:
        return False
    return all(len(key.text) <= SHORT_LABEL for key in rows[-1])
