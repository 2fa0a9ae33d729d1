"""Checklist files: the shipped ones load; malformed ones fail naming file, question, problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.checklists.model import ChecklistError, Registry, load_checklist

HEAD = """
[checklist]
id = "demo"
version = 1
title = "Demo"
case_kind = "communication"
stage = "intake"
"""


def write(tmp_path: Path, body: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def test_shipped_checklists_cover_both_case_kinds(registry: Registry) -> None:
    communication = [c.id for c in registry.for_kind("communication")]
    visit = [c.id for c in registry.for_kind("visit")]
    assert communication[0] == "communication_intake"
    assert communication[-1] == "communication_closure"
    assert {"communication_reply", "communication_followup"} <= set(communication)
    assert visit[0] == "visit_request" and visit[-1] == "visit_closure"
    assert {"visit_response", "visit_conducted", "visit_draft", "visit_report",
            "visit_followup", "visit_recommendation"} <= set(visit)  # fmt: skip
    # the reprisal checklist is offered on both kinds, after the kind's own updates
    assert communication[-2] == "reprisal" and visit[-2] == "reprisal"


def test_old_visit_checklists_stay_readable(registry: Registry) -> None:
    """Version 1 runs keep their questions: an old per-request standing invitation answer
    is still shown, and a v1 "no response" event still has its label."""
    old_request = registry.get("visit_request", 1)
    assert old_request.question("standing_invitation") is not None
    assert registry.latest("visit_request").question("standing_invitation") is None
    old_event = registry.get("visit_response", 1).question("event")
    assert old_event is not None and old_event.choice_label("no_response") == "No response"
    new_event = registry.latest("visit_response").question("event")
    assert new_event is not None and "no_response" not in {c.value for c in new_event.choices}


def test_a_checklist_for_any_kind_of_case(tmp_path: Path) -> None:
    path = tmp_path / "any.toml"
    path.write_text(HEAD.replace('"communication"', '"any"').replace('"intake"', '"update"')
                    + '[[questions]]\nid = "a"\nprompt = "A?"\ntype = "text"\n')  # fmt: skip
    registry = Registry([load_checklist(path)])
    assert [c.id for c in registry.for_kind("visit")] == ["demo"]
    assert [c.id for c in registry.for_kind("communication")] == ["demo"]


def test_every_question_type_is_used_by_the_shipped_checklists(registry: Registry) -> None:
    used = {
        q.type
        for kind in ("communication", "visit")
        for c in registry.for_kind(kind)
        for q in c.questions
    }
    assert used == {
        "text", "yesno", "choice", "multi", "date", "number", "actor", "mandate", "file",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "question", "problem"),
    [
        ('[[questions]]\nid = "a"\nprompt = "A?"\ntype = "colour"\n', "'a'", "type 'colour'"),
        ('[[questions]]\nid = "a"\ntype = "text"\n', "'a'", "needs a prompt"),
        (
            '[[questions]]\nid = "a"\nprompt = "A?"\ntype = "choice"\nchoices = []\n',
            "'a'",
            "at least two choices",
        ),
        (
            '[[questions]]\nid = "a"\nprompt = "A?"\ntype = "text"\nwhen = "b == 1"\n',
            "'a'",
            "not an earlier question",
        ),
        (
            '[[questions]]\nid = "a"\nprompt = "A?"\ntype = "date"\n'
            'constraint = "value <= today"\n',
            "'a'",
            "constraint_message",
        ),
        (
            '[[questions]]\nid = "a"\nprompt = "A?"\ntype = "text"\nwhen = "os.system(1)"\n',
            "'a'",
            "do not allow",
        ),
        (
            '[[questions]]\nid = "a"\nprompt = "A?"\ntype = "text"\npattern = "("\n'
            'pattern_message = "x"\n',
            "'a'",
            "missing",
        ),
        (
            '[[questions]]\nid = "a"\nprompt = "A?"\ntype = "text"\nrequred = false\n',
            "'a'",
            "unknown keys",
        ),
        (
            '[[questions]]\nid = "a"\nprompt = "A?"\ntype = "text"\n'
            '[[questions]]\nid = "a"\nprompt = "B?"\ntype = "text"\n',
            "'a'",
            "used twice",
        ),
        ('[[questions]]\nid = "Bad Id"\nprompt = "A?"\ntype = "text"\n', "'Bad Id'", "lower_snake"),
    ],
)
def test_malformed_question_is_reported_with_file_question_and_problem(
    tmp_path: Path, body: str, question: str, problem: str
) -> None:
    with pytest.raises(ChecklistError) as raised:
        load_checklist(write(tmp_path, body))
    message = str(raised.value)
    assert message.startswith("demo.toml: ")
    assert f"question {question}" in message
    assert problem in message


def test_broken_toml_and_missing_head_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[checklist\n", encoding="utf-8")
    with pytest.raises(ChecklistError, match=r"^broken.toml: cannot read"):
        load_checklist(broken)
    headless = tmp_path / "headless.toml"
    headless.write_text('[[questions]]\nid = "a"\n', encoding="utf-8")
    with pytest.raises(ChecklistError, match=r"^headless.toml: missing the \[checklist\]"):
        load_checklist(headless)


def test_two_files_with_the_same_id_and_version_are_refused(tmp_path: Path) -> None:
    body = '[[questions]]\nid = "a"\nprompt = "A?"\ntype = "text"\n'
    write(tmp_path, body, "one.toml")
    write(tmp_path, body, "two.toml")
    with pytest.raises(ChecklistError, match=r"also defined in one\.toml"):
        Registry.from_folder(tmp_path)


def test_versions_live_side_by_side_and_latest_wins(tmp_path: Path) -> None:
    write(tmp_path, '[[questions]]\nid = "a"\nprompt = "A?"\ntype = "text"\n', "demo.v1.toml")
    (tmp_path / "demo.toml").write_text(
        HEAD.replace("version = 1", "version = 2")
        + '[[questions]]\nid = "b"\nprompt = "B?"\ntype = "text"\n',
        encoding="utf-8",
    )
    registry = Registry.from_folder(tmp_path)
    assert registry.latest("demo").version == 2
    assert registry.get("demo", 1).questions[0].id == "a"
    assert [c.version for c in registry.for_kind("communication")] == [2]
