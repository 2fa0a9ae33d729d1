"""Section 2 of the report: country visit requests and their outcome, invitations, standing
invitations, visits, end-of-mission statements, draft reports, reports and follow-up.

A request belongs to the period by its request date, a State's invitation by the day it was
extended, an event by its date, a visit by its first day, a statement by its date, a draft
by the day it was shared (its comments by the day they came), a report by the day it was
presented, a follow-up visit or report by its date. Outcomes are judged per request as at
the end of the period (see visit_outcomes):

- requests: visit requests made in the period (the mandate holder's; not States'
  invitations). requests_accepted / _postponed / _declined / _awaiting / _no_response: the
  outcome of each of them at the end of the period; the five add up to requests.
  No response = no response of any kind within 12 months (rule no_response_months) of the
  request; awaiting = no decision yet, within those 12 months or after an acknowledgement.
- reminders: reminders sent in the period.
- unanswered: requests of any year still without any response 12 months or more after they
  were made, at the end of the period (closed cases left out).
- outstanding_previous: requests made before the period, neither visited, finally refused
  (last decision declined or cancelled) nor closed by its end.
- state_invitations: States' own invitations extended in the period; invitations_accepted /
  invitations_declined: the mandate holder's answers dated in the period.
- standing_invitations: distinct States requested in the period that have a standing
  invitation (kept per State; version 1's per-request answer when none is recorded);
  standing_not_honoured: of those, States with a request of the period declined, or
  without any response for 12 months, at its end.
- standing_all: States in scope (UN Member States, or the profile's State) with a
  standing invitation, with its date (table standing_all).
- states_visited / states_not_visited: distinct States with a visit whose first day is in
  the period, and the States in scope without one (table: the last visit before the period
  and requests pending at its end).
- visit_matrix (table): per State and mandate, the years in the five years ending with the
  period in which a request was made, accepted, a visit made or refused; "pending" when a
  request of those years is still open and waiting on the State at the period's end.
- responses: requests (any year) with a State response dated in the period, each once.
- conducted: visits whose first day is in the period; followup_visits: follow-up visits
  whose date is in it. eom_statements: statements dated in the period;
  eom_recommendations: of those, with preliminary recommendations. tor_not_respected: visits
  of the period whose terms of reference were not respected.
- drafts_shared / government_comments: drafts shared with the Government, and its comments
  received, in the period.
- reports_presented: reports presented in the period; reports_late: presented more than
  12 months (rule report_months) after the last day of the visit; followup_reports:
  follow-up reports presented in the period.
- short_notice: visits of the period announced to civil society under 30 days
  (rule short_notice_days) before they began.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from workflows.checklists import question_ids as qids
from workflows.checklists.model import Registry
from workflows.deadlines.rules import add_months, answers_of, intake, notice_days
from workflows.language import N_, _
from workflows.reference.actors import state_by_code
from workflows.report import visit_outcomes as vo
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
from workflows.report.settled import latest_date

Label = Callable[[str], str]


def visits_section(
    frame: Frame,
    every: list[Case],
    cases: list[Case],
    registry: Registry,
    universe: Sequence[str] = (),
) -> Section:
    """`every`: every visit case on record, for the five-year matrix and the last visit
    before the period; `cases`: those that can count in the period
    (workflows.report.settled). `universe`: the State codes the "not visited" figure runs
    over (UN Member States, or the one State of a profile)."""
    label = _event_label(registry)
    requests = [c for c in cases if vo.is_request(c) and requested_on(c) in frame]
    outcomes = {c["id"]: vo.outcome(c, frame.end, frame.rules_of(c)) for c in requests}
    counts = {key: sum(o == key for o, _ in outcomes.values()) for key in vo.OUTCOMES}
    responses = [(c, e) for c in cases for e in events(c) if e[qids.EVENT] != "reminder"
                 and e[qids.EVENT] not in vo.MH_ANSWERS and _on(e, frame)]  # fmt: skip
    reminders = [
        e for c in cases for e in events(c) if e[qids.EVENT] == "reminder" and _on(e, frame)
    ]
    unanswered = [c for c in cases if _unanswered(c, frame)]
    outstanding = [
        c for c in cases if (r := requested_on(c)) and r < frame.start and _open_at(c, frame.end)
    ]
    invited = [c for c in cases if vo.invited_on(c) in frame]
    answers = [(c, e) for c in cases for e in events(c) if e[qids.EVENT] in vo.MH_ANSWERS
               and _on(e, frame)]  # fmt: skip
    standing = frame.standing  # the per-State record (old answers lifted at the upgrade)
    standing_rows = _standing_rows(frame, requests, outcomes, standing)
    extended = _extended_rows(standing, universe)
    conducted = [(c, v) for c in cases for v in visits(c) if day(v[qids.VISITED_FROM]) in frame]
    statements = [v for _, v in _all_visits(cases) if v.get(qids.EOM_STATEMENT)
                  and day(v.get(qids.EOM_DATE)) in frame]  # fmt: skip
    drafts = [
        (c, d)
        for c in cases
        for d in answers_of(c, "visit_draft")
        if day(d.get(qids.DRAFT_SHARED_ON)) in frame or day(d.get(qids.COMMENTS_ON)) in frame
    ]
    reports = [
        (c, r)
        for c in cases
        for r in answers_of(c, "visit_report")
        if day(r.get(qids.PRESENTED_ON)) in frame
    ]
    followups = [(c, f) for c in cases for f in answers_of(c, "visit_followup")
                 if day(f.get(qids.FOLLOWUP_DATE)) in frame]  # fmt: skip
    report_rows = [_report_row(c, r, frame) for c, r in reports]
    notice_rows = [_visit_row(c, v, frame) for c, v in conducted]
    months, notice = frame.rules.report_months, frame.rules.short_notice_days
    visited = {_code(c) for c, _ in conducted}
    not_visited = [code for code in universe if code not in visited]
    matrix = _matrix(frame, every, registry)
    yes = _("yes")

    figures = (
        Figure("requests", _("Visit requests made"), len(requests)),
        Figure("requests_accepted", _("… accepted by the end of the period"),
               counts["accepted"]),
        Figure("requests_postponed", _("… postponed"), counts["postponed"]),
        Figure("requests_declined", _("… declined"), counts["declined"]),
        Figure("requests_awaiting", _("… awaiting a decision"), counts["awaiting"]),
        Figure("requests_no_response",
               _("… no response within {months} months").format(
                   months=frame.rules.no_response_months),
               counts["no_response"]),
        Figure("responses", _("Requests the State responded to in the period (per request)"),
               len({c["id"] for c, _ in responses})),
        Figure("reminders", _("Reminders sent"), len(reminders)),
        Figure("unanswered", _("Requests unanswered after {months} months (any year)").format(
                   months=frame.rules.no_response_months), len(unanswered)),
        Figure("outstanding_previous", _("Requests from earlier periods still outstanding"),
               len(outstanding)),
        Figure("state_invitations", _("Invitations from States"), len(invited)),
        Figure("invitations_accepted", _("Invitations accepted by the mandate holder"),
               sum(e[qids.EVENT] == "mh_accepted" for _, e in answers)),
        Figure("invitations_declined", _("Invitations declined by the mandate holder"),
               sum(e[qids.EVENT] == "mh_declined" for _, e in answers)),
        Figure("standing_all", _("States with a standing invitation"), len(extended)),
        Figure("standing_invitations", _("Requested States with a standing invitation"),
               len(standing_rows)),
        Figure("standing_not_honoured",
               _("… of which a request was declined or went unanswered"),
               sum(bool(row[3]) for row in standing_rows)),
        Figure("conducted", _("Visits conducted"), len(conducted)),
        Figure("states_visited", _("States visited"), len(visited)),
        Figure("states_not_visited", _("States not visited by any mandate in the period"),
               len(not_visited)),
        Figure("followup_visits", _("Follow-up visits"),
               sum(f.get(qids.FOLLOWUP_KIND) == "visit" for _, f in followups)),
        Figure("eom_statements", _("End-of-mission statements"), len(statements)),
        Figure("eom_recommendations", _("… with preliminary recommendations"),
               sum(v.get(qids.EOM_RECOMMENDATIONS) is True for v in statements)),
        Figure("tor_not_respected",
               _("Visits where the terms of reference were not respected"),
               sum(v.get(qids.TOR_RESPECTED) is False for _, v in conducted)),
        Figure("drafts_shared", _("Draft reports shared with the Government"),
               sum(day(d.get(qids.DRAFT_SHARED_ON)) in frame for _, d in drafts)),
        Figure("government_comments", _("Government comments on draft reports received"),
               sum(day(d.get(qids.COMMENTS_ON)) in frame for _, d in drafts)),
        Figure("reports_presented", _("Reports presented to the Council"), len(reports)),
        Figure("reports_late",
               _("Reports presented more than {months} months after the visit").format(
                   months=months),
               sum(row[-1] == yes for row in report_rows)),
        Figure("followup_reports", _("Follow-up reports presented"),
               sum(f.get(qids.FOLLOWUP_KIND) == "report" for _, f in followups)),
        Figure("short_notice",
               _("Visits announced to civil society less than {days} days ahead").format(
                   days=notice),
               sum(row[6] == yes for row in notice_rows)),
    )  # fmt: skip
    tables = (
        Table("visit_requests", _("Requests made and their outcome (one row per request)"),
              (_("State"), _("Mandates"), _("Requested"), _("Reminders"), _("Outcome"),
               _("Decided on"), _("Dates proposed by the State")),
              tuple(_outcome_row(c, outcomes[c["id"]], frame.end) for c in _ordered(requests))),
        Table(
            "visit_responses",
            _("Responses and their outcome"),
            (_("State"), _("Mandates"), _("Requested"), _("Event"), _("Date"), _("Visit dates"),
             _("Notes")),
            tuple(_response_row(c, e, label) for c, e in sorted(responses, key=_by_event_date)),
        ),
        Table("visit_no_response",
              _("Requests unanswered after {months} months").format(
                  months=frame.rules.no_response_months),
              (_("State"), _("Mandates"), _("Requested"), _("Reminders")),
              tuple((*_request_row(c), vo.reminders(c, frame.end))
                    for c in _ordered(unanswered))),
        Table("visit_outstanding", _("Requests from earlier periods still outstanding"),
              (_("State"), _("Mandates"), _("Requested"), _("Last event"), _("On")),
              tuple(_outstanding_row(c, frame.end, label) for c in _ordered(outstanding))),
        Table("visit_invitations", _("States' own invitations and the mandate holders' answers"),
              (_("State"), _("Mandates"), _("Invited on"), _("Answer"), _("On")),
              tuple(_invitation_row(c, frame.end, label)
                    for c in _ordered([*invited, *(c for c, _ in answers if c not in invited)]))),
        Table("standing_all", _("Standing invitations (date extended)"),
              (_("State"), _("Code"), _("Extended on")), tuple(extended)),
        Table("standing_invitations", _("Requested States with a standing invitation"),
              (_("State"), _("Standing invitation since"), _("Requests in the period"),
               _("Declined or unanswered")),
              tuple(standing_rows)),
        Table("visits_conducted", _("Visits conducted and civil-society notice"),
              (_("State"), _("Mandates"), _("From"), _("To"), _("Announced"), _("Notice (days)"),
               _("Short notice"), _("End-of-mission statement"),
               _("Preliminary recommendations"), _("Terms of reference")),
              tuple(notice_rows)),
        Table("states_not_visited", _("States not visited by any mandate in the period"),
              (_("State"), _("Code"), _("Last visit before the period"),
               _("Requests pending at its end")),
              tuple(_not_visited_rows(not_visited, every, cases, frame))),
        Table("visit_matrix",
              _("Status of country visits, {first}{dash}{last} (State and mandate; years of "
                "each step)").format(first=frame.end.year - 4, dash=DASH, last=frame.end.year),
              (_("State"), _("Mandate"), _("Requested"), _("Accepted"), _("Conducted"),
               _("Declined"), _("Pending")),
              tuple(matrix)),
        Table("visit_drafts", _("Draft reports shared with the Government"),
              (_("State"), _("Visit ended"), _("Draft shared"), _("Comments received")),
              tuple(_draft_row(c, d) for c, d in drafts)),
        Table("visit_reports", _("Reports presented to the Council"),
              (_("State"), _("Symbol"), _("Session"), _("Visit ended"), _("Presented"),
               _("Delay (months)"), _("Over {months} months").format(months=months)),
              tuple(report_rows)),
        Table("visit_followups", _("Follow-up visits and reports"),
              (_("State"), _("Follow-up"), _("Date"), _("Symbol")),
              tuple((_state(c), _("visit") if f.get(qids.FOLLOWUP_KIND) == "visit" else _("report"),
                     _long(f.get(qids.FOLLOWUP_DATE)), f.get(qids.FOLLOWUP_SYMBOL) or "")
                    for c, f in followups)),
    )  # fmt: skip
    return Section("visits", _("Country visits"), figures, tables)


def involved(frame: Frame, cases: list[Case]) -> list[Case]:
    """Visit cases the section draws on: any of their dates in the period, or outstanding."""

    def touches(case: Case) -> bool:
        dates = [intake(case).get(k) for k in (qids.REQUEST_DATE, qids.INVITED_ON)]
        dates += [e[qids.EVENT_DATE] for e in events(case)]
        dates += [v.get(k) for v in visits(case) for k in (qids.VISITED_FROM, qids.EOM_DATE)]
        dates += [r.get(qids.PRESENTED_ON) for r in answers_of(case, "visit_report")]
        dates += [d.get(k) for d in answers_of(case, "visit_draft")
                  for k in (qids.DRAFT_SHARED_ON, qids.COMMENTS_ON)]  # fmt: skip
        dates += [f.get(qids.FOLLOWUP_DATE) for f in answers_of(case, "visit_followup")]
        return any(day(d) in frame for d in dates) or (
            (r := requested_on(case)) is not None and r < frame.start and _open_at(case, frame.end)
        )

    return [c for c in cases if touches(c)]


def _event_label(registry: Registry) -> Label:
    """Labels of both versions' events (v2 wins), so old events keep their wording."""
    labels: dict[str, str] = {}
    for version in (1, 2):
        question = registry.get("visit_response", version).question("event")
        labels.update({c.value: c.shown_label for c in question.choices} if question else {})
    return lambda value: labels.get(value, value)


