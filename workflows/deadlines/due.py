"""What is due next on a case, in words: the card's due line, its next step, and the
promise made on saving a checklist ("I will remind you on ... if no reply is recorded").

Everything is derived from the case's deadlines (`workflows.deadlines.rules`) and its reminder
record (`workflows.deadlines.reminders`), never stored, so it moves with the answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from workflows.deadlines import reminders
from workflows.deadlines.rules import Deadline, Rules, deadlines
from workflows.reference.dates import format_date

#: What each rule waits for, as the end of "if ... is recorded".
WAITS_FOR = {
    "reply": "no reply is recorded",
    "urgent_check": "no reply or follow-up action is recorded",
    "followup_letter": "no reply or follow-up letter is recorded",
    "letter_publication": "the letter's publication is not recorded",
    "reply_publication": "the reply's publication is not recorded",
    "visit_no_response": "no response from the State is recorded",
    "visit_report": "the report's presentation is not recorded",
    "recommendations": "no follow-up on the recommendations is recorded",
}
#: The card's "Next step" for the earliest unmet deadline of each rule.
NEXT_STEP = {
    "reply": "record the reply when it comes (Reply received)",
    "urgent_check": "check on the urgent appeal: record a reply or a follow-up action",
    "followup_letter": "send a follow-up letter, or record the reply",
    "letter_publication": "record the letter's publication (Letter published)",
    "reply_publication": "publish the reply and record it (Edit… on the reply)",
    "visit_no_response": "record the State's response to the request",
    "visit_report": "record the report's presentation (Visit report presented)",
    "recommendations": "record the follow-up on a recommendation",
}


def open_deadlines(case: Mapping[str, Any], rules: Rules) -> list[Deadline]:
    """Unmet, undismissed deadlines, earliest first; on one day, the reply before its
    consequences (the letter is published the day the reply period ends)."""
    order = list(NEXT_STEP)
    found = [d for d in deadlines(case, rules) if reminders.is_active(case, d)]
    return sorted(found, key=lambda d: (d.due, order.index(d.rule) if d.rule in order else 99))


def timing(due: date, today: date) -> str:
    """ "today", "in 3 days" or "12 days overdue"."""
    days = (due - today).days
    if days == 0:
        return "due today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} overdue"


def due_line(case: Mapping[str, Any], rules: Rules, today: date) -> str:
    """ "Next due: Sun 14 May 2017 · Reply due from the addressee (1 day overdue)", or ""."""
    found = open_deadlines(case, rules)
    if case.get("status") != "open" or not found:
        return ""
    first = found[0]
    return f"Next due: {format_date(first.due)} · {first.title} ({timing(first.due, today)})"


def next_step(case: Mapping[str, Any], rules: Rules) -> str:
    """What to do next, following the earliest unmet deadline: it moves on when a reply (or
    whatever that deadline waits for) is recorded."""
    if case.get("status") == "draft":
        return "finish the first checklist (/resume)"
    if case.get("status") == "closed":
        return "none, the case is closed"
    found = open_deadlines(case, rules)
    if found:
        return NEXT_STEP.get(found[0].rule, found[0].title)
    return "nothing is due; close the case when nothing more is expected"


def reminder_promise(case: Mapping[str, Any], rules: Rules, today: date) -> str:
    """What saving a checklist leaves the bot waiting for, and when it will remind."""
    if case.get("status") != "open":
        return ""
    found = open_deadlines(case, rules)
    alert = reminders.next_alert(case, rules)
    if not found or alert is None:
        return "Nothing is due on this case now: no reminder is planned."
    first = found[0]
    waits = WAITS_FOR.get(first.rule, f"“{first.title}” is not recorded")
    if alert <= today:
        return f"“{first.title}” is {timing(first.due, today)}: I will remind you today if {waits}."
    return f"I will remind you on {format_date(alert)} if {waits}."
