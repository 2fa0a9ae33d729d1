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
from workflows.cases import standing
from workflows.cases.search import find_case, search
from workflows.cases.service import CaseService, Clock
from workflows.chat.conversation import Chat, Conversation
from workflows.chat.views import communication_kind
from workflows.checklists.model import Registry
from workflows.deadlines.alerts import AlertService
from workflows.deadlines.rules import load_rules
from workflows.people.access import User
from workflows.records.upgrade import case_upgrades, open_data

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


def without_audit(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in files.items() if name != layout.AUDIT_FILE}


def audit_once(files: dict[str, bytes]) -> list[dict[str, Any]]:
    """The audit entries, each distinct one once, without its time."""
    entries = json.loads(files[layout.AUDIT_FILE])["audit"].values()
    kept: list[dict[str, Any]] = []
    for entry in entries:
        entry = {k: v for k, v in entry.items() if k != "at"}
        if entry not in kept:
            kept.append(entry)
    return kept


def open_upgraded(folder: Path):  # type: ignore[no-untyped-def]
    return open_data(folder, clock=Clock(lambda: NOW))


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_folder()


def test_every_answer_file_and_audit_entry_survives(tmp_path: Path) -> None:
    folder = copy_recorded(tmp_path)
    before = cases_in(folder)
    untouched = {name: (folder / name).read_bytes() for name in (layout.SESSIONS_FILE,)}
    audit_before = list(json.loads((folder / layout.AUDIT_FILE).read_text())["audit"].values())
    files_before = snapshot(folder / layout.FILES_DIR)
    open_upgraded(folder).close()
    after = cases_in(folder)
    meta = json.loads((folder / layout.META_FILE).read_text())
    assert list(meta["schema"].values()) == [{"version": 3}]
    assert meta["users"] == json.loads((RECORDED / layout.META_FILE).read_text())["users"]
    assert {n: (folder / n).read_bytes() for n in untouched} == untouched
    audit = list(json.loads((folder / layout.AUDIT_FILE).read_text())["audit"].values())
    assert audit[: len(audit_before)] == audit_before  # then only the upgrade's settings
    assert [(e["actor"], e["target"]) for e in audit[len(audit_before) :]] == [
        ("upgrade", "standing_invitations_lifted")
    ]
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
            # a visit request moves to version 2 (workflows.records.visit_upgrade); the rest stay
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


def test_closing_a_split_letter_for_another_reason_says_nothing_of_its_reply(
    tmp_path: Path, registry: Registry
) -> None:
    """Closed as superseded: nobody said whether Türkiye replied, so the letter still stays
    out of the non-cooperation count."""
    folder = copy_recorded(tmp_path)
    with open_upgraded(folder) as repo:
        conversation = Conversation(CaseService(repo, registry, Clock(lambda: NOW)))
        say(conversation, Chat("2"), "/case AL TUR 1/2017", "#Close the case", "#Superseded",
            "today", "/skip", "#Save")  # fmt: skip
        letter = repo.case_by_reference("AL TUR 1/2017")
        assert letter is not None and letter["status"] == "closed"
        assert letter["reply_unknown"] is True


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
        got = snapshot(folder)
        assert without_audit(got) == without_audit(wanted), f"crash before rename {crash_at}"
        # a crash between a setting's audit entry and the setting repeats that entry
        assert audit_once(got) == audit_once(wanted), f"crash before rename {crash_at}"
        if not crashed:
            break
        crash_at += 1
    assert crash_at > 10  # the upgrade was really interrupted at many points


