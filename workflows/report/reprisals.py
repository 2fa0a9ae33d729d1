"""Section 6 of the report: intimidation and reprisals, as counts unless asked otherwise.

A reprisal is recorded with the reprisal checklist, raised from any case (communication or
visit); it belongs to the period by the date of the incident, and a referral or a submission
to the Secretary-General's report by its own date. Older records are counted too: a
communication's "reprisal" theme and its follow-up actions "referral to the ASG" and
"included in the SG reprisals report" (communication_followup version 1), and a visit
request's reprisal concern or allegations during a visit (visit checklists version 1).

- flagged_communications: communications sent in the period and flagged (theme "reprisal"
  or a version-1 escalation), or with a reprisal dated in the period; one per group (one
  allegation sent to several addressees is one case), unless its letters record different
  reprisals (see `_allegations`).
- flagged_visits: visits requested in the period with a reprisal concern, visited in it with
  reprisal allegations (version 1), or with a reprisal dated in the period. flagged = both.
- incidents: reprisals recorded with the reprisal checklist, dated in the period (a record
  copied to several letters of one group counted once);
  consent_given / consent_refused / consent_pending: their consent to referral.
- referred_asg: referrals to the Assistant Secretary-General dated in the period (a
  reprisal's referral, or a version-1 follow-up action on a case whose reprisals record no
  referral to the ASG: the same referral is not counted twice); referred_hc / referred_president:
  referrals to the High Commissioner / the President of the Council dated in the period.
- sg_report: cases submitted for the Secretary-General's annual report on reprisals in the
  period (version 1: the action "included in the SG report", unless a reprisal on the case
  records a submission); sg_report_included: of those,
  recorded as included; sg_report_consent: of those, whose person consented to be named.
- outcome_resolved / _ongoing / _worsened / _unknown: the outcome recorded now for the
  period's incidents.
The table sg_report_cycles counts submissions by the report's cycle (1 June to 31 May
until 2019, 1 May to 30 April since 2021; presented at the Council's September session).
Names, and which cases, only in the confidential variant.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from workflows.checklists import question_ids as qids
from workflows.checklists.model import Registry
from workflows.deadlines.rules import answers_of
from workflows.language import N_, _
from workflows.report.confidential import confidential_answers
from workflows.report.facts import (
    Case,
    Frame,
    actions,
    day,
    intake,
    reprisals,
    requested_on,
    sent_on,
    visits,
)
from workflows.report.model import DASH, Figure, Section, Table
from workflows.report.periods import long_date

CONSENTED = frozenset({"named", "anonymous"})
SUBMITTED = frozenset({"submitted", "included"})
OUTCOMES = ("resolved", "ongoing", "worsened", "unknown")
#: The Council's first September session under the current cycle: HRC 6, September 2007.
_FIRST_SEPTEMBER = (2007, 6)


def reprisals_section(
    frame: Frame, comms: list[Case], cases_of_visits: list[Case], *, registry: Registry,
    confidential: bool,
) -> Section:  # fmt: skip
    flagged_comms = [c for c in comms if _comm_flagged(c, frame)]
    flagged_visits = [c for c in cases_of_visits if _visit_flagged(c, frame)]
    # Incidents, referrals and submissions live in reprisal checklists and follow-up
    # actions: the few cases that have any are picked out once, not searched per figure.
    every = [c for c in (*comms, *cases_of_visits) if _has_escalations(c)]
    incidents = _distinct(
        (c, r) for c in every for r in reprisals(c) if day(r[qids.INCIDENT_DATE]) in frame
    )
    submissions = _submissions(every, frame)
    consent = [r.get(qids.CONSENT) for r in incidents]
    outcome = [r.get(qids.OUTCOME) for r in incidents]
    figures = (
        Figure("flagged", _("Cases flagged"), _allegations(flagged_comms) + len(flagged_visits)),
        Figure("flagged_communications", _("Communications flagged"),
               _allegations(flagged_comms)),
        Figure("flagged_visits", _("Visits flagged"), len(flagged_visits)),
        Figure("incidents", _("Reprisals recorded"), len(incidents)),
        Figure("consent_given", _("… the person consented to a referral"),
               sum(c in CONSENTED for c in consent)),
        Figure("consent_refused", _("… the person did not consent"), consent.count("refused")),
        Figure("consent_pending", _("… consent not yet given or asked"),
               consent.count("pending")),
        Figure("referred_asg", _("Referred to the ASG on reprisals"),
               _referred(every, "asg", frame)),
        Figure("referred_hc", _("Referred to the High Commissioner"),
               _referred(every, "hc", frame)),
        Figure("referred_president", _("Referred to the President of the Council"),
               _referred(every, "president", frame)),
        Figure("sg_report", _("Submitted for the Secretary-General's report"), len(submissions)),
        Figure("sg_report_included", _("… included in the report"),
               sum(included for _, included, _ in submissions)),
        Figure("sg_report_consent", _("… with the person's consent to be named"),
               sum(named for _, _, named in submissions)),
        *(Figure(f"outcome_{key}",
                 _("Outcome: {outcome}").format(outcome=_(_OUTCOME_LABELS[key])),
                 outcome.count(key))
          for key in OUTCOMES),
    )  # fmt: skip
    cycles = Table("sg_report_cycles", _("Submissions by cycle of the Secretary-General's report"),
                   (_("Cycle"), _("Council session"), _("Cases")),
                   _cycle_rows(submissions))  # fmt: skip
    if not confidential:
        return Section("reprisals", _("Reprisals"), figures, (cycles,), note=_("Counts only."))
    rows = tuple(_confidential_row(c, registry) for c in [*flagged_comms, *flagged_visits])
    columns = (_("Case"), _("Kind"), _("Consent"), _("Referred to the ASG"),
               _("In the SG report"), _("Outcome"), _("People concerned"))  # fmt: skip
    table = Table("reprisal_cases", _("Cases flagged (confidential)"), columns, rows)
    return Section("reprisals", _("Reprisals"), figures, (cycles, table),
                   note=_("CONFIDENTIAL: names."))  # fmt: skip


_OUTCOME_LABELS = {
    "resolved": N_("resolved"),
    "ongoing": N_("ongoing, no change"),
    "worsened": N_("further reprisals"),
    "unknown": N_("no information"),
}


_ESCALATIONS = frozenset({"reprisal", "communication_followup"})


def _group_of(case: Case) -> frozenset[str]:
    """The letters of one allegation sent to several addressees (the case alone if none)."""
    return frozenset([case["id"], *(case.get("group") or ())])


def _incident(record: dict[str, Any]) -> tuple[str, ...]:
    """What makes two reprisal records one incident: same date, description and persons
    (a record copied to each letter of a group is the same incident)."""
    return tuple(
        str(record.get(k) or "") for k in (qids.INCIDENT_DATE, qids.INCIDENT, qids.VICTIMS)
    )


def _allegations(letters: list[Case]) -> int:
    """Flagged letters, one per group: the letters to each addressee of one allegation are
    one case. A group counts more than once only when its letters record different
    reprisals (different incidents): then once per distinct set of incidents recorded on a
    letter, letters without a reprisal record (flagged by theme) adding none."""
    found: dict[frozenset[str], set[frozenset[tuple[str, ...]]]] = {}
    for case in letters:
        recorded = frozenset(_incident(r) for r in reprisals(case))
        found.setdefault(_group_of(case), set()).add(recorded)
    return sum(len(sets - {frozenset()}) or 1 for sets in found.values())


def _distinct(found: Iterable[tuple[Case, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Reprisal records, a record copied to several letters of one group counted once."""
    seen: dict[tuple[frozenset[str], tuple[str, ...]], dict[str, Any]] = {}
    for case, record in found:
        seen.setdefault((_group_of(case), _incident(record)), record)
    return list(seen.values())


