"""The question ids the code reads from answers, declared once and checked at load.

Checklists are data (TOML), but deadlines, reminders, the case service and the report read
some answers by id ("date_sent", "reply_date"...). Renaming such a question in a file would
silently empty a deadline or a report column, so `check` runs whenever a folder of
checklists is loaded and stops start-up naming the checklist and the id. Code that reads
an answer uses the constant here, not a string of its own.

`CURRENT` ids must be in the newest version of their checklist (new answers carry them);
`FORMER` ids are read only from answers given to an older version (kept beside the newest
as NAME.vN.toml), so they must be in some installed version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# communication_intake
ADDRESSEES = "addressees"
COMM_TYPE = "comm_type"
DATE_SENT = "date_sent"
LETTER = "letter"
MANDATES = "mandates"  # also visit_request
REFERENCE = "reference"
SUMMARY = "summary"
THEMES = "themes"
VICTIMS = "victims"  # also reprisal
# communication_reply
REPLY_CONFIDENTIAL = "reply_confidential"
REPLY_DATE = "reply_date"
REPLY_NATURE = "reply_nature"
REPLY_PUBLISHED = "reply_published"
# communication_followup
ACTION_DATE = "action_date"
ACTION_TYPE = "action_type"
FOLLOWUP_REFERENCE = "followup_reference"
# communication_published
LETTER_PUBLISHED = "letter_published"
# communication_closure, visit_closure
CLOSURE_DATE = "closure_date"
CLOSURE_REASON = "closure_reason"
# visit_request
STATE = "state"
REQUEST_DATE = "request_date"
INVITED_ON = "invited_on"
ORIGIN = "origin"
REQUEST_LETTER = "request_letter"
TIMEFRAME = "timeframe"
STANDING_INVITATION = "standing_invitation"  # version 1 only
VISIT_REPRISAL = "reprisal"  # version 1 only
# visit_response
EVENT = "event"
EVENT_DATE = "event_date"
EVENT_NOTES = "event_notes"
DATES_AGREED = "dates_agreed"
VISIT_START = "visit_start"
VISIT_END = "visit_end"
# visit_conducted
VISITED_FROM = "visited_from"
VISITED_TO = "visited_to"
ANNOUNCED_ON = "announced_on"
EOM_DATE = "eom_date"
EOM_STATEMENT = "eom_statement"
EOM_RECOMMENDATIONS = "eom_recommendations"
TOR_RESPECTED = "tor_respected"
TOR_REFUSED = "tor_refused"
REPRISAL_DURING = "reprisal_during"  # version 1 only
# visit_draft
DRAFT_SHARED_ON = "draft_shared_on"
GOV_COMMENTS = "gov_comments"
COMMENTS_ON = "comments_on"
# visit_report
PRESENTED_ON = "presented_on"
REPORT_SYMBOL = "report_symbol"
SESSION = "session"
# visit_followup
FOLLOWUP_DATE = "followup_date"
FOLLOWUP_KIND = "followup_kind"
FOLLOWUP_SYMBOL = "followup_symbol"
# visit_recommendation
ASSESSED_ON = "assessed_on"
# reprisal
INCIDENT = "incident"
INCIDENT_DATE = "incident_date"
CONSENT = "consent"
ASG_ON = "asg_on"
SG_REPORT = "sg_report"
SG_REPORT_ON = "sg_report_on"
OUTCOME = "outcome"

CURRENT: Mapping[str, tuple[str, ...]] = {
    "communication_intake": (ADDRESSEES, COMM_TYPE, DATE_SENT, LETTER, MANDATES, REFERENCE,
                             SUMMARY, THEMES, VICTIMS),
    "communication_reply": (REPLY_CONFIDENTIAL, REPLY_DATE, REPLY_NATURE, REPLY_PUBLISHED),
    "communication_followup": (ACTION_DATE, ACTION_TYPE, FOLLOWUP_REFERENCE),
    "communication_published": (LETTER_PUBLISHED,),
    "communication_closure": (CLOSURE_DATE, CLOSURE_REASON),
    "visit_request": (STATE, MANDATES, REQUEST_DATE, INVITED_ON, ORIGIN, REQUEST_LETTER,
                      TIMEFRAME),
    "visit_response": (EVENT, EVENT_DATE, EVENT_NOTES, DATES_AGREED, VISIT_START, VISIT_END),
    "visit_conducted": (VISITED_FROM, VISITED_TO, ANNOUNCED_ON, EOM_DATE, EOM_STATEMENT,
                        EOM_RECOMMENDATIONS, TOR_RESPECTED, TOR_REFUSED),
    "visit_draft": (DRAFT_SHARED_ON, GOV_COMMENTS, COMMENTS_ON),
    "visit_report": (PRESENTED_ON, REPORT_SYMBOL, SESSION),
    "visit_followup": (FOLLOWUP_DATE, FOLLOWUP_KIND, FOLLOWUP_SYMBOL),
    "visit_recommendation": (ASSESSED_ON,),
    "visit_closure": (CLOSURE_DATE, CLOSURE_REASON),
    "reprisal": (INCIDENT, INCIDENT_DATE, CONSENT, VICTIMS, ASG_ON, SG_REPORT, SG_REPORT_ON,
                 OUTCOME),
}  # fmt: skip
FORMER: Mapping[str, tuple[str, ...]] = {
    "visit_request": (STANDING_INVITATION, VISIT_REPRISAL),
    "visit_conducted": (REPRISAL_DURING,),
}


class MissingQuestion(ValueError):
    """A checklist lacks a question the code reads; the message names both."""


def check(versions: Mapping[str, Iterable[tuple[int, str, Iterable[str]]]]) -> None:
    """Raise MissingQuestion unless every declared id is where the code will look for it.

    `versions` maps each checklist id to its installed (version, file name, question ids).
    A folder holding none of the declared checklists (a test's own) is not the product's
    and is not checked; one holding any of them must hold them all."""
    if not set(versions) & set(CURRENT):
        return
    for checklist in {**CURRENT, **FORMER}:
        installed = sorted(versions.get(checklist, ()), key=lambda item: item[0])
        if not installed:
            raise MissingQuestion(f"no checklist {checklist!r}, whose answers the code reads")
        _, source, newest = installed[-1]
        latest = set(newest)
        for qid in CURRENT.get(checklist, ()):
            if qid not in latest:
                raise MissingQuestion(
                    f"{source}: no question {qid!r}, which the code reads from "
                    f"{checklist} answers (workflows/question_ids.py)"
                )
        anywhere = {qid for _, _, ids in installed for qid in ids}
        for qid in FORMER.get(checklist, ()):
            if qid not in anywhere:
                raise MissingQuestion(
                    f"no version of {checklist} has the question {qid!r}, which the code "
                    "reads from older answers (workflows/question_ids.py)"
                )
