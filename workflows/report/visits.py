"""Section 2 of the report: country visit requests, responses, visits, reports, notice.

A request belongs to the period by its request date, a response by its event date, a visit
by its first day, an end-of-mission statement by its date and a report by the day it was
presented. "Outstanding" and "no response" are judged as at the end of the period:

- requests: visit requests made in the period.
- invitations: distinct States with an "accepted" or "dates agreed" event in the period.
- standing_invitations: distinct States requested in the period recorded as having one.
- responses: State responses (acknowledged, accepted, proposed, agreed, declined,
  postponed, cancelled) dated in the period; the table lists every event but our reminders,
  with the dates and the intended timeframe.
- no_response: distinct States requested in the period with no response (and no visit)
  by its end.
- outstanding_previous: requests made before the period, neither visited, finally refused
  (last event declined/cancelled) nor closed by its end.
- conducted: visits whose first day is in the period; eom_statements: statements dated in it.
- reports_presented: reports presented in the period; reports_late: presented more than
  12 months (rule report_months) after the last day of the visit.
- short_notice: visits of the period announced to civil society under 30 days
  (rule short_notice_days) before they began.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from workflows.checklist import Registry
from workflows.dates import parse_iso
from workflows.deadlines import RESPONSES, add_months, answers_of, intake, notice_days
from workflows.report.facts import (
    Case,
    Frame,
    addressees,
    closed_on,
    day,
    events,
    mandates,
    requested_on,
    visits,
)
from workflows.report.model import DASH, Figure, Section, Table
from workflows.report.periods import long_date

INVITED = frozenset({"accepted", "agreed"})
REFUSED = frozenset({"declined", "cancelled"})
Label = Callable[[str], str]


def visits_section(frame: Frame, cases: list[Case], registry: Registry) -> Section:
    question = registry.latest("visit_response").question("event")
    label: Label = question.choice_label if question else str
    requests = [c for c in cases if requested_on(c) in frame]
    invited = {
        _code(c) for c in cases for e in events(c) if e["event"] in INVITED and _on(e, frame)
    }
    standing = {_code(c) for c in requests if intake(c).get("standing_invitation") is True}
    responses = [
        (c, e) for c in cases for e in events(c) if e["event"] != "reminder" and _on(e, frame)
    ]
    silent = [c for c in requests if not _answered_by(c, frame.end)]
    outstanding = [
        c for c in cases if (r := requested_on(c)) and r < frame.start and _open_at(c, frame.end)
    ]
    conducted = [(c, v) for c in cases for v in visits(c) if day(v["visited_from"]) in frame]
    statements = [
        v
        for c in cases
        for v in visits(c)
        if v.get("eom_statement") and day(v.get("eom_date")) in frame
    ]
    reports = [
        (c, r)
        for c in cases
        for r in answers_of(c, "visit_report")
        if day(r.get("presented_on")) in frame
    ]
    report_rows = [_report_row(c, r, frame) for c, r in reports]
    notice_rows = [_visit_row(c, v, frame) for c, v in conducted]
    short = sum(1 for row in notice_rows if row[-2] == "yes")
    late = sum(1 for row in report_rows if row[-1] == "yes")
    months, notice = frame.rules.report_months, frame.rules.short_notice_days
    answered = sum(e["event"] in RESPONSES for _, e in responses)

    figures = (
        Figure("requests", "Visit requests made", len(requests)),
        Figure("invitations", "States that accepted a visit or agreed dates", len(invited)),
        Figure("standing_invitations", "Requested States with a standing invitation",
               len(standing)),
        Figure("responses", "Responses from States", answered),
        Figure("no_response", "States that did not respond to this period's requests",
               len({_code(c) for c in silent})),
        Figure("outstanding_previous", "Requests from earlier periods still outstanding",
               len(outstanding)),
        Figure("conducted", "Visits conducted", len(conducted)),
        Figure("eom_statements", "End-of-mission statements", len(statements)),
        Figure("reports_presented", "Reports presented to the Council", len(reports)),
        Figure("reports_late", f"Reports presented more than {months} months after the visit",
               late),
        Figure("short_notice", f"Visits announced to civil society less than {notice} days ahead",
               short),
    )  # fmt: skip
    tables = (
        Table(
            "visit_responses",
            "Responses and their outcome",
            ("State", "Mandates", "Requested", "Event", "Date", "Visit dates",
             "Intended timeframe", "Notes"),
            tuple(_response_row(c, e, label) for c, e in sorted(responses, key=_by_event_date)),
        ),
        Table("visit_no_response", "No response to this period's requests",
              ("State", "Mandates", "Requested"), tuple(_request_row(c) for c in _ordered(silent))),
        Table("visit_outstanding", "Requests from earlier periods still outstanding",
              ("State", "Mandates", "Requested", "Last event", "On"),
              tuple(_outstanding_row(c, frame.end, label) for c in _ordered(outstanding))),
        Table("visits_conducted", "Visits conducted and civil-society notice",
              ("State", "Mandates", "From", "To", "Announced", "Notice (days)", "Short notice",
               "End-of-mission statement"),
              tuple(notice_rows)),
        Table("visit_reports", "Reports presented to the Council",
              ("State", "Symbol", "Session", "Visit ended", "Presented", "Delay (months)",
               f"Over {months} months"),
              tuple(report_rows)),
    )  # fmt: skip
    return Section("visits", "Country visits", figures, tables)


def involved(frame: Frame, cases: list[Case]) -> list[Case]:
    """Visit cases the section draws on: any of their dates in the period, or outstanding."""

    def touches(case: Case) -> bool:
        dates = [intake(case).get("request_date")]
        dates += [e["event_date"] for e in events(case)]
        dates += [v.get(k) for v in visits(case) for k in ("visited_from", "eom_date")]
        dates += [r.get("presented_on") for r in answers_of(case, "visit_report")]
        return any(day(d) in frame for d in dates) or (
            (r := requested_on(case)) is not None and r < frame.start and _open_at(case, frame.end)
        )

    return [c for c in cases if touches(c)]


def _code(case: Case) -> str:
    actors = addressees(case)
    return actors[0]["code"] if actors else ""


def _state(case: Case) -> str:
    actors = addressees(case)
    return actors[0]["name"] if actors else ""


def _on(event: dict[str, Any], frame: Frame) -> bool:
    return day(event["event_date"]) in frame


def _by_event_date(item: tuple[Case, dict[str, Any]]) -> tuple[str, str]:
    return item[1]["event_date"], _state(item[0])


def _ordered(cases: list[Case]) -> list[Case]:
    return sorted(cases, key=lambda c: (intake(c).get("request_date", ""), _state(c)))


def _answered_by(case: Case, end: date) -> bool:
    """The State responded, or the visit took place, on or before `end`."""
    responded = any(
        e["event"] in RESPONSES and parse_iso(e["event_date"]) <= end for e in events(case)
    )
    visited = any(parse_iso(v["visited_from"]) <= end for v in visits(case))
    return responded or visited


def _open_at(case: Case, end: date) -> bool:
    """Neither visited, finally refused nor closed by `end`: still waiting on the State."""
    if any(parse_iso(v["visited_from"]) <= end for v in visits(case)):
        return False
    known = [e for e in events(case) if parse_iso(e["event_date"]) <= end]
    if known and known[-1]["event"] in REFUSED:
        return False
    closed = closed_on(case)
    return closed is None or closed > end


def _request_row(case: Case) -> tuple[str, ...]:
    requested = requested_on(case)
    return (_state(case), ", ".join(mandates(case)), long_date(requested) if requested else "")


def _outstanding_row(case: Case, end: date, label: Label) -> tuple[str, ...]:
    known = [e for e in events(case) if parse_iso(e["event_date"]) <= end]
    last = known[-1] if known else None
    shown = (label(last["event"]), _long(last["event_date"])) if last else ("", "")
    return (*_request_row(case), *shown)


def _response_row(case: Case, event: dict[str, Any], label: Label) -> tuple[str, ...]:
    start, end = day(event.get("visit_start")), day(event.get("visit_end"))
    dates = f"{long_date(start)} {DASH} {long_date(end)}" if start and end else ""
    return (
        _state(case),
        ", ".join(mandates(case)),
        _request_row(case)[2],
        label(event["event"]),
        _long(event["event_date"]),
        dates,
        intake(case).get("timeframe") or "",
        event.get("event_notes") or "",
    )


def _visit_row(case: Case, visit: dict[str, Any], frame: Frame) -> tuple[Any, ...]:
    notice = notice_days(case)
    short = notice is not None and notice < frame.rules.short_notice_days
    statement = day(visit.get("eom_date")) if visit.get("eom_statement") else None
    return (
        _state(case),
        ", ".join(mandates(case)),
        _long(visit.get("visited_from")),
        _long(visit.get("visited_to")),
        _long(visit.get("announced_on")),
        notice,
        "yes" if short else "",
        long_date(statement) if statement else "",
    )


def _report_row(case: Case, report: dict[str, Any], frame: Frame) -> tuple[Any, ...]:
    presented = day(report["presented_on"])
    assert presented is not None  # selected by this date
    ended = max((d for v in visits(case) if (d := day(v.get("visited_to")))), default=None)
    delay = _whole_months(ended, presented) if ended else None
    late = ended is not None and presented > add_months(ended, frame.rules.report_months)
    return (
        _state(case),
        report.get("report_symbol", ""),
        report.get("session"),
        long_date(ended) if ended else "",
        long_date(presented),
        delay,
        "yes" if late else "",
    )


def _long(value: Any) -> str:
    found = day(value)
    return long_date(found) if found else ""


def _whole_months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)