def _standing_rows(
    frame: Frame,
    requests: list[Case],
    outcomes: dict[str, tuple[str, date | None]],
    standing: Mapping[str, Mapping[str, Any]],
) -> list[tuple[Any, ...]]:
    by_code: dict[str, list[Case]] = {}
    for case in requests:
        by_code.setdefault(_code(case), []).append(case)
    rows = []
    for code in sorted(by_code.keys() & standing.keys()):
        mine = by_code[code]
        refused = [c for c in mine if outcomes[c["id"]][0] in ("declined", "no_response")]
        since = standing[code].get("since")
        rows.append(
            (_state(mine[0]), _long(since) or _("date not recorded"), len(mine), len(refused))
        )
    return sorted(rows)


def _extended_rows(
    standing: Mapping[str, Mapping[str, Any]], universe: Sequence[str]
) -> list[tuple[str, str, str]]:
    """Every State in scope with a standing invitation, by UN name, with its date."""
    rows = []
    for code in sorted(standing.keys() & set(universe)):
        state = state_by_code(code)
        since = _long(standing[code].get("since")) or _("date not recorded")
        rows.append((state.name if state else code, code, since))
    return sorted(rows)


def _unanswered(case: Case, frame: Frame) -> bool:
    if not vo.is_request(case) or (requested_on(case) or frame.end) > frame.end:
        return False
    closed = closed_on(case)
    if closed is not None and closed <= frame.end:
        return False
    return vo.outcome(case, frame.end, frame.rules_of(case))[0] == "no_response"


