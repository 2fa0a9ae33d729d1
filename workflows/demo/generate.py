"""Assemble the demo: the world, then each year's letters and visit requests, then cases.

Pure (no I/O): `generate` returns the cases and users; `workflows.demo.write` stores them.
Determinism: every random choice comes from `random.Random` streams seeded with strings
derived from the seed ("1/comms/3"), never from hash() or set order, so one seed always gives
byte-identical cases, and the communications of a year do not change when visits change.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from storage.repository import Case
from workflows.cases.service import derive
from workflows.checklists.model import Registry
from workflows.deadlines.reminders import due_reminder, mark_sent
from workflows.deadlines.rules import Rules, add_months, deadlines, load_rules
from workflows.demo import communications, visits
from workflows.demo.communications import Letter
from workflows.demo.reprisals import reprisal_answers
from workflows.demo.runs import CaseBuilder
from workflows.demo.timeline import FIRST_SESSION_YEAR, GENEVA, end_of_day
from workflows.demo.visits import Request, Symbols
from workflows.demo.world import World, build_world

MAX_YEARS = 30


@dataclass(frozen=True)
class Demo:
    cases: list[Case]
    users: tuple[dict[str, Any], ...]
    today: date
    seed: int
    years: int
    now: datetime  # the instant the data describe: 18:00 in Geneva on `today`
    non_cooperating: tuple[str, ...]  # the States drawn never to reply
    #: Standing invitations per State, as the setting "standing_invitations" holds them.
    standing_invitations: dict[str, Any] = field(default_factory=dict)


def windows(today: date, years: int) -> list[tuple[date, date]]:
    """`years` consecutive 12-month periods, oldest first, the last ending on `today`."""
    return [
        (add_months(today, -12 * (k + 1)) + timedelta(days=1), add_months(today, -12 * k))
        for k in reversed(range(years))
    ]


def check_span(years: int, today: date) -> None:
    """Refuse spans the calibration does not cover; ValueError says why."""
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"--years must be between 1 and {MAX_YEARS}")
    if today.year - years < FIRST_SESSION_YEAR:
        raise ValueError(
            f"the data would start before {FIRST_SESSION_YEAR}, the Council's "
            "first full year of sessions"
        )


def generate(
    *,
    years: int,
    seed: int,
    today: date,
    registry: Registry | None = None,
    rules: Rules | None = None,
) -> Demo:
    """The demo cases and users for `years` years ending on `today`, in chronological order."""
    check_span(years, today)
    registry = registry or Registry.from_folder()
    rules = rules or load_rules()
    world = build_world(random.Random(f"{seed}/world"))
    letters: list[Letter] = []
    requests: list[Request] = []
    asked: dict[tuple[str, str], date] = {}
    symbols = Symbols()
    addressed = communications.Addressed()
    for k, (first, last) in enumerate(windows(today, years)):
        letters += communications.plan_window(
            world, random.Random(f"{seed}/communications/{k}"), first, last, today, addressed
        )
        requests += visits.plan_window(
            world, random.Random(f"{seed}/visits/{k}"), first, last, today, asked, symbols
        )
    communications.number(letters)
    builder = _Builder(world, registry, random.Random(f"{seed}/cases"))
    letter_cases = [builder.letter(x, today) for x in letters]
    _link(letters, letter_cases)
    cases = letter_cases + [builder.request(r) for r in requests]
    cases.sort(key=lambda case: case["created_at"])
    now = end_of_day(today)
    for case in cases:
        _settle(case, registry, rules, today)
    standing = visits.standing_invitations(world, random.Random(f"{seed}/standing"), today)
    return Demo(cases, world.users, today, seed, years, now, world.non_cooperating, standing)


class _Builder:
    """Turns planned letters and requests into cases with unique, seeded ids."""

    def __init__(self, world: World, registry: Registry, rng: random.Random) -> None:
        self.world, self.registry, self.rng = world, registry, rng
        self.ids: set[str] = set()

    def _new(self, kind: str, lead_mandate: str) -> CaseBuilder:
        while True:  # "c" + 10 hex digits, as storage makes them, but from the seed
            case_id = f"c{self.rng.getrandbits(40):010x}"
            if case_id not in self.ids:
                self.ids.add(case_id)
                return CaseBuilder(
                    self.registry, case_id, kind, self.world.officer_of[lead_mandate]
                )

    def letter(self, letter: Letter, today: date) -> Case:
        case = self._new("communication", letter.mandates[0])
        case.add(
            "communication_intake", letter.sent, communications.intake_answers(letter), self.rng
        )
        later: list[tuple[date, str, dict[str, Any]]] = []
        if letter.reply is not None and letter.reply_day is not None:
            later.append((letter.reply_day, "communication_reply", letter.reply))
        if letter.published is not None:
            answers = {"letter_published": letter.published.isoformat()}
            later.append((letter.published, "communication_published", answers))
        for day, spec in letter.actions:
            answers = communications.action_answers(day, spec)
            later.append((day, "communication_followup", answers))
        if letter.reprisal:  # the reprisal the letter is about, raised on its case
            known = min(today, letter.closure[0]) if letter.closure else today
            day, answers = reprisal_answers(self.rng, letter.sent, known)
            later.append((day, "reprisal", answers))
        if letter.closure is not None:
            later.append((letter.closure[0], "communication_closure", letter.closure[1]))
        self._add_in_order(case, later)
        return case.case

    def request(self, request: Request) -> Case:
        case = self._new("visit", request.mandates[0])
        case.add("visit_request", request.requested, visits.request_answers(request), self.rng)
        later = [(day, "visit_response", answers) for day, answers in request.events]
        if request.visit is not None and request.visit_end is not None:
            later.append((request.visit_end, "visit_conducted", request.visit))
        if request.draft is not None:
            later.append((request.draft[0], "visit_draft", request.draft[1]))
        if request.report is not None:
            later.append((request.report[0], "visit_report", request.report[1]))
        later += [(day, "visit_followup", a) for day, a in request.followups]
        later += [(day, "visit_recommendation", a) for day, a in request.recommendations]
        later += [(day, "reprisal", a) for day, a in request.reprisals]
        if request.closure is not None:
            later.append((request.closure[0], "visit_closure", request.closure[1]))
        self._add_in_order(case, later)
        return case.case

    def _add_in_order(
        self, case: CaseBuilder, runs: Iterable[tuple[date, str, dict[str, Any]]]
    ) -> None:
        """Runs in the order they were logged: by date, ties in the order given. Reprisal
        escalations are recorded as version 1 of the follow-up checklist recorded them."""
        for day, checklist_id, answers in sorted(runs, key=lambda run: run[0]):
            old = answers.get("action_type") in communications.ESCALATIONS
            case.add(checklist_id, day, answers, self.rng, version=1 if old else None)


def _link(letters: list[Letter], cases: list[Case]) -> None:
    """The links the chat makes: the letters of a group, and follow-up letters both ways."""
    ids = {id(letter): case["id"] for letter, case in zip(letters, cases, strict=True)}
    for letter, case in zip(letters, cases, strict=True):
        if letter.group:
            case["group"] = [ids[id(member)] for member in letter.group]
        if letter.follows is not None:
            case["follows"] = ids[id(letter.follows)]
        followups = [ids[id(s["letter"])] for _, s in letter.actions if "letter" in s]
        if followups:
            case["followups"] = followups


def _settle(case: Case, registry: Registry, rules: Rules, today: date) -> None:
    """Index fields, and the reminders a bot running until this morning would have sent:
    the latest rung of each overdue deadline, so starting a bot on the demo does not flood
    its officers with years of catch-up."""
    derive(case, registry, rules)
    if case["status"] != "open":
        return
    swept = datetime.combine(today, time(7, 0), GENEVA).astimezone(UTC)
    at = swept.isoformat(timespec="seconds")
    for deadline in deadlines(case, rules):
        reminder = due_reminder(case, deadline, today, rules)
        if reminder is not None:
            mark_sent(case, reminder.key, at)
            entry = {
                "at": at,
                "actor": "system",
                "action": "reminder_sent",
                "detail": {"key": reminder.key},
            }
            case["history"].append(entry)
    case["history"].sort(key=lambda entry: entry["at"])  # a run logged today comes later
    derive(case, registry, rules)
