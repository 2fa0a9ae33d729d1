"""Cases and their checklist runs: the domain service over the repository.

A case is a JSON-able dict owned by this module:

    {"id", "kind": "communication" | "visit", "owner": user id,
     "status": "draft" | "open" | "closed", "reference", "label",
     "created_at": UTC instant, "runs": [run, ...], "files": [meta, ...],
     "history": [audit entries, appended by storage]}

`runs[0]` is the intake checklist; later runs are updates (reply, follow-up action,
visit events...) and finally a closure. Every engine step that changes a run is
saved before the caller answers the user, so a confirmed answer is never lost.

Communications are one letter per addressee, as OHCHR sends them. Saving an intake that
names several addressees keeps the first in this case and creates one linked case per other
addressee, each with its own reference; every letter of the group lists the others in
`group` (case ids). Saving a follow-up letter creates a communication of its own, linked
both ways: `follows` (the letter it follows up) and `followups` (on the original). An
upgraded case may also carry `aliases`, the references it had before (found by /case), and
`reply_unknown` when the upgrade made it (see `workflows.records.upgrade`).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from storage.repository import Case, Repository
from workflows.cases.references import parse_reference, split_references
from workflows.checklists import engine
from workflows.checklists.answers import AnswerContext
from workflows.checklists.model import Checklist, Registry
from workflows.deadlines import reminders
from workflows.deadlines.rules import Rules, load_rules, rules_for
from workflows.language import DEFAULT, _, use
from workflows.reference.actors import display_name
from workflows.reference.dates import DEFAULT_TZ, today_in

OVERRIDES = "deadline_overrides"
COMMUNICATION_INTAKE = "communication_intake"
FOLLOWUP = "communication_followup"
#: Saving a reply on a letter an upgrade made says it was answered; closing it "no reply"
#: says it was not. Closing it for another reason ("superseded", "other", or "answered"
#: with no reply recorded) says nothing the non-cooperation count could read.
REPLY_CHECKLIST, CLOSURE_CHECKLIST = "communication_reply", "communication_closure"
INTAKE = {"communication": "communication_intake", "visit": "visit_request"}
KIND_LABELS = {"communication": "communication", "visit": "country visit"}
#: The label of a deleted draft (status stays "draft", so reports and counts leave it out).
DELETED_LABEL = "Deleted draft"


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
        problem = None
        if step.finished and run["status"] != "done":
            problem = self._on_saved(case, index, actor)
        if problem is None:
            return step
        again = self.show(case, index)  # the reference is asked again
        again.notes, again.error = [problem], True
        return again

    # ---- letters made from others -------------------------------------------------
    def _on_saved(self, case: Case, index: int, actor: str) -> str | None:
        """A saved intake to several addressees becomes one letter each; a saved follow-up
        letter becomes a communication of its own. Returns why the intake's reference is
        asked again, if it is."""
        checklist_id = case["runs"][index]["checklist"]
        if checklist_id == COMMUNICATION_INTAKE:
            return self._split(case, actor)
        if checklist_id == FOLLOWUP:
            self._followup_letter(case, index, actor)
        elif _confirms_reply(case["runs"][index]) and case.pop("reply_unknown", None):
            # an officer recorded this letter's reply, or closed it as unanswered
            self.save(case, actor, "reply_known", {"checklist": checklist_id})
        return None

    def _split(self, case: Case, actor: str) -> str | None:
        """One case per addressee. The siblings are written first and have ids derived from
        this case and their reference, and this case is narrowed last: a crash in between
        leaves the intake as it was, and saving it again (or `finish_splits` at the next
        start) makes the same siblings. A reference that does not match the addressees one
        for one, or that another case took meanwhile, is never saved as it is: the intake
        goes back to the reference question (returned: why)."""
        answers = case["runs"][0]["answers"]
        actors = answers.get("addressees") or []
        references = split_references(answers.get("reference") or "")
        if len(references) != max(len(actors), 1):
            return self._ask_reference_again(
                case,
                actor,
                _("Each addressee gets its own reference: give {n}.").format(n=len(actors)),
            )
        ids = [case["id"], *(derived_id(case["id"], ref) for ref in references[1:])]
        for reference in references:
            holder = self.repo.case_by_reference(reference)
            if holder is not None and holder["id"] not in ids:
                return self._ask_reference_again(
                    case,
                    actor,
                    _("{reference} is already used by another case.").format(reference=reference),
                )
        if len(actors) < 2:
            return None
        group = list(dict.fromkeys([*(case.get("group") or []), *ids]))
        for addressee, reference, letter_id in zip(
            actors[1:], references[1:], ids[1:], strict=True
        ):
            letter = letter_for(case, letter_id, addressee, reference, group)
            self.save(letter, actor, "create", {"kind": "communication", "letter_of": case["id"]})
        for other_id in group:
            other = self.repo.get_case(other_id) if other_id not in ids else None
            if other is not None and other.get("group") != group:
                other["group"] = group
                self.save(other, actor, "link_letters", {"group": group})
        case["runs"][0]["answers"] = {
            **answers,
            "addressees": [actors[0]],
            "reference": references[0],
        }
        case["group"] = group
        self.save(case, actor, "split_by_addressee", {"letters": ids})
        return None

    def _ask_reference_again(self, case: Case, actor: str, reason: str) -> str:
        run = case["runs"][0]
        stale = run["answers"].pop("reference", None)
        run.update(status="in_progress", position="reference", pending=None)
        self.save(case, actor, "reference_asked_again", {"reason": reason, "was": stale})
        return reason

    def finish_splits(self) -> int:
        """Split every saved intake still naming several addressees (a letter saved by an
        older version, or a process killed between writing the other letters and narrowing
        this one). Found through the index: only such an intake has a reference with a
        comma. Returns how many were looked at."""
        with self.repo.locked():
            found = [
                e["id"]
                for e in self.repo.list_cases(kind="communication")
                if "," in str(e.get("reference") or "")
            ]
            for case_id in found:
                case = self.repo.get_case(case_id)
                if case is not None and case["runs"] and case["runs"][0]["status"] == "done":
                    self._split(case, "system")
        return len(found)

    def _followup_letter(self, case: Case, index: int, actor: str) -> None:
        """The follow-up letter as a communication: its own reference, date sent and reply
        period. Its id comes from this case and the run, so saving twice makes one."""
        answers = case["runs"][index]["answers"]
        if answers.get("action_type") != "letter" or not answers.get("followup_reference"):
            return
        letter_id = derived_id(case["id"], f"followup:{index}")
        if self.repo.get_case(letter_id) is None:
            intake = self.registry.latest(COMMUNICATION_INTAKE)
            letter = followup_case(case, letter_id, answers, intake.version)
            self.save(letter, actor, "create", {"kind": "communication", "follows": case["id"]})
        if letter_id not in (case.get("followups") or []):
            case["followups"] = [*(case.get("followups") or []), letter_id]
            self.save(case, actor, "link_followup", {"followup": letter_id})

    def show(self, case: Case, index: int) -> engine.Step:
        run = case["runs"][index]
        return engine.current(self.checklist_of(run), run, self.context(case, index))

    def attach(self, case: Case, meta: dict[str, Any], actor: str) -> None:
        case["files"].append(meta)
        self.save(case, actor, "attach_file", {"name": meta["name"], "sha256": meta["sha256"]})

    def assign(self, case: Case, owner: str, actor: str) -> None:
        previous, case["owner"] = case["owner"], owner
        self.save(case, actor, "assign", {"from": previous, "to": owner})

    def discard_run(self, case: Case, index: int, actor: str) -> None:
        """Drop an unfinished update or closure section started by mistake (never the
        intake: a draft is deleted whole). The audit names the checklist, not its answers."""
        run = case["runs"][index]
        assert index > 0 and run["status"] != "done", "only unfinished later sections"
        del case["runs"][index]
        self.save(case, actor, "discard_checklist", {"checklist": run["checklist"], "run": index})

    def delete_draft(self, case: Case, actor: str) -> None:
        """A draft logged by mistake: its answers are removed and the case is marked deleted,
        so it leaves every list and search; the file and its history stay for the audit."""
        assert case["status"] == "draft", "only drafts are deleted"
        case["runs"] = []
        case["files"] = []
        case["deleted"] = {"by": actor, "at": self.clock.now().isoformat(timespec="seconds")}
        self.save(case, actor, "delete_draft", {})

    # ---- reading ------------------------------------------------------------------
    def checklist_of(self, run: dict[str, Any]) -> Checklist:
        """The version the run was started with, so answers are never orphaned."""
        return self.registry.get(run["checklist"], run["version"])

    def links(self, case: Case) -> list[tuple[str, list[tuple[str, str]]]]:
        """The letters linked to a communication, for its card: (heading, [(case id,
        reference)]) for the rest of its group, the letter it follows up, its follow-ups."""
        found = []
        for heading, ids in (
            (_("Same allegations, one letter per addressee"), case.get("group") or []),
            (_("Follows up"), [case["follows"]] if case.get("follows") else []),
            (_("Follow-up letters"), case.get("followups") or []),
        ):
            letters = []
            for other_id in ids:
                other = self.repo.get_case(other_id) if other_id != case["id"] else None
                if other is not None:
                    letters.append((other_id, _letter_name(other)))
            if letters:
                found.append((heading, letters))
        return found

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
        if self._numbers is None:
            return
        for piece in split_references(reference or ""):
            if (parsed := parse_reference(piece)) is not None:
                key = (parsed.series, parsed.year)
                self._numbers[key] = max(self._numbers.get(key, 0), parsed.number)

    def save(self, case: Case, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Recompute the indexed summary (status, label, reminder dates), then persist."""
        derive(case, self.registry, self.rules_of(case))
        self.repo.save_case(case, actor=actor, action=action, detail=detail)
        self._count_reference(case.get("reference"))


