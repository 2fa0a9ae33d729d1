"""Cases long settled (workflows.report.settled): what a report may skip, and what it may not.

A closed case whose every date lies further back than its deadlines can reach is left out of
the sections that count the period; the sections that need the whole record still read it.
Period 2017, cut-off 1 February 2018 (fixture.TODAY) unless said otherwise; default rules:
reply 60 days, follow-up letter suggested 30 days after the reply was due, so a letter's
deadlines reach 90 days past its latest date.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

import workflows.report.compile as compile_module
from tests.report.fixture import END, START, TODAY, cid, communication, event, run, visit
from workflows.checklists.model import Registry
from workflows.deadlines.rules import (
    Rules,
    add_months,
    communication_reach,
    deadlines,
    load_rules,
    rules_for,
    visit_reach,
    widest,
)
from workflows.demo import generate
from workflows.report import compile_report
from workflows.report.facts import Frame
from workflows.report.settled import latest_date, long_settled

REGISTRY = Registry.from_folder()
DEMO_TODAY = date(2025, 3, 10)
OVERRIDES = {"WGAD": {"reply_days": 120}, "SR Torture": {"no_response_months": 30}}


def closed_without_date(case: dict[str, Any]) -> dict[str, Any]:
    """A case closed by an older record that kept no closure date."""
    return {**case, "status": "closed"}


def settled_in(case: dict[str, Any], start: date = START, **overrides: Any) -> bool:
    frame = Frame(start, END, TODAY, load_rules(), overrides)
    return long_settled(frame, REGISTRY)(case)


# ---- deadlines that reach into the period -------------------------------------------------


def test_a_closed_letters_follow_up_deadline_in_the_period_still_counts() -> None:
    # Sent 20 Oct 2016: reply due 19 Dec 2016, before the period; the follow-up letter was
    # suggested 30 days later, 18 Jan 2017: the one deadline of 2017, missed (no reply, no
    # follow-up letter). Its latest date (20 Oct) is 73 days before the period: within 90.
    letter = closed_without_date(communication(1, "AL BDI 1/2016", "2016-10-20"))
    report = compile_report([letter], START, END, today=TODAY)
    assert not settled_in(letter)
    assert report.value("deadlines", "due") == 1
    assert report.value("deadlines", "overdue") == 1


def test_a_mandates_longer_reply_period_reaches_further() -> None:
    # Sent 20 Aug 2016 for WGAD, whose reply period an admin set to 120 days: reply due
    # 18 Dec 2016, follow-up letter 17 Jan 2017. Under the default rules its deadlines
    # would end in November 2016 and the letter would be settled; under the longest rules
    # it reaches 150 days, and its latest date is 134 days before the period.
    letter = closed_without_date(communication(1, "AL BDI 1/2016", "2016-08-20"))
    assert settled_in(letter)
    assert not settled_in(letter, **OVERRIDES)
    report = compile_report([letter], START, END, today=TODAY, overrides=OVERRIDES)
    assert report.value("deadlines", "due") == 1


# ---- dates recorded long after the letter -------------------------------------------------


def test_a_reply_received_in_the_period_to_a_letter_closed_years_before_counts() -> None:
    letter = communication(1, "AL BDI 1/2012", "2012-05-01", reply="2017-03-01",
                           closed="2012-09-01")  # fmt: skip
    report = compile_report([letter], START, END, today=TODAY)
    assert not settled_in(letter)
    assert report.value("communications", "replies_received") == 1


def test_a_letter_closed_and_dated_years_before_is_settled() -> None:
    letter = communication(1, "AL BDI 1/2012", "2012-05-01", reply="2012-06-01",
                           closed="2012-09-01")  # fmt: skip
    assert settled_in(letter)
    assert not settled_in({**letter, "status": "open"})


# ---- what needs the whole record ----------------------------------------------------------


def test_settled_letters_still_name_a_state_for_persistent_non_cooperation() -> None:
    # Egypt's last three letters (2013-2014) went unanswered and were closed: settled, and
    # still its last three letters due, so Egypt is named by the count rule in 2017; they
    # were listed in three joint reports (sent in June 2013's window, then March and
    # September 2014's), none answered: named by the windows rule too. And the record
    # starts in 2013, so the 2017 report shows the three windows before it (none of them
    # listing a letter) rather than "none in the record".
    letters = [
        communication(1, "AL EGY 1/2013", "2013-02-01", closed="2013-12-01"),
        communication(2, "AL EGY 2/2013", "2013-09-01", closed="2014-01-15"),
        communication(3, "AL EGY 1/2014", "2014-03-01", closed="2014-10-01"),
    ]
    assert all(settled_in(letter) for letter in letters)
    report = compile_report(letters, START, END, today=TODAY)
    assert report.value("noncooperation", "by_count") == 1
    rows = report.table("comm_non_cooperation").rows
    assert [row[1:4] for row in rows] == [
        ("EGY", "AL EGY 1/2013, AL EGY 2/2013, AL EGY 1/2014",
         "June 2013 session, March 2014 session, September 2014 session")
    ]  # fmt: skip
    assert report.value("communications", "outstanding_previous") == 0
    assert [row[0] for row in report.table("comm_windows").rows] == [
        "March 2017 session", "September 2016 session", "June 2016 session"
    ]  # fmt: skip


def test_a_follow_up_letter_of_the_period_names_the_settled_letter_it_follows_up() -> None:
    first = communication(1, "AL BDI 1/2012", "2012-05-01", closed="2012-09-01",
                          links={"followups": [cid(2)]})  # fmt: skip
    followup = communication(2, "AL BDI 1/2017", "2017-03-01", links={"follows": cid(1)})
    assert settled_in(first)
    report = compile_report([first, followup], START, END, today=TODAY)
    assert report.records.column("Follows up") == ["AL BDI 1/2012"]


def test_a_settled_visit_is_still_the_last_visit_and_in_the_five_year_matrix() -> None:
    # Honduras was visited in March 2013 and the case closed in June 2013: settled for 2017
    # (its latest date is more than 24 months before), but still Honduras's last visit
    # before 2017 and a visit of the matrix's five years (2013-2017).
    honduras = visit(1, "HND", "2012-06-01", events=(event("accepted", "2012-09-01"),),
                     conducted={"visited_from": "2013-03-01", "visited_to": "2013-03-10"},
                     closed="2013-06-01")  # fmt: skip
    assert settled_in(honduras)
    report = compile_report([honduras], START, END, today=TODAY, state="HND")
    assert report.table("states_not_visited").rows == (("Honduras", "HND", "1 March 2013", 0),)
    assert report.table("visit_matrix").rows == (("Honduras", "WGAD", "", "", "2013", "", ""),)


def test_a_visit_closed_without_a_closure_date_is_never_settled() -> None:
    # Without the date, nothing says the request stopped waiting on the State by the end of
    # the period: it may still count as unanswered ("any year").
    request = closed_without_date(visit(1, "HND", "2012-06-01"))
    assert not settled_in(request)
    report = compile_report([request], START, END, today=TODAY)
    assert report.value("visits", "unanswered") == 1


# ---- the latest date ----------------------------------------------------------------------


def test_the_latest_date_reads_date_questions_and_searches_unknown_runs_whole() -> None:
    letter = communication(1, "AL BDI 1/2016", "2016-03-01", reply="2016-05-02")
    assert latest_date(letter, REGISTRY) == "2016-05-02"
    unknown = {**run("communication_reply", notes={"seen": ["2019-07-08"]}), "version": 99}
    later = {**letter, "runs": [*letter["runs"], unknown]}
    assert latest_date(later, REGISTRY) == "2019-07-08"
    assert latest_date({"id": "c1", "kind": "communication"}, REGISTRY) == ""


def test_a_date_any_version_of_a_checklist_asks_is_read_in_every_version() -> None:
    # Version 1 of the visit request never asked "invited on" (version 2 does): an answer
    # kept under that id on a version-1 run is still a date of the case, and the visit is
    # drawn on by a 2017 report (its records list it), so the case is not settled.
    request = visit(1, "HND", "2010-06-01", closed="2011-01-01")
    request["runs"][0]["answers"]["invited_on"] = "2017-05-01"
    assert request["runs"][0]["version"] == 1
    assert latest_date(request, REGISTRY) == "2017-05-01"
    assert not settled_in(request)
    report = compile_report([request], START, END, today=TODAY)
    assert len(report.records.rows) == 1


def test_the_widest_rules_take_each_number_at_its_largest() -> None:
    base = Rules()
    rules = widest(base, {"A": {"reply_days": 30, "report_months": 18}, "B": {"reply_days": 90}})
    assert (rules.reply_days, rules.report_months, rules.no_response_months) == (90, 18, 12)
    assert widest(base, {}) is base
    assert communication_reach(base) == 60 + 30
    assert visit_reach(base) == 24


# ---- the demo: every deadline within reach, every report unchanged ------------------------


@pytest.fixture(scope="module")
def demo() -> Any:
    """Six years of demo data ending in March 2025: thousands of cases closed long before."""
    return generate(years=6, seed=3, today=DEMO_TODAY)


@pytest.mark.parametrize("overrides", [{}, OVERRIDES])
def test_no_deadline_of_the_demo_falls_beyond_the_reach(demo: Any, overrides: Any) -> None:
    base = load_rules()
    reach = widest(base, overrides)
    checked = 0
    for case in demo.cases:
        latest = latest_date(case, REGISTRY)
        if not latest:
            continue
        last = date.fromisoformat(latest)
        if case["kind"] == "communication":
            limit = last + timedelta(days=communication_reach(reach))
        else:
            limit = add_months(last, visit_reach(reach))
        for deadline in deadlines(case, rules_for(case, base, overrides), closed_too=True):
            assert deadline.due <= limit, (case["id"], deadline)
            checked += 1
    assert checked > 10_000


def _without_settling(monkeypatch: pytest.MonkeyPatch, cases: list[Any], **kwargs: Any) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(compile_module, "long_settled", lambda frame, registry: lambda case: False)
        return compile_report(cases, **kwargs)


@pytest.mark.parametrize(
    ("start", "end", "scope"),
    [
        (date(2024, 1, 1), date(2024, 12, 31), {}),
        (date(2024, 1, 1), date(2024, 12, 31), {"overrides": OVERRIDES}),
        (date(2023, 3, 1), date(2023, 5, 31), {"confidential": True}),
        (date(2023, 1, 1), date(2023, 12, 31), {"mandate": "WGAD"}),
        (date(2024, 7, 1), date(2025, 3, 10), {}),
    ],
)
def test_the_demo_report_is_the_same_with_and_without_skipping(
    monkeypatch: pytest.MonkeyPatch, demo: Any, start: date, end: date, scope: dict[str, Any]
) -> None:
    kwargs = dict(period_start=start, period_end=end, today=DEMO_TODAY, users=demo.users,
                  standing_invitations=demo.standing_invitations, **scope)  # fmt: skip
    frame = Frame(start, end, DEMO_TODAY, load_rules(), scope.get("overrides", {}))
    settled = long_settled(frame, REGISTRY)
    assert sum(map(settled, demo.cases)) > 500  # the skipping is exercised
    assert compile_report(demo.cases, **kwargs) == _without_settling(
        monkeypatch, demo.cases, **kwargs
    )


def test_a_state_profile_from_the_first_record_is_the_same(
    monkeypatch: pytest.MonkeyPatch, demo: Any
) -> None:
    kwargs = dict(period_start=date(1980, 1, 1), period_end=DEMO_TODAY, today=DEMO_TODAY,
                  state="BDI", from_first_record=True)  # fmt: skip
    report = compile_report(demo.cases, **kwargs)
    assert report.value("communications", "sent")
    assert report == _without_settling(monkeypatch, demo.cases, **kwargs)
