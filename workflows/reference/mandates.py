"""The Special Procedures mandates shipped with the project, and reading them from user text.

Staff name mandates by short name ("WGAD", "SR HRDs"), by official title, or by a word of the
title ("torture"). Joint communications name several, so :func:`parse_mandates` splits a list
and resolves each item, and it reports what it could not resolve so that the caller can
re-ask instead of guessing: an item counts as resolved only when exactly one mandate matches.

The list is data (``workflows/reference/data/mandates.csv``: kind,title,short_name,established, then
title_fr,title_es) so it can be updated without code changes; it is read once and cached.
The French and Spanish titles are the Human Rights Council's where they could be sourced; an
empty one shows the English title. A title typed in any of the three languages resolves.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from workflows.language import current
from workflows.reference.text import words

__all__ = [
    "DEFAULT_MANDATES_PATH",
    "KINDS",
    "Mandate",
    "load_mandates",
    "match_mandate",
    "parse_mandates",
]

DEFAULT_MANDATES_PATH = Path(__file__).resolve().parent / "data" / "mandates.csv"
KINDS = frozenset({"thematic", "country"})
_COLUMNS = ("kind", "title", "short_name", "established")
#: Optional columns after those: the title in French and in Spanish.
_TITLE_COLUMNS = {"fr": "title_fr", "es": "title_es"}
_MAX_CANDIDATES = 8
_MAX_ITEM = 300  # longer than any title: an unresolved item this long is echoed shortened
_MAX_TEXT = 8000  # a joint communication names a dozen mandates at most; refuse pastes
# Words that say nothing about which mandate is meant; ignored when matching by words
# (English, then the French and Spanish titles' own).
_STOPWORDS = frozenset({"a", "an", "and", "for", "in", "of", "on", "the", "to",
                        "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les",
                        "sur", "del", "el", "las", "los", "sobre", "y"})  # fmt: skip
# List separators: ',', ';', '+', '&', newlines, or the word "and".
_SEPARATOR = re.compile(r"((?:\s*(?:[,;+&\n]|\band\b)\s*)+)", re.IGNORECASE)


@dataclass(frozen=True)
class Mandate:
    """One mandate as shipped; ``short_name`` is what is stored with a communication."""

    short_name: str
    title: str
    kind: str  # "thematic" | "country"
    established: int
    title_fr: str = ""
    title_es: str = ""

    def shown_title(self, lang: str | None = None) -> str:
        """The title in the current language; English where no translation is shipped."""
        lang = lang or current()
        translated = {"fr": self.title_fr, "es": self.title_es}.get(lang)
        return translated or self.title

    def titles(self) -> tuple[str, ...]:
        """Every title shipped (English first), for matching what staff type."""
        return tuple(t for t in (self.title, self.title_fr, self.title_es) if t)


def _key(text: str) -> str:
    """Exact-match key, also space-insensitive: "SR HRDs" == "srhrds" == "SR  hrds"."""
    return "".join(words(text))


def load_mandates(path: Path | None = None) -> tuple[Mandate, ...]:
    """The mandates in file order; the shipped list is read once and cached.

    Raises ValueError naming the line for a malformed file, so a bad data update fails at
    start-up rather than when a user first picks a mandate.
    """
    if path is None:
        return _load_default()
    return _read(Path(path))


@functools.cache
def _load_default() -> tuple[Mandate, ...]:
    return _read(DEFAULT_MANDATES_PATH)


def _read(path: Path) -> tuple[Mandate, ...]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        found = tuple(reader.fieldnames or ())
        if found[: len(_COLUMNS)] != _COLUMNS or not set(found[4:]) <= {*_TITLE_COLUMNS.values()}:
            raise ValueError(
                f"{path}: expected columns {','.join(_COLUMNS)} (then title_fr,title_es)"
            )
        mandates: list[Mandate] = []
        seen: set[str] = set()
        for row in reader:
            where = f"{path}:{reader.line_num}"
            kind = (row["kind"] or "").strip()
            title = " ".join((row["title"] or "").split())
            short = " ".join((row["short_name"] or "").split())
            if kind not in KINDS or not title or not short:
                raise ValueError(f"{where}: need kind (thematic/country), title and short_name")
            try:
                established = int((row["established"] or "").strip())
            except ValueError as exc:
                raise ValueError(f"{where}: established must be a year") from exc
            if _key(short) in seen:
                raise ValueError(f"{where}: duplicate short_name {short!r}")
            seen.add(_key(short))
            translated = {
                lang: " ".join((row.get(column) or "").split())
                for lang, column in _TITLE_COLUMNS.items()
            }
            mandates.append(
                Mandate(short, title, kind, established, translated["fr"], translated["es"])
            )
    return tuple(mandates)


@dataclass(frozen=True)
class _Entry:
    mandate: Mandate
    short_words: frozenset[str]
    title_words: frozenset[str]
    all_words: tuple[str, ...]


@dataclass(frozen=True)
class _Index:
    exact: dict[str, tuple[Mandate, ...]]
    entries: tuple[_Entry, ...]
    max_items: int  # most list items one title splits into; bounds the run search


@functools.lru_cache(maxsize=8)
def _index(mandates: tuple[Mandate, ...]) -> _Index:
    """Normalised keys and word sets, built once per mandates list."""
    exact: dict[str, list[Mandate]] = {}
    entries = []
    for m in mandates:
        for key in {_key(m.short_name), *map(_key, m.titles())}:
            exact.setdefault(key, []).append(m)
        short_words = frozenset(words(m.short_name))
        title_words = frozenset(w for title in m.titles() for w in words(title))
        entries.append(
            _Entry(m, short_words, title_words, tuple(sorted(short_words | title_words)))
        )
    max_items = max(
        (
            len(_SEPARATOR.split(name)[0::2])
            for m in mandates
            for name in (*m.titles(), m.short_name)
        ),
        default=1,
    )
    return _Index({k: tuple(v) for k, v in exact.items()}, tuple(entries), max_items)


def _as_tuple(mandates: Iterable[Mandate] | None) -> tuple[Mandate, ...]:
    return load_mandates() if mandates is None else tuple(mandates)


def match_mandate(text: str, mandates: Iterable[Mandate] | None = None) -> list[Mandate]:
    """Mandates meant by ``text``, best first, at most 8.

    An exact short name or title (case-, accent- and space-insensitive) gives just that one.
    Otherwise every mandate whose short name or title contains all the words typed (each word
    as a prefix of a word there, so "defender" finds "defenders"; "of", "the"... ignored),
    ranked by whole-word hits in the short name, then in the title, then shorter titles.
    """
    if not isinstance(text, str) or len(text) > _MAX_TEXT:
        return []
    return _match(_index(_as_tuple(mandates)), text)


def _match(index: _Index, text: str) -> list[Mandate]:
    key = _key(text)
    if not key:
        return []
    if key in index.exact:
        return list(index.exact[key])[:_MAX_CANDIDATES]

    typed = [w for w in words(text) if w not in _STOPWORDS] or words(text)
    scored = []
    for position, entry in enumerate(index.entries):
        if all(any(w.startswith(t) for w in entry.all_words) for t in typed):
            short_hits = sum(t in entry.short_words for t in typed)
            title_hits = sum(t in entry.title_words for t in typed)
            rank = (-short_hits, -title_hits, len(entry.mandate.title), position)
            scored.append((rank, entry.mandate))
    scored.sort(key=lambda item: item[0])
    return [m for _, m in scored[:_MAX_CANDIDATES]]


def parse_mandates(
    text: str, mandates: Iterable[Mandate] | None = None
) -> tuple[list[Mandate], list[str]]:
    """Split a list of mandates and resolve each item.

    Items are separated by ',', ';', '+', '&', newlines or the word "and". Because official
    titles themselves contain commas and "and" ("... torture and other cruel, inhuman ..."),
    the longest run of consecutive items that is exactly a title or short name is taken
    first. Returns (resolved mandates, unique, in the order typed; items as typed that matched
    no mandate or several, whitespace tidied and absurdly long ones shortened for the re-ask).
    """
    if not isinstance(text, str):
        return [], []
    if len(text) > _MAX_TEXT:
        return [], [" ".join(text[:60].split()) + "…"]
    pool = _as_tuple(mandates)
    index = _index(pool)
    parts = _SEPARATOR.split(text)
    items, seps = parts[0::2], parts[1::2]

    resolved: list[Mandate] = []
    unresolved: list[str] = []
    memo: dict[str, list[Mandate]] = {}  # pasted lists repeat items; match each once
    i = 0
    while i < len(items):
        taken = 1
        found: list[Mandate] = []
        longest = min(len(items), i + index.max_items)
        for j in range(longest, i + 1, -1):  # longest exact multi-item run first
            joined = items[i] + "".join(seps[k] + items[k + 1] for k in range(i, j - 1))
            exact = index.exact.get(_key(joined), ())
            if len(exact) == 1:
                found, taken = list(exact), j - i
                break
        item = " ".join(items[i].split())
        if not found and item:
            if item not in memo:
                memo[item] = _match(index, item)
            found = memo[item]
            shown = item if len(item) <= _MAX_ITEM else item[:60] + "…"
            if len(found) != 1 and shown not in unresolved:
                unresolved.append(shown)
        if len(found) == 1 and found[0] not in resolved:
            resolved.append(found[0])
        i += taken
    return resolved, unresolved
