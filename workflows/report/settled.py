"""Cases long settled: closed cases whose every date lies well before the period.

Why: a report of one year over a branch's whole record reads thousands of cases closed
years before it, and each section went through them only to find nothing of theirs in the
period (a fifth of a one-year report's time on the 14-year demo, bench/README.md). The
sections that count what happened in the period now read only the cases that can touch
it. Those that need the whole record still read every case: persistent non-cooperation
(the last letters due per State, however old), the previous joint communications report
windows, the first date on record, the names of the letters that follow-up letters follow
up, the five-year visit matrix and each State's last visit before the period.

Safe because every figure of those sections counts a case by a date it records (the
answer to a question that is a date in some version of its checklist: sent, reply received,
follow-up action, statement, publication, reprisal, referral, request, event, visit,
report, closure) or by a date derived from such a date: a deadline, or a request's "no
response", at most `communication_reach` days or `visit_reach` months later. A case counts
as long settled only when it is closed and its latest date lies further back than that
reach (under the longest rules of any mandate) before the period. A closed case is never
open or overdue at the cut-off; a visit request counts as still waiting on the State ("any
year" figures) only if it was not closed by the end of the period, so a visit must record
its closure date to be settled. Drafts and open cases always count.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from workflows.cases.memo import per_case
from workflows.checklists.model import Registry
from workflows.deadlines.rules import communication_reach, visit_reach, widest
from workflows.report.facts import Case, Frame, closed_on


def long_settled(frame: Frame, registry: Registry) -> Callable[[Case], bool]:
    """Whether a case is long settled (see the module's doc)."""
    rules = widest(frame.rules, frame.overrides)
    letters_before = (frame.start - timedelta(days=communication_reach(rules))).isoformat()
    visits_before = (frame.start - timedelta(days=31 * visit_reach(rules))).isoformat()

    def settled(case: Case) -> bool:
        if case.get("status") != "closed":
            return False
        if case.get("kind") == "communication":
            return latest_date(case, registry) < letters_before
        if case.get("kind") == "visit":
            return closed_on(case) is not None and latest_date(case, registry) < visits_before
        return False

    return settled


@per_case
def latest_date(case: Case, registry: Registry) -> str:
    """The latest of the case's answers to date questions (`Registry.date_questions`; ISO
    dates sort as text), "" if none. A run of a checklist version not installed is searched
    whole: anything in it shaped like a date counts, so that no date is missed."""
    dated = registry.date_questions
    latest = ""
    for run in case.get("runs") or ():
        answers = run.get("answers") or {}
        questions = dated.get((run.get("checklist"), run.get("version")))
        if questions is None:
            latest = _later(answers, latest)
            continue
        for question in questions:
            value = answers.get(question)
            if isinstance(value, str) and value > latest:
                latest = value
    return latest


def _later(value: Any, latest: str) -> str:
    """`latest`, or a later date-shaped text found anywhere in `value`."""
    if isinstance(value, str):
        shaped = len(value) >= 10 and value[4] == "-" and value[7] == "-"
        return value[:10] if shaped and value[:10] > latest else latest
    if isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            latest = _later(item, latest)
    return latest
