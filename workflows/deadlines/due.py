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
from workflows.language import N_, _, ngettext
from workflows.language.formats import day

#: The promise made on saving, per rule: whole sentences, so that each language can order
#: them its own way ({date}: the day of the reminder).
PROMISE = {
    "reply": N_("I will remind you on {date} if no reply is recorded."),
    "urgent_check": N_("I will remind you on {date} if no reply or follow-up action is recorded."),
    "followup_letter": N_(
        "I will remind you on {date} if no reply or follow-up letter is recorded."
    ),
    "letter_publication": N_(
        "I will remind you on {date} if the letter's publication is not recorded."
    ),
    "reply_publication": N_(
        "I will remind you on {date} if the reply's publication is not recorded."
    ),
    "visit_no_response": N_(
        "I will remind you on {date} if no response from the State is recorded."
    ),
    "visit_report": N_("I will remind you on {date} if the report's presentation is not recorded."),
    "recommendations": N_(
        "I will remind you on {date} if no follow-up on the recommendations is recorded."
    ),
}
#: The same promise when the reminder is due at once ({title}: the deadline, {timing}: how
#: far it is, e.g. "2 days overdue").
PROMISE_TODAY = {
    "reply": N_("“{title}” is {timing}: I will remind you today if no reply is recorded."),
    "urgent_check": N_(
        "“{title}” is {timing}: I will remind you today if no reply or follow-up action is "
        "recorded."
    ),
    "followup_letter": N_(
        "“{title}” is {timing}: I will remind you today if no reply or follow-up letter is "
        "recorded."
    ),
    "letter_publication": N_(
        "“{title}” is {timing}: I will remind you today if the letter's publication is not "
        "recorded."
    ),
    "reply_publication": N_(
        "“{title}” is {timing}: I will remind you today if the reply's publication is not recorded."
    ),
    "visit_no_response": N_(
        "“{title}” is {timing}: I will remind you today if no response from the State is recorded."
    ),
    "visit_report": N_(
        "“{title}” is {timing}: I will remind you today if the report's presentation is not "
        "recorded."
    ),
    "recommendations": N_(
        "“{title}” is {timing}: I will remind you today if no follow-up on the recommendations "
        "is recorded."
    ),
}
#: The card's "Next step" for the earliest unmet deadline of each rule.
NEXT_STEP = {
    # Translators: "Reply received" is the label of the reminder's button.
    "reply": N_("record the reply when it comes (Reply received)"),
    "urgent_check": N_("check on the urgent appeal: record a reply or a follow-up action"),
    "followup_letter": N_("send a follow-up letter, or record the reply"),
    # Translators: "Letter published" is the label of the reminder's button.
    "letter_publication": N_("record the letter's publication (Letter published)"),
    # Translators: "Edit…" is the button on each reply of a case card.
    "reply_publication": N_("publish the reply and record it (Edit… on the reply)"),
    "visit_no_response": N_("record the State's response to the request"),
    # Translators: "Visit report presented" is the checklist's name on the case card.
    "visit_report": N_("record the report's presentation (Visit report presented)"),
    "recommendations": N_("record the follow-up on a recommendation"),
}


def open_deadlines(case: Mapping[str, Any], rules: Rules) -> list[Deadline]:
    """Unmet, undismissed deadlines, earliest first; on one day, the reply before its
    consequences (the letter is published the day the reply period ends)."""
    order = list(NEXT_STEP)
    found = [d for d in deadlines(case, rules) if reminders.is_active(case, d)]
    return sorted(found, key=lambda d: (d.due, order.index(d.rule) if d.rule in order else 99))


def timing(due: date, today: date) -> str:
    """ "due today", "in 3 days" or "12 days overdue"."""
    days = (due - today).days
    if days == 0:
        return _("due today")
    if days > 0:
        return ngettext("in {n} day", "in {n} days", days).format(n=days)
    return ngettext("{n} day overdue", "{n} days overdue", -days).format(n=-days)


def due_line(case: Mapping[str, Any], rules: Rules, today: date) -> str:
    """ "Next due: Sun 14 May 2017 · Reply due from the addressee (1 day overdue)", or ""."""
    found = open_deadlines(case, rules)
    if case.get("status") != "open" or not found:
        return ""
    first = found[0]
    return _("Next due: {date} · {title} ({timing})").format(
        date=day(first.due), title=first.title, timing=timing(first.due, today)
    )


def next_step(case: Mapping[str, Any], rules: Rules) -> str:
    """What to do next, following the earliest unmet deadline: it moves on when a reply (or
    whatever that deadline waits for) is recorded."""
    if case.get("status") == "draft":
        return _("finish the first checklist (/resume)")
    if case.get("status") == "closed":
        return _("none, the case is closed")
    found = open_deadlines(case, rules)
    if found:
        return _(NEXT_STEP[found[0].rule])
    return _("nothing is due; close the case when nothing more is expected")


def reminder_promise(case: Mapping[str, Any], rules: Rules, today: date) -> str:
    """What saving a checklist leaves the bot waiting for, and when it will remind."""
    if case.get("status") != "open":
        return ""
    found = open_deadlines(case, rules)
    alert = reminders.next_alert(case, rules)
    if not found or alert is None:
        return _("Nothing is due on this case now: no reminder is planned.")
    first = found[0]
    if alert <= today:
        text = _(PROMISE_TODAY[first.rule])
        return text.format(title=first.title, timing=timing(first.due, today))
    return _(PROMISE[first.rule]).format(date=day(alert))
