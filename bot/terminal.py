"""Text for a terminal: what the console and the command line print.

Stored text was typed by people (answers, other actors' names) or came from an imported
spreadsheet, so it may hold terminal control sequences: an answer containing ESC ] 0 ; …
retitles the window, ESC [ 2 J clears the screen, a carriage return or a right-to-left
override hides or reorders what precedes it. Everything printed goes through
:func:`printable`, which shows such characters as escapes instead of sending them raw.
"""

from __future__ import annotations

import unicodedata

#: Invisible characters that reorder text on a terminal (bidirectional controls).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """`text` safe for a terminal: line breaks and tabs kept, every other control character
    and bidirectional control shown as an escape (ESC as \\x1b), never sent raw."""
    return "".join(_escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ch not in _BIDI):
        return ch
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
