"""Section 4 of the report: follow-up actions due, done and overdue; open items per owner.

"Actions" are the deadlines of `workflows.deadlines` (reply, early check on urgent appeals,
follow-up letter, visit response, visit report, recommendations), so the report and the
reminders can never disagree. Closed cases have none.

- due: deadlines of cases in scope falling in the period; done: of those, met;
  overdue: not met and before today; not_yet_due: not met, today or later.
- open_cases and the per-owner table are a snapshot as of today, whatever the period: open
  cases, overdue items (unmet deadlines before today, of any date) and the oldest of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from workflows.deadlines import deadlines
from workflows.report.facts import Case, Frame
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


def followup_section(frame: Frame, cases: list[Case]) -> Section:
    rules: dict[str, _Rule] = {}
    owners: dict[str, _Owner] = {}
    for case in cases:
        found = deadlines(case, frame.rules_of(case))
        for deadline in found:
            if deadline.due in frame:
                tally = rules.setdefault(deadline.rule, _Rule(deadline.title)).counts
                tally["due"] += 1
                tally[_state(deadline.met, deadline.due, frame.today)] += 1
        if case.get("status") == "open":
            owner = owners.setdefault(str(case.get("owner", "")), _Owner())
            owner.open_cases += 1
            late = [d.due for d in found if not d.met and d.due < frame.today]
            owner.overdue += len(late)
            if late:
                owner.oldest = min([*late, *([owner.oldest] if owner.oldest else [])])
    total = Counter[str]()
    for rule in rules.values():
        total.update(rule.counts)
    figures = (
        Figure("due", "Follow-up actions due in the period", total["due"]),
        Figure("done", "Done", total["done"]),
        Figure("overdue", "Overdue", total["overdue"]),
        Figure("not_yet_due", "Not yet due", total["not_yet_due"]),
        Figure("open_cases", "Open cases (today)", sum(o.open_cases for o in owners.values())),
    )
    rule_rows = tuple(
        (r.title, r.counts["due"], r.counts["done"], r.counts["overdue"], r.counts["not_yet_due"])
        for _, r in sorted(rules.items(), key=lambda item: _position(item[0]))
    )
    owner_rows = tuple(
        (name, o.open_cases, o.overdue, long_date(o.oldest) if o.oldest else "")
        for name, o in sorted(owners.items(), key=lambda item: (-item[1].overdue, item[0]))
    )
    tables = (
        Table("followup_by_action", "Follow-up actions due in the period",
              ("Action", "Due", "Done", "Overdue", "Not yet due"), rule_rows),
        Table("open_items_by_owner", "Open items per owner (today)",
              ("Owner", "Open cases", "Overdue items", "Overdue since"), owner_rows),
    )  # fmt: skip
    return Section("followup", "Follow-up", figures, tables)


def _position(rule: str) -> int:
    return _ORDER.index(rule) if rule in _ORDER else len(_ORDER)


def _state(met: bool, due: date, today: date) -> str:
    if met:
        return "done"
    return "overdue" if due < today else "not_yet_due"
