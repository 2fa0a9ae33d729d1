"""How each figure of the report is counted, in words a reader of the Facts and Figures
addendum (e.g. A/HRC/43/64/Add.1) recognises: written once here, shown in the Word report's
"How these figures are counted" section and in the chat's `/report help`.

Why one table: the section modules say how they compute; this says what a figure means to a
reader, and a test checks that every figure the report shows has its line here.
"""

from __future__ import annotations

from workflows.language import N_, _
from workflows.report.model import Report, Table

#: The title, preamble and definitions are English here; `_` translates each where shown.
TITLE = N_("How these figures are counted")

#: The cut-off, said once before the definitions.
PREAMBLE = N_(
    "A communication is one letter to one addressee (a letter sent to three States counts "
    "three times, as OHCHR counts them); a follow-up letter is a communication of its own. "
    "Each item belongs to the period by its own date (date sent, request date, date of the "
    "visit, of the reply, of the report). The cut-off is the day the report was compiled: "
    "replies, outcomes and what is overdue are as known on that day."
)

#: (section key, figure keys, definition). A row may define several related figures.
DEFINITIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("communications", ("sent",),
     N_("Communications (AL, UA, OL) whose date sent is in the period, one per addressee, "
     "follow-up letters included.")),
    ("communications", ("followup_letters", "followup_share"),
     N_("Of those, letters that follow up an earlier communication, and their share (%).")),
    ("communications", ("joint", "joint_share"),
     N_("Of those, letters sent by two or more mandates (joint; older records typed JAL, "
     "JUA or JOL count as joint even when one mandate is named), and their share (%).")),
    ("communications", ("urgent",), N_("Of those, urgent appeals (UA).")),
    ("communications", ("states_addressed", "other_actors_addressed"),
     N_("Distinct States (by UN name) and distinct other actors (companies, international "
     "organisations, armed groups...) among the addressees.")),
    ("communications", ("replies",),
     N_("Letters of the period that had received a reply by the cut-off (a letter with "
     "several replies counts once).")),
    ("communications", ("reply_period_ended", "replied_of_ended"),
     N_("Letters of the period whose 60-day reply period (or a mandate's own) had ended by "
     "the cut-off, and of those the ones answered by then. Letters made from an older "
     "record to several addressees, whose reply status is unknown (an old reply could not "
     "be credited to one addressee), are left out unless a reply is recorded on them; so "
     "are they from the rates and the letters awaiting or still without reply.")),
    ("communications", ("reply_rate",),
     N_("Answered / reply period ended, in %. Letters still within their reply period are "
     "left out; shown as a dash when no letter's reply period has ended.")),
    ("communications", ("replies_in_time", "in_time_rate"),
     N_("Letters whose first reply came on or before the reply deadline; the rate is over "
     "the letters whose reply period has ended.")),
    ("communications", ("awaiting_reply",),
     N_("Letters of the period past their reply deadline without any reply at the cut-off "
     "(letters whose reply status is unknown left out).")),
    ("communications", ("replies_received",),
     N_("Every reply dated in the period, whatever the date of the letter (an addressee may "
     "reply more than once); the table gives them by kind (substantive, partial, "
     "acknowledgement only, rejection).")),
    ("communications", ("outstanding_previous",),
     N_("Letters sent in the window of the previous joint communications report and still "
     "without reply (letters whose reply status is unknown left out). Windows by date "
     "sent: 1 June-30 November (March session), 1 December-end of February (June session), "
     "1 March-31 May (September session). No window before the first letter on record "
     "is shown.")),
    ("communications", ("statements",),
     N_("Press releases and public statements on communications, dated in the period (one "
     "recorded on each letter of an allegation sent to several addressees counts once "
     "per date).")),
    ("communications", ("letters_published",),
     N_("Letters of the period recorded as published on the communications website.")),
    ("communications", ("public_replies", "replies_published"),
     N_("Replies to the period's letters that the addressee did not ask to keep "
     "confidential, and of those the ones recorded as published.")),
    ("communications", ("non_cooperating",),
     N_("States that did not reply to any of their last N communications whose deadline had "
     "passed (N = 3 by default). The non-cooperation table also shows States without any "
     "reply in consecutive joint communications reports, and States with a visit request "
     "unanswered for 12 months.")),
    ("visits", ("requests",),
     N_("Visit requests sent by mandate holders in the period, one per request (a State's "
     "own invitation is counted apart).")),
    ("visits", ("requests_accepted", "requests_postponed", "requests_declined",
                "requests_awaiting", "requests_no_response"),
     N_("The outcome of each of those requests at the end of the period, from the State's "
     "latest decision: accepted (or visited after the latest decision), postponed, "
     "declined; awaiting a decision; no response (nothing from the State within 12 months "
     "of the request). They add up to the requests.")),
    ("visits", ("responses",),
     N_("Requests (of any year) on which the State gave a response dated in the period, each "
     "request counted once however many responses it had.")),
    ("visits", ("reminders",), N_("Reminders sent to States in the period.")),
    ("visits", ("unanswered",),
     N_("Requests of any year, not closed, with no response of any kind 12 months or more "
     "after they were made, at the end of the period.")),
    ("visits", ("outstanding_previous",),
     N_("Requests made before the period, neither visited, refused nor closed by its end.")),
    ("visits", ("state_invitations", "invitations_accepted", "invitations_declined"),
     N_("States' own invitations extended in the period, and the mandate holders' "
     "acceptances and refusals dated in it.")),
    ("visits", ("standing_all",),
     N_("UN Member States (or the profile's State) that have extended a standing invitation "
     "to all thematic mandates, as recorded, with the date it was extended.")),
    ("visits", ("standing_invitations", "standing_not_honoured"),
     N_("States requested in the period that have extended a standing invitation (with its "
     "date), and of those the States where a request of the period was declined or went "
     "unanswered.")),
    ("visits", ("conducted",), N_("Country visits whose first day is in the period.")),
    ("visits", ("states_visited", "states_not_visited"),
     N_("Distinct States visited in the period, and UN Member States (193) not visited by any "
     "mandate in it (for a State's profile, that State alone).")),
    ("visits", ("followup_visits", "followup_reports"),
     N_("Follow-up visits made, and follow-up reports presented, in the period.")),
    ("visits", ("eom_statements", "eom_recommendations"),
     N_("End-of-mission statements issued in the period, and of those with preliminary "
     "recommendations.")),
    ("visits", ("tor_not_respected",),
     N_("Visits of the period where the terms of reference (free movement, unsupervised "
     "contact...) were not respected.")),
    ("visits", ("drafts_shared", "government_comments"),
     N_("Draft visit reports shared with the Government, and its comments received, in the "
     "period.")),
    ("visits", ("reports_presented", "reports_late"),
     N_("Visit reports presented to the Council in the period (with the delay in whole "
     "months from the last day of the visit), and of those presented more than 12 months "
     "after it.")),
    ("visits", ("short_notice",),
     N_("Visits of the period announced to civil society less than 30 days before they "
     "began.")),
    ("activities", ("followup_letters", "statements", "followup_reports", "followup_visits",
                    "recommendations_assessed", "total"),
     N_("Follow-up activities in OHCHR's sense, each by its own date in the period: follow-up "
     "letters sent, press releases and public statements (once per allegation and date), "
     "follow-up reports and visits "
     "after a country visit, visit recommendations whose follow-up was assessed.")),
    ("deadlines", ("due", "done", "overdue", "not_yet_due"),
     N_("Every deadline that fell in the period (reply, early check on urgent appeals, "
     "follow-up letter, publication, response to a visit request, visit report, "
     "recommendations), over all cases, open and closed (a closed case's only up to its "
     "closure): met, missed (not met by the cut-off), or not yet due.")),
    ("deadlines", ("open_cases", "overdue_now"),
     N_("At the cut-off, whatever the period: open cases, and their deadlines passed and "
     "not met (any date), per owner by name in the table.")),
    ("noncooperation", ("states", "by_count", "by_windows", "by_visits"),
     N_("Persistent non-cooperation, per State, by three rules: no reply to any of its last 3 "
     "communications whose deadline had passed at the cut-off; no reply to any letter "
     "listed in each of the last 3 joint communications reports that listed one to it; a "
     "visit request left without any response for 12 months or more. Both numbers are "
     "settings (non_cooperation_count, non_cooperation_windows).")),
    ("reprisals", ("flagged", "flagged_communications", "flagged_visits"),
     N_("Communications sent and visits requested or made in the period that involve "
     "intimidation or reprisals, or with a reprisal dated in the period. One allegation "
     "sent to several addressees (one letter each) counts once, unless its letters record "
     "different reprisals (another date, description or persons): then once for each.")),
    ("reprisals", ("incidents", "consent_given", "consent_refused", "consent_pending"),
     N_("Reprisals recorded with the reprisal checklist, dated in the period, by the "
     "person's consent to a referral (the same reprisal recorded on several letters of "
     "one allegation counts once).")),
    ("reprisals", ("referred_asg", "referred_hc", "referred_president"),
     N_("Referrals dated in the period to the Assistant Secretary-General (senior official on "
     "reprisals), the High Commissioner and the President of the Council.")),
    ("reprisals", ("sg_report", "sg_report_included", "sg_report_consent"),
     N_("Cases submitted in the period for the Secretary-General's annual report on "
     "reprisals, of those included, and of those with the person's consent to be named.")),
    ("reprisals", ("outcome_resolved", "outcome_ongoing", "outcome_worsened",
                   "outcome_unknown"),
     N_("The outcome recorded at the cut-off for the period's reprisals. Names only in the "
     "confidential variant.")),
    ("confidential", ("confidential_answers",),
     N_("Confidential answers of the cases the report draws on (confidential variant only).")),
)  # fmt: skip


