"""Button data: what a tapped button sends back, packed into one short string and unpacked.

Telegram gives a button's callback data back as it was sent, at most 64 bytes, and a
modified client can send any string in its place. So the data is built only here, its size
is checked when it is packed (a button too long fails where it is made, not as a refused
message), and any string `pack` would not have made unpacks to None, which the conversation
answers as an out-of-date button. The data names a case, a run and a question; whether the
user may act on them is decided by the conversation, never trusted from the data.

The wire format is the one buttons already in users' chats carry, so old keyboards keep
working: the kind's code, then the kind's fields in order, joined by ":"; only the last
field may itself hold a ":".
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

#: Telegram's limit on callback data (InlineKeyboardButton.callback_data: 1-64 bytes).
MAX_BYTES = 64
_INDEX = re.compile(r"[0-9]{1,4}")


class Kind(StrEnum):
    """What a button does; the value is its code on the wire."""

    NEW = "n"  # name: the kind of case to log (communication, visit)
    PAGE = "p"  # page: of /cases (the filter is in the session)
    FIND_PAGE = "fp"  # page: of /find (the query is in the session)
    REPORT_PERIOD = "r:p"  # value: a period ("" = "Another period…", typed next)
    REPORT_SCOPE = "r:s"  # value: all, mandate, state or confidential
    RULE = "ru"  # value: which guessed mandate ("0", "1"...) or "no"
    LANGUAGE = "lg"  # value: the language chosen with /language (en, fr, es)
    CARD = "c"  # case: open its card
    START = "s"  # case, name: the update or closure checklist to start
    ATTACH = "f"  # case: the next document sent is attached to it
    EDIT_MENU = "ed"  # case: the "Edit…" menu
    DISCARD = "dc"  # case, run: ask before discarding an unfinished run
    DISCARD_YES = "dy"  # case, run, name: the run's checklist, so a stale Yes does nothing
    DELETE = "dd"  # case: ask before deleting a draft
    DELETE_YES = "dz"  # case
    SNOOZE = "z"  # case, name: the deadline rule
    DISMISS = "x"  # case, name: the deadline rule ("no action needed", a reason follows)
    REVIEW = "rv"  # case, run
    EDIT = "e"  # case, run, name: the question
    SAVE = "sv"  # case, run
    ANSWER = "a"  # case, run, name: the question asked, value: the choice


#: Each kind's fields, in their order on the wire.
FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.NEW: ("name",),
    Kind.PAGE: ("page",),
    Kind.FIND_PAGE: ("page",),
    Kind.REPORT_PERIOD: ("value",),
    Kind.REPORT_SCOPE: ("value",),
    Kind.RULE: ("value",),
    Kind.LANGUAGE: ("value",),
    Kind.CARD: ("case",),
    Kind.START: ("case", "name"),
    Kind.ATTACH: ("case",),
    Kind.EDIT_MENU: ("case",),
    Kind.DISCARD: ("case", "run"),
    Kind.DISCARD_YES: ("case", "run", "name"),
    Kind.DELETE: ("case",),
    Kind.DELETE_YES: ("case",),
    Kind.SNOOZE: ("case", "name"),
    Kind.DISMISS: ("case", "name"),
    Kind.REVIEW: ("case", "run"),
    Kind.EDIT: ("case", "run", "name"),
    Kind.SAVE: ("case", "run"),
    Kind.ANSWER: ("case", "run", "name", "value"),
}
_NUMBERS = frozenset({"run", "page"})
#: Longest code first, so "r:p:..." is never read as a shorter code.
_BY_CODE = sorted(Kind, key=lambda k: -len(k.value))


class ButtonDataError(ValueError):
    """A button was built with data that cannot be sent (too long, or a field that does
    not belong to its kind): a bug in the code that made it, raised where it was made."""


@dataclass(frozen=True)
class ButtonData:
    """One button's meaning. Only the fields its kind lists (`FIELDS`) are set."""

    kind: Kind
    case: str = ""  # a case id
    run: int = 0  # the index of a checklist run in the case
    name: str = ""  # a checklist, question, deadline rule or kind of case
    value: str = ""  # a choice, a period, a scope
    page: int = 0

    def pack(self) -> str:
        """The callback data; raises ButtonDataError rather than make data Telegram refuses."""
        fields = FIELDS[self.kind]
        for extra in dataclasses.fields(self):
            if extra.name not in (*fields, "kind") and getattr(self, extra.name) != extra.default:
                raise ButtonDataError(f"{self.kind.name} buttons carry no {extra.name}")
        parts = [str(getattr(self, name)) for name in fields]
        for name, part in zip(fields, parts, strict=True):
            if name in _NUMBERS and int(part) < 0:
                raise ButtonDataError(f"{self.kind.name}: {name} {part} is negative")
            if name not in _NUMBERS and name != "value" and not part:
                raise ButtonDataError(f"{self.kind.name}: {name} is empty")
        if any(":" in part for part in parts[:-1]):
            raise ButtonDataError(f"{self.kind.name}: only the last field may hold ':' {parts}")
        data = ":".join([self.kind.value, *parts])
        size = len(data.encode("utf-8"))
        if size > MAX_BYTES:
            raise ButtonDataError(
                f"button data {data!r} has {size} bytes; Telegram accepts at most {MAX_BYTES}"
            )
        return data


def unpack(data: str) -> ButtonData | None:
    """The button `data` came from, or None for anything `pack` would not have made
    (another bot's button, an old format, a forged or truncated string)."""
    if len(data.encode("utf-8")) > MAX_BYTES:
        return None
    kind = next((k for k in _BY_CODE if data.startswith(k.value + ":")), None)
    if kind is None:
        return None
    fields = FIELDS[kind]
    parts = data[len(kind.value) + 1 :].split(":", len(fields) - 1)
    if len(parts) != len(fields):
        return None
    values: dict[str, Any] = {}
    for name, part in zip(fields, parts, strict=True):
        if name in _NUMBERS:
            if not _INDEX.fullmatch(part):
                return None
            values[name] = int(part)
        else:
            values[name] = part
    try:
        button = dataclasses.replace(ButtonData(kind), **values)
        return button if button.pack() == data else None
    except ButtonDataError:
        return None
