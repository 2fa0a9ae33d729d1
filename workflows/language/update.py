"""Bring every ``.po`` file up to date with the code: ``python -m workflows.language.update``.

New strings are added untranslated (the catalogue test then fails until someone translates
them); strings no longer in the code are dropped; nothing is guessed ("fuzzy" matching off),
because a near-miss translation of a deadline or a legal term is worse than none.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from workflows.language.catalogue import LOCALE_DIR
from workflows.language.current import DEFAULT, LANGUAGES
from workflows.language.domains import DOMAINS
from workflows.language.extraction import template

_EPOCH = datetime(2026, 12, 1, tzinfo=UTC)


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
            # Dates in the header would change at every run and make every .po file differ
            # in review; the catalogue's history is git's.
            catalog.update(pot, no_fuzzy_matching=True)
            catalog.creation_date = catalog.revision_date = _EPOCH
            catalog.fuzzy = False  # reviewed by the team, not a machine draft
            catalog.version = "1"
            catalog.last_translator = catalog.language_team = "followup-bot team"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as f:
                write_po(f, catalog, width=100, ignore_obsolete=True, include_previous=False)
            written.append(str(path))
    return written


if __name__ == "__main__":
    for name in update_all():
        print(name)
    sys.exit(0)
