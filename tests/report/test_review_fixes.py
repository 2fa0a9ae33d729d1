"""Review fixes to the report's counting rules, each on a few cases written out here.

Period 2017, cut-off 1 February 2018 (fixture.TODAY): every reply deadline of a letter sent
before December 2017 (sent + 60 days) has passed.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from tests.report.fixture import (
    END,
    START,
    TODAY,
    communication,
    reprisal,
    response,
    state,
    versioned,
    visit_v2,
)
from workflows.deadlines.rules import Rules
from workflows.report import compile_report
from workflows.report import visit_outcomes as vo
from workflows.report.csv_writer import write_csv


def test_upgraded_joint_letter_with_one_mandate_counts_as_joint() -> None:
    # #1 names one mandate but the upgrade kept `joint` (it was a JAL); #2 one mandate, not
    # joint. Joint = 1 of 2 sent = 50 %; the records say "yes" for #1 only.
    one = communication(1, "AL IRN 1/2017", "2017-03-10", links={"joint": True})
    two = communication(2, "AL TUR 1/2017", "2017-03-10")
    report = compile_report([one, two], START, END, today=TODAY)
    assert report.value("communications", "joint") == 1
    assert report.value("communications", "joint_share") == 50.0
    joint = report.records.columns.index("Joint (two or more mandates)")
    assert [row[joint] for row in report.records.rows] == ["yes", ""]


def _reply_unknown_letters() -> list[dict[str, Any]]:
    """#3 answered; #4 made by the upgrade, reply status unknown, no reply; #5 made by the
    upgrade but answered since; #6 an ordinary letter never answered. All sent March-April
    2017: reply periods over by the cut-off."""
    unknown = {"reply_unknown": True}
    return [
        communication(3, "AL IRN 1/2017", "2017-03-10", reply="2017-05-02"),
        communication(4, "AL TUR 1/2017", "2017-03-10", links=unknown),
        communication(5, "AL BRA 1/2017", "2017-03-10", reply="2017-06-01", links=unknown),
        communication(6, "AL MEX 1/2017", "2017-04-10"),
    ]


def test_letters_with_reply_status_unknown_stay_out_of_reply_rates() -> None:
    report = compile_report(_reply_unknown_letters(), START, END, today=TODAY)
    figure = lambda key: report.value("communications", key)  # noqa: E731
    assert figure("sent") == 4
    assert figure("replies") == 2  # #3, #5
    # #4 is left out: #3, #5 (answered, #5 counted normally) and #6 (not) -> 2 of 3.
    assert figure("reply_period_ended") == 3
    assert figure("replied_of_ended") == 2
    assert figure("reply_rate") == 66.7
    # Deadline 10 March + 60 days = 9 May: #3 (2 May) in time, #5 (1 June) late -> 1 in
    # time of the 3 ended = 33.3 %.
    assert figure("replies_in_time") == 1
    assert figure("in_time_rate") == 33.3
    assert figure("awaiting_reply") == 1  # #6 only, not #4
    by_state = report.table("comm_by_addressee")
    assert by_state.column("Reply period ended") == [1, 1, 1, 0]  # TUR (#4) last, 0 ended
    assert by_state.column("Addressee")[-1] == "Türkiye"


def test_letters_with_reply_status_unknown_are_not_still_without_reply() -> None:
    # Period June-December 2017: the previous joint report window is 1 March-31 May 2017,
    # which holds the four letters; still without reply: #6 only (#4 unknown, left out).
    start = START.replace(month=6)
    report = compile_report(_reply_unknown_letters(), start, END, today=TODAY)
    assert report.value("communications", "outstanding_previous") == 1
    windows = report.table("comm_windows")
    assert windows.rows[0][2:4] == (4, 1)  # sent 4, still without reply 1


def _group(*letters: dict[str, Any]) -> list[dict[str, Any]]:
    ids = [letter["id"] for letter in letters]
    for letter in letters:
        letter["group"] = ids
    return list(letters)


def test_reprisal_allegation_to_several_addressees_counts_once() -> None:
    theme = ("reprisal",)
    same = reprisal("2017-05-01", "pending", "ongoing", victims="Li Wei")
    # A: #7 IRN + #8 TUR, the reprisal theme copied to each -> 1.
    # B: #9 EGY has a reprisal record, #10 IND only the theme -> 1 (one incident).
    # C: #11 COL and #12 MEX record different reprisals (other date, other person) -> 2.
    # D: #13 PHL and #14 HND carry the same record, copied -> 1.
    # Flagged 1 + 1 + 2 + 1 = 5. Incidents: B 1 + C 2 + D 1 = 4.
    letters = [
        *_group(communication(7, "AL IRN 1/2017", "2017-03-10", themes=theme),
                communication(8, "AL TUR 1/2017", "2017-03-10", themes=theme)),
        *_group(communication(9, "AL EGY 1/2017", "2017-04-10"),
                communication(10, "AL IND 1/2017", "2017-04-10", themes=theme)),
        *_group(communication(11, "AL COL 1/2017", "2017-04-20"),
                communication(12, "AL MEX 1/2017", "2017-04-20")),
        *_group(communication(13, "AL PHL 1/2017", "2017-04-25"),
                communication(14, "AL HND 1/2017", "2017-04-25")),
    ]  # fmt: skip
    letters[2]["runs"].append(same)
    letters[4]["runs"].append(reprisal("2017-05-02", "named", "resolved", victims="Ana Souza"))
    letters[5]["runs"].append(reprisal("2017-06-09", "refused", "ongoing", victims="Li Wei"))
    letters[6]["runs"].append(same)
    letters[7]["runs"].append(same)
    report = compile_report(letters, START, END, today=TODAY)
    assert report.value("reprisals", "flagged_communications") == 5
    assert report.value("reprisals", "flagged") == 5
    assert report.value("reprisals", "incidents") == 4
    # B, D pending; C: named (given) and refused.
    assert report.value("reprisals", "consent_pending") == 2
    assert report.value("reprisals", "consent_given") == 1
    assert report.value("reprisals", "consent_refused") == 1


def test_a_visit_after_the_last_decision_makes_the_request_accepted() -> None:
    # W21 Egypt: requested January 2015, postponed 1 June 2015, visited 10 May 2016.
    # W22 Egypt: requested January 2015, visited 1 March 2015, declined 1 June 2015 (the
    # State refused a further visit): the decision after the visit stands.
    egypt = state("EGY")
    visited = versioned("visit_conducted", 2, visited_from="2016-05-10", visited_to="2016-05-20")
    postponed = visit_v2(21, egypt, requested="2015-01-10",
                         later=(response("postponed", "2015-06-01"), visited))  # fmt: skip
    earlier = versioned("visit_conducted", 2, visited_from="2015-03-01", visited_to="2015-03-05")
    declined = visit_v2(22, egypt, requested="2015-01-10",
                        later=(earlier, response("declined", "2015-06-01")))  # fmt: skip
    rules = Rules()
    # At the end of 2015, before the visit: postponed; at the end of 2016: accepted on the
    # first day of the visit.
    assert vo.outcome(postponed, date(2015, 12, 31), rules) == ("postponed", date(2015, 6, 1))
    assert vo.outcome(postponed, date(2016, 12, 31), rules) == ("accepted", date(2016, 5, 10))
    assert vo.outcome(declined, date(2016, 12, 31), rules) == ("declined", date(2015, 6, 1))


def test_a_statement_recorded_on_each_letter_of_a_group_counts_once_per_date() -> None:
    # #15 BDI + #16 MMR (one allegation): the press release of 1 May on both -> 1; a second
    # statement on #15 on 1 July -> 2; #17 CHN, alone, also 1 May -> 3.
    may, july = ("statement", "2017-05-01"), ("statement", "2017-07-01")
    letters = [
        *_group(communication(15, "AL BDI 1/2017", "2017-03-10", actions=(may, july)),
                communication(16, "AL MMR 1/2017", "2017-03-10", actions=(may,))),
        communication(17, "AL CHN 1/2017", "2017-03-10", actions=(may,)),
    ]  # fmt: skip
    report = compile_report(letters, START, END, today=TODAY)
    assert report.value("communications", "statements") == 3
    assert report.value("activities", "statements") == 3
    assert report.value("activities", "total") == 3  # nothing else in these letters


def _csv_rows(report: Any) -> list[list[str]]:
    stream = io.BytesIO()
    write_csv(report, stream)
    return list(csv.reader(io.StringIO(stream.getvalue().decode("utf-8-sig"))))


def test_which_cases_involve_reprisals_is_only_in_the_confidential_csv() -> None:
    # #18 flagged (theme "reprisal"), #19 not: the confidential CSV says "yes", "" in its
    # Reprisal flagged column; the default CSV has no such column (and one fewer cell a row).
    letters = [
        communication(18, "AL IRN 1/2017", "2017-03-10", themes=("reprisal",)),
        communication(19, "AL TUR 1/2017", "2017-03-10"),
    ]
    plain = _csv_rows(compile_report(letters, START, END, today=TODAY))
    named = _csv_rows(compile_report(letters, START, END, today=TODAY, confidential=True))
    assert "Reprisal flagged" not in plain[0]
    assert {len(row) for row in plain} == {len(plain[0])}
    column = named[0].index("Reprisal flagged")
    assert [row[column] for row in named[1:]] == ["yes", ""]
    # The confidential CSV has the reprisal column and the confidential answers besides.
    assert len(named[0]) == len(plain[0]) + 2
