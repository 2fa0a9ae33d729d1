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

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from workflows.actors import state_by_code
from workflows.checklist import Registry
from workflows.deadlines import Rules, load_rules
from workflows.report.communications import communications_section
from workflows.report.confidential import confidential_answers
from workflows.report.facts import Case, Frame, in_scope
from workflows.report.followup import followup_section
from workflows.report.model import DASH, Figure, Report, Scope, Section, Table
from workflows.report.periods import long_date
from workflows.report.records import records_table
from workflows.report.reprisals import reprisals_section
from workflows.report.visits import involved, visits_section


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
) -> Report:
    """The report of one period (inclusive), optionally for one mandate and/or one State.

    `state` is an ISO 3166 alpha-3 code; `mandate` a short name as stored. `today` decides
    what is overdue. `overrides` are the per-mandate deadline overrides (settings key
    "deadline_overrides"), applied exactly as the reminders apply them.
    `standing_invitations` are the per-State records (workflows.standing.invitations).
    """
    if period_end < period_start:
        raise ValueError("the period ends before it starts")
    registry = registry or Registry.from_folder()
    frame = Frame(
        period_start, period_end, today, rules or load_rules(), overrides or {},
        standing_invitations or {},
    )  # fmt: skip
    selected = [c for c in cases if in_scope(c, mandate, state)]
    comms = [c for c in selected if c.get("kind") == "communication"]
    visit_cases = [c for c in selected if c.get("kind") == "visit"]
    sections = [
        communications_section(frame, comms),
        visits_section(frame, visit_cases, registry),
        reprisals_section(frame, comms, visit_cases, registry=registry, confidential=confidential),
        followup_section(frame, selected),
    ]
    drawn_on = involved(frame, visit_cases)
    records = records_table(frame, comms, drawn_on, registry, confidential)
    if confidential:
        sections.append(_annex(comms, drawn_on, frame, registry))
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
    table = Table("confidential_answers", "Confidential answers",
                  ("Case", "Checklist", "Question", "Answer"), rows)  # fmt: skip
    count = Figure("confidential_answers", "Confidential answers listed", len(rows))
    note = "CONFIDENTIAL: do not forward. Requested by an admin; the request is audit-logged."
    return Section("confidential", "Confidential annex", (count,), (table,), note)
