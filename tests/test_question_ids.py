"""The question ids the code reads (workflows/question_ids.py) are checked when a folder of
checklists is loaded: a file that lacks one stops start-up naming the file and the id."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workflows import question_ids
from workflows.checklists.model import BUILTIN_DIR, ChecklistError, Registry


def copy_of_the_shipped_checklists(tmp_path: Path) -> Path:
    folder = tmp_path / "checklists"
    shutil.copytree(BUILTIN_DIR, folder)
    return folder


def rename_question(path: Path, old: str, new: str) -> None:
    """Everywhere in the file, so the file itself stays valid (its `when` conditions too)."""
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_the_shipped_checklists_have_every_id_the_code_reads(registry: Registry) -> None:
    for checklist, ids in question_ids.CURRENT.items():
        newest = registry.latest(checklist)
        assert {q.id for q in newest.questions} >= set(ids), checklist


def test_a_checklist_folder_missing_an_id_fails_at_load_naming_it(tmp_path: Path) -> None:
    folder = copy_of_the_shipped_checklists(tmp_path)
    rename_question(folder / "communication_reply.toml", "reply_date", "date_received")
    with pytest.raises(ChecklistError) as raised:
        Registry.from_folder(folder)
    assert str(raised.value) == (
        "communication_reply.toml: no question 'reply_date', which the code reads from "
        "communication_reply answers (workflows/question_ids.py)"
    )


def test_an_id_kept_only_in_an_old_version_still_counts_for_old_answers(
    tmp_path: Path,
) -> None:
    folder = copy_of_the_shipped_checklists(tmp_path)
    Registry.from_folder(folder)  # standing_invitation is only in visit_request.v1.toml
    (folder / "visit_request.v1.toml").unlink()
    expected = (
        "no version of visit_request has the question 'standing_invitation', which the code "
        "reads from older answers"
    )
    with pytest.raises(ChecklistError, match=expected):
        Registry.from_folder(folder)


def test_an_id_only_in_the_old_version_is_not_enough_for_new_answers(tmp_path: Path) -> None:
    folder = copy_of_the_shipped_checklists(tmp_path)
    rename_question(folder / "communication_intake.toml", '"date_sent"', '"sent_on"')
    rename_question(folder / "communication_intake.toml", "date_sent ", "sent_on ")
    assert "date_sent" in (folder / "communication_intake.v1.toml").read_text(encoding="utf-8")
    with pytest.raises(
        ChecklistError, match=r"^communication_intake.toml: no question 'date_sent'"
    ):
        Registry.from_folder(folder)


def test_a_missing_checklist_the_code_reads_fails_at_load(tmp_path: Path) -> None:
    folder = copy_of_the_shipped_checklists(tmp_path)
    (folder / "visit_draft.toml").unlink()
    with pytest.raises(ChecklistError, match="no checklist 'visit_draft', whose answers"):
        Registry.from_folder(folder)
