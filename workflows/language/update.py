"""Bring every ``.po`` file up to date with the code: ``python -m workflows.language.update``.

New strings are added untranslated (the catalogue test then fails until someone translates
them); strings no longer in the code are dropped; nothing is guessed ("fuzzy" matching off),
because a near-miss translation of a deadline or a legal term is worse than none.
"""

from __future__ import annotations

import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from workflows.language.catalogue import LOCALE_DIR
from workflows.language.current import DEFAULT, LANGUAGES
from workflows.language.domains import DOMAINS
from workflows.language.extraction import template


def update_all() -> list[str]:
    """Update every language's catalogue of every domain; return the files written."""
    written = []
    for domain in DOMAINS:
        pot = template(domain)
        for lang in LANGUAGES:
            if lang == DEFAULT:
                continue
            path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain.name}.po"
            if path.exists():
                with path.open("rb") as f:
                    catalog = read_po(f, locale=lang, domain=domain.name)
            else:
                catalog = Catalog(locale=lang, domain=domain.name, project="followup-bot")
            catalog.update(pot, no_fuzzy_matching=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as f:
                write_po(f, catalog, width=100, ignore_obsolete=True, include_previous=False)
            written.append(str(path))
    return written


if __name__ == "__main__":
    for name in update_all():
        print(name)
    sys.exit(0)
