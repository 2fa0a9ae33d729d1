"""Demo country visits: requests, the State's responses, visits, reports, recommendations.

Calibration: every mandate that existed that year makes 2-3 requests per 12-month window
(about 58 mandates today, fewer in earlier years). A thematic mandate asks States it has not
asked in the last three years, preferring those with a standing invitation; a country mandate
asks its own country first, then neighbours. What follows depends on the State: cooperative
States and standing invitations lead to visits more often, the others to declines, delays and
silence. Each path is a sequence of status events in the order the OHCHR glossary gives them
(acknowledged, accepted in principle, dates proposed, dates agreed, postponed, cancelled,
declined, no response; our own reminders), then the visit with its end-of-mission statement,
the report to the Council 9-16 months later at a real session, and follow-up on its
recommendations after 15-30 months. Anything dated after "today" has not happened yet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from workflows.deadlines import add_months
from workflows.demo import texts
from workflows.demo.timeline import after, between, next_session
from workflows.demo.world import NEIGHBOURS, StateProfile, World

Event = tuple[date, dict[str, Any]]
OUTCOMES = (
    "visit",
    "postponed_visit",
    "postponed",
    "cancelled",
    "declined",
    "acknowledged",
    "silence",
)
REPEAT_YEARS = 3


@dataclass
class Request:
    """One visit request and everything recorded on it up to today, in date order."""

    mandates: list[str]
    state: StateProfile
    requested: date
    reprisal: bool
    timeframe: str | None
    events: list[Event] = field(default_factory=list)
    visit: dict[str, Any] | None = None
    visit_end: date | None = None
    report: Event | None = None
    recommendations: list[Event] = field(default_factory=list)
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
        0.05,  # postponed, not yet rescheduled
        0.03,  # cancelled shortly before
        0.05 + 0.12 * (1 - cooperation),  # declined
        0.08,  # acknowledged, then nothing
        max(0.03, 0.05 + 0.35 * (1 - cooperation) - 0.1 * standing),  # silence
    )
    return rng.choices(OUTCOMES, weights)[0]


def _unfold(
    rng: random.Random, request: Request, today: date, own: bool, index: int, symbols: Symbols
) -> None:
    """Play the request forward: its events, the visit, the report, the closure."""
    outcome = _outcome(rng, request, own)
    events, visit = _EVENTS[outcome](rng, request)
    request.events = [e for e in events if e[0] <= today]
    if visit is not None and visit[1] <= today:
        _visited(rng, request, visit, today, index, symbols)
    request.closure = _closure(rng, request, outcome, today)


def _event(kind: str, day: date, rng: random.Random, timeframe: str = "", **dates: str) -> Event:
    """One status event; officers add a note to most (the reason, the intended timeframe)."""
    answers: dict[str, Any] = {"event": kind, "event_date": day.isoformat(), **dates}
    if rng.random() < 0.6:
        answers["event_notes"] = texts.VISIT_NOTES[kind].format(timeframe=timeframe or "unknown")
    return day, answers


def _dates(start: date, days: int) -> dict[str, str]:
    return {
        "visit_start": start.isoformat(),
        "visit_end": (start + timedelta(days=days)).isoformat(),
    }


Path = tuple[list[Event], tuple[date, date] | None]


def _visit_path(rng: random.Random, request: Request, postponed: bool = False) -> Path:
    events, day = _acknowledge(rng, request)
    day = after(day, 30, 250, rng)
    events.append(_event("accepted", day, rng))
    day = after(day, 15, 90, rng)
    start, length = after(day, 100, 270, rng), rng.randint(6, 13)
    events.append(_event("proposed", day, rng, **_dates(start, length)))
    day = after(day, 10, 60, rng)
    if rng.random() < 0.3:
        start = after(start, 7, 45, rng)
    events.append(_event("agreed", day, rng, **_dates(start, length)))
    if postponed:
        day = max(start - timedelta(days=rng.randint(7, 45)), day)
        year = start.year + 1
        events.append(_event("postponed", day, rng, timeframe=f"first half of {year}"))
        day = after(day, 60, 200, rng)
        start = after(day, 60, 200, rng)
        events.append(_event("agreed", day, rng, **_dates(start, length)))
    return events, (start, start + timedelta(days=length))


def _acknowledge(rng: random.Random, request: Request) -> tuple[list[Event], date]:
    if rng.random() < 0.55:
        day = after(request.requested, 15, 90, rng)
        return [_event("acknowledged", day, rng)], day
    return [], request.requested


def _postponed_path(rng: random.Random, request: Request) -> Path:
    events, day = _acknowledge(rng, request)
    day = after(day, 30, 250, rng)
    events.append(_event("accepted", day, rng))
    day = after(day, 30, 200, rng)
    events.append(_event("postponed", day, rng, timeframe=f"second half of {day.year + 1}"))
    return events, None


def _cancelled_path(rng: random.Random, request: Request) -> Path:
    events, visit = _visit_path(rng, request)
    assert visit is not None
    day = visit[0] - timedelta(days=rng.randint(5, 40))
    events.append(_event("cancelled", max(day, events[-1][0]), rng))
    return events, None


def _declined_path(rng: random.Random, request: Request) -> Path:
    events, day = _acknowledge(rng, request)
    events.append(_event("declined", after(day, 40, 300, rng), rng))
    return events, None


def _acknowledged_path(rng: random.Random, request: Request) -> Path:
    day = after(request.requested, 15, 120, rng)
    events = [_event("acknowledged", day, rng)]
    events.append(_event("reminder", after(request.requested, 365, 400, rng), rng))
    return events, None


def _silence_path(rng: random.Random, request: Request) -> Path:
    """No response: our reminder after twelve months, the status recorded some months on."""
    events = [_event("reminder", after(request.requested, 365, 400, rng), rng)]
    if rng.random() < 0.6:
        events.append(_event("no_response", after(request.requested, 410, 540, rng), rng))
    if rng.random() < 0.3:
        events.append(_event("reminder", after(request.requested, 730, 760, rng), rng))
    return events, None


_EVENTS = {
    "visit": _visit_path,
    "postponed_visit": lambda rng, request: _visit_path(rng, request, postponed=True),
    "postponed": _postponed_path,
    "cancelled": _cancelled_path,
    "declined": _declined_path,
    "acknowledged": _acknowledged_path,
    "silence": _silence_path,
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
    agreed = max(d for d, a in request.events if a["event"] == "agreed")
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
    answers["reprisal_during"] = rng.random() < 0.04
    if answers["reprisal_during"] and rng.random() < 0.7:
        answers["victims"] = texts.placeholder_names(rng)
    request.visit, request.visit_end = answers, end
    if rng.random() < 0.05:
        return  # report not (yet) presented
    earliest = add_months(end, 9) + timedelta(days=rng.randint(0, 30))
    session, presented = next_session(earliest, rng)
    if rng.random() < 0.1:  # held over to the next session
        session, presented = next_session(presented + timedelta(days=40), rng)
    if presented > today:
        return
    symbol = symbols.symbol(session, index, request.mandates[0])
    report = {"report_symbol": symbol, "session": session, "presented_on": presented.isoformat()}
    request.report = (presented, report)
    _recommendations(rng, request, end, today)


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
    days += [d for d, _ in request.recommendations]
    if request.visit_end:
        days.append(request.visit_end)
    if request.report:
        days.append(request.report[0])
    last = max(days)
    refused = bool(request.events) and request.events[-1][1]["event"] in ("declined", "cancelled")
    draw = rng.random()
    if request.recommendations and draw < 0.6:
        reason, day = "completed", after(last, 30, 180, rng)
    elif refused and draw < 0.6:
        reason, day = "declined", after(last, 30, 365, rng)
    elif outcome in ("silence", "acknowledged") and draw < 0.5:
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
        "state": request.state.actor,
        "mandates": request.mandates,
        "request_date": request.requested.isoformat(),
        "standing_invitation": request.state.standing_invitation,
    }
    if request.timeframe:
        answers["timeframe"] = request.timeframe
    answers["reprisal"] = request.reprisal
    return answers