def defined(section: str, figure: str) -> bool:
    return any(s == section and figure in keys for s, keys, _text in DEFINITIONS)


def definitions_table(report: Report) -> Table:
    """One row per definition whose figures the report shows, in the report's order."""
    shown = {(s.key, f.key): f.label for s in report.sections for f in s.figures}
    rows = []
    for section in report.sections:
        for key, keys, text in DEFINITIONS:
            labels = [shown[(key, k)] for k in keys if key == section.key and (key, k) in shown]
            if labels:
                rows.append((section.title, "; ".join(labels), _(text)))
    return Table("definitions", _(TITLE), (_("Section"), _("Figures"), _("How they are counted")),
                 tuple(rows))  # fmt: skip


def definitions_text() -> str:
    """The definitions as plain text for the chat (`/report help`), one line each."""
    lines = [_(TITLE).upper(), _(PREAMBLE), ""]
    titles = {"communications": N_("Communications"), "visits": N_("Country visits"),
              "activities": N_("Follow-up activities"), "deadlines": N_("Deadlines and workload"),
              "noncooperation": N_("Persistent non-cooperation"),
              "reprisals": N_("Reprisals")}  # fmt: skip
    for key, title in titles.items():
        lines.append(_(title))
        lines += [f"• {_(text)}" for s, _keys, text in DEFINITIONS if s == key]
    return "\n".join(lines)
