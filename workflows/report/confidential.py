"""Confidential answers (names of victims): found from the checklists, never hard-coded.

Why one module: the report, the export and search must agree on what is confidential, and
the answer is "every question marked `confidential = true` in its checklist version", so a
new confidential question in a TOML file is covered everywhere without code changes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from workflows.checklists.model import Checklist, Registry
from workflows.report.facts import Case


def _checklist(registry: Registry, run: dict[str, Any]) -> Checklist | None:
    try:
        return registry.get(run["checklist"], run["version"])
    except KeyError:  # a version no longer installed: treat every answer as unknown
        return None


def confidential_ids(registry: Registry, run: dict[str, Any]) -> frozenset[str] | None:
    """Confidential question ids of the run's checklist version; None if it is unknown."""
    checklist = _checklist(registry, run)
    if checklist is None:
        return None
    return frozenset(q.id for q in checklist.questions if q.confidential)


def is_confidential(registry: Registry, run: dict[str, Any], question_id: str) -> bool:
    """Answers of an unknown checklist version count as confidential (fail closed)."""
    ids = confidential_ids(registry, run)
    return ids is None or question_id in ids


def confidential_answers(case: Case, registry: Registry) -> Iterator[tuple[str, str, Any]]:
    """(checklist title, question label, value) for each confidential answer of the case."""
    for run in case.get("runs", []):
        checklist = _checklist(registry, run)
        if checklist is None:
            continue
        for question in checklist.questions:
            value = run["answers"].get(question.id)
            if question.confidential and value not in (None, ""):
                yield checklist.title, question.label, value


def redacted(case: Case, registry: Registry) -> dict[str, Any]:
    """A deep copy without confidential answers; each run lists what was withheld."""
    clean = copy.deepcopy(dict(case))
    for run in clean.get("runs", []):
        withheld = sorted(q for q in run["answers"] if is_confidential(registry, run, q))
        for question_id in withheld:
            del run["answers"][question_id]
        if withheld:
            run["withheld"] = withheld
    return clean
