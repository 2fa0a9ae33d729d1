"""Every figure of the report against numbers worked out by hand from fixture.py.

Period 2017, today 1 Feb 2018. "#n" is the n-th 2017 communication of the fixture, "Pn" the
2016 ones, "Vn" the visits. Reply deadline = sent + 60 days (inclusive). One letter per
addressee: #35 is #5's letter to the company; follow-up letters are communications: #36
(follows #1), #37 (#16), #38 (P2), P7 (P4, sent Dec 2016).
"""

from __future__ import annotations

import pytest
from fixture import END, START, TODAY, VICTIMS, cases

from workflows.report import Report, compile_report, summary_text


@pytest.fixture(scope="module")
def report() -> Report:
    return compile_report(cases(), START, END, today=TODAY)


def test_communications_figures(report: Report) -> None:
    figures = {f.key: f.value for f in report.section("communications").figures}
    assert figures == {
        # #1-#38 are the communications sent in 2017 (P1-P7 were sent in 2016).
        "sent": 38,
        # #36 (15 May), #37 (10 Jul), #38 (20 Jan 2017, following up 2016's P2); P7 is 2016.
        "followup_letters": 3,
        # Two mandates: #3 #13 #17 #27 (AL), #9 #19 #30 (UA), #5 #23 #35 (OL).
        "joint": 10,
        # UA: #2 #8 #14 #21 #26 #33, and the joint #9 #19 #30.
        "urgent": 9,
        # BDI MMR CHN EGY TUR BRA IND MEX CIV PHL RUS HND COL GBR IRN VNM SAU.
        "states_addressed": 17,
        # "Société Minière Acmé" (#4) = "SOCIETE MINIERE ACME" (#34) once folded; Total (#35).
        "other_actors_addressed": 2,
        # Replied: #4 6 7 9 10 12 13 14 17 18 19 20 22 23 25 26 27 28 29 32 37. Myanmar's
        # #5 and the company's #35 each count on their own: neither replied.
        "replies": 21,
        "reply_rate": 55.3,  # 21 / 38
        # The 21 replies minus the late ones: #7 (due 5 May, 20 Jun), #13 (due 9 Dec,
        # 20 Dec), #20 (due 31 Jul, 1 Sep), #27 (due 17 Jun, 18 Jul). #10 and #23 arrive
        # on the due day itself and count as in time; #37 (due 8 Sep) replied 1 Aug.
        "replies_in_time": 17,
        "in_time_rate": 44.7,  # 17 / 38
        # 17 unanswered; #15 (due 26 Feb 2018) and #33 (due 8 Feb 2018) are not late yet:
        # #1 2 3 5 8 11 16 21 24 30 31 34 35 36 38.
        "awaiting_reply": 15,
        # Previous joint report = March 2017 session (sent 1 Jun-30 Nov 2016): P2, P4 and
        # P5 (sent on 30 Nov) have no reply; P3 was answered; P6 (1 Dec) and P7 (15 Dec)
        # are in the next window.
        "outstanding_previous": 3,
        # #8's statement (20 Aug 2017); #3's is of Jan 2018.
        "statements": 1,
        # #6 (20 Mar 2017) and #25 (15 Mar 2017) are recorded as published.
        "letters_published": 2,
        # All 21 replies are recorded as not confidential; only #6's is published (2 Mar).
        "public_replies": 21,
        "replies_published": 1,
        # Burundi: its last three matters due, #2 (2 Jul), #1 with its follow-up letter #36
        # (one matter, last due 14 Jul) and #3 (19 Nov), none answered. China's last three
        # include the answered #7; Iran has only two; Türkiye's (P7, #12, #13) and India's
        # (#16, #37, #17) include replies.
        "non_cooperating": 1,
    }


def test_communications_tables(report: Report) -> None:
    by_type = {row[0]: row[1:] for row in report.table("comm_by_type").rows}
    assert list(by_type) == ["AL", "UA", "OL"]  # joint is a label, not a type
    # AL: #1 3 6 7 10 12 13 15 16 17 20 22 24 25 27 28 31 32 36 37 38 = 21,
    # replied: 6 7 10 12 13 17 20 22 25 27 28 32 37 = 13.
    assert by_type["AL"] == (21, 13, 61.9)
    assert by_type["UA"] == (9, 4, 44.4)  # #2 8 9 14 19 21 26 30 33; replied 9 14 19 26
    assert by_type["OL"] == (8, 4, 50.0)  # #4 5 11 18 23 29 34 35; replied 4 18 23 29
    actors = {row[0]: row[1:] for row in report.table("comm_by_addressee").rows}
    assert actors["Burundi"] == ("BDI", 4, 0, 0, 0.0, "yes")  # #1 #2 #3 #36
    # Named as first recorded (#4); #34 joins it; only #4 was answered, in time.
    assert actors["Société Minière Acmé"] == ("other actor", 2, 1, 1, 50.0, "")
    assert actors["Total Énergies SE"] == ("other actor", 1, 0, 0, 0.0, "")  # #35
    assert actors["Myanmar"] == ("MMR", 1, 0, 0, 0.0, "")  # #5: its own letter, no reply
    assert actors["Côte d'Ivoire"] == ("CIV", 1, 1, 0, 100.0, "")  # #20, answered late
    months = {row[0]: row[1:] for row in report.table("comm_by_month").rows}
    assert len(months) == 12
    assert months["2017-01"] == (4, 3, 75.0)  # #6 #9 #25 answered, #38 not
    assert months["2017-02"] == (3, 1, 33.3)  # #1 #12 #21, only #12 answered
    # Sent per month, Jan-Dec (dates in fixture.py): 4+3+4+3+4+3+4+3+2+3+2+3 = 38.
    assert [sent for sent, _, _ in months.values()] == [4, 3, 4, 3, 4, 3, 4, 3, 2, 3, 2, 3]
    assert report.table("comm_outstanding").column("Reference") == [
        "AL CHN 5/2016",
        "UA TUR 2/2016",
        "OL BRA 1/2016",
    ]
    assert report.table("comm_non_cooperation").rows == (
        ("Burundi", "BDI", "UA BDI 2/2017, AL BDI 1/2017, AL BDI 3/2017"),
    )


def test_visit_figures(report: Report) -> None:
    figures = {f.key: f.value for f in report.section("visits").figures}
    assert figures == {
        "requests": 3,  # V2 (1 Feb), V3 (15 Mar), V4 (10 May 2017)
        # One outcome per request at 31 Dec 2017, from its latest decision:
        "requests_accepted": 1,  # V2: accepted, then dates agreed (its 3 events count once)
        "requests_postponed": 0,
        "requests_declined": 1,  # V4: a reminder, then declined
        "requests_awaiting": 1,  # V3: nothing yet, but 12 months not over until 15 Mar 2018
        "requests_no_response": 0,
        # Acknowledged, accepted, agreed (V2); declined (V4); postponed (V6); agreed (V8).
        # V4's reminder is ours, not a response.
        "responses": 6,
        "reminders": 1,  # V4 (10 Aug 2017); V5's was in 2016
        # Any year: V5 (China, 1 Apr 2016, only a reminder) had none by 1 Apr 2017.
        "unanswered": 1,
        # Requested before 2017 and still open at its end: China (V5, only a reminder),
        # Türkiye (V6, postponed). V1 and V8 were visited, V7 declined and closed.
        "outstanding_previous": 2,
        "state_invitations": 0,  # the fixture's visits are all requests (version 1)
        "invitations_accepted": 0,
        "invitations_declined": 0,
        "standing_invitations": 1,  # of V2-V4 only Brazil has one (version 1 answer)
        "standing_not_honoured": 0,  # Brazil accepted
        "conducted": 2,  # V2 (Nov 2017), V8 (Apr 2017); V1 was in 2016
        "followup_visits": 0,
        "eom_statements": 1,  # V2; V8 issued none
        "eom_recommendations": 0,  # version 1 did not ask
        "tor_not_respected": 0,
        "drafts_shared": 0,
        "government_comments": 0,
        "reports_presented": 1,  # V1, 13 June 2017
        "reports_late": 1,  # V1: visit ended 12 May 2016, 13 months before
        "followup_reports": 0,
        "short_notice": 1,  # V8: announced 20 Mar, started 3 Apr (14 days); V2 had 52
    }


def test_visit_tables(report: Report) -> None:
    responses = report.table("visit_responses").as_dicts()
    assert [r["State"] for r in responses] == [
        "Mexico", "Brazil", "Türkiye", "Brazil", "Brazil", "Egypt",
    ]  # fmt: skip
    agreed = responses[4]
    assert agreed["Event"] == "Dates agreed"
    assert agreed["Visit dates"] == "6 November 2017 \N{EN DASH} 17 November 2017"
    assert agreed["Intended timeframe"] == "second half of 2017"
    assert report.table("visit_reports").rows == (
        ("Honduras", "A/HRC/35/23/Add.1", 35, "12 May 2016", "13 June 2017", 13, "yes"),
    )
    notice = {row[0]: row[5:7] for row in report.table("visits_conducted").rows}
    assert notice == {"Brazil": (52, ""), "Mexico": (14, "yes")}
    assert report.table("visit_outstanding").column("State") == ["Türkiye", "China"]
    assert report.table("visit_requests").rows == (
        ("Brazil", "SR HRDs", "1 February 2017", 0, "Accepted", "1 June 2017",
         "second half of 2017"),
        ("Myanmar", "WGAD", "15 March 2017", 0, "Awaiting a decision", "", ""),
        ("Egypt", "WGAD", "10 May 2017", 1, "Declined", "1 September 2017", ""),
    )  # fmt: skip
    assert report.table("visit_no_response").rows == (("China", "SR HRDs", "1 April 2016", 1),)
    assert report.table("standing_invitations").rows == (("Brazil", "date not recorded", 1, 0),)


def test_reprisal_counts_only_by_default(report: Report) -> None:
    section = report.section("reprisals")
    assert {f.key: f.value for f in section.figures} == {
        "flagged": 5,
        "flagged_communications": 3,  # #2, #7, #21 (theme "reprisal"); P2 was sent in 2016
        "flagged_visits": 2,  # V3 (concern at request), V2 (allegations during the visit)
        # Version-1 records only: no reprisal checklist in this fixture (see test_reprisals).
        "incidents": 0,
        "consent_given": 0,
        "consent_refused": 0,
        "consent_pending": 0,
        "referred_asg": 2,  # #21 (10 Mar 2017) and P2 (1 Feb 2017, a 2016 letter)
        "referred_hc": 0,
        "referred_president": 0,
        "sg_report": 2,  # #7 and #21
        "sg_report_included": 2,  # version 1's action said "included in the SG report"
        "sg_report_consent": 1,  # #21 only
        "outcome_resolved": 0,
        "outcome_ongoing": 0,
        "outcome_worsened": 0,
        "outcome_unknown": 0,
    }
    # #21 (15 Jun 2017) and #7 (1 Aug 2017) both fall in the 2017-18 cycle.
    assert [t.key for t in section.tables] == ["sg_report_cycles"]
    assert section.tables[0].rows == (
        ("1 June 2017 \N{EN DASH} 31 May 2018", "HRC 39 (September 2018)", 2),
    )


def test_followup_figures(report: Report) -> None:
    figures = {f.key: f.value for f in report.section("followup").figures}
    assert figures == {
        # Deadlines falling in 2017 (closed P1, P3, V7 have none):
        #   reply: 33 of #1-#38 (not #11 #15 #19 #31 #33, due 2018) + P5 P6 P7      = 36
        #   early check on urgent appeals: all 9 UAs                                =  9
        #   follow-up letter (reply due + 30): 31 of the 33 (not #13, #34) + P4-P7  = 35
        #   letter publication (when the reply period ends): as the replies         = 36
        #   reply publication (the day a public reply arrives): the 21 replies      = 21
        #   visits: V5 and V8 no-response checks, V1 report                         =  3
        "due": 140,
        # reply 20 (the answered ones among the 33) + early check 6 (#9 #14 #19 #26
        # answered, #8 #21 had an action) + letter 22 (19 answered, #1 #16 wrote, P4 wrote)
        # + letter published 2 (#6, #25) + reply published 1 (#6) + visits 2 (V8 answered,
        # V1 reported)
        "done": 53,
        # 16 + 3 + 13 + 34 + 20 + 1 (V5): all the rest, since every 2017 date is past
        "overdue": 87,
        "not_yet_due": 0,
        "open_cases": 50,  # 53 cases minus closed P1, P3, V7
    }
    assert report.table("followup_by_action").rows == (
        ("Reply due from the addressee", 36, 20, 16, 0),
        ("Early check on an urgent appeal", 9, 6, 3, 0),
        ("Follow-up letter suggested (no reply)", 35, 22, 13, 0),
        ("Publish the letter", 36, 2, 34, 0),
        ("Publish the reply", 21, 1, 20, 0),
        ("No response to the request", 2, 1, 1, 0),
        ("Report to the Council", 1, 1, 0, 0),
    )


def test_open_items_per_owner_are_a_snapshot_as_of_today(report: Report) -> None:
    # Officer 101, 15 overdue as before issue 10: #1, #2 (3), #3 (2), #5 (2), #8 (2), #11
    # (2, both in Jan 2018), #16, P2, P4; plus the new letters #35 (3: reply, letter,
    # publication), #36 (3), #37 (2 publications), #38 (3), P7 (4, with its early check)
    # = 15; letters not published whose reply period is over: P2 P4 #1-#17 but #6
    # (published) and #15 (due 26 Feb 2018) = 17; public replies not published: #4 7 9 10
    # 12 13 14 17 = 8. 15 + 15 + 17 + 8 = 55; oldest P2's reply, 3 Sep 2016.
    # Officer 102, 16 as before: #21 (2), #24 (2), #30 (3), #31 (reply due 14 Jan 2018),
    # #33 (early check), #34 (2), P5 (2), P6 (2), V5 (1); letters not published: #18-#34,
    # P5, P6 but #25 (published), #19 (due 3 Feb 2018) and #33 (8 Feb) = 16; replies not
    # published: #18 19 20 22 23 25 26 27 28 29 32 = 11. 16 + 16 + 11 = 43; oldest P5's
    # reply, 29 Jan 2017.
    assert report.table("open_items_by_owner").rows == (
        ("101", 28, 55, "3 September 2016"),
        ("102", 22, 43, "29 January 2017"),
    )


def test_a_period_running_past_today_has_items_not_yet_due() -> None:
    report = compile_report(cases(), START, END.replace(year=2018), today=TODAY)
    # Unmet 2018 deadlines after 1 Feb: replies of #15 (26 Feb) and #33 (8 Feb); letters
    # of #15 (28 Mar), #31 (13 Feb), #33 (10 Mar); publication of #15, #33 and #19 (3 Feb)
    # when their reply periods end; reports of V2 (17 Nov) and V8 (13 Apr); V3's
    # no-response check (15 Mar); V1's recommendations (12 May). V4's check (10 May) is met
    # by the refusal, #19's letter by its reply.
    assert report.value("followup", "not_yet_due") == 12


def test_scope_one_state() -> None:
    report = compile_report(cases(), START, END, today=TODAY, state="BDI")
    assert report.scope.state_name == "Burundi"
    assert report.value("communications", "sent") == 4  # #1 #2 #3 and the follow-up #36
    assert report.value("communications", "reply_rate") == 0.0
    assert report.value("communications", "non_cooperating") == 1
    assert report.value("visits", "requests") == 0


def test_scope_one_mandate() -> None:
    report = compile_report(cases(), START, END, today=TODAY, mandate="SR HRDs")
    # The 10 joint letters and 6 plain UAs name SR HRDs; visits V1 V2 V5 too.
    assert report.value("communications", "sent") == 16
    assert report.value("visits", "requests") == 1  # V2
    assert report.value("visits", "reports_late") == 1  # V1


def test_per_mandate_override_moves_the_deadline() -> None:
    overrides = {"SR Torture": {"reply_days": 90}}
    report = compile_report(cases(), START, END, today=TODAY, overrides=overrides)
    # OL letters of SR Torture alone get 90 days: no reply changes side (#4 #18 #29 were
    # early anyway), but #34 (20 Oct, due 18 Jan 2018) and #11 (2 Nov, due 31 Jan 2018)
    # are still late. Joint OLs (#5 #23 #35) are sent by WGAD and SR HRDs: no change.
    assert report.value("communications", "replies_in_time") == 17
    assert report.value("communications", "awaiting_reply") == 15
    rows = report.table("followup_by_action").rows
    # Replies due in 2017 lose #34 (now 18 Jan 2018): 36 -> 35; its publication with it.
    assert rows[0] == ("Reply due from the addressee", 35, 20, 15, 0)
    assert rows[3] == ("Publish the letter", 35, 2, 33, 0)


def test_drafts_are_left_out() -> None:
    data = cases()
    data[6]["status"] = "draft"  # #1
    report = compile_report(data, START, END, today=TODAY)
    assert report.value("communications", "sent") == 37


def test_default_report_never_contains_confidential_answers(report: Report) -> None:
    text = summary_text(report) + repr(report)
    for name in VICTIMS:
        assert name not in text


def test_confidential_variant_lists_them() -> None:
    report = compile_report(cases(), START, END, today=TODAY, confidential=True)
    annex = report.table("confidential_answers")
    # #2, #21, #26 (sent in 2017) and V2 (visited in 2017); P2's "Li Wei" is a 2016 case.
    assert sorted(map(str, annex.column("Answer"))) == sorted(VICTIMS[:4])
    people = report.table("reprisal_cases").column("People concerned")
    assert sorted(map(str, people)) == sorted(["", *VICTIMS[:2], VICTIMS[3], ""])
    assert "CONFIDENTIAL" in summary_text(report)


def test_summary_fits_one_message(report: Report) -> None:
    text = summary_text(report)
    assert len(text) < 4096
    assert "Communications sent (one per addressee): 38" in text
    assert "of which follow-up letters: 3" in text
    assert "Reply rate: 55.3%" in text
    assert "Non-cooperating: Burundi" in text


def test_an_empty_period_is_all_zeros() -> None:
    report = compile_report([], START, END, today=TODAY)
    assert report.value("communications", "sent") == 0
    assert report.value("communications", "reply_rate") is None
    assert "Reply rate: \N{EN DASH}" in summary_text(report)
