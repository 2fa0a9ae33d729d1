"""Section 4 of the report: deadlines and workload.

"Deadlines" are those of `workflows.deadlines.rules` (reply, early check on urgent appeals,
follow-up letter, publication, visit response, visit report, recommendations), so the
report and the reminders can never disagree. Every case counts, open or closed: a closed
case's deadlines count up to the day it was closed (one that would have fallen later never
fell).

- due: deadlines that fell in the period; met: of those, met; missed: not met and before
  the cut-off (the day the report is compiled); not_yet_due: not met, on or after it.
- open_cases and the per-owner table are a snapshot at the cut-off, whatever the period:
  open cases, overdue items (unmet deadlines of open cases before the cut-off, of any date)
  and the oldest of them, per owner by the name in their user record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from workflows.deadlines.rules import Deadline, deadlines
from workflows.language import _
from workflows.report.facts import Case, Frame, closed_on
from workflows.report.model import Figure, Section, Table
from workflows.report.periods import long_date

#: Table order: communications' deadlines first, in the order they fall due, then visits'.
_ORDER = ("reply", "urgent_check", "followup_letter", "letter_publication", "reply_publication",
          "visit_no_response", "visit_report",
          "recommendations")  # fmt: skip


@dataclass
class _Owner:
    open_cases: int = 0
    overdue: int = 0
    oldest: date | None = None


@dataclass
class _Rule:
    title: str
    counts: Counter[str] = field(default_factory=Counter)


def deadlines_section(frame: Frame, cases: list[Case]) -> Section:
    rules: dict[str, _Rule] = {}
    owners: dict[str, _Owner] = {}
    for case in cases:
        closed = closed_on(case) if case.get("status") == "closed" else None
        if closed is not None and closed < frame.start:
            continue  # closed before the period: none of its deadlines can fall in it
        found = _fell(case, frame)
        for deadline in found:
            if deadline.due in frame:
                tally = rules.setdefault(deadline.rule, _Rule(deadline.title)).counts
                tally["due"] += 1
                tally[_state(deadline.met, deadline.due, frame.today)] += 1
        if case.get("status") == "open":
            owner = owners.setdefault(frame.owner_name(case.get("owner")), _Owner())
            owner.open_cases += 1
            late = [d.due for d in found if not d.met and d.due < frame.today]
            owner.overdue += len(late)
            if late:
                owner.oldest = min([*late, *([owner.oldest] if owner.oldest else [])])
    total = Counter[str]()
    for rule in rules.values():
        total.update(rule.counts)
    figures = (
        Figure("due", _("Deadlines that fell in the period (open and closed cases)"),
               total["due"]),
        Figure("done", _("Met"), total["done"]),
        Figure("overdue", _("Missed (not met by the cut-off)"), total["overdue"]),
        Figure("not_yet_due", _("Not yet due at the cut-off"), total["not_yet_due"]),
        Figure("open_cases", _("Open cases at the cut-off"),
               sum(o.open_cases for o in owners.values())),
        Figure("overdue_now", _("Overdue items at the cut-off (open cases, any date)"),
               sum(o.overdue for o in owners.values())),
    )  # fmt: skip
    rule_rows = tuple(
        (r.title, r.counts["due"], r.counts["done"], r.counts["overdue"], r.counts["not_yet_due"])
        for _, r in sorted(rules.items(), key=lambda item: _position(item[0]))
    )
    owner_rows = tuple(
        (name, o.open_cases, o.overdue, long_date(o.oldest) if o.oldest else "")
        for name, o in sorted(owners.items(), key=lambda item: (-item[1].overdue, item[0]))
    )
    tables = (
        Table("followup_by_action", _("Deadlines that fell in the period"),
              (_("Deadline"), _("Fell due"), _("Met"), _("Missed"), _("Not yet due")),
              rule_rows),
        Table("open_items_by_owner",
              _("Open cases and overdue items per owner (at the cut-off)"),
              (_("Owner"), _("Open cases"), _("Overdue items"), _("Overdue since")),
              owner_rows),
    )  # fmt: skip
    return Section("deadlines", _("Deadlines and workload"), figures, tables)


def _fell(case: Case, frame: Frame) -> list[Deadline]:
    """The case's deadlines; a closed case's only up to its closure."""
    found = deadlines(case, frame.rules_of(case), closed_too=True)
    if case.get("status") != "closed":
        return found
    closed = closed_on(case)
    return [d for d in found if closed is None or d.due <= closed]


def _position(rule: str) -> int:
    return _ORDER.index(rule) if rule in _ORDER else len(_ORDER)


def _state(met: bool, due: date, today: date) -> str:
    if met:
        return "done"
    return "overdue" if due < today else "not_yet_due"
