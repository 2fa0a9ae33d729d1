"""`/find TEXT`: find cases by what staff remember of them.

Matches references (however typed: "al irn 2/2017"; an upgraded case also by the reference
it had before, e.g. "JAL IRN 2/2017"), States (names, codes and the names staff type:
"Turkey" finds Türkiye), other actors ("Acme" finds every communication sent to the
company), summaries and other free text, themes, mandates and choices, accent- and
case-insensitively; every word typed must start a word of the case ("defend" finds
"defenders"). A complete reference matches only that case. `reprisal` alone lists the
cases flagged as involving reprisals.

Only cases the user may see are searched (`access.can_view`), and a confidential answer
(names of victims) is searched only for a user who may see it in this chat
(`access.sees_confidential`): otherwise typing a victim's name would reveal which case
holds it. An answer whose question is unknown (an uninstalled checklist version) is never
searched, for the same reason.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, Protocol

from storage.repository import INDEX_FIELDS, Case, Repository
from workflows.cases.references import Reference, canonical, parse_reference
from workflows.checklists.model import Question, Registry
from workflows.people.access import User, can_view, sees_confidential
from workflows.reference.actors import resolve_state
from workflows.reference.text import fold
from workflows.report.facts import is_reprisal

#: Typed alone, these list the cases flagged as involving intimidation or reprisals.
REPRISAL_WORDS = frozenset(
    {"reprisal", "reprisals", "intimidation", "represailles", "represalias", "represalia"}
)
SEARCHED_TYPES = frozenset({"text", "actor", "multi", "choice", "mandate"})
MAX_QUERY = 200
_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"(?:19[9]|20[0-9])[0-9]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CaseSource(Protocol):
    def iter_cases(self) -> Iterable[Case]: ...


def search(
    source: CaseSource | Iterable[Case],
    text: str,
    user: User,
    *,
    private_chat: bool = False,
    registry: Registry | None = None,
    years: frozenset[int] = frozenset(),
) -> list[dict[str, Any]]:
    """Index entries (`storage.repository.INDEX_FIELDS`) of the matching cases the user may
    see: open cases first, then by label. Ready for `views.case_list`. With `years`, only
    cases with a date (or reference) in one of those years."""
    query = " ".join(str(text).split())[:MAX_QUERY]
    words = _words(query)
    if not words and not years:
        return []
    registry = registry or _shipped_registry()
    cases = source.iter_cases() if hasattr(source, "iter_cases") else source
    reference = canonical(query)
    reprisals = fold(query) in REPRISAL_WORDS
    # Names only: two-letter queries are communication types ("UA"), not Ukraine, and
    # three-letter codes already match the stored code.
    state = resolve_state(query) if len(query) > 3 else None
    found = []
    for case in cases:
        if case.get("deleted") or not can_view(user, case):
            continue
        if years and not years & _years(case):
            continue
        if not words:
            found.append({field: case.get(field) for field in INDEX_FIELDS})
            continue
        if reprisals:
            matched = is_reprisal(case)
        elif reference:
            matched = reference in _references(case)
        else:
            allowed = sees_confidential(user, case, private_chat)
            matched = (state is not None and state.code in _codes(case)) or _has_words(
                _case_words(case, registry, allowed), words
            )
        if matched:
            found.append({field: case.get(field) for field in INDEX_FIELDS})
    found.sort(key=lambda e: (e.get("status") == "closed", fold(str(e.get("label") or ""))))
    return found


def lookup(
    source: CaseSource, text: str, user: User, *, private_chat: bool, registry: Registry
) -> list[dict[str, Any]]:
    """What `/case` finds when `text` is not a reference: a case by what people call it,
    e.g. "Honduras 2019" or "HND SR HRDs" for a visit. A year (1990-2099) narrows to cases
    with a date in it; the other words are matched as `/find` matches them."""
    words = str(text).split()
    years = frozenset(int(w) for w in words if _YEAR.fullmatch(w))
    rest = " ".join(w for w in words if not _YEAR.fullmatch(w))
    return search(source, rest, user, private_chat=private_chat, registry=registry, years=years)


def _years(case: Case) -> set[int]:
    """Years of every date answered in the case, and of its reference."""
    found = set()
    for run in case.get("runs") or []:
        for value in run["answers"].values():
            if isinstance(value, str) and _ISO_DATE.fullmatch(value):
                found.add(int(value[:4]))
    reference = parse_reference(str(case.get("reference") or ""))
    if reference is not None:
        found.add(reference.year)
    return found


def find_case(repo: Repository, text: str) -> Case | None:
    """The case `/case` opens: by reference however typed, by case id, or by an earlier
    reference kept as an alias when a folder was upgraded. Several letters share the alias
    of the joint letter they were split from; the one that kept its number wins ("JAL IRN
    1/2017" opens "AL IRN 1/2017", not the Türkiye letter). Aliases are rare and only looked
    for when no reference matches, so the scan of every case is the exception."""
    reference = parse_reference(text)
    if reference is None:
        return repo.case_by_reference(text) or repo.get_case(text.strip())
    found = repo.case_by_reference(str(reference))
    if found is not None:
        return found
    holders = [c for c in repo.iter_cases() if str(reference) in _references(c)]
    kept = str(Reference(reference.current_type, reference.series, reference.number,
                         reference.year))  # fmt: skip
    chosen = next((c for c in holders if c.get("reference") == kept), None) or next(
        iter(holders), None
    )
    # the scan read without the lock: read the case again, under the caller's lock, so a
    # caller that saves it (/assign) never writes back a copy someone changed meanwhile
    return repo.get_case(chosen["id"]) if chosen is not None else None


def _references(case: Case) -> set[str]:
    """The case's reference and aliases, each in canonical form."""
    texts = [case.get("reference"), *(case.get("aliases") or [])]
    return {ref for text in texts if text and (ref := canonical(str(text)))}


@functools.cache
def _shipped_registry() -> Registry:
    return Registry.from_folder()


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _has_words(haystack: set[str], words: list[str]) -> bool:
    return all(any(word.startswith(q) for word in haystack) for q in words)


def _codes(case: Case) -> set[str]:
    runs = case.get("runs") or []
    answers = runs[0]["answers"] if runs else {}
    actors = answers.get("addressees") or ([answers["state"]] if answers.get("state") else [])
    return {a.get("code") for a in actors if a.get("kind") == "state"}


def _case_words(case: Case, registry: Registry, confidential: bool) -> set[str]:
    """Every searchable word of the case; confidential answers only if `confidential`."""
    parts = [str(case.get("reference") or ""), str(case.get("label") or "")]
    parts += [str(alias) for alias in case.get("aliases") or []]
    for run in case.get("runs") or []:
        try:
            checklist = registry.get(run["checklist"], run["version"])
        except KeyError:
            continue
        for question_id, value in run["answers"].items():
            question = checklist.question(question_id)
            if question is None or question.type not in SEARCHED_TYPES:
                continue
            if question.confidential and not confidential:
                continue
            parts.extend(_texts(question, value))
    return set(_words(" ".join(parts)))


def _texts(question: Question, value: Any) -> list[str]:
    """The words an answer stands for: actors by name and code, choices by value and label."""
    values = value if isinstance(value, list) else [value]
    texts: list[str] = []
    for item in values:
        if isinstance(item, dict):
            texts += [str(item.get("name", "")), str(item.get("code", ""))]
        elif question.type in ("choice", "multi"):
            texts += [str(item), question.choice_label(str(item))]
        else:
            texts.append(str(item))
    return texts