def _has_escalations(case: Case) -> bool:
    return any(answers_of(case, checklist) for checklist in _ESCALATIONS)


def _comm_flagged(case: Case, frame: Frame) -> bool:
    return (sent_on(case) in frame and _legacy(case)) or _recorded_in(case, frame)


def _legacy(case: Case) -> bool:
    """Flagged the version-1 way: a "reprisal" theme or an ASG / SG report action."""
    themes = intake(case).get(qids.THEMES) or []
    return "reprisal" in themes or bool(actions(case, "asg") or actions(case, "sg_report"))


def _visit_flagged(case: Case, frame: Frame) -> bool:
    concern = intake(case).get("reprisal") is True and requested_on(case) in frame
    during = any(
        v.get(qids.REPRISAL_DURING) is True and day(v[qids.VISITED_FROM]) in frame
        for v in visits(case)
    )
    return concern or during or _recorded_in(case, frame)


def _recorded_in(case: Case, frame: Frame) -> bool:
    return any(day(r[qids.INCIDENT_DATE]) in frame for r in reprisals(case))


def _referred(cases: list[Case], to: str, frame: Frame) -> int:
    """Referrals dated in the period: each reprisal's, plus a case's version-1 ASG action
    unless a reprisal on the same case records that referral (the same one, recorded twice)."""
    count = 0
    for case in cases:
        recorded = [r for r in reprisals(case) if r.get(f"{to}_on")]
        count += sum(day(r[f"{to}_on"]) in frame for r in recorded)
        if to == "asg" and not recorded:
            count += any(day(a[qids.ACTION_DATE]) in frame for a in actions(case, "asg"))
    return count


