"""Section 3 of the report: follow-up activities, in OHCHR's sense (what the Special
Procedures did after a communication or a visit), each counted by its own date in the period:

- followup_letters: follow-up letters sent (communications that follow up an earlier one;
  an older record's "follow-up letter" action counts when no linked letter stands for it).
- statements: press releases and public statements on communications (one per group of
  letters and date: recorded on each letter of one allegation, it is one statement).
- followup_reports / followup_visits: follow-up reports presented and follow-up visits made
  after a country visit.
- recommendations_assessed: visit recommendations whose follow-up was assessed.
- total: the five added up.
"""

from __future__ import annotations

from workflows.deadlines.rules import answers_of
from workflows.language import _
from workflows.report.facts import Case, Frame, actions, day, sent_on, statements
from workflows.report.model import Figure, Section, Table


def activities_section(frame: Frame, comms: list[Case], visit_cases: list[Case]) -> Section:
    linked = sum(bool(c.get("follows")) and sent_on(c) in frame for c in comms)
    unlinked = sum(
        day(a["action_date"]) in frame
        for c in comms
        if not c.get("followups")
        for a in actions(c, "letter")
    )
    kinds = [
        f.get("followup_kind")
        for c in visit_cases
        for f in answers_of(c, "visit_followup")
        if day(f.get("followup_date")) in frame
    ]
    assessed = sum(
        day(r.get("assessed_on")) in frame
        for c in visit_cases
        for r in answers_of(c, "visit_recommendation")
    )
    counts = (
        ("followup_letters", _("Follow-up letters sent"), linked + unlinked),
        ("statements", _("Press releases and public statements"), statements(comms, frame)),
        ("followup_reports", _("Follow-up reports presented"), kinds.count("report")),
        ("followup_visits", _("Follow-up visits"), kinds.count("visit")),
        ("recommendations_assessed", _("Visit recommendations followed up (assessed)"),
         assessed),
    )  # fmt: skip
    figures = [Figure(key, label, value) for key, label, value in counts]
    figures.append(Figure("total", _("Follow-up activities in all"), sum(v for *_, v in counts)))
    table = Table(
        "followup_activities",
        _("Follow-up activities in the period"),
        (_("Activity"), _("Number")),
        tuple((label, value) for _, label, value in counts),
    )
    return Section("activities", _("Follow-up activities"), tuple(figures), (table,))
