"""Where a visit request stands on a given day: OHCHR's outcomes, read from the events.

One outcome per request, whatever the number of events: the State's latest decision on or
before the day (accepted, postponed, declined); a visit that took place after that decision
(or with none) counts as accepted even if no acceptance was logged; with neither, the
request is "awaiting" until the no-response period (rule ``no_response_months``, 12 by
default) has run from the request date, then "no response". No response is never an
event: version 1 of the checklist let staff enter one, and those entries are ignored here
(the dates decide).

Both vocabularies are read: version 2 (accepted, postponed, declined, mh_accepted,
mh_declined) and version 1 (acknowledged, accepted, proposed, agreed, declined, postponed,
cancelled, no_response), so old runs are counted without being rewritten.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from workflows.deadlines.rules import Rules, add_months, intake
from workflows.language import N_
from workflows.report.facts import Case, day, events, requested_on, visits

#: Events that are the State accepting the visit (v1 "dates proposed" and "dates agreed" too).
ACCEPTED = frozenset({"accepted", "proposed", "agreed"})
POSTPONED = frozenset({"postponed"})
#: A request the State refused, or a visit it cancelled after accepting (v1).
DECLINED = frozenset({"declined", "cancelled"})
#: A State's answer that decides nothing (v1 "acknowledged, not acceptance").
ACKNOWLEDGED = frozenset({"acknowledged"})
STATE_RESPONSES = ACCEPTED | POSTPONED | DECLINED | ACKNOWLEDGED
#: The mandate holder's answer to a State's own invitation.
MH_ANSWERS = frozenset({"mh_accepted", "mh_declined"})
#: The outcomes' labels (translate with `_` where shown).
OUTCOMES = {
    "accepted": N_("Accepted"),
    "postponed": N_("Postponed"),
    "declined": N_("Declined"),
    "awaiting": N_("Awaiting a decision"),
    "no_response": N_("No response"),
}


def is_request(case: Case) -> bool:
    """A visit request by the mandate holder (every version-1 case is one)."""
    return intake(case).get("origin", "request") == "request" and requested_on(case) is not None


def invited_on(case: Case) -> date | None:
    """The date of a State's own invitation, for a case that records one."""
    if intake(case).get("origin") != "invitation":
        return None
    return day(intake(case).get("invited_on"))


def outcome(case: Case, end: date, rules: Rules) -> tuple[str, date | None]:
    """A request's outcome as at `end` (a key of OUTCOMES) and the day it was decided."""
    known = [e for e in _until(case, end) if e["event"] in STATE_RESPONSES]
    decisions = [e for e in known if e["event"] not in ACKNOWLEDGED]
    kind = _kind(decisions[-1]["event"]) if decisions else None
    decided = day(decisions[-1]["event_date"]) if decisions else None
    visited = [d for v in visits(case) if (d := day(v["visited_from"])) and d <= end]
    # A visit after a postponement or refusal is the State's acceptance in deed: a request
    # postponed in 2015 and visited in 2016 was accepted (on the visit's first day).
    after = [d for d in visited if decided is None or d > decided]
    if after and kind != "accepted":
        return "accepted", min(after)
    if kind:
        return kind, decided
    requested = requested_on(case)
    if not known and requested and add_months(requested, rules.no_response_months) <= end:
        return "no_response", None
    return "awaiting", None


def reminders(case: Case, end: date) -> int:
    """Reminders sent to the State on or before `end`."""
    return sum(e["event"] == "reminder" for e in _until(case, end))


def invitation_answer(case: Case, end: date) -> dict[str, Any] | None:
    """The mandate holder's latest answer to the State's invitation, on or before `end`."""
    answers = [e for e in _until(case, end) if e["event"] in MH_ANSWERS]
    return answers[-1] if answers else None


def _until(case: Case, end: date) -> list[dict[str, Any]]:
    return [e for e in events(case) if (d := day(e["event_date"])) and d <= end]


def _kind(event: str) -> str:
    if event in ACCEPTED:
        return "accepted"
    return "postponed" if event in POSTPONED else "declined"