def _all_visits(cases: list[Case]) -> list[tuple[Case, dict[str, Any]]]:
    return [(c, v) for c in cases for v in visits(c)]


def _code(case: Case) -> str:
    actors = addressees(case)
    return actors[0]["code"] if actors else ""


def _state(case: Case) -> str:
    actors = addressees(case)
    return actors[0]["name"] if actors else ""


def _on(event: dict[str, Any], frame: Frame) -> bool:
    return day(event[qids.EVENT_DATE]) in frame


def _by_event_date(item: tuple[Case, dict[str, Any]]) -> tuple[str, str]:
    return item[1][qids.EVENT_DATE], _state(item[0])


def _ordered(cases: list[Case]) -> list[Case]:
    first = {qids.REQUEST_DATE, qids.INVITED_ON}
    return sorted(
        cases,
        key=lambda c: (min((intake(c)[k] for k in first if intake(c).get(k)), default=""),
                       _state(c)),
    )  # fmt: skip


def _open_at(case: Case, end: date) -> bool:
    """Neither visited, finally refused nor closed by `end`: still waiting on the State."""
    closed = closed_on(case)
    if closed is not None and closed <= end:
        return False
    if any(parse <= end for v in visits(case) if (parse := day(v[qids.VISITED_FROM]))):
        return False
    decided = [e for e in events(case) if e[qids.EVENT] in vo.STATE_RESPONSES - vo.ACKNOWLEDGED
               and (d := day(e[qids.EVENT_DATE])) and d <= end]  # fmt: skip
    return not (decided and decided[-1]["event"] in vo.DECLINED)


