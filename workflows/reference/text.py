"""Text matching shared by every lookup: what staff type rarely has the accents right."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Accent- and case-insensitive form: "Côte d'Ivoire" -> "cote d'ivoire"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
