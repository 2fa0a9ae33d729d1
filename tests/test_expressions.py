"""Conditions and constraints in checklist files: safe, and None-tolerant."""

from __future__ import annotations

import pytest

from workflows.checklists.expressions import Expression, ExpressionError


@pytest.mark.parametrize(
    ("source", "names", "expected"),
    [
        ("reply_language == 'other'", {"reply_language": "other"}, True),
        ("reply_language == 'other'", {"reply_language": "EN"}, False),
        ("reply_language == 'other'", {}, False),
        ("'reprisal' in themes", {"themes": ["hrd", "reprisal"]}, True),
        ("'reprisal' in themes", {"themes": None}, False),
        ("'reprisal' in themes or 'hrd' in themes", {"themes": ["hrd"]}, True),
        ("value <= today", {"value": "2017-05-14", "today": "2017-05-15"}, True),
        ("value <= today", {"value": "2017-05-16", "today": "2017-05-15"}, False),
        ("value <= today", {"value": None, "today": "2017-05-15"}, False),
        ("len(value) >= 2 or t not in ['JAL', 'JUA']", {"value": ["a"], "t": "JAL"}, False),
        ("len(value) >= 2 or t not in ['JAL', 'JUA']", {"value": ["a"], "t": "AL"}, True),
        ("len(value) >= 2", {"value": None}, False),
        ("not flag", {"flag": False}, True),
        ("flag == True", {"flag": True}, True),
        ("date_sent == None or value >= date_sent", {"value": "2017-01-02"}, True),
        ("1 < n < 3", {"n": 2}, True),
        ("1 < n < 3", {"n": 3}, False),
        ("n > 'a'", {"n": 2}, False),
    ],
)
def test_evaluates(source: str, names: dict, expected: bool) -> None:
    assert Expression(source).evaluate(names) is expected


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('echo hi')",
        "themes.append(1)",
        "x[0]",
        "lambda: 1",
        "open('f')",
        "x if y else z",
        "x +",
    ],
)
def test_refuses_anything_beyond_the_small_language(source: str) -> None:
    with pytest.raises(ExpressionError):
        Expression(source)


def test_lists_the_names_it_reads() -> None:
    assert Expression("a == 1 or 'x' in b and len(c) > 0").names == {"a", "b", "c"}