def _request_row(case: Case) -> tuple[str, ...]:
    requested = requested_on(case)
    return (_state(case), ", ".join(mandates(case)), long_date(requested) if requested else "")


def _outcome_row(case: Case, found: tuple[str, date | None], end: date) -> tuple[Any, ...]:
    kind, decided = found
    return (
        *_request_row(case),
        vo.reminders(case, end),
        _(vo.OUTCOMES[kind]),
        long_date(decided) if decided else "",
        _proposed_dates(case, end),
    )


def _proposed_dates(case: Case, end: date) -> str:
    """The visit dates the State last proposed or agreed on or before `end` (not the
    timeframe the mandate holder suggested in the request)."""
    for event in reversed(events(case)):
        start, last = day(event.get(qids.VISIT_START)), day(event.get(qids.VISIT_END))
        if start and last and (d := day(event[qids.EVENT_DATE])) and d <= end:
            return f"{long_date(start)} {DASH} {long_date(last)}"
    return ""


def _outstanding_row(case: Case, end: date, label: Label) -> tuple[str, ...]:
    known = [e for e in events(case) if (d := day(e[qids.EVENT_DATE])) and d <= end]
    last = known[-1] if known else None
    shown = (label(last[qids.EVENT]), _long(last[qids.EVENT_DATE])) if last else ("", "")
    return (*_request_row(case), *shown)


