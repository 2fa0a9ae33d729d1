"""Typed answers that used to be read as something else are refused with a re-ask.

"-5/3/2017", "5/-3/2017" and "5/3/2017-" were read as 5 March 2017 (dateparser drops what
it does not understand); "35.5" was stored as a Human Rights Council session number.
"""

from __future__ import annotations

from datetime import date

import pytest

from workflows.checklists.answers import AnswerContext, AnswerError, parse_answer
from workflows.checklists.model import Registry

TODAY = date(2017, 5, 15)


@pytest.mark.parametrize(
    "typed",
    ["-5/3/2017", "5/-3/2017", "5/3/2017-", "+5/3/2017", "5//3/2017", "-5 March 2017",
     "5 March 2017-", "5 March -2017", "2 days before yesterday", "yesterday 2 days"],
)  # fmt: skip
def test_signed_or_padded_dates_are_refused(registry: Registry, typed: str) -> None:
    question = registry.latest("communication_intake").question("date_sent")
    assert question is not None
    with pytest.raises(AnswerError, match=r"Try 15/03/2017"):
        parse_answer(question, typed, AnswerContext(today=TODAY))


@pytest.mark.parametrize("typed", ["35.5", "35,5", "0.5", "35.25"])
def test_a_session_number_is_a_whole_number(registry: Registry, typed: str) -> None:
    question = registry.latest("visit_report").question("session")
    assert question is not None
    with pytest.raises(AnswerError, match="whole number"):
        parse_answer(question, typed, AnswerContext(today=TODAY))


@pytest.mark.parametrize(("typed", "stored"), [("35", 35), ("35.0", 35), (" 200 ", 200)])
def test_a_whole_session_number_is_kept(registry: Registry, typed: str, stored: int) -> None:
    question = registry.latest("visit_report").question("session")
    assert question is not None
    parsed = parse_answer(question, typed, AnswerContext(today=TODAY))
    assert parsed.value == stored and isinstance(parsed.value, int)  # type: ignore[union-attr]


def test_the_old_visit_report_version_is_kept_beside_the_new(registry: Registry) -> None:
    assert registry.latest("visit_report").version == 2
    assert registry.get("visit_report", 1).question("session") is not None