def derived_id(case_id: str, what: str) -> str:
    """A case id made from another case's id and what the new case is (a reference, a run),
    so that doing the same thing twice (a retry after a crash) finds the same case."""
    return "c" + hashlib.sha256(f"{case_id}:{what}".encode()).hexdigest()[:10]


def letter_for(
    case: Case, letter_id: str, addressee: dict[str, Any], reference: str, group: list[str]
) -> Case:
    """The letter of a group sent to one more addressee: the same answers but its own."""
    letter = copy.deepcopy({k: v for k, v in case.items() if k not in ("seen", "reminders")})
    intake = letter["runs"][0]
    intake["answers"] = {**intake["answers"], "addressees": [addressee], "reference": reference}
    letter.update(
        id=letter_id, reference=reference, label=reference, runs=[intake], group=group, history=[]
    )
    return letter


def followup_case(case: Case, letter_id: str, action: Mapping[str, Any], version: int) -> Case:
    """A follow-up letter as a communication of its own, from the follow-up answers. Themes
    and names of people stay with the letter it follows up (linked): a follow-up letter on a
    reprisal is not a second reprisal case, and confidential names are not copied around."""
    intake: dict[str, Any] = case["runs"][0]["answers"]
    reference = parse_reference(str(action["followup_reference"]))
    assert reference is not None, "a saved follow-up reference is valid"
    summary = f"Follow-up to {case.get('reference') or case['id']}: {intake.get('summary', '')}"
    answers: dict[str, Any] = {
        "comm_type": reference.current_type,
        "addressees": intake.get("addressees") or [],
        "date_sent": action["action_date"],
        "mandates": intake.get("mandates") or [],
        "reference": str(reference),
        "summary": summary.strip(),
    }
    run = {
        "checklist": COMMUNICATION_INTAKE, "version": version, "status": "done",
        "position": None, "answers": answers, "skipped": [], "pending": None,
    }  # fmt: skip
    return {
        "id": letter_id, "kind": "communication", "owner": case["owner"], "status": "open",
        "reference": str(reference), "label": str(reference),
        "created_at": case.get("created_at"), "runs": [run], "files": [],
        "follows": case["id"], "history": [],
        **({"joint": True} if case.get("joint") else {}),  # an upgraded JAL with one mandate
    }  # fmt: skip


def _letter_name(case: Case) -> str:
    runs = case.get("runs") or []
    actors = (runs[0]["answers"].get("addressees") if runs else None) or []
    names = ", ".join(a.get("name", "") for a in actors)
    return f"{case.get('label') or case['id']}" + (f" ({names})" if names else "")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _confirms_reply(run: Mapping[str, Any]) -> bool:
    if run["checklist"] == CLOSURE_CHECKLIST:
        return run["answers"].get("closure_reason") == "no_reply"
    return bool(run["checklist"] == REPLY_CHECKLIST)


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
    with use(DEFAULT):  # the label is stored and shown to all: in the reference language
        _label(case)
    case["status"] = _status(case, registry)
    case["next_alert"] = _iso(reminders.next_alert(case, rules))
    case["next_due"] = _iso(reminders.next_due(case, rules))


def _label(case: Case) -> None:
    if case.get("deleted"):
        case["reference"], case["label"] = None, DELETED_LABEL
        return
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