def _invitation_row(case: Case, end: date, label: Label) -> tuple[str, ...]:
    answer = vo.invitation_answer(case, end)
    return (
        _state(case),
        ", ".join(mandates(case)),
        _long(intake(case).get(qids.INVITED_ON)),
        label(answer[qids.EVENT]) if answer else "",
        _long(answer[qids.EVENT_DATE]) if answer else "",
    )


def _response_row(case: Case, event: dict[str, Any], label: Label) -> tuple[str, ...]:
    start, end = day(event.get(qids.VISIT_START)), day(event.get(qids.VISIT_END))
    dates = f"{long_date(start)} {DASH} {long_date(end)}" if start and end else ""
    return (
        _state(case),
        ", ".join(mandates(case)),
        _request_row(case)[2],
        label(event[qids.EVENT]),
        _long(event[qids.EVENT_DATE]),
        dates,
        event.get(qids.EVENT_NOTES) or "",
    )


def _visit_row(case: Case, visit: dict[str, Any], frame: Frame) -> tuple[Any, ...]:
    notice = notice_days(case)
    short = notice is not None and notice < frame.rules.short_notice_days
    statement = day(visit.get(qids.EOM_DATE)) if visit.get(qids.EOM_STATEMENT) else None
    return (
        _state(case),
        ", ".join(mandates(case)),
        _long(visit.get(qids.VISITED_FROM)),
        _long(visit.get(qids.VISITED_TO)),
        _long(visit.get(qids.ANNOUNCED_ON)),
        notice,
        _("yes") if short else "",
        long_date(statement) if statement else "",
        _("yes") if statement and visit.get(qids.EOM_RECOMMENDATIONS) is True else "",
        _terms(visit),
    )


def _terms(visit: dict[str, Any]) -> str:
    """ "respected", "not respected: freedom of movement, ..." or "" (not recorded, v1)."""
    if visit.get(qids.TOR_RESPECTED) is True:
        return _("respected")
    if visit.get(qids.TOR_RESPECTED) is False:
        refused = ", ".join(
            _(_TOR[v]) if v in _TOR else v for v in visit.get(qids.TOR_REFUSED) or []
        )
        if refused:
            return _("not respected: {refused}").format(refused=refused)
        return _("not respected")
    return ""


_TOR = {
    "movement": N_("freedom of movement"),
    "contact": N_("unsupervised contact"),
    "detention": N_("places of detention"),
    "documents": N_("documents"),
    "other": N_("other"),
}


