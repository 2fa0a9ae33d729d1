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

from workflows.deadlines.rules import Deadline, Rules, deadlines

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


def rung_offset(rules: Rules, rung: int) -> int:
    """Days from the ladder start to rung `rung` (0 = the due day itself)."""
    steps = rules.repeat_after_days
    if rung <= len(steps):
        return sum(steps[:rung])
    return sum(steps) + (rung - len(steps)) * rules.then_every_days


def current_rung(rules: Rules, days_since_start: int) -> int:
    """The latest rung reached `days_since_start` days after the ladder start."""
    steps = rules.repeat_after_days
    if days_since_start >= sum(steps):
        return len(steps) + (days_since_start - sum(steps)) // rules.then_every_days
    return next(k for k in range(len(steps)) if rung_offset(rules, k + 1) > days_since_start)


def reminder_state(case: Mapping[str, Any]) -> dict[str, Any]:
    """The case's own record of sent, snoozed and dismissed reminders."""
    return case.get("reminders") or {"sent": {}, "snoozed": {}, "dismissed": {}}


def due_reminder(
    case: Mapping[str, Any], deadline: Deadline, today: date, rules: Rules
) -> Reminder | None:
    """The reminder to send today for one deadline, or None (met, dismissed, sent, not yet)."""
    if not is_active(case, deadline) or deadline.due > today:
        return None
    start = _ladder_start(case, deadline)
    if start > today:
        return None
    key = _key(case, deadline, start, current_rung(rules, (today - start).days))
    if key in reminder_state(case)["sent"]:
        return None
    return Reminder(case["id"], case["owner"], deadline, int(key.rsplit("|", 1)[1]), key)


def _key(case: Mapping[str, Any], deadline: Deadline, start: date, rung: int) -> str:
    return f"{case['id']}|{deadline.rule}|{deadline.due.isoformat()}|{start.isoformat()}|{rung}"


def _ladder_start(case: Mapping[str, Any], deadline: Deadline) -> date:
    snoozed = reminder_state(case)["snoozed"].get(deadline.rule)
    if snoozed and snoozed["due"] == deadline.due.isoformat():
        return max(deadline.due, date.fromisoformat(snoozed["until"]))
    return deadline.due


def is_active(case: Mapping[str, Any], deadline: Deadline) -> bool:
    dismissed = reminder_state(case)["dismissed"].get(deadline.rule)
    return not deadline.met and dismissed != deadline.due.isoformat()


def next_alert(case: Mapping[str, Any], rules: Rules) -> date | None:
    """The first day a sweep could have something to send for this case.

    Kept in the index, so a sweep opens only the cases whose day has come instead of
    every case. It depends only on the case (answers, sent keys, snoozes), not on today.
    """
    sent = reminder_state(case)["sent"]
    days: list[date] = []
    for deadline in deadlines(case, rules):
        if not is_active(case, deadline):
            continue
        start = _ladder_start(case, deadline)
        prefix = _key(case, deadline, start, 0)[:-1]
        rungs = [int(key[len(prefix) :]) for key in sent if key.startswith(prefix)]
        following = max(rungs) + 1 if rungs else 0
        days.append(start + timedelta(days=rung_offset(rules, following)))
    return min(days, default=None)


def next_due(case: Mapping[str, Any], rules: Rules) -> date | None:
    """The earliest unmet, undismissed deadline: what a digest might list."""
    return min((d.due for d in deadlines(case, rules) if is_active(case, d)), default=None)


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
        for deadline in deadlines(case, rules_of(case)):
            if not is_active(case, deadline):
                continue
            if deadline.due <= today:
                overdue.append((case, deadline))
            elif deadline.due <= horizon:
                soon.append((case, deadline))
    return overdue, soon
