"""What the report's speed-ups must not change (bench/README.md, issue 13 item 10).

The report compiles over copies of its cases that remember what was read from them
(workflows.cases.memo), with the cyclic garbage collector paused. Neither may change a
figure: the same report must come out as when every fact is read afresh from the stored
cases, over data with letters and visits before, inside and after the period. The .docx
writer splices its tables in as text when saving: each must land where its heading is.
"""

from __future__ import annotations

import copy
import gc
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from fixture import END, START, TODAY, cases

import workflows.report.compile as compile_module
from workflows.cases.memo import Remembered
from workflows.cases.standing import from_cases
from workflows.deadlines.rules import (
    answers_of,
    deadlines,
    has_reply,
    intake,
    load_rules,
    reply_due,
)
from workflows.demo import generate
from workflows.report import compile_report
from workflows.report import facts as f
from workflows.report.definitions import PREAMBLE
from workflows.report.docx_writer import write_docx

DEMO_TODAY = date(2025, 3, 10)


@pytest.fixture(scope="module")
def demo() -> Any:
    """Three years of demo data ending in March 2025: letters, replies, follow-up chains,
    groups, visit requests and their events, reprisals, closed and open cases."""
    return generate(years=3, seed=7, today=DEMO_TODAY)


def _compile_both(
    monkeypatch: pytest.MonkeyPatch, stored: list[dict[str, Any]], **kwargs: Any
) -> tuple[Any, Any]:
    """The report as compiled, and as compiled over the stored cases themselves (every
    accessor reading the case afresh each time)."""
    remembered = compile_report(copy.deepcopy(stored), **kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(compile_module, "Remembered", lambda case: case)
        afresh = compile_report(copy.deepcopy(stored), **kwargs)
    return remembered, afresh


@pytest.mark.parametrize(
    ("start", "end", "scope"),
    [
        (date(2024, 1, 1), date(2024, 12, 31), {}),  # a year with history before and after
        (date(2024, 3, 1), date(2024, 5, 31), {"confidential": True}),  # a session window
        (date(2022, 1, 1), date(2025, 3, 10), {}),  # the whole record
        (date(1980, 1, 1), date(2025, 3, 10), {"mandate": "WGAD", "from_first_record": True}),
    ],
)
def test_the_demo_report_is_the_same_as_read_afresh(
    monkeypatch: pytest.MonkeyPatch, demo: Any, start: date, end: date, scope: dict[str, Any]
) -> None:
    remembered, afresh = _compile_both(
        monkeypatch, demo.cases, period_start=start, period_end=end, today=DEMO_TODAY,
        standing_invitations=demo.standing_invitations, users=demo.users, **scope,
    )  # fmt: skip
    assert remembered.records.rows  # the period has letters and visits to count
    assert remembered == afresh


def test_a_state_profile_is_the_same_as_read_afresh(
    monkeypatch: pytest.MonkeyPatch, demo: Any
) -> None:
    code = next(
        a["code"]
        for c in demo.cases
        if c["kind"] == "communication"
        for a in intake(c)["addressees"]
        if a["kind"] == "state"
    )
    remembered, afresh = _compile_both(
        monkeypatch, demo.cases, period_start=date(1980, 1, 1), period_end=DEMO_TODAY,
        today=DEMO_TODAY, state=code, from_first_record=True,
    )  # fmt: skip
    assert remembered.value("communications", "sent")
    assert remembered == afresh


def test_the_hand_worked_fixture_is_the_same_as_read_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    remembered, afresh = _compile_both(
        monkeypatch, cases(), period_start=START, period_end=END, today=TODAY,
        standing_invitations=from_cases(cases()), confidential=True,
    )  # fmt: skip
    assert remembered == afresh


def test_compiling_leaves_the_stored_cases_as_they_were(demo: Any) -> None:
    stored = copy.deepcopy(demo.cases)
    compile_report(stored, date(2024, 1, 1), date(2024, 12, 31), today=DEMO_TODAY)
    assert stored == demo.cases
    assert all(type(case) is dict for case in stored)


def test_a_remembered_case_reads_as_the_stored_one(demo: Any) -> None:
    rules = load_rules()
    for case in demo.cases[:400]:
        copy_ = Remembered(case)
        assert copy_ == case
        assert intake(copy_) == intake(case)
        for checklist in {run["checklist"] for run in case["runs"]} | {"visit_report"}:
            assert answers_of(copy_, checklist) == answers_of(case, checklist)
        assert reply_due(copy_, rules) == reply_due(case, rules)
        assert has_reply(copy_) == has_reply(case)
        assert deadlines(copy_, rules, closed_too=True) == deadlines(case, rules, closed_too=True)
        for accessor in (f.sent_on, f.requested_on, f.addressees, f.mandates, f.is_joint,
                         f.replied_on, f.visits, f.events, f.reprisals, f.is_reprisal,
                         f.closed_on):  # fmt: skip
            assert accessor(copy_) == accessor(case), accessor.__name__
            assert accessor(copy_) == accessor(case), accessor.__name__  # remembered now
        assert f.actions(copy_, "letter") == f.actions(case, "letter")


def test_a_case_without_runs_reads_as_empty() -> None:
    empty = Remembered({"id": "c1", "kind": "communication"})
    assert intake(empty) == {} and answers_of(empty, "communication_reply") == []
    assert f.sent_on(empty) is None


def test_the_collector_is_on_again_after_a_report_and_left_off_if_it_was_off() -> None:
    assert gc.isenabled()
    compile_report(cases(), START, END, today=TODAY)
    assert gc.isenabled()
    with pytest.raises(ValueError):
        compile_report(cases(), END, START, today=TODAY)  # fails inside: collector back on
    assert gc.isenabled()
    gc.disable()
    try:
        compile_report(cases(), START, END, today=TODAY)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_docx_tables_sit_under_their_headings_and_no_marker_is_left(tmp_path: Path) -> None:
    """Tables are spliced in where their marker paragraphs were (docx_writer._save)."""
    report = compile_report(cases(), START, END, today=TODAY, confidential=True)
    path = tmp_path / "report.docx"
    write_docx(report, path)
    with zipfile.ZipFile(path) as archive:
        assert b"followup-table-" not in archive.read("word/document.xml")
    body = list(Document(str(path)).element.body.iterchildren())
    before = [body[i - 1] for i, element in enumerate(body) if element.tag == qn("w:tbl")]
    titles = [t.title for s in report.sections for t in s.tables if t.rows]
    assert [Paragraph(p, None).text for p in before] == [*titles, PREAMBLE]