def troubled_copy(tmp_path: Path) -> Path:
    """The recorded folder with what a real one may also hold (review of issue 10): the
    joint letter's intake being edited by its officer, with a closure started; a damaged
    case file; a per-mandate rule override; a version-1 visit request answering "standing
    invitation: yes"; a JOL letter naming one mandate, its reference in its second
    addressee's series."""
    folder = copy_recorded(tmp_path)

    def edit(case_id: str, change: Any) -> None:
        path = layout.case_path(folder, case_id)
        data = json.loads(path.read_text())
        change(data["case"]["1"])
        path.write_text(json.dumps(data))

    def editing(case: dict[str, Any]) -> None:
        case["runs"][0].update(status="in_progress", position="summary")
        case["runs"].append({"checklist": "communication_closure", "version": 1,
                             "status": "in_progress", "position": "closure_date",
                             "answers": {"closure_reason": "no_reply"}, "skipped": [],
                             "pending": None})  # fmt: skip

    def one_mandate_second_series(case: dict[str, Any]) -> None:
        answers = case["runs"][0]["answers"]
        answers["mandates"] = ["WGAD"]
        answers["addressees"] = answers["addressees"][::-1]  # Brazil, then China

    def standing_yes(case: dict[str, Any]) -> None:
        case["status"] = "open"
        case["runs"][0].update(status="done", position=None, answers={
            "state": {"code": "HND", "name": "Honduras", "kind": "state"},
            "mandates": ["WGAD"], "request_date": "2016-01-10",
            "standing_invitation": True, "reprisal": False})  # fmt: skip

    edit(JAL, editing)
    edit(JOL, one_mandate_second_series)
    edit(VISIT, standing_yes)
    damaged = layout.case_path(folder, UA)
    damaged.write_bytes(damaged.read_bytes()[:40])
    meta = json.loads((folder / layout.META_FILE).read_text())
    meta["settings"] = {
        "1": {"key": "deadline_overrides", "value": {"WGAD": {"reply_days": 90}}},
        "2": {"key": "standing_invitations", "value": {"TUR": {"since": "2001-03-01"}}},
    }
    (folder / layout.META_FILE).write_text(json.dumps(meta))
    return folder


VISIT = "c259fb9c915"


def test_a_letter_being_edited_is_split_too(tmp_path: Path) -> None:
    with open_upgraded(troubled_copy(tmp_path)) as repo:
        first = repo.get_case(JAL)
        assert first is not None and first["reference"] == "AL IRN 1/2017"
        assert [a["code"] for a in first["runs"][0]["answers"]["addressees"]] == ["IRN"]
        assert first["runs"][0]["status"] == "in_progress"  # the officer goes on editing
        others = [repo.get_case(i) for i in first["group"][1:]]
        assert [c["reference"] for c in others if c] == ["AL TUR 1/2017", "AL OTH 1/2017"]
        for letter in others:
            assert letter is not None and letter["runs"][0]["status"] == "done"
            assert letter["status"] == "open"
            # a closure still being answered stays with the letter it was started on
            assert [r["checklist"] for r in letter["runs"]] == ["communication_intake"]


def test_a_damaged_case_is_set_aside_and_the_rest_upgraded(tmp_path: Path) -> None:
    with open_upgraded(troubled_copy(tmp_path)) as repo:
        assert repo.get_case(UA) is None
        assert [n.split(".")[0] for n in repo.quarantined()] == [f"cases_{UA}"]
        assert repo.get_case(JAL)["aliases"] == ["JAL IRN 1/2017"]  # type: ignore[index]


def test_the_upgrade_uses_the_per_mandate_rules(tmp_path: Path) -> None:
    """OL CHN 1/2017 (WGAD only) sent 2 May 2017; WGAD's reply period is 90 days here, so
    the letter's publication was due 31 July (not 1 July): that is what is dismissed."""
    with open_upgraded(troubled_copy(tmp_path)) as repo:
        letter = repo.get_case(JOL)
        assert letter is not None
        assert letter["reminders"]["dismissed"]["letter_publication"] == "2017-07-31"


def test_the_reference_stays_with_the_addressee_of_its_series(tmp_path: Path) -> None:
    """JOL CHN 1/2017 to Brazil and China: China keeps the case and OL CHN 1/2017; "joint"
    is kept though one mandate is named (the old type said so)."""
    with open_upgraded(troubled_copy(tmp_path)) as repo:
        kept = repo.get_case(JOL)
        assert kept is not None and kept["reference"] == "OL CHN 1/2017"
        assert [a["code"] for a in kept["runs"][0]["answers"]["addressees"]] == ["CHN"]
        brazil = repo.case_by_reference("OL BRA 1/2017")
        assert brazil is not None and brazil["group"] == kept["group"]
        assert kept["joint"] is True and brazil["joint"] is True
        assert communication_kind(kept) == "joint OL"


