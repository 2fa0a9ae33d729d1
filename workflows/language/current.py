"""The current language of a request, and the gettext functions that read it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from workflows.language.catalogue import translations

LANGUAGES: tuple[str, ...] = ("en", "fr", "es")
DEFAULT = "en"

# Each language named in itself: the /language buttons must be readable by someone who does
# not read the current language.
_NAMES = {"en": "English", "fr": "Français", "es": "Español"}

_current: ContextVar[str] = ContextVar("language", default=DEFAULT)


def current() -> str:
    """The language of whoever is being answered now."""
    return _current.get()


@contextlib.contextmanager
def use(lang: str | None) -> Iterator[str]:
    """Speak ``lang`` inside the block (anything unknown falls back to English)."""
    token = _current.set(lang if lang in LANGUAGES else DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def from_telegram(language_code: str | None) -> str:
    """The language for a Telegram ``language_code`` ("fr", "fr-CA", "es-419"...).

    Telegram sends the IETF tag of the user's app; only the primary subtag matters here,
    and every language other than French and Spanish gets English.
    """
    primary = (language_code or "").split("-")[0].split("_")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT


def language_name(lang: str) -> str:
    """A language's name as its own speakers write it."""
    return _NAMES[lang]


def _(message: str) -> str:
    """``message`` (English) in the current language."""
    return translations(_current.get()).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it yet (translate with ``_``)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The right plural form of a message for ``n`` in the current language."""
    return translations(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, where English alone is ambiguous ("May")."""
    return str(translations(_current.get()).pgettext(context, message))
