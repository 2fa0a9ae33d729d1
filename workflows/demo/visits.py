"""Demo country visits: requests and States' invitations, the answers, visits, drafts,
reports, follow-up, recommendations and reprisals.

Calibration: every mandate that existed that year makes 2-3 requests per 12-month window
(about 58 mandates today, fewer in earlier years); about one in twelve is instead a
cooperative State's own invitation, which the mandate holder mostly accepts. A thematic
mandate asks States it has not asked in the last three years, preferring those with a
standing invitation; a country mandate asks its own country first, then neighbours. What
follows depends on the State: cooperative States and standing invitations lead to visits
more often, the others to declines, postponements and silence. Each path is a sequence of
events in OHCHR's vocabulary (our reminders; the State's acceptance, in principle or with
dates, postponement or refusal); "no response" is never an event, it follows from the dates.
Then the visit with its end-of-mission statement (often with preliminary recommendations) and
whether the terms of reference were respected, the draft report shared with the Government
and its comments, the report to the Council 9-16 months later at a real session, sometimes a
follow-up report or visit, and follow-up on its recommendations after 15-30 months. A few
visits involve reprisals (workflows.demo.reprisals). Anything dated after "today" has not
happened yet. Standing invitations are a fact per State, each with the date it was extended.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from workflows.deadlines.rules import add_months
from workflows.demo import texts
from workflows.demo.reprisals import reprisal_answers
from workflows.demo.timeline import after, between, next_session
from workflows.demo.world import NEIGHBOURS, StateProfile, World

Event = tuple[date, dict[str, Any]]
OUTCOMES = ("visit", "postponed_visit", "postponed", "declined", "silence")
REPEAT_YEARS = 3
INVITATION_SHARE = 0.08
TERMS = ("movement", "contact", "detention", "documents", "other")


@dataclass
class Request:
    """One visit request (or State's invitation) and everything recorded on it up to today,
    in date order. `requested` is the day of the request, or of the invitation."""

    mandates: list[str]
    state: StateProfile
    requested: date
    reprisal: bool
    timeframe: str | None
    invited: bool = False
    events: list[Event] = field(default_factory=list)
    visit: dict[str, Any] | None = None
    visit_end: date | None = None
    draft: Event | None = None
    report: Event | None = None
    followups: list[Event] = field(default_factory=list)
    recommendations: list[Event] = field(default_factory=list)
    reprisals: list[Event] = field(default_factory=list)
    closure: Event | None = None


@dataclass
class Symbols:
    """Council document numbers: each mandate's annual report has its own number in a
    session, and its country visit reports are addenda to it (A/HRC/35/23/Add.1)."""

    addenda: dict[tuple[int, str], int] = field(default_factory=dict)

    def symbol(self, session: int, mandate_index: int, mandate: str) -> str:
        key = (session, mandate)
        self.addenda[key] = self.addenda.get(key, 0) + 1
        return f"A/HRC/{session}/{20 + mandate_index}/Add.{self.addenda[key]}"


def standing_invitations(world: World, rng: random.Random, today: date) -> dict[str, Any]:
    """The per-State record: States drawn with a standing invitation, each with the day it
    was extended (the first ones in 1999; OHCHR lists about 128 by 2022)."""
    found = {}
    for profile in sorted(world.states, key=lambda p: p.code):
        if profile.standing_invitation:
            since = min(between(date(1999, 3, 1), date(2021, 12, 31), rng), today)
            found[profile.code] = {"since": since.isoformat(), "recorded_by": "demo"}
    return found


def plan_window(
    world: World,
    rng: random.Random,
    first: date,
    last: date,
    today: date,
    asked: dict[tuple[str, str], date],
    symbols: Symbols,
) -> list[Request]:
    """The visit requests made in [first, last]; `asked` remembers (mandate, State) pairs."""
    requests = []
    for index, mandate in enumerate(world.mandates):
        opened = max(first, date(mandate.established, 1, 1))
        if opened > last:
            continue
        for n in range(rng.randint(2, 3)):
            requested = between(opened, last, rng)
            state = _state(world, rng, mandate.short_name, n, requested, asked)
            mandates = [mandate.short_name]
            if mandate.kind == "thematic" and rng.random() < 0.06:
                mandates.append(_partner(world, rng, mandate.short_name, requested.year))
            asked[(mandate.short_name, state.code)] = requested
            request = Request(
                mandates, state, requested, rng.random() < 0.03, _timeframe(rng, requested)
            )
            request.invited = state.cooperation > 0.6 and rng.random() < INVITATION_SHARE
            own = world.country_of.get(mandate.short_name) == state.code
            _unfold(rng, request, today, own, index, symbols)
            requests.append(request)
    return requests


def _state(
    world: World,
    rng: random.Random,
    mandate: str,
    n: int,
    requested: date,
    asked: dict[tuple[str, str], date],
) -> StateProfile:
    country = world.country_of.get(mandate)
    if country is not None:
        near = [c for c in NEIGHBOURS.get(country, ()) if c in world.by_code]
        code = country if n == 0 or not near else rng.choice(near)
        return world.by_code[code]
    recent = requested - timedelta(days=365 * REPEAT_YEARS)
    candidates = [p for p in world.states if asked.get((mandate, p.code), date.min) < recent]
    weights = [(1 + p.standing_invitation) * (0.3 + p.cooperation) for p in candidates]
    return rng.choices(candidates, weights)[0]


def _partner(world: World, rng: random.Random, mandate: str, year: int) -> str:
    """A second thematic mandate for a joint visit."""
    others = [m.short_name for m in world.mandates_in(year) if m.kind == "thematic"]
    return rng.choice([m for m in others if m != mandate])


def _timeframe(rng: random.Random, requested: date) -> str | None:
    if rng.random() < 0.3:
        return None
    year = requested.year + 1
    return rng.choice(
        (
            f"first half of {year}",
            f"second half of {year}",
            f"{year}",
            "within the next twelve months",
        )
    )


# ---- what happens to a request -----------------------------------------------------------------


def _outcome(rng: random.Random, request: Request, own_country: bool) -> str:
    """Which path the request takes; cooperative States with standing invitations host."""
    cooperation = request.state.cooperation * (0.4 if own_country else 1.0)
    standing = request.state.standing_invitation
    weights = (
        0.12 + 0.45 * cooperation + 0.15 * standing,  # visit
        0.08,  # postponed, then visited
        0.08,  # postponed, not yet rescheduled
        0.05 + 0.12 * (1 - cooperation),  # declined
        max(0.05, 0.12 + 0.35 * (1 - cooperation) - 0.1 * standing),  # silence
    )
    return rng.choices(OUTCOMES, weights)[0]


def _unfold(
    rng: random.Random, request: Request, today: date, own: bool, index: int, symbols: Symbols
) -> None:
    """Play the request forward: its events, the visit, the report, reprisals, the closure."""
    outcome = "invitation" if request.invited else _outcome(rng, request, own)
    events, visit = _EVENTS[outcome](rng, request)
    request.events = [e for e in events if e[0] <= today]
    if request.reprisal:  # a concern raised with the request
        happened = after(request.requested, 0, 60, rng)
        if happened <= today:
            request.reprisals.append(reprisal_answers(rng, happened, today))
    if visit is not None and visit[1] <= today:
        _visited(rng, request, visit, today, index, symbols)
    request.closure = _closure(rng, request, outcome, today)


def _event(kind: str, day: date, rng: random.Random, note: str = "", **dates: Any) -> Event:
    """One event; officers add a note to most (the reason, the intended timeframe)."""
    answers: dict[str, Any] = {"event": kind, "event_date": day.isoformat(), **dates}
    if rng.random() < 0.6:
        answers["event_notes"] = texts.VISIT_NOTES[note or kind]
    return day, answers


def _dates(start: date, days: int) -> dict[str, Any]:
    return {
        "dates_agreed": True,
        "visit_start": start.isoformat(),
        "visit_end": (start + timedelta(days=days)).isoformat(),
    }


Path = tuple[list[Event], tuple[date, date] | None]


def _first_answer(rng: random.Random, request: Request) -> tuple[list[Event], date]:
    """Slow States get our reminder first (after a year without a response)."""
    day = after(request.requested, 30, 330, rng)
    if rng.random() < 0.2:
        reminder = after(request.requested, 365, 400, rng)
        return [_event("reminder", reminder, rng)], after(reminder, 20, 120, rng)
    return [], day


def _visit_path(rng: random.Random, request: Request, postponed: bool = False) -> Path:
    events, day = _first_answer(rng, request)
    if rng.random() < 0.5:  # accepted in principle first, dates later
        events.append(_event("accepted", day, rng, note="in_principle", dates_agreed=False))
        day = after(day, 15, 120, rng)
    start, length = after(day, 100, 270, rng), rng.randint(6, 13)
    events.append(_event("accepted", day, rng, note="dates", **_dates(start, length)))
    if postponed:
        day = max(start - timedelta(days=rng.randint(7, 45)), day)
        events.append(_event("postponed", day, rng))
        day = after(day, 60, 200, rng)
        start = after(day, 60, 200, rng)
        events.append(_event("accepted", day, rng, note="dates", **_dates(start, length)))
    return events, (start, start + timedelta(days=length))


def _postponed_path(rng: random.Random, request: Request) -> Path:
    events, day = _first_answer(rng, request)
    if rng.random() < 0.6:
        events.append(_event("accepted", day, rng, note="in_principle", dates_agreed=False))
        day = after(day, 30, 200, rng)
    events.append(_event("postponed", day, rng))
    return events, None


def _declined_path(rng: random.Random, request: Request) -> Path:
    events, day = _first_answer(rng, request)
    events.append(_event("declined", day, rng))
    return events, None


def _silence_path(rng: random.Random, request: Request) -> Path:
    """No response: our reminder after twelve months, sometimes another a year later."""
    events = [_event("reminder", after(request.requested, 365, 400, rng), rng)]
    if rng.random() < 0.3:
        events.append(_event("reminder", after(request.requested, 730, 760, rng), rng))
    return events, None


def _invitation_path(rng: random.Random, request: Request) -> Path:
    """The State invited; the mandate holder accepts with dates, or declines."""
    day = after(request.requested, 20, 90, rng)
    if rng.random() < 0.15:
        return [_event("mh_declined", day, rng)], None
    start, length = after(day, 100, 270, rng), rng.randint(6, 13)
    return [_event("mh_accepted", day, rng, **_dates(start, length))], (
        start,
        start + timedelta(days=length),
    )


_EVENTS = {
    "visit": _visit_path,
    "postponed_visit": lambda rng, request: _visit_path(rng, request, postponed=True),
    "postponed": _postponed_path,
    "declined": _declined_path,
    "silence": _silence_path,
    "invitation": _invitation_path,
}


# ---- the visit and after -----------------------------------------------------------------------


def _visited(
    rng: random.Random,
    request: Request,
    visit: tuple[date, date],
    today: date,
    index: int,
    symbols: Symbols,
) -> None:
    start, end = visit
    agreed = max(d for d, a in request.events if a.get("visit_start"))
    notice = rng.randint(30, 75) if rng.random() < 0.75 else rng.randint(7, 29)
    announced = max(agreed, start - timedelta(days=notice))
    answers: dict[str, Any] = {
        "visited_from": start.isoformat(),
        "visited_to": end.isoformat(),
        "announced_on": announced.isoformat(),
        "eom_statement": rng.random() < 0.9,
    }
    if answers["eom_statement"]:
        answers["eom_date"] = end.isoformat()
        answers["eom_recommendations"] = rng.random() < 0.7
    answers["tor_respected"] = rng.random() < 0.88
    if not answers["tor_respected"]:
        answers["tor_refused"] = sorted(rng.sample(TERMS, rng.randint(1, 2)), key=TERMS.index)
        if rng.random() < 0.5:
            answers["tor_details"] = rng.choice(texts.TOR_DETAILS)
    request.visit, request.visit_end = answers, end
    if rng.random() < 0.04:  # intimidation of someone who met the mandate holder
        happened = between(start, end + timedelta(days=30), rng)
        if happened <= today:
            request.reprisals.append(reprisal_answers(rng, happened, today))
    if rng.random() < 0.05:
        return  # report not (yet) presented
    earliest = add_months(end, 9) + timedelta(days=rng.randint(0, 30))
    session, presented = next_session(earliest, rng)
    if rng.random() < 0.1:  # held over to the next session
        session, presented = next_session(presented + timedelta(days=40), rng)
    _draft(rng, request, end, presented, today)
    if presented > today:
        return
    symbol = symbols.symbol(session, index, request.mandates[0])
    report = {"report_symbol": symbol, "session": session, "presented_on": presented.isoformat()}
    request.report = (presented, report)
    _followup(rng, request, end, today, index, symbols)
    _recommendations(rng, request, end, today)


def _draft(rng: random.Random, request: Request, end: date, presented: date, today: date) -> None:
    """The draft goes to the Government some months before the session; most comment."""
    shared = max(end + timedelta(days=30), presented - timedelta(days=rng.randint(60, 120)))
    if shared > today:
        return
    answers: dict[str, Any] = {"draft_shared_on": shared.isoformat(), "gov_comments": False}
    comments = after(shared, 20, 50, rng)
    if rng.random() < 0.7 and comments <= min(today, presented):
        answers.update(gov_comments=True, comments_on=comments.isoformat())
    request.draft = (comments if answers["gov_comments"] else shared, answers)


def _followup(
    rng: random.Random, request: Request, end: date, today: date, index: int, symbols: Symbols
) -> None:
    """A follow-up report to a later session, or a follow-up visit, for a few visits."""
    draw = rng.random()
    if draw < 0.12:
        session, on = next_session(add_months(end, rng.randint(24, 36)), rng)
        symbol = symbols.symbol(session, index, request.mandates[0])
        answers = {"followup_kind": "report", "followup_date": on.isoformat(),
                   "followup_symbol": symbol}  # fmt: skip
    elif draw < 0.17:
        on = after(add_months(end, rng.randint(24, 48)), 0, 60, rng)
        answers = {"followup_kind": "visit", "followup_date": on.isoformat()}
    else:
        return
    if on <= today:
        request.followups.append((on, answers))


def _recommendations(rng: random.Random, request: Request, end: date, today: date) -> None:
    """Per-recommendation follow-up (due 24 months after the visit), for most reports."""
    if rng.random() > 0.65:
        return
    day = max(add_months(end, rng.randint(15, 30)), request.report[0] if request.report else end)
    if day > today:
        return
    for number in sorted(rng.sample(range(len(texts.RECOMMENDATIONS)), rng.randint(2, 4))):
        recommendation, situation = texts.RECOMMENDATIONS[number]
        answers = {
            "recommendation": f"{number + 1}. {recommendation}",
            "situation": situation,
            "steps_taken": rng.choice(texts.STEPS),
            "assessment": rng.choices(
                ("implemented", "partial", "not", "no_info"), (0.15, 0.4, 0.3, 0.15)
            )[0],
            "assessed_on": day.isoformat(),
        }
        request.recommendations.append((day, answers))


def _closure(rng: random.Random, request: Request, outcome: str, today: date) -> Event | None:
    """Closed once the follow-up is done, some time after a refusal, or after years of
    silence; most requests still open four years on are closed at a review."""
    days = [request.requested, *(d for d, _ in request.events)]
    days += [d for d, _ in [*request.recommendations, *request.followups, *request.reprisals]]
    days += [d for d in (request.visit_end, request.draft and request.draft[0]) if d]
    if request.report:
        days.append(request.report[0])
    last = max(days)
    refused = bool(request.events) and request.events[-1][1]["event"] in ("declined", "mh_declined")
    draw = rng.random()
    if request.recommendations and draw < 0.6:
        reason, day = "completed", after(last, 30, 180, rng)
    elif refused and draw < 0.6:
        reason, day = "declined", after(last, 30, 365, rng)
    elif outcome == "silence" and draw < 0.5:
        reason, day = "withdrawn", after(max(last, add_months(request.requested, 36)), 0, 200, rng)
    elif draw < 0.9:
        reason = "completed" if request.visit else "declined" if refused else "withdrawn"
        day = after(max(last, add_months(request.requested, 48)), 0, 200, rng)
    else:
        return None
    if day > today:
        return None
    return day, {"closure_reason": reason, "closure_date": day.isoformat()}


def request_answers(request: Request) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "origin": "invitation" if request.invited else "request",
        "state": request.state.actor,
        "mandates": request.mandates,
    }
    key = "invited_on" if request.invited else "request_date"
    answers[key] = request.requested.isoformat()
    if request.timeframe:
        answers["timeframe"] = request.timeframe
    return answers
