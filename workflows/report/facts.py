"""What a case says, read from its stored answers: the few accessors reports and search share.

Everything is derived from answers each time (as deadlines are), never cached in the case,
so an edited answer changes every figure at once. Within one report, the accessors marked
`per_case` work each case's facts out once (workflows.cases.memo: the report reads copies
that live only while it compiles).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from workflows.cases.memo import per_case
from workflows.cases.references import JOINT_TYPES
from workflows.checklists import question_ids as qids
from workflows.deadlines.rules import Rules, answers_of, intake, rules_for
from workflows.language import _
from workflows.reference.actors import display_name
from workflows.reference.dates import parse_iso

Case = Mapping[str, Any]

#: Follow-up actions that are escalations of a reprisal (referral, SG report).
REPRISAL_ACTIONS = frozenset({"asg", "sg_report"})


@dataclass(frozen=True)
class Frame:
    """What every section needs besides the cases: the period, today and the rules."""

    start: date
    end: date
    today: date
    rules: Rules
    overrides: Mapping[str, Any]
    #: Standing invitations by State code ({"since": ISO date or None}),
    #: see workflows.cases.standing.
    standing: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Users' names by id (the user record's "name"), to show owners by name.
    users: Mapping[str, str] = field(default_factory=dict)

    def __contains__(self, value: object) -> bool:
        """`day in frame`: the day is inside the period (None never is)."""
        return isinstance(value, date) and self.start <= value <= self.end

    def owner_name(self, owner: Any) -> str:
        """An owner as readers know them: the user's name, else "user ID (no name)"."""
        name = self.users.get(str(owner or ""))
        if name:
            return name
        if owner:
            return _("user {id} (no name recorded)").format(id=owner)
        return _("no owner")

    @property
    def rules_of(self) -> Callable[[Case], Rules]:
        """Per-case rules (per-mandate overrides, as reminders use them)."""
        if not self.overrides:
            return lambda case: self.rules
        return lambda case: rules_for(case, self.rules, self.overrides)


def day(value: Any) -> date | None:
    """A stored ISO date, or None when the question was not answered."""
    if not value:
        return None
    return _iso_day(value) if isinstance(value, str) else parse_iso(value)


@lru_cache(maxsize=65536)
def _iso_day(value: str) -> date:
    """Parsed once per distinct string: a report reads the same few thousand dates from
    tens of thousands of answers (a quarter of a 14-year report's time went to parsing)."""
    return parse_iso(value)


@per_case
def sent_on(case: Case) -> date | None:
    return day(intake(case).get(qids.DATE_SENT))


@per_case
def requested_on(case: Case) -> date | None:
    return day(intake(case).get(qids.REQUEST_DATE))


@per_case
def addressees(case: Case) -> list[dict[str, str]]:
    """Actors the case is about (a communication's addressees or a visit's State), each with
    the name to show: a State's UN name from its code, another actor's name as typed."""
    answers = intake(case)
    if case.get("kind") == "communication":
        found = list(answers.get(qids.ADDRESSEES) or [])
    else:
        found = [answers[qids.STATE]] if answers.get(qids.STATE) else []
    return [{**actor, "name": display_name(actor)} for actor in found]


@per_case
def mandates(case: Case) -> list[str]:
    return list(intake(case).get(qids.MANDATES) or [])


def statements(comms: list[Case], frame: Frame) -> int:
    """Press releases and public statements dated in the period, one per group of letters
    (one allegation sent to several addressees) and date: a statement recorded on each
    letter of a group is one statement."""
    return len(
        {
            (frozenset([case["id"], *(case.get("group") or ())]), on)
            for case in comms
            for action in actions(case, "statement")
            if (on := day(action[qids.ACTION_DATE])) in frame
        }
    )


@per_case
def is_joint(case: Case) -> bool:
    """Two or more mandates; an older record typed JAL/JUA/JOL; or a letter the upgrade made
    from one (`joint` on the case), which may name a single mandate but was sent as joint."""
    answers = intake(case)
    return (
        bool(case.get("joint"))
        or len(answers.get(qids.MANDATES) or []) >= 2
        or answers.get(qids.COMM_TYPE) in JOINT_TYPES
    )


def in_scope(case: Case, mandate: str | None, state: str | None) -> bool:
    """A finished intake, and the mandate and State asked for (if any)."""
    if case.get("status") == "draft":
        return False
    if mandate and mandate not in mandates(case):
        return False
    return not state or any(
        a.get("kind") == "state" and a.get("code") == state for a in addressees(case)
    )


@per_case
def replied_on(case: Case) -> date | None:
    """The first reply's date (a later reply does not make the first one late)."""
    dates = [
        d for a in answers_of(case, "communication_reply") if (d := day(a.get(qids.REPLY_DATE)))
    ]
    return min(dates, default=None)


@per_case
def actions(case: Case, kind: str) -> list[dict[str, Any]]:
    """Follow-up actions of one type that have a date."""
    return [
        a
        for a in answers_of(case, "communication_followup")
        if a.get(qids.ACTION_TYPE) == kind and a.get(qids.ACTION_DATE)
    ]


@per_case
def visits(case: Case) -> list[dict[str, Any]]:
    return [a for a in answers_of(case, "visit_conducted") if a.get(qids.VISITED_FROM)]


@per_case
def events(case: Case) -> list[dict[str, Any]]:
    """Status events on a visit request, oldest first. A "no response" entered as an event
    (visit_response version 1) is left out: no response follows from the dates."""
    found = [
        a
        for a in answers_of(case, "visit_response")
        if a.get(qids.EVENT_DATE) and a.get(qids.EVENT) != "no_response"
    ]
    return sorted(found, key=lambda a: a[qids.EVENT_DATE])


@per_case
def reprisals(case: Case) -> list[dict[str, Any]]:
    """Reprisal checklists raised on the case (communication or visit) that have a date."""
    return [a for a in answers_of(case, "reprisal") if a.get(qids.INCIDENT_DATE)]


@per_case
def is_reprisal(case: Case) -> bool:
    """Flagged as involving intimidation or reprisal anywhere in its answers."""
    if reprisals(case):
        return True
    if case.get("kind") == "communication":
        themes = intake(case).get(qids.THEMES) or []
        escalated = any(actions(case, kind) for kind in REPRISAL_ACTIONS)
        return "reprisal" in themes or escalated
    return intake(case).get("reprisal") is True or any(
        v.get(qids.REPRISAL_DURING) is True for v in visits(case)
    )


@per_case
def closed_on(case: Case) -> date | None:
    """The closure date of a closed case (an unsaved closure does not count)."""
    if case.get("status") != "closed":
        return None
    for runs in (answers_of(case, "communication_closure"), answers_of(case, "visit_closure")):
        for answers in runs:
            if answers.get(qids.CLOSURE_DATE):
                return day(answers[qids.CLOSURE_DATE])
    return None
