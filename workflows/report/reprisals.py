"""Section 3 of the report: intimidation and reprisals, as counts unless asked otherwise.

- flagged_communications: sent in the period and flagged (theme "reprisal", or escalated to
  the ASG or the SG report).
- flagged_visits: requested in the period with a reprisal concern, or visited in the period
  with reprisal allegations. flagged = both.
- referred_asg / sg_report: communications with such an action dated in the period;
  sg_report_consent: of those in the SG report, the ones whose person consented to be named.
Names (and which cases) only in the confidential variant.
"""

from __future__ import annotations

from workflows.checklist import Registry
from workflows.report.confidential import confidential_answers
from workflows.report.facts import (
    Case,
    Frame,
    actions,
    day,
    intake,
    is_reprisal,
    requested_on,
    sent_on,
    visits,
)
from workflows.report.model import Figure, Section, Table


def reprisals_section(
    frame: Frame, comms: list[Case], cases_of_visits: list[Case], *, registry: Registry,
    confidential: bool,
) -> Section:  # fmt: skip
    flagged_comms = [c for c in comms if sent_on(c) in frame and is_reprisal(c)]
    flagged_visits = [c for c in cases_of_visits if _visit_flagged(c, frame)]
    referred = [c for c in comms if _acted(c, "asg", frame)]
    reported = [c for c in comms if _acted(c, "sg_report", frame)]
    consent = [
        c for c in reported if any(a.get("consent") is True for a in actions(c, "sg_report"))
    ]
    figures = (
        Figure("flagged", "Cases flagged", len(flagged_comms) + len(flagged_visits)),
        Figure("flagged_communications", "Communications flagged", len(flagged_comms)),
        Figure("flagged_visits", "Visits flagged", len(flagged_visits)),
        Figure("referred_asg", "Referred to the ASG on reprisals", len(referred)),
        Figure("sg_report", "Included in the Secretary-General's report", len(reported)),
        Figure("sg_report_consent", "… with the person's consent to be named", len(consent)),
    )
    if not confidential:
        return Section("reprisals", "Reprisals", figures, note="Counts only.")
    rows = tuple(
        (
            case.get("reference") or case.get("label", ""),
            case.get("kind", ""),
            "yes" if case in referred else "",
            "yes" if case in reported else "",
            "; ".join(str(value) for _, _, value in confidential_answers(case, registry)),
        )
        for case in [*flagged_comms, *flagged_visits]
    )
    columns = ("Case", "Kind", "Referred to the ASG", "In the SG report", "People concerned")
    table = Table("reprisal_cases", "Cases flagged (confidential)", columns, rows)
    return Section("reprisals", "Reprisals", figures, (table,), note="CONFIDENTIAL: names.")


def _visit_flagged(case: Case, frame: Frame) -> bool:
    concern = intake(case).get("reprisal") is True and requested_on(case) in frame
    during = any(
        v.get("reprisal_during") is True and day(v["visited_from"]) in frame for v in visits(case)
    )
    return concern or during


def _acted(case: Case, kind: str, frame: Frame) -> bool:
    return any(day(a["action_date"]) in frame for a in actions(case, kind))
