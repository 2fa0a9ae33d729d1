"""Review fixes to the report's counting rules, each on a few cases written out here.

Period 2017, cut-off 1 February 2018 (fixture.TODAY): every reply deadline of a letter sent
before December 2017 (sent + 60 days) has passed.
"""

from __future__ import annotations

from tests.report.fixture import END, START, TODAY, communication
from workflows.report import compile_report


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