def test_standing_invitations_of_old_requests_become_the_setting(tmp_path: Path) -> None:
    with open_upgraded(troubled_copy(tmp_path)) as repo:
        known = standing.invitations(repo)
        assert known["HND"]["since"] is None and known["HND"]["recorded_by"] == "upgrade"
        assert known["TUR"] == {"since": "2001-03-01"}  # what was recorded stays
        repo.set_setting(standing.SETTING, {"TUR": known["TUR"]}, actor="1")  # removed
        folder = repo.data_dir
    with open_upgraded(folder) as repo:
        assert standing.invitations(repo) == {"TUR": {"since": "2001-03-01"}}  # not lifted again


def test_reminders_already_due_on_letters_the_upgrade_made_are_not_sent(
    tmp_path: Path, registry: Registry
) -> None:
    """AL TUR 1/2017 and AL OTH 1/2017 (sent 10 March) had their reply due 9 May and a
    follow-up letter suggested 8 June: recorded as dismissed, and the first sweep sends
    none of them; the letter that kept the record (Iran) is reminded as before."""
    with open_upgraded(copy_recorded(tmp_path)) as repo:
        turkey = repo.case_by_reference("AL TUR 1/2017")
        assert turkey is not None
        assert turkey["reminders"]["dismissed"] == {
            "reply": "2017-05-09", "followup_letter": "2017-06-08",
            "letter_publication": "2017-05-09"}  # fmt: skip
        service = CaseService(repo, registry, Clock(lambda: NOW))
        claimed = {key for out in AlertService(service).pending() for _, key in out.claims}
        made = {c["id"] for c in map(repo.get_case, [e["id"] for e in repo.list_cases()])
                if c and c.get("reply_unknown")}  # fmt: skip
        assert made and not any(key.split("|")[0] in made for key in claimed)


def test_a_follow_up_letter_to_an_upgraded_joint_letter_is_joint(
    tmp_path: Path, registry: Registry
) -> None:
    with open_upgraded(troubled_copy(tmp_path)) as repo:
        conversation = Conversation(CaseService(repo, registry, Clock(lambda: NOW)))
        say(conversation, Chat("2"), "/case OL CHN 1/2017", "#Follow-up action",
            "#Follow-up letter", "20 August 2017", "OL CHN 2/2017", "Asked again.",
            "#Save")  # fmt: skip
        letter = repo.case_by_reference("OL CHN 2/2017")
        assert letter is not None and letter["follows"] == JOL and letter["joint"] is True
        assert communication_kind(letter) == "joint OL (follow-up letter)"


def test_a_draft_to_several_addressees_asks_one_reference_each_when_saved(
    tmp_path: Path, registry: Registry
) -> None:
    """A draft never saved is not split by the upgrade; saving it asks a reference per
    addressee instead of saving one case with one reference for three letters."""
    folder = copy_recorded(tmp_path)
    path = layout.case_path(folder, "c9d16ac1ab9")
    data = json.loads(path.read_text())
    answers = data["case"]["1"]["runs"][0]["answers"]
    answers["addressees"] = [*answers["addressees"],
                             {"code": "LBY", "name": "Libya", "kind": "state"}]  # fmt: skip
    answers["reference"] = "AL EGY 3/2017"
    path.write_text(json.dumps(data))
    with open_upgraded(folder) as repo:
        draft = repo.get_case("c9d16ac1ab9")
        assert draft is not None and len(draft["runs"][0]["answers"]["addressees"]) == 2
        conversation = Conversation(CaseService(repo, registry, Clock(lambda: NOW)))
        conversation.tap(Chat("2"), "c:c9d16ac1ab9")
        conversation.tap(Chat("2"), "rv:c9d16ac1ab9:0")
        reply = say(conversation, Chat("2"), "1/3/2017", "WGAD", "Detention")
        while not any(b.label == "Save" for b in reply.buttons):
            reply = say(conversation, Chat("2"), "/skip")
        save = next(b for b in reply.buttons if b.label == "Save")
        asked = conversation.tap(Chat("2"), save.token)[-1]
        assert asked.error and "give 2" in asked.text and "What is its reference?" in asked.text
        say(conversation, Chat("2"), "AL EGY 3/2017, AL LBY 1/2017", "#Save")
        assert repo.case_by_reference("AL LBY 1/2017") is not None
        assert repo.get_case("c9d16ac1ab9")["reference"] == "AL EGY 3/2017"  # type: ignore[index]
