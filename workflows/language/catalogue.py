"""Loading the ``.po`` catalogues with Babel, compiled in memory once per language.

Compiling at load instead of shipping ``.mo`` files keeps one source of truth in the repo
(the reviewed ``.po`` text) and no build step that a fresh checkout could miss; it costs a
few tens of milliseconds once per language per process.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).with_name("locale")


def po_files(lang: str) -> list[Path]:
    """Every domain's catalogue for ``lang``, in a stable order."""
    return sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))


@functools.cache
def translations(lang: str) -> NullTranslations:
    """All domains of ``lang`` merged into one gettext object (English: none needed)."""
    merged: Translations | None = None
    for path in po_files(lang):
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang, domain=path.stem)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        domain = Translations(buffer, domain=path.stem)
        if merged is None:
            merged = domain
        else:
            merged.merge(domain)
    return merged if merged is not None else NullTranslations()