def _draft_row(case: Case, draft: dict[str, Any]) -> tuple[str, ...]:
    ended = max((d for v in visits(case) if (d := day(v.get(qids.VISITED_TO)))), default=None)
    return (
        _state(case),
        long_date(ended) if ended else "",
        _long(draft.get(qids.DRAFT_SHARED_ON)),
        _long(draft.get(qids.COMMENTS_ON)) if draft.get(qids.GOV_COMMENTS) else "",
    )


def _report_row(case: Case, report: dict[str, Any], frame: Frame) -> tuple[Any, ...]:
    presented = day(report[qids.PRESENTED_ON])
    assert presented is not None  # selected by this date
    ended = max((d for v in visits(case) if (d := day(v.get(qids.VISITED_TO)))), default=None)
    delay = _whole_months(ended, presented) if ended else None
    late = ended is not None and presented > add_months(ended, frame.rules.report_months)
    return (
        _state(case),
        report.get(qids.REPORT_SYMBOL, ""),
        report.get("session"),
        long_date(ended) if ended else "",
        long_date(presented),
        delay,
        _("yes") if late else "",
    )


def _long(value: Any) -> str:
    found = day(value)
    return long_date(found) if found else ""


def _whole_months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)


def _not_visited_rows(
    codes: list[str], every: list[Case], cases: list[Case], frame: Frame
) -> list[tuple[Any, ...]]:
    """Each State's last visit before the period (`every` case on record) and its requests
    pending at the period's end (among the `cases` that can count in it)."""
    every_of, pending_of = _by_code(every), _by_code(cases)
    rows = []
    for code in codes:
        before = [d for c in every_of.get(code, []) for v in visits(c)
                  if (d := day(v[qids.VISITED_FROM])) and d < frame.start]  # fmt: skip
        pending = sum(
            vo.is_request(c)
            and (requested_on(c) or frame.end) <= frame.end
            and _open_at(c, frame.end)
            and vo.outcome(c, frame.end, frame.rules_of(c))[0] in _PENDING
            for c in pending_of.get(code, [])
        )
        state = state_by_code(code)
        last = max(before, default=None)
        rows.append((state.name if state else code, code, long_date(last) if last else "",
                     pending))  # fmt: skip
    return rows


def _by_code(cases: list[Case]) -> dict[str, list[Case]]:
    found: dict[str, list[Case]] = {}
    for case in cases:
        found.setdefault(_code(case), []).append(case)
    return found


#: Outcomes of a request still waiting on the State.
_PENDING = frozenset({"awaiting", "no_response", "postponed"})


def _matrix(frame: Frame, every: list[Case], registry: Registry) -> list[tuple[Any, ...]]:
    """One row per State and mandate with a request, acceptance, visit or refusal in the
    five years ending with the period: the years of each step, as the Facts and Figures
    annex lays out the status of country visits. Of `every` case on record, only those with
    a date in those years can count in it."""
    first = date(frame.end.year - 4, 1, 1)
    since = first.isoformat()
    cases = [c for c in every if latest_date(c, registry) >= since]
    cells: dict[tuple[str, str], dict[str, set[int]]] = {}
    pending: set[tuple[str, str]] = set()

    def mark(case: Case, step: str, when: date | None) -> None:
        if when is None or not first <= when <= frame.end:
            return
        for mandate in mandates(case) or [""]:
            row = cells.setdefault((_state(case), mandate), {})
            row.setdefault(step, set()).add(when.year)

    for case in cases:
        mark(case, "requested", requested_on(case) if vo.is_request(case) else None)
        for event in events(case):
            kind, when = event[qids.EVENT], day(event[qids.EVENT_DATE])
            if kind in vo.ACCEPTED:
                mark(case, "accepted", when)
            elif kind in vo.DECLINED:
                mark(case, "declined", when)
        for visit in visits(case):
            mark(case, "conducted", day(visit[qids.VISITED_FROM]))
        requested = requested_on(case)
        if (
            vo.is_request(case)
            and requested is not None
            and first <= requested <= frame.end
            and _open_at(case, frame.end)
            and vo.outcome(case, frame.end, frame.rules_of(case))[0] in _PENDING
        ):
            pending.update((_state(case), m) for m in mandates(case) or [""])
    rows = []
    for (state, mandate), steps in sorted(cells.items()):
        years = [", ".join(map(str, sorted(steps.get(step, ())))) for step in _STEPS]
        rows.append((state, mandate, *years, _("yes") if (state, mandate) in pending else ""))
    return rows


_STEPS = ("requested", "accepted", "conducted", "declined")
