"""Cases and their checklist runs: the domain service over the repository.

A case is a JSON-able dict owned by this module:

    {"id", "kind": "communication" | "visit", "owner": user id,
     "status": "draft" | "open" | "closed", "reference", "label",
     "created_at": UTC instant, "runs": [run, ...], "files": [meta, ...],
     "history": [audit entries, appended by storage]}

`runs[0]` is the intake checklist; later runs are updates (reply, follow-up action,
visit events...) and finally a closure. Every engine step that changes a run is
saved before the caller answers the user, so a confirmed answer is never lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from storage.repository import Case, Repository
from workflows import engine, reminders
from workflows.actors import display_name
from workflows.answers import AnswerContext
from workflows.checklist import Checklist, Registry
from workflows.dates import DEFAULT_TZ, today_in
from workflows.deadlines import Rules, load_rules, rules_for

OVERRIDES = "deadline_overrides"
_SERIES = re.compile(r"^[A-Z]{2,3} (?P<iso3>[A-Z]{3}) (?P<number>[0-9]+)/(?P<year>[0-9]{4})$")
INTAKE = {"communication": "communication_intake", "visit": "visit_request"}
KIND_LABELS = {"communication": "communication", "visit": "country visit"}


@dataclass
class Clock:
    """Injectable "now" (an aware UTC instant); tests pass a fixed or moving one."""

    now: Callable[[], datetime] = lambda: datetime.now(UTC)


class CaseService:
    """Creates cases, applies checklist input to them, and persists every step."""

    def __init__(
        self,
        repo: Repository,
        registry: Registry,
        clock: Clock | None = None,
        tz: str = DEFAULT_TZ,
        rules: Rules | None = None,
    ) -> None:
        self.repo = repo
        self.registry = registry
        self.clock = clock or Clock()
        self.tz = tz
        self.rules = rules or load_rules()
        self._overrides: dict[str, Any] = repo.get_setting(OVERRIDES, {})
        self._numbers: dict[tuple[str, int], int] | None = None

    @property
    def overrides(self) -> dict[str, Any]:
        return self._overrides

    def rules_of(self, case: Mapping[str, Any]) -> Rules:
        """Deadline rules for a case, with the admin's per-mandate overrides applied."""
        return rules_for(case, self.rules, self._overrides)

    def set_overrides(self, overrides: dict[str, Any], actor: str) -> None:
        """Change per-mandate rules; the reminder dates they move are recomputed at once.

        Every case is read with the repository lock stepped aside, so a rule change over
        thousands of cases does not hold up other users; each case whose dates move is read
        again and saved under the lock (a copy read earlier may be stale by then)."""
        self.repo.set_setting(OVERRIDES, overrides, actor=actor)
        self._overrides = overrides
        with self.repo.stepped_aside():
            moved = [case["id"] for case in self.repo.iter_cases() if self._dates_move(case)]
            for case_id in moved:
                with self.repo.locked():
                    case = self.repo.get_case(case_id)
                    if case is not None:
                        self.save(case, actor, "rules_changed", {})

    def _dates_move(self, case: Case) -> bool:
        before = (case.get("next_alert"), case.get("next_due"))
        derive(case, self.registry, self.rules_of(case))
        return (case.get("next_alert"), case.get("next_due")) != before

    # ---- lifecycle ----------------------------------------------------------------
    def create(self, kind: str, owner: str, case_id: str | None = None) -> tuple[Case, engine.Step]:
        """A new draft case; `case_id` lets a caller make creation idempotent."""
        checklist = self.registry.latest(INTAKE[kind])
        case: Case = {
            "id": case_id or self.repo.new_case_id(),
            "kind": kind,
            "owner": owner,
            "status": "draft",
            "reference": None,
            "label": f"New {KIND_LABELS[kind]}",
            "created_at": self.clock.now().isoformat(timespec="seconds"),
            "runs": [],
            "files": [],
        }
        step = engine.start(checklist, self.context(case))
        case["runs"].append(step.run)
        self.save(case, owner, "create", {"kind": kind})
        return case, step

    def start_run(self, case: Case, checklist_id: str, actor: str) -> tuple[int, engine.Step]:
        """Begin an update or closure checklist on a case (resuming an unfinished one)."""
        for index, run in enumerate(case["runs"]):
            if run["checklist"] == checklist_id and run["status"] != "done":
                return index, self.show(case, index)
        checklist = self.registry.latest(checklist_id)
        step = engine.start(checklist, self.context(case))
        case["runs"].append(step.run)
        index = len(case["runs"]) - 1
        self.save(case, actor, "start_checklist", {"checklist": checklist_id, "run": index})
        return index, step

    def apply(self, case: Case, index: int, inp: engine.Input, actor: str) -> engine.Step:
        """One engine step on run `index`; saved before returning if anything changed."""
        run = case["runs"][index]
        checklist = self.checklist_of(run)
        step = engine.handle(checklist, run, inp, self.context(case, index))
        if step.changed:
            case["runs"][index] = step.run
            self.save(case, actor, *_describe(checklist, run, step.run, inp))
        return step

    def show(self, case: Case, index: int) -> engine.Step:
        run = case["runs"][index]
        return engine.current(self.checklist_of(run), run, self.context(case, index))

    def attach(self, case: Case, meta: dict[str, Any], actor: str) -> None:
        case["files"].append(meta)
        self.save(case, actor, "attach_file", {"name": meta["name"], "sha256": meta["sha256"]})

    def assign(self, case: Case, owner: str, actor: str) -> None:
        previous, case["owner"] = case["owner"], owner
        self.save(case, actor, "assign", {"from": previous, "to": owner})

    # ---- reading ------------------------------------------------------------------
    def checklist_of(self, run: dict[str, Any]) -> Checklist:
        """The version the run was started with, so answers are never orphaned."""
        return self.registry.get(run["checklist"], run["version"])

    def today(self) -> date:
        """The user's calendar day in the configured time zone (dates are local days)."""
        return today_in(self.tz, self.clock.now())

    def context(self, case: Case, upto: int | None = None) -> AnswerContext:
        """Answer context for run `upto`: the answers of the case's other runs as names."""
        names: dict[str, Any] = {}
        for index, run in enumerate(case["runs"]):
            if index != upto:
                names.update(run["answers"])
        return AnswerContext(
            today=self.today(),
            tz=self.tz,
            names=names,
            next_reference_number=self._next_reference_number,
            reference_taken=lambda ref: _taken_by_other(self.repo, ref, case["id"]),
        )

    def _next_reference_number(self, iso3: str, year: int) -> int:
        """Next number in the per-State, per-year series (our assumption: shared by all types).

        The highest number per series is built once from the index and kept up to date by
        `save`, so offering a reference never scans every case.
        """
        if self._numbers is None:
            self._numbers = {}
            for entry in self.repo.list_cases(kind="communication"):
                self._count_reference(entry.get("reference"))
        return self._numbers.get((iso3, year), 0) + 1

    def _count_reference(self, reference: str | None) -> None:
        match = _SERIES.match(reference or "")
        if match and self._numbers is not None:
            key = (match["iso3"], int(match["year"]))
            self._numbers[key] = max(self._numbers.get(key, 0), int(match["number"]))

    def save(self, case: Case, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Recompute the indexed summary (status, label, reminder dates), then persist."""
        derive(case, self.registry, self.rules_of(case))
        self.repo.save_case(case, actor=actor, action=action, detail=detail)
        self._count_reference(case.get("reference"))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _taken_by_other(repo: Repository, reference: str, case_id: str) -> bool:
    other = repo.case_by_reference(reference)
    return other is not None and other["id"] != case_id


def _describe(
    checklist: Checklist, before: dict[str, Any], after: dict[str, Any], inp: engine.Input
) -> tuple[str, dict[str, Any]]:
    """Audit action and detail for one step; confidential values are never copied here."""
    changed = [k for k in after["answers"] if before["answers"].get(k) != after["answers"][k]]
    detail: dict[str, Any] = {"checklist": checklist.id, "version": checklist.version}
    if changed:
        return "answer", {**detail, "questions": changed}
    if after["status"] != before["status"]:
        return f"checklist_{after['status']}", detail
    return type(inp).__name__.lower(), {**detail, "position": after.get("position")}


def derive(case: Case, registry: Registry, rules: Rules) -> None:
    """Recompute the indexed summary fields from the answers; call before every save."""
    _label(case)
    case["status"] = _status(case, registry)
    case["next_alert"] = _iso(reminders.next_alert(case, rules))
    case["next_due"] = _iso(reminders.next_due(case, rules))


def _label(case: Case) -> None:
    answers: dict[str, Any] = case["runs"][0]["answers"] if case["runs"] else {}
    if case["kind"] == "communication":
        case["reference"] = answers.get("reference")
        addressees = ", ".join(display_name(a) for a in answers.get("addressees") or [])
        case["label"] = case["reference"] or (
            f"Draft {answers.get('comm_type', 'communication')}"
            + (f" to {addressees}" if addressees else "")
        )
    else:
        state = display_name(answers["state"]) if answers.get("state") else "a State"
        mandates = ", ".join(answers.get("mandates") or [])
        case["label"] = f"Visit to {state}" + (f" ({mandates})" if mandates else "")


def _status(case: Case, registry: Registry) -> str:
    runs = case["runs"]
    if not runs or runs[0]["status"] != "done":
        return "draft"
    closed = any(
        r["status"] == "done" and registry.get(r["checklist"], r["version"]).stage == "closure"
        for r in runs
    )
    return "closed" if closed else "open"
