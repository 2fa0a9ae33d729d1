"""Compile the standardised follow-up report: pure figures from cases, no I/O.

`compile_report` takes cases (any iterable, e.g. `repo.iter_cases()`), a period and an
optional scope, and returns a `Report` that every writer (chat summary, .docx, CSV, chart)
renders. Confidential answers (questions marked confidential in the checklists) are only
read when `confidential=True`, which the caller must allow only for an admin in a private
chat and must audit-log; by default they are never touched.

What each figure counts is documented, one line per figure, in the docstring of its
section module: communications, visits, reprisals, followup.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from workflows.cases.memo import Remembered
from workflows.checklists import question_ids as qids
from workflows.checklists.model import Registry
from workflows.deadlines.rules import Rules, intake, load_rules
from workflows.language import _
from workflows.reference.actors import UN_STATES, state_by_code, states
from workflows.report.activities import activities_section
from workflows.report.communications import communications_section, flagged_states
from workflows.report.confidential import confidential_answers
from workflows.report.facts import Case, Frame, day, in_scope
from workflows.report.followup import deadlines_section
from workflows.report.model import DASH, Figure, Report, Scope, Section, Table
from workflows.report.noncooperation import noncooperation_section
from workflows.report.periods import long_date
from workflows.report.records import records_table
from workflows.report.reprisals import reprisals_section
from workflows.report.settled import long_settled
from workflows.report.visits import involved, visits_section


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a report compiles: it allocates hundreds of
    thousands of objects, nearly all alive until it ends, and each burst of them made the
    collector walk the whole record again (a third of a 14-year report's time,
    bench/README.md). Switched back on after, unless it was already off; the next
    collection then takes whatever cyclic garbage there is."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@_collector_paused()
def compile_report(
    cases: Iterable[Case],
    period_start: date,
    period_end: date,
    *,
    today: date,
    label: str | None = None,
    mandate: str | None = None,
    state: str | None = None,
    rules: Rules | None = None,
    overrides: Mapping[str, Any] | None = None,
    confidential: bool = False,
    registry: Registry | None = None,
    standing_invitations: Mapping[str, Mapping[str, Any]] | None = None,
    users: Iterable[Mapping[str, Any]] = (),
    from_first_record: bool = False,
) -> Report:
    """The report of one period (inclusive), optionally for one mandate and/or one State.

    `state` is an ISO 3166 alpha-3 code; `mandate` a short name as stored. `today` decides
    what is overdue. `overrides` are the per-mandate deadline overrides (settings key
    "deadline_overrides"), applied exactly as the reminders apply them.
    `standing_invitations` are the per-State records (workflows.cases.standing.invitations).
    `users` are the user records (`repo.list_users()`): owners are shown by name.
    `from_first_record`: a profile ("the whole record"): the period starts on the first
    date on record in scope (a letter sent, a visit requested or offered), not before.
    """
    if period_end < period_start:
        raise ValueError("the period ends before it starts")
    registry = registry or Registry.from_folder()
    # Copies that remember what is read from them: each fact once per case, not per section.
    selected: list[Case] = [c for c in map(Remembered, cases) if in_scope(c, mandate, state)]
    if from_first_record:
        period_start = max(period_start, min(period_end, first_record(selected) or period_end))
    frame = Frame(
        period_start, period_end, today, rules or load_rules(), overrides or {},
        standing_invitations or {}, {str(u["id"]): str(u.get("name") or "") for u in users},
    )  # fmt: skip
    comms = [c for c in selected if c.get("kind") == "communication"]
    visit_cases = [c for c in selected if c.get("kind") == "visit"]
    settled = long_settled(frame, registry)
    counted = [c for c in selected if not settled(c)]  # the cases that can count in the period
    current = [c for c in counted if c.get("kind") == "communication"]
    current_visits = [c for c in counted if c.get("kind") == "visit"]
    flagged = flagged_states(frame, comms)
    universe = [state] if state else member_states()
    sections = [
        communications_section(frame, comms, current, flagged),
        visits_section(frame, visit_cases, current_visits, registry, universe),
        activities_section(frame, current, current_visits),
        deadlines_section(frame, counted),
        noncooperation_section(frame, comms, visit_cases, flagged),
        reprisals_section(
            frame, current, current_visits, registry=registry, confidential=confidential
        ),
    ]
    drawn_on = involved(frame, current_visits)
    records = records_table(frame, comms, current, drawn_on, registry, confidential)
    if confidential:
        sections.append(_annex(current, drawn_on, frame, registry))
    known = state_by_code(state) if state else None
    return Report(
        start=period_start,
        end=period_end,
        label=label or f"{long_date(period_start)} {DASH} {long_date(period_end)}",
        generated_on=today,
        scope=Scope(mandate, state, known.name if known else state),
        confidential=confidential,
        sections=tuple(sections),
        records=records,
    )


def _annex(comms: list[Case], visits: list[Case], frame: Frame, registry: Registry) -> Section:
    """Every confidential answer of the cases the report draws on (confidential variant)."""
    from workflows.report.facts import sent_on

    cases = [c for c in comms if sent_on(c) in frame] + visits
    rows = tuple(
        (case.get("reference") or case.get("label", ""), title, question, str(value))
        for case in cases
        for title, question, value in confidential_answers(case, registry)
    )
    table = Table("confidential_answers", _("Confidential answers"),
                  (_("Case"), _("Checklist"), _("Question"), _("Answer")), rows)  # fmt: skip
    count = Figure("confidential_answers", _("Confidential answers listed"), len(rows))
    note = _("CONFIDENTIAL: do not forward. Requested by an admin; the request is audit-logged.")
    return Section("confidential", _("Confidential annex"), (count,), (table,), note)


#: The two observer States, not Member States (Facts and Figures counts Member States).
OBSERVERS = frozenset({"VAT", "PSE"})


def member_states() -> list[str]:
    """The 193 UN Member States' codes, in the order of their UN names."""
    return [s.code for s in states() if s.code in UN_STATES - OBSERVERS]


def first_record(cases: Iterable[Case]) -> date | None:
    """The earliest date sent, requested or invited among the cases."""
    keys = (qids.DATE_SENT, qids.REQUEST_DATE, qids.INVITED_ON)
    found = [d for c in cases for k in keys if (d := day(intake(c).get(k)))]
    return min(found, default=None)


def file_stem(report: Report) -> str:
    """Files named for what they hold: the period, then the mandate and State if one,
    e.g. "followup-report-2017-01-01-2017-12-31-BDI" or "...-WGAD"; a variant that names
    victims says CONFIDENTIAL, so it is never mistaken for (or saved over) the ordinary one."""
    parts = ["followup-report", report.start.isoformat(), report.end.isoformat()]
    if report.scope.mandate:
        parts.append(re.sub(r"[^A-Za-z0-9]+", "-", report.scope.mandate).strip("-"))
    if report.scope.state:
        parts.append(report.scope.state)
    if report.confidential:
        parts.append("CONFIDENTIAL")
    return "-".join(parts)
