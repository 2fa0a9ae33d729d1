"""Finding the translatable strings of a domain with Babel's extractors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract

from workflows.language import domains
from workflows.language.domains import Domain

# Babel's defaults (_ gettext ngettext pgettext N_ ...) are what workflows.language exports.
_COMMENT_TAGS = ("Translators:",)


def _messages(
    path: Path, method: str
) -> Iterator[tuple[int, str | tuple[str, ...], list[str], str | None]]:
    with path.open("rb") as f:
        yield from extract(method, f, comment_tags=_COMMENT_TAGS, strip_comment_tags=True)


def template(domain: Domain) -> Catalog:
    """The domain's messages as a catalogue template (what a ``.pot`` file would hold)."""
    catalog = Catalog(domain=domain.name, project="followup-bot", fuzzy=False)
    for path, method in domains.files(domain):
        rel = path.relative_to(domains.ROOT).as_posix()
        for lineno, message, comments, context in _messages(path, method):
            catalog.add(
                message,
                locations=[(rel, lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog
