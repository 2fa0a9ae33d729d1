"""Every figure of the report against numbers worked out by hand from fixture.py.

Period 2017, today 1 Feb 2018. "#n" is the n-th 2017 communication of the fixture, "Pn" the
2016 ones, "Vn" the visits. Reply deadline = sent + 60 days (inclusive). One letter per
addressee: #35 is #5's letter to the company; follow-up letters are communications: #36
(follows #1), #37 (#16), #38 (P2), P7 (P4, sent Dec 2016).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from fixture import END, START, TODAY, VICTIMS, cases, cid, communication, run

from workflows.cases.standing import from_cases
from workflows.deadlines.rules import load_rules
from workflows.report import Report, compile_report, summary_text


@pytest.fixture(scope="module")
def report() -> Report:
    # Standing invitations come from the setting; a folder whose version-1 requests answered
    # the old question has them lifted into it once, at the upgrade (workflows.records.upgrade).
    return compile_report(cases(), START, END, today=TODAY,
                          standing_invitations=from_cases(cases()))  # fmt: skip


def test_communications_figures(report: Report) -> None:
    figures = {f.key: f.value for f in report.section("communications").figures}
    assert figures == {
        # #1-#38 are the communications sent in 2017 (P1-P7 were sent in 2016).
        "sent": 38,
        # #36 (15 May), #37 (10 Jul), #38 (20 Jan 2017, following up 2016's P2); P7 is 2016.
        "followup_letters": 3,
        "followup_share": 7.9,  # 3 / 38
        # Two mandates: #3 #13 #17 #27 (AL), #9 #19 #30 (UA), #5 #23 #35 (OL).
        "joint": 10,
        "joint_share": 26.3,  # 10 / 38
        # UA: #2 #8 #14 #21 #26 #33, and the joint #9 #19 #30.
        "urgent": 9,
        # BDI MMR CHN EGY TUR BRA IND MEX CIV PHL RUS HND COL GBR IRN VNM SAU.
        "states_addressed": 17,
        # "Société Minière Acmé" (#4) = "SOCIETE MINIERE ACME" (#34) once folded; Total (#35).
        "other_actors_addressed": 2,
        # Replied: #4 6 7 9 10 12 13 14 17 18 19 20 22 23 25 26 27 28 29 32 37. Myanmar's
        # #5 and the company's #35 each count on their own: neither replied.
        "replies": 21,
        # Cut-off 1 Feb 2018: every reply period has ended (sent + 60 days before the
        # cut-off) but #15 (due 26 Feb 2018), #19 (sent 5 Dec, due 3 Feb 2018) and #33 (due
        # 8 Feb 2018): 38 - 3 = 35; answered among them: the 21 replies less #19's = 20.
        "reply_period_ended": 35,
        "replied_of_ended": 20,
        "reply_rate": 57.1,  # 20 / 35
        # The 21 replies minus the late ones: #7 (due 5 May, 20 Jun), #13 (due 9 Dec,
        # 20 Dec), #20 (due 31 Jul, 1 Sep), #27 (due 17 Jun, 18 Jul). #10 and #23 arrive
        # on the due day itself and count as in time; #37 (due 8 Sep) replied 1 Aug.
        "replies_in_time": 17,
        # Over the 35 whose reply period has ended: the 17 less #19 (in time) = 16.
        "in_time_rate": 45.7,  # 16 / 35
        # 17 unanswered; #15 (due 26 Feb 2018) and #33 (due 8 Feb 2018) are not late yet:
        # #1 2 3 5 8 11 16 21 24 30 31 34 35 36 38.
        "awaiting_reply": 15,
        # Replies dated in 2017, to letters of any year: the 21 above (P1's and P3's
        # replies are of 2016).
        "replies_received": 21,
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
    # Columns: sent, replies, reply period ended (at 1 Feb 2018), answered of those, rate.
    by_type = {row[0]: row[1:] for row in report.table("comm_by_type").rows}
    assert list(by_type) == ["AL", "UA", "OL"]  # joint is a label, not a type
    # AL: #1 3 6 7 10 12 13 15 16 17 20 22 24 25 27 28 31 32 36 37 38 = 21,
    # replied: 6 7 10 12 13 17 20 22 25 27 28 32 37 = 13; ended: all but #15 = 20.
    assert by_type["AL"] == (21, 13, 20, 13, 65.0)  # 13 / 20
    # #2 8 9 14 19 21 26 30 33; replied 9 14 19 26; ended: all but #19 and #33 = 7, of
    # which answered 9 14 26 = 3.
    assert by_type["UA"] == (9, 4, 7, 3, 42.9)  # 3 / 7
    assert by_type["OL"] == (8, 4, 8, 4, 50.0)  # #4 5 11 18 23 29 34 35; replied 4 18 23 29
    actors = {row[0]: row[1:] for row in report.table("comm_by_addressee").rows}
    # Code, sent, replies, within deadline, reply period ended, rate, non-cooperation.
    assert actors["Burundi"] == ("BDI", 4, 0, 0, 4, 0.0, "yes")  # #1 #2 #3 #36
    # Named as first recorded (#4); #34 joins it; only #4 was answered, in time.
    assert actors["Société Minière Acmé"] == ("other actor", 2, 1, 1, 2, 50.0, "")
    assert actors["Total Énergies SE"] == ("other actor", 1, 0, 0, 1, 0.0, "")  # #35
    assert actors["Myanmar"] == ("MMR", 1, 0, 0, 1, 0.0, "")  # #5: its own letter, no reply
    assert actors["Côte d'Ivoire"] == ("CIV", 1, 1, 0, 1, 100.0, "")  # #20, answered late
    # Brazil: #14 (answered) and #15 (28 Dec, due 26 Feb 2018: not counted in the rate).
    assert actors["Brazil"] == ("BRA", 2, 1, 1, 1, 100.0, "")
    # States first, then other actors.
    assert [row[1] for row in report.table("comm_by_addressee").rows][-2:] == [
        "other actor",
        "other actor",
    ]
    months = {row[0]: row[1:] for row in report.table("comm_by_month").rows}
    assert len(months) == 12
    assert months["2017-01"] == (4, 3, 4, 3, 75.0)  # #6 #9 #25 answered, #38 not
    assert months["2017-02"] == (3, 1, 3, 1, 33.3)  # #1 #12 #21, only #12 answered
    # December: #15 #19 #33 sent, #19 answered, none of their reply periods over: n/a.
    assert months["2017-12"] == (3, 1, 0, 0, None)
    # Sent per month, Jan-Dec (dates in fixture.py): 4+3+4+3+4+3+4+3+2+3+2+3 = 38.
    assert [row[0] for row in months.values()] == [4, 3, 4, 3, 4, 3, 4, 3, 2, 3, 2, 3]
    assert report.table("comm_outstanding").column("Reference") == [
        "AL CHN 5/2016",
        "UA TUR 2/2016",
        "OL BRA 1/2016",
    ]


def test_persistent_non_cooperation(report: Report) -> None:
    figures = {f.key: f.value for f in report.section("noncooperation").figures}
    # Count rule: Burundi (see non_cooperating above). Windows rule, by window of date
    # sent: Burundi's #1 (10 Feb 2017: June 2017 session), #2 and #36 (May: September
    # 2017), #3 (20 Sep: March 2018), all unanswered and past due at 1 Feb 2018. No other
    # State has three windows without a reply: e.g. India's P6 (June 2017) and #16
    # (September 2017) went unanswered but #37 and #17 (March 2018) were answered.
    # Visits: China's V5 (1 Apr 2016) had no response by 1 Apr 2017 and is still open;
    # Myanmar's V3 (15 Mar 2017) is not 12 months old at the end of 2017.
    assert figures == {"states": 2, "by_count": 1, "by_windows": 1, "by_visits": 1}
    assert report.table("comm_non_cooperation").rows == (
        ("Burundi", "BDI", "UA BDI 2/2017, AL BDI 1/2017, AL BDI 3/2017",
         "June 2017 session, September 2017 session, March 2018 session", None),
        ("China", "CHN", "", "", 1),
    )  # fmt: skip


def test_non_cooperation_rules_are_settings() -> None:
    # Five letters due for the count rule: Burundi has only three matters (#1 with its
    # follow-up letter #36 counts once, #2, #3), so no State qualifies. Two windows:
    # Burundi's last two (September 2017, March 2018) are
    # without reply. Iran's #30 and #31 are both in the March 2018 window (one window
    # only); the Philippines' #21 (June 2017) went unanswered but #22 (March 2018) did not.
    # China's row stays, for its unanswered visit request.
    rules = replace(load_rules(), non_cooperation_count=5, non_cooperation_windows=2)
    report = compile_report(cases(), START, END, today=TODAY, rules=rules)
    assert report.value("noncooperation", "by_count") == 0
    assert report.table("comm_non_cooperation").column("Last 2 joint reports without a reply") == [
        "September 2017 session, March 2018 session",
        "",
    ]


def test_communications_by_mandate(report: Report) -> None:
    # Mandates: AL -> WGAD, UA -> SR HRDs, OL -> SR Torture; joint letters name WGAD and
    # SR HRDs, so each of the 10 counts for both.
    # WGAD: 17 plain ALs (21 less the joint #3 #13 #17 #27) + 10 joint = 27. Replies: plain
    # ALs 6 7 10 12 20 22 25 28 32 37 (10) + joint 9 13 17 19 23 27 (6) = 16. Reply period
    # ended: 27 less #15 and #19 = 25, answered 16 less #19 = 15; 15 / 25 = 60.0 %.
    # SR HRDs: 6 plain UAs (#2 8 14 21 26 33) + 10 joint = 16; replies 14 26 + the 6 joint
    # = 8; ended 16 less #19 #33 = 14, answered 7; 7 / 14 = 50.0 %.
    # SR Torture: plain OLs #4 11 18 29 34 = 5, replies 4 18 29 = 3, all ended: 60.0 %.
    assert report.table("comm_by_mandate").rows == (
        ("WGAD", 27, 10, 16, 25, 15, 60.0),
        ("SR HRDs", 16, 10, 8, 14, 7, 50.0),
        ("SR Torture", 5, 0, 3, 5, 3, 60.0),
    )


def test_replies_received_in_the_period_by_kind() -> None:
    data = cases()
    # A second reply to #6 (a rejection, March 2017) and a partial reply to P5 in 2017;
    # P1's reply (2016) stays outside.
    by_id = {c["id"]: c for c in data}
    six, p5 = by_id[cid(6)], by_id[cid(105)]
    assert six["reference"] == "AL CHN 1/2017" and p5["reference"] == "OL BRA 1/2016"
    six["runs"].append(run("communication_reply", reply_date="2017-03-20",
                           reply_nature="rejection", reply_confidential=False))  # fmt: skip
    p5["runs"].append(run("communication_reply", reply_date="2017-02-10",
                          reply_nature="partial", reply_confidential=False))  # fmt: skip
    report = compile_report(data, START, END, today=TODAY)
    # 21 substantive + 1 rejection + 1 partial = 23; shares of 23.
    assert report.value("communications", "replies_received") == 23
    assert report.table("comm_reply_kinds").rows == (
        ("Substantive", 21, 91.3),  # 21 / 23
        ("Partial", 1, 4.3),
        ("Acknowledgement only", 0, 0.0),
        ("Rejection", 1, 4.3),
    )
    # #6 still counts once among the letters replied to.
    assert report.value("communications", "replies") == 21


def test_still_without_reply_by_previous_joint_report(report: Report) -> None:
    # Windows before 2017, latest first: the March 2017 session (sent 1 Jun-30 Nov 2016):
    # P2 P3 P4 P5, P3 answered -> 3; the September 2016 session (1 Mar-31 May 2016): P1,
    # answered -> 0, 3 in all. The June 2016 session's window (1 Dec 2015-29 Feb 2016)
    # ended before the first letter on record (P1, 10 March 2016): not shown.
    assert report.table("comm_windows").rows == (
        ("March 2017 session", "1 June 2016 \N{EN DASH} 30 November 2016", 4, 3, 3),
        ("September 2016 session", "1 March 2016 \N{EN DASH} 31 May 2016", 1, 0, 3),
    )


def test_no_window_before_the_first_record() -> None:
    # Burundi's first letter is #1 (10 Feb 2017): the previous window (March 2017 session,
    # sent by 30 Nov 2016) ended before it, so there is none, not "0".
    report = compile_report(cases(), date(1980, 1, 1), TODAY, today=TODAY, state="BDI",
                            from_first_record=True)  # fmt: skip
    assert report.start == date(2017, 2, 10)
    assert report.value("communications", "outstanding_previous") is None
    assert report.table("comm_windows").rows == ()
    assert "1980" not in summary_text(report)


def test_reply_rate_is_not_applicable_when_no_reply_period_has_ended() -> None:
    # December 2017: #15, #19, #33, due 26 Feb, 3 Feb and 8 Feb 2018, after the cut-off.
    report = compile_report(cases(), date(2017, 12, 1), END, today=TODAY)
    assert report.value("communications", "sent") == 3
    assert report.value("communications", "reply_period_ended") == 0
    assert report.value("communications", "reply_rate") is None
    assert "Reply rate (letters whose reply period has ended): \N{EN DASH}" in summary_text(report)


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
        # Requests with a State response dated in 2017, each once: V2 (acknowledged,
        # accepted, agreed), V4 (declined), V6 (postponed), V8 (agreed). V4's reminder is
        # ours, not a response.
        "responses": 4,
        "reminders": 1,  # V4 (10 Aug 2017); V5's was in 2016
        # Any year: V5 (China, 1 Apr 2016, only a reminder) had none by 1 Apr 2017.
        "unanswered": 1,
        # Requested before 2017 and still open at its end: China (V5, only a reminder),
        # Türkiye (V6, postponed). V1 and V8 were visited, V7 declined and closed.
        "outstanding_previous": 2,
        "state_invitations": 0,  # the fixture's visits are all requests (version 1)
        "invitations_accepted": 0,
        "invitations_declined": 0,
        # Version 1 recorded a standing invitation on Brazil's (V2) and Mexico's (V8)
        # requests, without its date (lifted into the setting at the upgrade).
        "standing_all": 2,
        "standing_invitations": 1,  # of V2-V4 only Brazil has one (version 1 answer)
        "standing_not_honoured": 0,  # Brazil accepted
        "conducted": 2,  # V2 (Nov 2017), V8 (Apr 2017); V1 was in 2016
        "states_visited": 2,  # Brazil, Mexico
        "states_not_visited": 191,  # the 193 UN Member States less those two
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
    assert "Intended timeframe" not in agreed  # the mandate's wish is not the State's dates
    assert report.table("visit_reports").rows == (
        ("Honduras", "A/HRC/35/23/Add.1", 35, "12 May 2016", "13 June 2017", 13, "yes"),
    )
    notice = {row[0]: row[5:7] for row in report.table("visits_conducted").rows}
    assert notice == {"Brazil": (52, ""), "Mexico": (14, "yes")}
    assert report.table("visit_outstanding").column("State") == ["Türkiye", "China"]
    assert report.table("visit_requests").rows == (
        # The dates Brazil agreed on 1 June, not the "second half of 2017" it was asked for.
        ("Brazil", "SR HRDs", "1 February 2017", 0, "Accepted", "1 June 2017",
         "6 November 2017 \N{EN DASH} 17 November 2017"),
        ("Myanmar", "WGAD", "15 March 2017", 0, "Awaiting a decision", "", ""),
        ("Egypt", "WGAD", "10 May 2017", 1, "Declined", "1 September 2017", ""),
    )  # fmt: skip
    assert report.table("visit_no_response").rows == (("China", "SR HRDs", "1 April 2016", 1),)
    assert report.table("standing_invitations").rows == (("Brazil", "date not recorded", 1, 0),)
    assert report.table("standing_all").rows == (
        ("Brazil", "BRA", "date not recorded"),
        ("Mexico", "MEX", "date not recorded"),
    )
    not_visited = report.table("states_not_visited").as_dicts()
    assert len(not_visited) == 191
    names = [row["State"] for row in not_visited]
    assert "Brazil" not in names and "Mexico" not in names and "Holy See" not in names
    by_name = {row["State"]: row for row in not_visited}
    # Honduras: last visited May 2016 (V1); China: V5 still pending; Türkiye: V6
    # postponed, pending; Myanmar: V3 awaiting; India: V7 declined and closed.
    assert by_name["Honduras"]["Last visit before the period"] == "2 May 2016"
    pending = {n: r["Requests pending at its end"] for n, r in by_name.items()}
    assert {n for n, p in pending.items() if p} == {"China", "Türkiye", "Myanmar"}


def test_five_year_status_matrix(report: Report) -> None:
    # 2013-2017, one row per State and mandate, the years of each step (fixture.py):
    # V1 Honduras requested Jun 2015, accepted Sep 2015 and dates agreed Jan 2016, visited
    # May 2016; V2 Brazil all in 2017; V3 Myanmar requested 2017, nothing since: pending;
    # V4 Egypt requested and declined 2017; V5 China requested 2016, no response: pending;
    # V6 Türkiye requested Nov 2015, accepted 2016, postponed 2017: pending; V7 India
    # requested 2014, declined 2015 (closed); V8 Mexico requested 2016, accepted Nov 2016,
    # dates agreed and visited 2017.
    assert report.table("visit_matrix").rows == (
        ("Brazil", "SR HRDs", "2017", "2017", "2017", "", ""),
        ("China", "SR HRDs", "2016", "", "", "", "yes"),
        ("Egypt", "WGAD", "2017", "", "", "2017", ""),
        ("Honduras", "SR HRDs", "2015", "2015, 2016", "2016", "", ""),
        ("India", "WGAD", "2014", "", "", "2015", ""),
        ("Mexico", "WGAD", "2016", "2016, 2017", "2017", "", ""),
        ("Myanmar", "WGAD", "2017", "", "", "", "yes"),
        ("Türkiye", "WGAD", "2015", "2016", "", "", "yes"),
    )


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


def test_followup_activities(report: Report) -> None:
    figures = {f.key: f.value for f in report.section("activities").figures}
    assert figures == {
        # #36, #37, #38 (sent in 2017, each following up a letter); the older "follow-up
        # letter" actions (#1, #16, P2, P4) each have their linked letter, so none adds.
        "followup_letters": 3,
        "statements": 1,  # #8, 20 Aug 2017 (#3's is of 2018)
        "followup_reports": 0,
        "followup_visits": 0,
        "recommendations_assessed": 0,
        "total": 4,
    }


def test_deadline_figures(report: Report) -> None:
    figures = {f.key: f.value for f in report.section("deadlines").figures}
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
        "overdue_now": 98,  # 55 + 43, per owner below
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
        ("user 101 (no name recorded)", 28, 55, "3 September 2016"),
        ("user 102 (no name recorded)", 22, 43, "29 January 2017"),
    )


def test_owners_are_named_from_their_user_record() -> None:
    users = [{"id": "101", "role": "officer", "name": "Amina Diallo"}, {"id": "102"}]
    report = compile_report(cases(), START, END, today=TODAY, users=users)
    owners = report.table("open_items_by_owner").column("Owner")
    assert owners == ["Amina Diallo", "user 102 (no name recorded)"]


def test_deadlines_of_closed_cases_count_up_to_their_closure() -> None:
    # K1 sent 1 Mar 2017, closed 1 Dec 2017 unanswered: reply due 30 Apr, letter to be
    # published 30 Apr, follow-up letter suggested 30 May: three deadlines, all missed.
    # K2 sent 1 Nov 2017, closed 15 Nov: its reply (31 Dec) would have fallen after the
    # closure, so none of its deadlines fell. K3 sent 1 Feb, answered 1 Mar, closed 1 Jun:
    # reply met (2 Apr), publication of the letter (2 Apr) missed, of the reply (1 Mar)
    # missed, follow-up letter (2 May) met by the reply.
    k1 = communication(301, "AL BDI 7/2017", "2017-03-01", closed="2017-12-01")
    k2 = communication(302, "AL BDI 8/2017", "2017-11-01", closed="2017-11-15")
    k3 = communication(303, "AL EGY 9/2017", "2017-02-01", reply="2017-03-01",
                       closed="2017-06-01")  # fmt: skip
    report = compile_report([k1, k2, k3], START, END, today=TODAY)
    figures = {f.key: f.value for f in report.section("deadlines").figures}
    assert figures == {"due": 7, "done": 2, "overdue": 5, "not_yet_due": 0, "open_cases": 0,
                       "overdue_now": 0}  # fmt: skip
    assert report.table("open_items_by_owner").rows == ()  # closed cases are nobody's load


def test_a_period_running_past_today_has_items_not_yet_due() -> None:
    report = compile_report(cases(), START, END.replace(year=2018), today=TODAY)
    # Unmet 2018 deadlines after 1 Feb: replies of #15 (26 Feb) and #33 (8 Feb); letters
    # of #15 (28 Mar), #31 (13 Feb), #33 (10 Mar); publication of #15, #33 and #19 (3 Feb)
    # when their reply periods end; reports of V2 (17 Nov) and V8 (13 Apr); V3's
    # no-response check (15 Mar); V1's recommendations (12 May). V4's check (10 May) is met
    # by the refusal, #19's letter by its reply.
    assert report.value("deadlines", "not_yet_due") == 12


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
    assert "Reply rate (letters whose reply period has ended): 57.1%" in text
    assert "Non-cooperating: Burundi" in text


def test_an_empty_period_is_all_zeros() -> None:
    report = compile_report([], START, END, today=TODAY)
    assert report.value("communications", "sent") == 0
    assert report.value("communications", "reply_rate") is None
    assert "Reply rate (letters whose reply period has ended): \N{EN DASH}" in summary_text(report)


def test_a_standing_invitation_removed_from_the_record_is_not_reported() -> None:
    # Brazil's and Mexico's version-1 requests still say "yes", but the record (the setting
    # an admin edits with /standing) no longer holds them: the report follows the record.
    report = compile_report(cases(), START, END, today=TODAY, standing_invitations={})
    assert report.table("standing_all").rows == ()
    assert report.value("visits", "standing_invitations") == 0
