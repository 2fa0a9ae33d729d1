"""Turning invented answers into cases shaped exactly as the chat leaves them.

A saved run (see `workflows.checklists.engine`) holds the answers in question order, lists
the optional questions the officer skipped, and nothing for questions its skip logic never
asked. Rather than trusting each generator to get that right, `CaseBuilder.add` derives it from the
checklist file itself and refuses answers to questions that would not have been asked, or a
missing required answer: a change to a checklist then breaks the demo loudly, not silently.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from storage.repository import Case
from workflows.checklists.model import Registry
from workflows.demo.timeline import instant


class DemoDataError(ValueError):
    """The generator produced something the checklists would not accept (a bug here)."""


class CaseBuilder:
    """One case, built run by run in the order an officer would have logged them."""

    def __init__(self, registry: Registry, case_id: str, kind: str, owner: str) -> None:
        self.registry = registry
        self.case: Case = {
            "id": case_id,
            "kind": kind,
            "owner": owner,
            "status": "draft",
            "reference": None,
            "label": "",
            "created_at": "",
            "runs": [],
            "files": [],
            "history": [],
        }
        self._names: dict[str, Any] = {}

    def add(
        self,
        checklist_id: str,
        day: date,
        answers: dict[str, Any],
        rng: random.Random,
        version: int | None = None,
    ) -> None:
        """Record a finished checklist logged on `day` (its history entry is timed then),
        on its latest version unless `version` says otherwise."""
        checklist = (
            self.registry.get(checklist_id, version)
            if version is not None
            else self.registry.latest(checklist_id)
        )
        merged = {**self._names, **answers}
        ordered: dict[str, Any] = {}
        skipped: list[str] = []
        for question in checklist.questions:
            asked = question.when is None or question.when.evaluate(merged)
            if question.id in answers and not asked:
                raise DemoDataError(f"{checklist_id}.{question.id} would not have been asked")
            if question.id in answers:
                ordered[question.id] = answers[question.id]
            elif asked and question.required:
                raise DemoDataError(f"{checklist_id}.{question.id} is required")
            elif asked:
                skipped.append(question.id)
        unknown = set(answers) - set(ordered)
        if unknown:
            raise DemoDataError(f"{checklist_id} has no questions {sorted(unknown)}")
        self.case["runs"].append(
            {
                "checklist": checklist.id,
                "version": checklist.version,
                "status": "done",
                "position": None,
                "answers": ordered,
                "skipped": skipped,
                "pending": None,
            }
        )
        self._names.update(ordered)
        at = instant(day, rng)
        if self.case["history"]:  # logged the same day as the last run: not before it
            at = max(at, self.case["history"][-1]["at"])
        if not self.case["history"]:
            self.case["created_at"] = at
            self._log(at, "create", {"kind": self.case["kind"]})
        self._log(at, "checklist_done", {"checklist": checklist.id, "version": checklist.version})

    def _log(self, at: str, action: str, detail: dict[str, Any]) -> None:
        entry = {"at": at, "actor": self.case["owner"], "action": action, "detail": detail}
        self.case["history"].append(entry)
