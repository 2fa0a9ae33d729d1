"""Text matching shared by every lookup: what staff type rarely has the accents right."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Accent- and case-insensitive form: "Côte d'Ivoire" -> "cote d'ivoire"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    """The folded words of `text`, punctuation dropped: "Côte d'Ivoire" -> cote, d, ivoire."""
    return _NON_ALNUM.sub(" ", fold(text)).split()
