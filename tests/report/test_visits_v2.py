"""Visits and reprisals on version-2 records, against figures worked out by hand from
fixture.visits_v2 (W1-W7, C1). Period 2017, today 1 Feb 2018; standing invitations per
State: Türkiye since 1 Mar 2001, the United Kingdom since 29 Mar 2001.
"""

from __future__ import annotations

from datetime import date

import pytest
from fixture import (
    END,
    STANDING,
    START,
    TODAY,
    V2_VICTIMS,
    cases,
    reprisal,
    response,
    versioned,
    visit_v2,
    visits_v2,
)

from workflows.deadlines.rules import load_rules
from workflows.report import Report, compile_report, summary_text
from workflows.report.reprisals import sg_cycle
from workflows.report.visit_outcomes import outcome


@pytest.fixture(scope="module")
def report() -> Report:
    return compile_report(visits_v2(), START, END, today=TODAY, standing_invitations=STANDING)


def test_standing_invitations_with_their_dates(report: Report) -> None:
    assert report.table("standing_all").rows == (
        ("Türkiye", "TUR", "1 March 2001"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR", "29 March 2001"),
    )


def test_followup_activities_of_visits(report: Report) -> None:
    figures = {f.key: f.value for f in report.section("activities").figures}
    # W7: a follow-up report (15 Jun 2017) and a follow-up visit (2 Oct 2017); no letter
    # follows up another, no statement, no recommendation assessed.
    assert figures == {"followup_letters": 0, "statements": 0, "followup_reports": 1,
                       "followup_visits": 1, "recommendations_assessed": 0,
                       "total": 2}  # fmt: skip


def test_recommendations_followed_up_count_by_their_assessment_date() -> None:
    # W7 (Honduras) gets three recommendations assessed: 10 Feb and 30 Nov 2017 count,
    # 5 Jan 2018 is after the period: 2, and 2 + W7's follow-up report and visit = 4.
    data = visits_v2()
    honduras = next(c for c in data if c["id"] == "w0000000007")
    for on in ("2017-02-10", "2017-11-30", "2018-01-05"):
        honduras["runs"].append(versioned("visit_recommendation", 1, recommendation="R",
                                          assessed_on=on))  # fmt: skip
    report = compile_report(data, START, END, today=TODAY, standing_invitations=STANDING)
    assert report.value("activities", "recommendations_assessed") == 2
    assert report.value("activities", "total") == 4


def test_visit_figures(report: Report) -> None:
    figures = {f.key: f.value for f in report.section("visits").figures}
    assert figures == {
        "requests": 3,  # W2 (1 Feb), W3 (10 Mar), W6 (1 Apr 2017); W4, W5 are invitations
        "requests_accepted": 1,  # W2 (1 Apr)
        "requests_postponed": 1,  # W3 (1 Jun)
        "requests_declined": 1,  # W6 (1 May)
        "requests_awaiting": 0,
        "requests_no_response": 0,
        "responses": 3,  # the three above; W7's acceptance was in 2014, W4/W5 are answers
        "reminders": 1,  # W1's second (1 Feb 2017); its first was in 2016
        "unanswered": 1,  # W1: requested 1 Mar 2016, nothing but reminders by 1 Mar 2017
        "outstanding_previous": 1,  # W1; W7 (2014) was visited
        "state_invitations": 2,  # W4 Bolivia (15 Jan), W5 United Kingdom (1 Jun)
        "invitations_accepted": 1,  # W4
        "invitations_declined": 1,  # W5
        "standing_all": 2,  # Türkiye (1 Mar 2001), United Kingdom (29 Mar 2001)
        "standing_invitations": 1,  # Türkiye; the UK has one but was invited, not requested
        "standing_not_honoured": 0,  # Türkiye accepted
        "conducted": 2,  # W2 (4 Sep), W4 (2 May); W7 was in 2015
        "states_visited": 2,  # Türkiye, Bolivia
        "states_not_visited": 191,  # 193 Member States less those two
        "followup_visits": 1,  # W7 (2 Oct 2017)
        "eom_statements": 2,  # W2 (15 Sep), W4 (12 May)
        "eom_recommendations": 1,  # W2
        "tor_not_respected": 1,  # W2: movement and contact refused
        "drafts_shared": 1,  # W2 (20 Nov)
        "government_comments": 1,  # W2 (15 Dec)
        "reports_presented": 0,  # W7's was in 2016
        "reports_late": 0,
        "followup_reports": 1,  # W7 (15 Jun 2017)
        "short_notice": 1,  # W4: 20 Apr to 2 May = 12 days; W2 had 34
    }


def test_visit_tables_name_states_as_the_un_does(report: Report) -> None:
    outcomes = report.table("visit_requests")
    assert outcomes.column("State") == [
        "Türkiye",
        "Iran (Islamic Republic of)",
        "Democratic People's Republic of Korea",
    ]  # fmt: skip  (stored as "Turkey" and "North Korea")
    assert outcomes.column("Outcome") == ["Accepted", "Postponed", "Declined"]
    assert report.table("visit_no_response").rows == (
        ("Syrian Arab Republic", "WGAD", "1 March 2016", 2),  # stored as "Syria"
    )
    assert report.table("visit_invitations").rows == (
        ("Bolivia (Plurinational State of)", "WGAD", "15 January 2017",
         "Mandate holder accepted the State's invitation", "1 February 2017"),
        ("United Kingdom of Great Britain and Northern Ireland", "WGAD", "1 June 2017",
         "Mandate holder declined the State's invitation", "1 July 2017"),
    )  # fmt: skip
    assert report.table("standing_invitations").rows == (("Türkiye", "1 March 2001", 1, 0),)
    terms = dict(zip(*(report.table("visits_conducted").column(c)
                       for c in ("State", "Terms of reference")), strict=True))  # fmt: skip
    assert terms == {
        "Türkiye": "not respected: freedom of movement, unsupervised contact",
        "Bolivia (Plurinational State of)": "respected",
    }
    assert report.table("visit_drafts").rows == (
        ("Türkiye", "15 September 2017", "20 November 2017", "15 December 2017"),
    )
    assert report.table("visit_followups").column("Follow-up") == ["report", "visit"]


def test_communication_tables_use_un_names_for_old_stored_names() -> None:
    report = compile_report(cases(), START, END, today=TODAY)
    names = report.table("comm_by_addressee").column("Addressee")
    assert "Iran (Islamic Republic of)" in names and "Iran" not in names
    assert "United Kingdom of Great Britain and Northern Ireland" in names


def test_reprisal_figures(report: Report) -> None:
    section = report.section("reprisals")
    assert {f.key: f.value for f in section.figures} == {
        "flagged": 3,
        "flagged_communications": 1,  # C1 (a reprisal on 15 Aug 2017)
        "flagged_visits": 2,  # W2 (20 Sep), W6 (1 Jun)
        "incidents": 3,
        "consent_given": 2,  # W2 (named), C1 (anonymous)
        "consent_refused": 1,  # W6: so it asks no referral
        "consent_pending": 0,
        "referred_asg": 1,  # W2 (28 Sep)
        "referred_hc": 1,  # C1 (25 Aug)
        "referred_president": 1,  # W2 (2 Oct)
        "sg_report": 1,  # C1 (1 Sep 2017); W2's submission is dated 10 Jan 2018
        "sg_report_included": 0,
        "sg_report_consent": 0,  # C1's person consented to referral, not to being named
        "outcome_resolved": 1,  # C1
        "outcome_ongoing": 1,  # W2
        "outcome_worsened": 0,
        "outcome_unknown": 1,  # W6
    }
    assert section.table("sg_report_cycles").rows == (
        ("1 June 2017 \N{EN DASH} 31 May 2018", "HRC 39 (September 2018)", 1),
    )


def test_the_next_period_counts_the_later_submission() -> None:
    report = compile_report(visits_v2(), date(2018, 1, 1), date(2018, 1, 31), today=TODAY)
    assert report.value("reprisals", "sg_report") == 1  # W2, 10 Jan 2018
    assert report.value("reprisals", "sg_report_included") == 1
    assert report.value("reprisals", "sg_report_consent") == 1  # named
    assert report.value("reprisals", "incidents") == 0  # W2's incident was in 2017


def test_names_of_victims_only_in_the_confidential_variant(report: Report) -> None:
    text = summary_text(report) + repr(report)
    assert not any(name in text for name in V2_VICTIMS)
    secret = compile_report(visits_v2(), START, END, today=TODAY, confidential=True)
    people = " ".join(map(str, secret.table("reprisal_cases").column("People concerned")))
    assert all(name in people for name in V2_VICTIMS)
    assert secret.table("reprisal_cases").column("Consent") == ["anonymous", "named", "refused"]


@pytest.mark.parametrize(
    ("on", "cycle"),
    [
        (date(2017, 5, 31), (date(2016, 6, 1), date(2017, 5, 31), 2017, 36)),  # A/HRC/36/31
        (date(2017, 6, 1), (date(2017, 6, 1), date(2018, 5, 31), 2018, 39)),
        (date(2019, 6, 1), (date(2019, 6, 1), date(2020, 4, 30), 2020, 45)),  # the short one
        (date(2020, 4, 30), (date(2019, 6, 1), date(2020, 4, 30), 2020, 45)),
        (date(2020, 5, 1), (date(2020, 5, 1), date(2021, 4, 30), 2021, 48)),  # A/HRC/48/28
        (date(2024, 1, 15), (date(2023, 5, 1), date(2024, 4, 30), 2024, 57)),
    ],
)
def test_sg_report_cycle(on: date, cycle: tuple[date, date, int, int]) -> None:
    assert sg_cycle(on) == cycle


def test_no_response_follows_from_the_dates_not_from_an_event() -> None:
    rules = load_rules()
    silent = visit_v2(9, {"code": "SYR", "name": "Syria", "kind": "state"},
                      requested="2016-03-01")  # fmt: skip
    assert outcome(silent, date(2017, 2, 28), rules) == ("awaiting", None)
    assert outcome(silent, date(2017, 3, 1), rules) == ("no_response", None)
    # a version-1 "no response" event is not a response either: the dates still decide
    old = {**response("no_response", "2016-06-01"), "version": 1}
    silent["runs"].append(old)
    assert outcome(silent, date(2016, 12, 31), rules) == ("awaiting", None)
    # an acknowledgement is a response without a decision: never "no response"
    silent["runs"][-1] = {**response("acknowledged", "2016-06-01"), "version": 1}
    assert outcome(silent, date(2018, 1, 1), rules) == ("awaiting", None)
    # the latest decision wins; a visit that took place counts as acceptance
    silent["runs"].append(response("declined", "2016-07-01"))
    assert outcome(silent, date(2018, 1, 1), rules) == ("declined", date(2016, 7, 1))
    silent["runs"][-1] = versioned("visit_conducted", 2, visited_from="2017-04-03")
    assert outcome(silent, date(2017, 12, 31), rules) == ("accepted", date(2017, 4, 3))


def test_a_referral_recorded_both_ways_counts_once() -> None:
    """Letter #21: a version-1 ASG action and SG report action, then the same referral and
    submission recorded again with the reprisal checklist."""
    letter = next(c for c in cases() if c["reference"] == "UA PHL 1/2017")  # #21: asg + sg
    alone = compile_report([letter], START, END, today=TODAY)
    assert alone.value("reprisals", "referred_asg") == 1
    assert alone.value("reprisals", "sg_report") == 1
    letter["runs"].append(reprisal("2017-02-25", "named", "unknown", consent_date="2017-03-01",
                                   referrals=["asg"], asg_on="2017-03-10", sg_report="included",
                                   sg_report_on="2017-06-15"))  # fmt: skip
    both = compile_report([letter], START, END, today=TODAY)
    assert both.value("reprisals", "referred_asg") == 1
    assert both.value("reprisals", "sg_report") == 1
    assert both.value("reprisals", "sg_report_consent") == 1
