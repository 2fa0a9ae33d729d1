"""Which reminders are due now, derived from stored deadlines; idempotent by key.

Nothing here is held in memory between sweeps. A sweep looks at every case, computes
its unmet deadlines, and for each one picks the rung of the reminder ladder that
applies today (due date, then +7 days, then weekly, from `Rules`). A reminder's key is
(case, rule, due date, ladder start, rung): the sender records the key in the case when
it has sent it, so a second sweep, a restart, or a crash right after sending never
sends it twice, while a missed rung (the bot was down) is sent at the next sweep. Only
the latest rung is sent on catch-up, never a burst of old ones.

A user's "Snooze 7 days" moves the ladder's start; "No action needed" dismisses the
rule for that due date (changing the answer that sets the due date brings it back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from workflows.deadlines import Deadline, Rules, deadlines

RulesOf = Callable[[Mapping[str, Any]], Rules]


@dataclass(frozen=True)
class Reminder:
    case_id: str
    owner: str
    deadline: Deadline
    rung: int
    key: str

    def days_overdue(self, today: date) -> int:
        return (today - self.deadline.due).days


def ladder_offsets(rules: Rules, upto_days: int) -> list[int]:
    """Day offsets of the rungs from the ladder start, up to `upto_days`."""
    offsets = [0]
    for step in rules.repeat_after_days:
        offsets.append(offsets[-1] + step)
    while offsets[-1] + rules.then_every_days <= upto_days:
        offsets.append(offsets[-1] + rules.then_every_days)
    return [o for o in offsets if o <= upto_days]


def reminder_state(case: Mapping[str, Any]) -> dict[str, Any]:
    """The case's own record of sent, snoozed and dismissed reminders."""
    return case.get("reminders") or {"sent": {}, "snoozed": {}, "dismissed": {}}


def due_reminder(
    case: Mapping[str, Any], deadline: Deadline, today: date, rules: Rules
) -> Reminder | None:
    """The reminder to send today for one deadline, or None (met, dismissed, sent, not yet)."""
    if deadline.met or deadline.due > today:
        return None
    state = reminder_state(case)
    if state["dismissed"].get(deadline.rule) == deadline.due.isoformat():
        return None
    start = deadline.due
    snoozed = state["snoozed"].get(deadline.rule)
    if snoozed and snoozed["due"] == deadline.due.isoformat():
        start = max(start, date.fromisoformat(snoozed["until"]))
    if start > today:
        return None
    rung = len(ladder_offsets(rules, (today - start).days)) - 1
    key = f"{case['id']}|{deadline.rule}|{deadline.due.isoformat()}|{start.isoformat()}|{rung}"
    if key in state["sent"]:
        return None
    return Reminder(case["id"], case["owner"], deadline, rung, key)


def sweep(cases: Iterable[Mapping[str, Any]], today: date, rules_of: RulesOf) -> list[Reminder]:
    """Every reminder due today across cases; `rules_of(case)` gives the case's rules."""
    found: list[Reminder] = []
    for case in cases:
        rules = rules_of(case)
        for deadline in deadlines(case, rules):
            reminder = due_reminder(case, deadline, today, rules)
            if reminder is not None:
                found.append(reminder)
    return found


def mark_sent(case: dict[str, Any], key: str, at: str) -> None:
    state = case.setdefault("reminders", reminder_state(case))
    state["sent"][key] = at


def snooze(case: dict[str, Any], deadline: Deadline, until: date) -> None:
    state = case.setdefault("reminders", reminder_state(case))
    state["snoozed"][deadline.rule] = {"due": deadline.due.isoformat(), "until": until.isoformat()}


def dismiss(case: dict[str, Any], deadline: Deadline, reason: str, by: str) -> None:
    state = case.setdefault("reminders", reminder_state(case))
    state["dismissed"][deadline.rule] = deadline.due.isoformat()
    state.setdefault("dismiss_reasons", []).append(
        {"rule": deadline.rule, "due": deadline.due.isoformat(), "reason": reason, "by": by}
    )


def upcoming(
    cases: Iterable[Mapping[str, Any]], today: date, days: int, rules_of: RulesOf
) -> tuple[list[tuple[Mapping[str, Any], Deadline]], list[tuple[Mapping[str, Any], Deadline]]]:
    """(overdue, due within `days`) unmet, undismissed deadlines: what a digest lists."""
    overdue, soon = [], []
    horizon = today + timedelta(days=days)
    for case in cases:
        dismissed = reminder_state(case)["dismissed"]
        for deadline in deadlines(case, rules_of(case)):
            if deadline.met or dismissed.get(deadline.rule) == deadline.due.isoformat():
                continue
            if deadline.due <= today:
                overdue.append((case, deadline))
            elif deadline.due <= horizon:
                soon.append((case, deadline))
    return overdue, soon
