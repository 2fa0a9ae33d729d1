"""Upgrading version-1 visit cases (schema 3): pure, idempotent, nothing lost, same figures."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent / "report"))
from fixture import END, START, TODAY, cases, event, visit

from storage.tinydb_repo import TinyDBRepository
from workflows.cases.service import CaseService
from workflows.cases.standing import from_cases
from workflows.records.visit_upgrade import upgrade_visit_case
from workflows.report import compile_report


def answers_of(case: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(r["checklist"], k, repr(v)) for r in case["runs"] for k, v in r["answers"].items()]


def test_a_version_1_request_becomes_a_version_2_request_keeping_every_answer() -> None:
    old = visit(2, "BRA", "2017-02-01", standing=True, reprisal=True, timeframe="late 2017",
                events=(event("no_response", "2017-06-01", event_notes="Silence"),))  # fmt: skip
    before = copy.deepcopy(old)
    new = upgrade_visit_case(old)
    assert old == before  # pure
    assert new["runs"][0]["version"] == 2
    assert new["runs"][0]["answers"]["origin"] == "request"
    assert set(answers_of(before)) < set(answers_of(new))  # every old answer, plus origin
    assert new["runs"][1] == before["runs"][1]  # the old "no response" event stays as history
    assert {k: v for k, v in new.items() if k != "runs"} == {
        k: v for k, v in before.items() if k != "runs"
    }


def test_upgrading_twice_changes_nothing_more() -> None:
    for case in cases():
        once = upgrade_visit_case(case)
        assert upgrade_visit_case(once) == once


def test_communications_and_version_2_visits_are_left_alone() -> None:
    communication = cases()[0]
    assert upgrade_visit_case(communication) == communication
    upgraded = upgrade_visit_case(cases()[-1])
    assert upgrade_visit_case(upgraded) == upgraded


def test_the_report_is_the_same_before_and_after() -> None:
    before = compile_report(cases(), START, END, today=TODAY)
    after = compile_report([upgrade_visit_case(c) for c in cases()], START, END, today=TODAY)
    assert after.sections == before.sections
    assert after.records == before.records


def test_a_draft_stopped_at_a_question_version_2_no_longer_asks_resumes(
    repo: TinyDBRepository, service: CaseService
) -> None:
    draft = visit(9, "HND", "2017-02-01")
    intake = draft["runs"][0]
    del intake["answers"]["standing_invitation"], intake["answers"]["reprisal"]
    intake.update(status="in_progress", position="standing_invitation")
    draft["status"] = "draft"
    upgraded = upgrade_visit_case(draft)
    repo.save_case(upgraded, actor="upgrade", action="upgrade", detail={})
    step = service.show(upgraded, 0)
    assert step.question is not None and step.question.id == "timeframe"


def test_standing_invitations_are_lifted_once_per_state() -> None:
    # V2 Brazil and V8 Mexico said yes; the other requests said no.
    assert set(from_cases(cases())) == {"BRA", "MEX"}
    assert from_cases(cases())["BRA"] == {
        "since": None, "recorded_by": "upgrade", "source": "visit request v0000000002",
    }  # fmt: skip
    # the same answers after the case upgrade: still found
    assert from_cases([upgrade_visit_case(c) for c in cases()]) == from_cases(cases())
    # the most recent request's answer wins
    later_no = visit(20, "BRA", "2018-01-10", standing=False)
    assert "BRA" not in from_cases([*cases(), later_no])