def _submissions(cases: list[Case], frame: Frame) -> list[tuple[date, bool, bool]]:
    """(date submitted, included, consented to be named) for each submission in the period."""
    found: list[tuple[date, bool, bool]] = []
    for case in cases:
        for r in reprisals(case):
            on = day(r.get(qids.SG_REPORT_ON))
            if r.get(qids.SG_REPORT) in SUBMITTED and on in frame and on is not None:
                found.append((on, r[qids.SG_REPORT] == "included", r.get(qids.CONSENT) == "named"))
        dated = [a for a in actions(case, "sg_report") if day(a[qids.ACTION_DATE]) in frame]
        if any(r.get(qids.SG_REPORT) in SUBMITTED for r in reprisals(case)):
            continue  # the version-1 action is the same submission, recorded again
        if dated:  # version 1: one per case; its label said "included in the SG report"
            on = day(dated[0][qids.ACTION_DATE])
            assert on is not None
            found.append((on, True, any(a.get(qids.CONSENT) is True for a in dated)))
    return found


def sg_cycle(on: date) -> tuple[date, date, int, int]:
    """The SG reprisals report cycle a date falls in: (first day, last day, year of the
    September session that receives the report, number of that session).

    The period ran 1 June to 31 May until the 2019 report; the 2020 report covered 1 June
    2019 to 30 April 2020, and later ones 1 May to 30 April (OHCHR's calls for submissions).
    """
    year = on.year if on <= _cycle_end(on.year) else on.year + 1
    start = date(year - 1, 6, 1) if year <= 2020 else date(year - 1, 5, 1)
    session = _FIRST_SEPTEMBER[1] + 3 * (year - _FIRST_SEPTEMBER[0])
    return start, _cycle_end(year), year, session


def _cycle_end(year: int) -> date:
    return date(year, 5, 31) if year <= 2019 else date(year, 4, 30)


def _cycle_rows(submissions: list[tuple[date, bool, bool]]) -> tuple[tuple[Any, ...], ...]:
    counts: dict[tuple[date, date, int, int], int] = {}
    for submission in submissions:
        cycle = sg_cycle(submission[0])
        counts[cycle] = counts.get(cycle, 0) + 1
    return tuple(
        (f"{long_date(start)} {DASH} {long_date(end)}",
         _("HRC {session} (September {year})").format(session=session, year=year), n)
        for (start, end, year, session), n in sorted(counts.items())
    )  # fmt: skip


def _confidential_row(case: Case, registry: Registry) -> tuple[Any, ...]:
    records = reprisals(case)
    asg = any(r.get(qids.ASG_ON) for r in records) or bool(actions(case, "asg"))
    sg = any(r.get(qids.SG_REPORT) in SUBMITTED for r in records) or bool(
        actions(case, "sg_report")
    )
    return (
        case.get("reference") or case.get("label", ""),
        case.get("kind", ""),
        "; ".join(str(r.get(qids.CONSENT, "")) for r in records),
        _("yes") if asg else "",
        _("yes") if sg else "",
        "; ".join(str(r.get(qids.OUTCOME, "")) for r in records),
        "; ".join(str(value) for _, _, value in confidential_answers(case, registry)),
    )
