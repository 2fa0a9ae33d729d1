"""Schema 3: a folder written by the code of `main` before issue 10 is upgraded once, at
open, with nothing lost, crash-safely. The folder (tests/storage/v2_folder) was recorded by
tests/storage/record_v2_folder.py driving main's own chat; see that script for its content."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from test_conversation import say

from storage import layout
from storage.migrations import STAGING_DIR
from workflows.access import User
from workflows.cases import CaseService, Clock
from workflows.checklist import Registry
from workflows.conversation import Chat, Conversation
from workflows.deadlines import load_rules
from workflows.search import find_case, search
from workflows.upgrade import case_upgrades, open_data

RECORDED = Path(__file__).parent / "storage" / "v2_folder"
NOW = datetime(2017, 9, 1, 9, 0, tzinfo=UTC)
JAL, UA, JOL = "ca2c8ec34b8", "cef070b89c9", "c914c8f7432"
ADMIN: User = {"id": "1", "role": "admin"}


def copy_recorded(tmp_path: Path, name: str = "data") -> Path:
    target = tmp_path / name
    shutil.copytree(RECORDED, target)
    os.chmod(target, 0o700)
    return target


def cases_in(folder: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for case_id in layout.case_ids_on_disk(folder):
        case = layout.read_case_file(layout.case_path(folder, case_id))
        assert case is not None
        found[case_id] = case
    return found


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the folder (but the lock), byte for byte."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def open_upgraded(folder: Path):  # type: ignore[no-untyped-def]
    return open_data(folder, clock=Clock(lambda: NOW))


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_folder()


def test_every_answer_file_and_audit_entry_survives(tmp_path: Path) -> None:
    folder = copy_recorded(tmp_path)
    before = cases_in(folder)
    untouched = {
        name: (folder / name).read_bytes() for name in (layout.AUDIT_FILE, layout.SESSIONS_FILE)
    }
    files_before = snapshot(folder / layout.FILES_DIR)
    open_upgraded(folder).close()
    after = cases_in(folder)
    meta = json.loads((folder / layout.META_FILE).read_text())
    assert list(meta["schema"].values()) == [{"version": 3}]
    assert meta["users"] == json.loads((RECORDED / layout.META_FILE).read_text())["users"]
    assert {n: (folder / n).read_bytes() for n in untouched} == untouched
    assert snapshot(folder / layout.FILES_DIR) == files_before
    assert not (folder / STAGING_DIR).exists()
    for case_id, old in before.items():
        new = after[case_id]
        # the audit trail: every entry kept, in order, then at most one "upgrade" entry
        assert new["history"][: len(old["history"])] == old["history"]
        assert [e["action"] for e in new["history"][len(old["history"]) :]] in ([], ["upgrade"])
        assert new["files"] == old["files"] and new["owner"] == old["owner"]
        assert len(new["runs"]) == len(old["runs"])
        for old_run, new_run in zip(old["runs"], new["runs"], strict=True):
            assert new_run["checklist"] == old_run["checklist"]
            # a visit request moves to version 2 (workflows.visit_upgrade); the rest stay
            moved = new_run["checklist"] == "visit_request"
            assert new_run["version"] == (2 if moved else old_run["version"])
            for question, value in old_run["answers"].items():
                assert new_run["answers"][question] == expected(question, value), question


def expected(question: str, value: Any) -> Any:
    """An answer after the upgrade: the same, but JAL-style types and the addressees."""
    joint = {"JAL": "AL", "JUA": "UA", "JOL": "OL"}
    if question == "comm_type":
        return joint.get(value, value)
    if question == "reference":
        head, rest = value.split(" ", 1)
        return f"{joint.get(head, head)} {rest}"
    if question == "addressees":
        return value[:1]  # the other addressees have letters of their own (next test)
    return value


def test_one_letter_per_addressee_with_the_old_reference_as_alias(
    tmp_path: Path, registry: Registry
) -> None:
    folder = copy_recorded(tmp_path)
    before = cases_in(folder)
    with open_upgraded(folder) as repo:
        first = repo.get_case(JAL)
        assert first is not None and first["reference"] == "AL IRN 1/2017"
        assert first["aliases"] == ["JAL IRN 1/2017"]
        letters = [repo.get_case(case_id) for case_id in first["group"]]
        assert [c["reference"] for c in letters] == ["AL IRN 1/2017", "AL TUR 1/2017",
                                                     "AL OTH 1/2017"]  # fmt: skip
        old_intake = before[JAL]["runs"][0]["answers"]
        for letter, addressee in zip(letters, old_intake["addressees"], strict=True):
            answers = letter["runs"][0]["answers"]
            assert answers["addressees"] == [addressee]
            assert letter["group"] == first["group"]
            assert letter["history"][: len(before[JAL]["history"])] == before[JAL]["history"]
            for key in ("summary", "themes", "victims", "mandates", "date_sent"):
                assert answers[key] == old_intake[key]
        # the reply did not say who replied: it stays with the first letter, the others say so
        assert [r["checklist"] for r in letters[1]["runs"]] == ["communication_intake"]
        assert "check whether Türkiye replied" in letters[1]["history"][-1]["detail"]["note"]
        assert [c.get("reply_unknown") for c in letters] == [None, True, True]
        # /case and /find by the old reference, however typed
        assert find_case(repo, "jal irn 1 / 2017")["id"] == JAL  # type: ignore[index]
        assert find_case(repo, "AL-TUR-1/2017")["id"] == letters[1]["id"]  # type: ignore[index]
        found = search(repo, "JAL IRN 1/2017", ADMIN, registry=registry)
        assert {e["reference"] for e in found} == {"AL IRN 1/2017", "AL TUR 1/2017",
                                                    "AL OTH 1/2017"}  # fmt: skip
        other = repo.case_by_reference("OL BRA 1/2017")
        assert other is not None and other["aliases"] == ["JOL CHN 1/2017"]
        assert repo.get_case(UA)["reference"] == "UA BDI 1/2017"  # type: ignore[index]
        assert "aliases" not in repo.get_case(UA)  # type: ignore[operator]


def test_follow_up_letters_become_linked_communications(tmp_path: Path) -> None:
    folder = copy_recorded(tmp_path)
    with open_upgraded(folder) as repo:
        first = repo.get_case(JAL)
        assert first is not None
        followups = [repo.get_case(case_id) for case_id in first["followups"]]
        # the recorded reference where there was one, else the next in the IRN series
        assert [(c["reference"], c["runs"][0]["answers"]["date_sent"]) for c in followups] == [
            ("AL IRN 7/2017", "2017-06-20"),
            ("AL IRN 8/2017", "2017-08-01"),
        ]
        for letter in followups:
            assert letter["follows"] == JAL and letter["status"] == "open"
            assert letter["reply_unknown"] is True  # the action never said
            assert letter["runs"][0]["answers"]["addressees"][0]["code"] == "IRN"
        # the press release stays a follow-up action; the two letter actions are kept too
        kinds = [r["answers"]["action_type"] for r in first["runs"][2:]]
        assert kinds == ["letter", "letter", "statement"]


def test_old_publication_reminders_are_dismissed_not_sent(tmp_path: Path) -> None:
    folder = copy_recorded(tmp_path)
    with open_upgraded(folder) as repo:
        case = repo.get_case(UA)
        assert case is not None
        dismissed = case["reminders"]["dismissed"]
        assert dismissed == {"letter_publication": "2017-05-31"}  # sent 1 April + 60 days
        assert case["next_due"] == "2017-04-08"  # the urgent early check still stands


def test_closing_a_split_letter_makes_its_reply_known(tmp_path: Path, registry: Registry) -> None:
    """Closing ("no reply") or recording a reply is an officer saying what happened to that
    letter: from then on it counts like any other."""
    folder = copy_recorded(tmp_path)
    with open_upgraded(folder) as repo:
        conversation = Conversation(CaseService(repo, registry, Clock(lambda: NOW)))
        say(conversation, Chat("2"), "/case AL TUR 1/2017", "#Close the case", "#No reply",
            "today", "/skip", "#Save")  # fmt: skip
        letter = repo.case_by_reference("AL TUR 1/2017")
        assert letter is not None and letter["status"] == "closed"
        assert "reply_unknown" not in letter and letter["history"][-1]["action"] == "reply_known"
        assert repo.case_by_reference("AL OTH 1/2017")["reply_unknown"] is True  # type: ignore[index]


def test_a_second_open_changes_nothing(tmp_path: Path) -> None:
    folder = copy_recorded(tmp_path)
    open_upgraded(folder).close()
    once = snapshot(folder)
    open_upgraded(folder).close()
    assert snapshot(folder) == once


def test_the_case_upgrades_are_idempotent(registry: Registry) -> None:
    """A plain copy of upgraded case files (no meta.json) is upgraded again: no change."""
    upgrades = case_upgrades(registry, load_rules(), date(2017, 9, 1))
    cases = list(cases_in(RECORDED).values())
    for upgrade in upgrades:
        cases = upgrade(cases)
    written = [{k: v for k, v in c.items() if k != "_upgrade"} for c in cases]  # as stored
    again = json.loads(json.dumps(written))
    for upgrade in upgrades:
        again = upgrade(again)
    assert again == written  # no change, and no note of one


def test_a_kill_at_any_rename_then_a_restart_ends_as_one_clean_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every durable step of the upgrade ends in a rename (atomic writes, staged files moved
    into place). Crashing before each one in turn, then opening again, must give exactly the
    folder an uninterrupted upgrade gives: every case upgraded once, none twice."""
    clean = copy_recorded(tmp_path, "clean")
    open_upgraded(clean).close()
    wanted = snapshot(clean)

    class Crash(Exception):
        pass

    real_replace = os.replace

    def crashing_at(rename: int) -> Any:
        count = 0

        def replace(src: Any, dst: Any, **kwargs: Any) -> None:
            nonlocal count
            count += 1
            if count == rename:
                raise Crash(str(dst))
            real_replace(src, dst, **kwargs)

        return replace

    crash_at = 1
    while True:
        folder = copy_recorded(tmp_path, f"crash{crash_at}")
        monkeypatch.setattr(os, "replace", crashing_at(crash_at))
        try:
            open_upgraded(folder).close()
            crashed = False
        except Crash:
            crashed = True
        finally:
            monkeypatch.setattr(os, "replace", real_replace)
        (folder / ".lock").unlink(missing_ok=True)
        open_upgraded(folder).close()
        assert snapshot(folder) == wanted, f"crash before rename {crash_at}"
        if not crashed:
            break
        crash_at += 1
    assert crash_at > 10  # the upgrade was really interrupted at many points
