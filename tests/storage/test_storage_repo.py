"""TinyDBRepository: behaviour, durability bookkeeping, permissions, recovery, migration."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import storage.atomic
from storage import layout
from storage.repository import DataDirLocked, Repository, StorageError
from storage.tinydb_repo import TinyDBRepository, open_repository


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "data"


@pytest.fixture
def repo(data_dir: Path) -> Iterator[TinyDBRepository]:
    repository = open_repository(data_dir)
    yield repository
    repository.close()


def new_case(repo: TinyDBRepository, **fields: Any) -> dict[str, Any]:
    case: dict[str, Any] = {"id": repo.new_case_id(), "kind": "communication", "owner": "u1"}
    case.update(status="open")
    case.update(reference=None, label="Test", answers={})
    case.update(fields)
    repo.save_case(case, actor="u1", action="create", detail={})
    stored = repo.get_case(case["id"])
    assert stored is not None
    return stored


def index_on_disk(data_dir: Path) -> dict[str, dict[str, Any]]:
    index = layout.read_index(data_dir)
    assert index is not None
    return index


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def stamp(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_ino, info.st_mtime_ns


def reopen(repo: TinyDBRepository) -> TinyDBRepository:
    repo.close()
    return open_repository(repo.data_dir)


def compact(repo: TinyDBRepository) -> None:
    """Bring index.json up to date with memory (the end of a bulk() block does it)."""
    with repo.bulk():
        pass


def journal_ids(data_dir: Path) -> list[str]:
    """The case ids of index.journal's lines, in order."""
    return [entry["id"] for entry in layout.read_journal(data_dir)[0]]


# cases ---------------------------------------------------------------------------------------


def test_round_trip_with_history(repo: TinyDBRepository) -> None:
    case = new_case(repo, reference="AL BRA 1/2026")
    case["answers"]["q1"] = "yes"
    repo.save_case(case, actor="u2", action="answer", detail={"question": "q1"})
    stored = repo.get_case(case["id"])
    assert stored is not None
    assert stored["answers"] == {"q1": "yes"}
    assert [h["action"] for h in stored["history"]] == ["create", "answer"]
    last = stored["history"][-1]
    assert last["actor"] == "u2" and last["detail"] == {"question": "q1"}
    assert datetime.fromisoformat(last["at"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_typed_as_the_protocol(data_dir: Path) -> None:
    repository: Repository = open_repository(data_dir)
    assert repository.get_case("c0000000000") is None
    repository.close()


def test_new_case_id_shape_and_uniqueness(repo: TinyDBRepository) -> None:
    ids = {repo.new_case_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"c[0-9a-f]{10}", case_id) for case_id in ids)


def test_get_returns_copies_and_save_leaves_the_callers_dict_alone(
    repo: TinyDBRepository,
) -> None:
    case = new_case(repo)
    case["answers"]["q1"] = "changed but not saved"
    assert repo.get_case(case["id"])["answers"] == {}  # type: ignore[index]
    before = json.dumps(case, sort_keys=True)
    repo.save_case(case, actor="u1", action="answer", detail={})
    assert json.dumps(case, sort_keys=True) == before


def test_a_stale_copy_cannot_drop_history(repo: TinyDBRepository) -> None:
    case = new_case(repo)
    repo.save_case(case, actor="u1", action="first", detail={})
    repo.save_case(case, actor="u1", action="second", detail={})  # same, now stale, dict
    stored = repo.get_case(case["id"])
    assert [h["action"] for h in stored["history"]] == ["create", "first", "second"]  # type: ignore[index]


def test_invalid_case_ids(repo: TinyDBRepository) -> None:
    assert repo.get_case("../meta") is None
    with pytest.raises(ValueError, match="case id"):
        repo.save_case({"id": "../../etc/x"}, actor="u", action="a", detail={})
    with pytest.raises(ValueError, match="case id"):
        repo.save_case({"answers": {}}, actor="u", action="a", detail={})


def test_indexed_fields_must_be_scalars(repo: TinyDBRepository) -> None:
    with pytest.raises(TypeError, match="owner"):
        repo.save_case({"id": "c1", "owner": ["u1"]}, actor="u", action="a", detail={})
    assert repo.get_case("c1") is None


def test_list_cases_filters_and_returns_copies(repo: TinyDBRepository) -> None:
    a = new_case(repo, owner="u1", status="open")
    b = new_case(repo, owner="u2", status="open")
    new_case(repo, owner="u1", status="closed")
    assert [e["id"] for e in repo.list_cases(owner="u1", status="open")] == [a["id"]]
    assert {e["id"] for e in repo.list_cases(status="open")} == {a["id"], b["id"]}
    assert len(repo.list_cases()) == 3
    assert set(repo.list_cases()[0]) == set(layout.INDEX_FIELDS)
    repo.list_cases()[0]["status"] = "tampered"
    assert repo.list_cases(status="tampered") == []
    with pytest.raises(ValueError, match="not index fields"):
        repo.list_cases(answers={})


def test_case_by_reference_ignores_case_and_spacing(repo: TinyDBRepository) -> None:
    case = new_case(repo, reference="AL  BRA 3/2026")
    found = repo.case_by_reference(" al bra\t3/2026 ")
    assert found is not None and found["id"] == case["id"]
    assert repo.case_by_reference("AL BRA 4/2026") is None
    assert repo.case_by_reference("   ") is None


def test_case_by_reference_follows_renames(repo: TinyDBRepository) -> None:
    """The lookup is a dict kept with the index: same answers as a scan in index order."""
    a = new_case(repo, reference="AL BRA 1/2026")
    b = new_case(repo, reference="UA BRA 2/2026")
    a["reference"] = "AL BRA 1/2026 (corrected)"
    repo.save_case(a, actor="u1", action="edit", detail={})
    assert repo.case_by_reference("al bra 1/2026") is None
    assert repo.case_by_reference("AL BRA 1/2026  (CORRECTED)")["id"] == a["id"]  # type: ignore[index]
    a["label"] = "no change of reference"
    repo.save_case(a, actor="u1", action="edit", detail={})
    assert repo.case_by_reference("AL BRA 1/2026 (corrected)")["label"] == a["label"]  # type: ignore[index]
    b["reference"] = "al bra 1/2026 (corrected)"  # a duplicate: the first in index order wins
    repo.save_case(b, actor="u1", action="edit", detail={})
    assert repo.case_by_reference("AL BRA 1/2026 (corrected)")["id"] == a["id"]  # type: ignore[index]
    a["reference"] = None
    repo.save_case(a, actor="u1", action="edit", detail={})
    assert repo.case_by_reference("AL BRA 1/2026 (corrected)")["id"] == b["id"]  # type: ignore[index]
    a["reference"] = "AL BRA 1/2026 (corrected)"  # back: a is first in the index again
    repo.save_case(a, actor="u1", action="edit", detail={})
    assert repo.case_by_reference("AL BRA 1/2026 (corrected)")["id"] == a["id"]  # type: ignore[index]
    assert repo.case_by_reference("UA BRA 2/2026") is None
    c = new_case(repo, reference="AL BRA 1/2026 (corrected)")  # created last: not first
    assert repo.case_by_reference("AL BRA 1/2026 (corrected)")["id"] == a["id"]  # type: ignore[index]
    c["reference"] = 42  # not a string: never matched
    repo.save_case(c, actor="u1", action="edit", detail={})
    assert repo.case_by_reference("42") is None
    repo = reopen(repo)
    try:
        assert repo.case_by_reference("al bra 1/2026 (CORRECTED)")["id"] == a["id"]  # type: ignore[index]
        b["reference"] = "UA BRA 2/2026"
        repo.save_case(b, actor="u1", action="edit", detail={})
        assert repo.case_by_reference("ua bra 2/2026")["id"] == b["id"]  # type: ignore[index]
    finally:
        repo.close()


def test_iter_cases_and_reopen(repo: TinyDBRepository) -> None:
    ids = [new_case(repo)["id"] for _ in range(5)]
    repo = reopen(repo)
    try:
        assert [case["id"] for case in repo.iter_cases()] == ids
        assert [entry["id"] for entry in repo.list_cases()] == ids
    finally:
        repo.close()


def test_index_changes_go_to_the_journal_not_index_json(repo: TinyDBRepository) -> None:
    index, journal = repo.data_dir / layout.INDEX_FILE, repo.data_dir / layout.JOURNAL_FILE
    case = new_case(repo)
    compact(repo)
    before = stamp(index)
    case["answers"]["q1"] = "an answer"
    repo.save_case(case, actor="u1", action="answer", detail={})
    case["runs"] = [{"anything": "else"}]
    repo.save_case(case, actor="u1", action="answer", detail={})
    assert not journal.exists()  # answers touch neither
    case["status"] = "closed"
    repo.save_case(case, actor="u1", action="close", detail={})
    case["label"] = "Renamed"
    repo.save_case(case, actor="u1", action="rename", detail={})
    assert stamp(index) == before
    assert repo.list_cases(id=case["id"])[0]["label"] == "Renamed"
    entries, named = layout.read_journal(repo.data_dir)
    assert [(e["status"], e["label"]) for e in entries] == [
        ("closed", "Test"),
        ("closed", "Renamed"),
    ]
    assert named == {case["id"]}
    assert journal.read_bytes().count(b"\n") == 2
    repo.close()  # compacts: index.json current, journal gone
    assert index_on_disk(repo.data_dir)[case["id"]]["label"] == "Renamed"
    assert not journal.exists()


def test_a_new_case_needs_no_journal_line(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_line(*args: object) -> None:
        raise AssertionError("a journal line was written")

    monkeypatch.setattr(layout.IndexJournal, "append", no_line)
    case = new_case(repo, status="open")
    case["status"] = "review"  # not in index.json yet: the folder listing finds it at open
    repo.save_case(case, actor="u1", action="review", detail={})
    assert index_on_disk(repo.data_dir) == {}
    compact(repo)
    case["status"] = "closed"
    with pytest.raises(AssertionError, match="journal line"):  # now it is in index.json
        repo.save_case(case, actor="u1", action="close", detail={})
    assert index_on_disk(repo.data_dir)[case["id"]]["status"] == "review"


def test_index_encoder_matches_a_plain_dump(repo: TinyDBRepository) -> None:
    cases = [new_case(repo, reference=f"Ré {n}") for n in range(3)]
    encoder = layout.IndexEncoder()
    entries = [layout.index_entry(case, case["id"]) for case in cases]
    plain = storage.atomic.dumps({"cases": {str(n): e for n, e in enumerate(entries, 1)}})
    assert encoder.encode(entries) == plain
    entries[1] = {**entries[1], "status": "closed"}  # replaced: re-encoded
    assert json.loads(encoder.encode(entries[1:]))["cases"]["1"]["status"] == "closed"
    repo.close()
    assert (repo.data_dir / layout.INDEX_FILE).read_bytes() == encoder.encode(
        [layout.index_entry(case, case["id"]) for case in cases]
    )


# bulk ------------------------------------------------------------------------------------------


def count_index_writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Patch layout.write_index to record the number of entries of each write."""
    writes: list[int] = []
    real = layout.write_index

    def counting(data_dir: Path, entries: Any, *args: Any) -> None:
        entries = list(entries)
        writes.append(len(entries))
        real(data_dir, entries, *args)

    monkeypatch.setattr(layout, "write_index", counting)
    return writes


def test_bulk_writes_the_index_once(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = new_case(repo, status="open")
    compact(repo)
    writes = count_index_writes(monkeypatch)
    with repo.bulk():
        created = [new_case(repo)["id"] for _ in range(5)]
        with repo.bulk():  # nested: nothing is written when the inner block exits
            created.append(new_case(repo)["id"])
            old["status"] = "closed"
            repo.save_case(old, actor="u1", action="close", detail={})
        assert writes == []
        assert repo.list_cases(status="closed")[0]["id"] == old["id"]  # memory is current
        assert list(index_on_disk(repo.data_dir)) == [old["id"]]
        assert journal_ids(repo.data_dir) == [old["id"]]  # only the case index.json holds
    assert writes == [7]
    assert list(index_on_disk(repo.data_dir)) == [old["id"], *created]
    assert index_on_disk(repo.data_dir)[old["id"]]["status"] == "closed"
    assert journal_ids(repo.data_dir) == []
    with pytest.raises(RuntimeError, match="import failed"), repo.bulk():
        new_case(repo)
        raise RuntimeError("import failed")
    assert writes == [7, 8]  # the saves made before the error are indexed
    with repo.bulk():  # a block without index changes writes nothing
        old["answers"]["q1"] = "yes"
        repo.save_case(old, actor="u1", action="answer", detail={})
    assert writes == [7, 8]


def test_a_crash_inside_bulk_is_repaired_at_open(repo: TinyDBRepository, tmp_path: Path) -> None:
    """The folder as a kill inside the block would leave it: copied before the block exits."""
    indexed = [new_case(repo, status="open") for _ in range(2)]
    compact(repo)
    crashed = tmp_path / "crashed"
    with repo.bulk():
        created = [new_case(repo, owner="u9") for _ in range(3)]
        created[0]["status"] = "review"  # changed again: not in index.json, no journal line
        repo.save_case(created[0], actor="u1", action="review", detail={})
        indexed[0]["status"] = "closed"
        repo.save_case(indexed[0], actor="u1", action="close", detail={})
        shutil.copytree(repo.data_dir, crashed)
    assert journal_ids(crashed) == [indexed[0]["id"]]
    assert set(index_on_disk(crashed)) == {case["id"] for case in indexed}
    with open_repository(crashed) as copy:
        statuses = {entry["id"]: entry["status"] for entry in copy.list_cases()}
    assert statuses == {
        indexed[0]["id"]: "closed",
        indexed[1]["id"]: "open",
        created[0]["id"]: "review",
        created[1]["id"]: "open",
        created[2]["id"]: "open",
    }
    assert {e["id"]: e["status"] for e in index_on_disk(crashed).values()} == statuses
    assert not (crashed / layout.JOURNAL_FILE).exists()


def test_index_json_is_rewritten_when_the_journal_reaches_its_limit(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [new_case(repo, status="open") for _ in range(2)]
    monkeypatch.setattr(layout, "JOURNAL_LIMIT", 4)
    writes = count_index_writes(monkeypatch)
    cases.append(new_case(repo))  # 3 unwritten new cases: below the limit
    assert writes == []
    cases.append(new_case(repo))  # 4: index.json rewritten, nothing left behind
    assert writes == [4] and journal_ids(repo.data_dir) == []
    for n, case in enumerate(cases[:3]):
        case["label"] = f"L{n}"
        repo.save_case(case, actor="u1", action="rename", detail={})
    assert writes == [4] and len(journal_ids(repo.data_dir)) == 3
    cases[0]["label"] = "L0 again"  # lines, not cases, are counted
    repo.save_case(cases[0], actor="u1", action="rename", detail={})
    assert writes == [4, 4] and journal_ids(repo.data_dir) == []
    assert (repo.data_dir / layout.JOURNAL_FILE).read_bytes() == b""  # emptied, kept open
    assert index_on_disk(repo.data_dir)[cases[0]["id"]]["label"] == "L0 again"
    with repo.bulk():  # inside a block, the limit waits for the end
        for n in range(6):
            cases[n % 4]["status"] = f"s{n}"
            repo.save_case(cases[n % 4], actor="u1", action="status", detail={})
        assert writes == [4, 4] and len(journal_ids(repo.data_dir)) == 6
    assert writes == [4, 4, 4] and journal_ids(repo.data_dir) == []
    cases[1]["label"] = "after"
    repo.save_case(cases[1], actor="u1", action="rename", detail={})
    assert journal_ids(repo.data_dir) == [cases[1]["id"]]  # appends go on after a clear
    repo = reopen(repo)
    try:
        expected = {c["id"]: layout.index_entry(repo.get_case(c["id"]), c["id"]) for c in cases}  # type: ignore[arg-type]
        assert index_on_disk(repo.data_dir) == expected
    finally:
        repo.close()


def test_close_writes_a_lagging_index(repo: TinyDBRepository) -> None:
    with repo.bulk():
        case = new_case(repo)
        repo.close()
    assert list(index_on_disk(repo.data_dir)) == [case["id"]]
    assert not (repo.data_dir / layout.JOURNAL_FILE).exists()
    with pytest.raises(StorageError, match="closed"), repo.bulk():
        pass


# users, sessions, settings, audit -------------------------------------------------------------


def test_users_replace_delete_and_audit(repo: TinyDBRepository) -> None:
    repo.put_user({"id": "7", "role": "staff", "name": "Ana"}, actor="admin")
    repo.put_user({"id": "7", "role": "admin"}, actor="admin")
    assert repo.get_user("7") == {"id": "7", "role": "admin"}  # "name" gone: a put replaces
    user = repo.get_user("7")
    user["role"] = "tampered"  # type: ignore[index]
    assert repo.get_user("7")["role"] == "admin"  # type: ignore[index]
    repo.put_user({"id": "8", "role": "staff"}, actor="admin")
    assert [u["id"] for u in repo.list_users()] == ["7", "8"]
    repo.put_session("7", {"case": "c1"})
    repo.delete_user("7", actor="admin")
    repo.delete_user("7", actor="admin")  # absent: nothing happens, nothing logged
    assert repo.get_user("7") is None
    assert repo.get_session("7") is None
    log = repo.audit_log()
    assert [(e["action"], e["target"]) for e in log] == [
        ("put_user", "7"),
        ("put_user", "7"),
        ("put_user", "8"),
        ("delete_user", "7"),
    ]
    assert log[1]["detail"]["before"]["role"] == "staff"
    assert log[1]["detail"]["after"]["role"] == "admin"
    assert all(e["actor"] == "admin" and e["at"] for e in log)
    with pytest.raises(ValueError, match="id"):
        repo.put_user({"id": 7, "role": "staff"}, actor="admin")


def test_sessions(repo: TinyDBRepository) -> None:
    assert repo.get_session("1") is None
    repo.put_session("1", {"case": "c1", "question": "q2"})
    repo.put_session("1", {"case": "c2"})
    repo.put_session("2", {"case": "c3"})
    session = repo.get_session("1")
    assert session == {"case": "c2"}
    session["case"] = "tampered"
    assert repo.get_session("1") == {"case": "c2"}
    repo.put_session("1", None)
    repo.put_session("1", None)
    assert repo.get_session("1") is None
    assert repo.get_session("2") == {"case": "c3"}
    assert repo.audit_log() == []


def test_an_unchanged_session_is_not_written(repo: TinyDBRepository) -> None:
    sessions = repo.data_dir / layout.SESSIONS_FILE
    repo.put_session("9", None)  # nothing to clear: nothing written
    assert not sessions.exists()
    repo.put_session("1", {"case": "c1", "at": {"q": 2, "n": [1.0, True]}})
    before = stamp(sessions)
    repo.put_session("1", {"at": {"n": [1.0, True], "q": 2}, "case": "c1"})  # same, reordered
    assert stamp(sessions) == before
    repo.put_session("1", {"case": "c1", "at": {"q": 2, "n": [1, 1]}})  # 1 == 1.0 == True
    assert stamp(sessions) != before
    assert repo.get_session("1") == {"case": "c1", "at": {"q": 2, "n": [1, 1]}}
    assert type(repo.get_session("1")["at"]["n"][0]) is int  # type: ignore[index]


def test_users_sessions_and_settings_are_read_from_disk_once(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every message reads its user and session: from memory, once the repository is open."""
    for n in range(50):
        repo.put_user({"id": str(n), "role": "officer"}, actor="setup")
        repo.put_session(str(n), {"case": f"c{n}"})
    repo.set_setting("tz", "UTC", actor="setup")
    reopened = reopen(repo)
    reads: list[str] = []
    real_read = storage.atomic.read_json

    def counting(path: Path) -> Any:
        reads.append(path.name)
        return real_read(path)

    monkeypatch.setattr(storage.atomic, "read_json", counting)
    for _ in range(3):
        assert reopened.get_user("7") == {"id": "7", "role": "officer"}
        assert reopened.get_session("7") == {"case": "c7"}
        assert reopened.get_setting("tz") == "UTC"
    reopened.put_session("7", {"case": "c70"})
    assert reopened.get_session("7") == {"case": "c70"}
    assert reads == []
    reopened.close()


def test_nothing_given_or_returned_shares_the_cached_data(repo: TinyDBRepository) -> None:
    user = {"id": "1", "role": "officer", "mandates": ["WGAD"]}
    session = {"case": "c1", "pending": {"answers": ["a"]}}
    rules = {"days": [60, 90]}
    repo.put_user(user, actor="setup")
    repo.put_session("1", session)
    repo.set_setting("rules", rules, actor="setup")
    user["mandates"].append("given")
    session["pending"]["answers"].append("given")
    rules["days"].append(1)
    for value in (repo.get_user("1"), repo.get_session("1"), repo.get_setting("rules")):
        assert value is not None
        next(v for v in value.values() if isinstance(v, list | dict)).clear()  # type: ignore[union-attr]
    repo.list_users()[0]["mandates"].append("listed")
    repo.audit_log()[0]["detail"]["after"]["mandates"].append("logged")
    assert repo.get_user("1") == {"id": "1", "role": "officer", "mandates": ["WGAD"]}
    assert repo.get_session("1") == {"case": "c1", "pending": {"answers": ["a"]}}
    assert repo.get_setting("rules") == {"days": [60, 90]}
    assert repo.audit_log()[0]["detail"]["after"]["mandates"] == ["WGAD"]
    # And the disk agrees with what the cache served.
    fresh = reopen(repo)
    assert fresh.get_user("1") == {"id": "1", "role": "officer", "mandates": ["WGAD"]}
    assert fresh.get_session("1") == {"case": "c1", "pending": {"answers": ["a"]}}
    fresh.close()


def test_a_failed_session_write_leaves_what_the_disk_holds(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.put_session("1", {"case": "c1"})
    repo.put_session("2", {"case": "c2"})
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(StorageError, match="disk is full"):
        repo.put_session("1", {"case": "changed"})
    with pytest.raises(StorageError, match="disk is full"):
        repo.put_session("3", {"case": "new"})
    with pytest.raises(StorageError, match="disk is full"):
        repo.put_session("2", None)
    monkeypatch.undo()
    assert repo.get_session("1") == {"case": "c1"}
    assert repo.get_session("2") == {"case": "c2"}
    assert repo.get_session("3") is None
    repo.put_session("3", {"case": "c3"})  # and the repository works on
    fresh = reopen(repo)
    assert fresh.get_session("3") == {"case": "c3"}
    fresh.close()


def test_meta_json_holds_neither_sessions_nor_audit(repo: TinyDBRepository) -> None:
    repo.put_user({"id": "1", "role": "admin"}, actor="setup")
    repo.put_session("1", {"case": "c1"})
    repo.set_setting("tz", "UTC", actor="1")
    before = stamp(repo.data_dir / layout.META_FILE)
    repo.audit(actor="1", action="export", target="json", detail={})
    repo.put_session("1", {"case": "c2"})
    assert stamp(repo.data_dir / layout.META_FILE) == before
    meta = json.loads((repo.data_dir / layout.META_FILE).read_text())
    assert set(meta) == {"schema", "users", "settings"}
    audit = json.loads((repo.data_dir / layout.AUDIT_FILE).read_text())
    assert [e["action"] for e in audit["audit"].values()] == ["put_user", "set_setting", "export"]
    sessions = json.loads((repo.data_dir / layout.SESSIONS_FILE).read_text())
    assert list(sessions["sessions"].values()) == [{"user_id": "1", "session": {"case": "c2"}}]


def test_settings_and_free_audit(repo: TinyDBRepository) -> None:
    assert repo.get_setting("tz", "Europe/Geneva") == "Europe/Geneva"
    repo.set_setting("tz", "Europe/Paris", actor="admin")
    repo.set_setting("tz", "UTC", actor="admin")
    repo.set_setting("limits", {"days": [60, 90]}, actor="admin")
    assert repo.get_setting("tz") == "UTC"
    assert repo.get_setting("limits") == {"days": [60, 90]}
    repo.audit(actor="admin", action="export", target="report", detail={"rows": 3})
    repo = reopen(repo)
    try:
        assert repo.get_setting("tz") == "UTC"
        log = repo.audit_log()
        assert [e["action"] for e in log] == ["set_setting"] * 3 + ["export"]
        assert log[1]["detail"] == {"before": "Europe/Paris", "after": "UTC"}
        assert log[3]["target"] == "report" and log[3]["detail"] == {"rows": 3}
    finally:
        repo.close()


# files, permissions, lifetime -------------------------------------------------------------------


def test_everything_is_owner_only(repo: TinyDBRepository, data_dir: Path) -> None:
    files = Path(repo.files_dir())
    assert files == data_dir / "files"
    case = new_case(repo)
    compact(repo)
    case["status"] = "closed"
    repo.save_case(case, actor="u1", action="close", detail={})  # creates index.journal
    repo.put_user({"id": "1", "role": "admin"}, actor="setup")
    assert mode(data_dir) == 0o700
    assert mode(data_dir.parent) == 0o700  # missing parents are created private too
    for folder, dirs, names in os.walk(data_dir):
        for name in dirs:
            assert mode(Path(folder, name)) == 0o700, name
        for name in names:
            assert mode(Path(folder, name)) == 0o600, name
    assert {p.name for p in data_dir.iterdir()} >= {".lock", "cases", "files", "index.json"}
    assert (data_dir / layout.JOURNAL_FILE).exists()


def test_closed_repository_refuses_calls(repo: TinyDBRepository) -> None:
    repo.close()
    repo.close()
    with pytest.raises(StorageError, match="closed"):
        repo.list_cases()


def test_a_second_open_in_the_same_process_is_refused(repo: TinyDBRepository) -> None:
    with pytest.raises(DataDirLocked, match=re.escape(str(repo.data_dir))):
        open_repository(repo.data_dir)


def test_locked_holds_off_other_threads(repo: TinyDBRepository) -> None:
    started, done = threading.Event(), threading.Event()

    def other() -> None:
        started.set()
        repo.list_cases()
        done.set()

    with repo.locked(), repo.locked():  # re-entrant
        thread = threading.Thread(target=other)
        thread.start()
        started.wait(5)
        assert not done.wait(0.05)
    thread.join(5)
    assert done.is_set()


# failures --------------------------------------------------------------------------------------


def disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def temp_files(data_dir: Path) -> list[str]:
    return [name for _, _, names in os.walk(data_dir) for name in names if name.endswith(".tmp")]


def test_disk_full_on_save_keeps_the_previous_case(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = new_case(repo)
    compact(repo)
    index_before = stamp(repo.data_dir / layout.INDEX_FILE)
    monkeypatch.setattr(os, "replace", disk_full)
    case["answers"]["q1"] = "lost"
    with pytest.raises(StorageError, match="disk is full"):  # the case write fails
        repo.save_case(case, actor="u1", action="answer", detail={})
    case["status"] = "closed"
    with pytest.raises(StorageError, match="disk is full"):  # journal line, then the case
        repo.save_case(case, actor="u1", action="answer", detail={})
    monkeypatch.undo()
    assert repo.get_case(case["id"])["answers"] == {}  # type: ignore[index]
    assert repo.list_cases(id=case["id"])[0]["status"] == "open"
    assert stamp(repo.data_dir / layout.INDEX_FILE) == index_before
    assert temp_files(repo.data_dir) == []
    assert journal_ids(repo.data_dir) == [case["id"]]  # ahead of the file: re-read at open
    repo.save_case(case, actor="u1", action="answer", detail={})  # space is back
    assert repo.list_cases(status="closed")[0]["id"] == case["id"]


def test_disk_full_on_a_grant_keeps_users_and_audit(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.put_user({"id": "1", "role": "staff"}, actor="admin")
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(StorageError, match="disk is full"):
        repo.put_user({"id": "1", "role": "admin"}, actor="admin")
    monkeypatch.undo()
    assert repo.get_user("1") == {"id": "1", "role": "staff"}
    assert len(repo.audit_log()) == 1
    assert temp_files(repo.data_dir) == []


def test_the_audit_entry_is_written_before_the_change(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the change cannot be written, its audit entry stays: an entry for a change that may
    not have happened, never a change without an entry."""
    repo.put_user({"id": "1", "role": "staff"}, actor="admin")
    repo.put_session("1", {"case": "c1"})
    real = storage.atomic.atomic_write_bytes

    def meta_disk_full(path: Path, data: bytes) -> None:
        if path.name in (layout.META_FILE, layout.SESSIONS_FILE):
            raise StorageError(f"could not save {path}: the disk is full")
        real(path, data)

    monkeypatch.setattr(storage.atomic, "atomic_write_bytes", meta_disk_full)
    with pytest.raises(StorageError, match="disk is full"):
        repo.put_user({"id": "1", "role": "admin"}, actor="admin")
    with pytest.raises(StorageError, match="disk is full"):
        repo.set_setting("tz", "UTC", actor="admin")
    with pytest.raises(StorageError, match="disk is full"):
        repo.delete_user("1", actor="admin")
    monkeypatch.undo()
    assert repo.get_user("1") == {"id": "1", "role": "staff"}
    assert repo.get_setting("tz") is None
    assert repo.get_session("1") == {"case": "c1"}
    actions = [e["action"] for e in repo.audit_log()]
    assert actions == ["put_user", "put_user", "set_setting", "delete_user"]


def test_failed_index_write_is_retried_and_repaired(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    case = new_case(repo)
    compact(repo)
    real_write_index = layout.write_index

    def failing(*args: object) -> None:
        raise StorageError("index.json: the disk is full")

    monkeypatch.setattr(layout, "JOURNAL_LIMIT", 1)
    monkeypatch.setattr(layout, "write_index", failing)
    case["status"] = "closed"
    repo.save_case(case, actor="u1", action="close", detail={})  # the case itself is durable
    assert "repaired at the next open" in caplog.text
    assert repo.list_cases(status="closed")[0]["id"] == case["id"]
    assert journal_ids(repo.data_dir) == [case["id"]]
    monkeypatch.setattr(layout, "write_index", real_write_index)
    repo.save_case(case, actor="u1", action="answer", detail={})  # retried on the next save
    assert journal_ids(repo.data_dir) == []
    assert index_on_disk(repo.data_dir)[case["id"]]["status"] == "closed"
    case["status"] = "open"
    monkeypatch.setattr(layout, "write_index", failing)
    repo.save_case(case, actor="u1", action="reopen", detail={})
    repo.close()  # fails to compact: the journal stays for the next open
    assert journal_ids(repo.data_dir) == [case["id"]]
    monkeypatch.setattr(layout, "write_index", real_write_index)
    with open_repository(repo.data_dir) as again:
        assert again.list_cases()[0]["status"] == "open"
    assert index_on_disk(repo.data_dir)[case["id"]]["status"] == "open"
    assert not (repo.data_dir / layout.JOURNAL_FILE).exists()


def partial_then_disk_full() -> Any:
    """An os.write that writes half of what it is first given, then fails: the disk filling
    up in the middle of a journal line, leaving a torn line on disk."""
    real_write = os.write
    torn: list[bool] = []

    def write(fd: int, data: Any) -> int:
        if not torn:
            torn.append(True)
            return real_write(fd, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write


def test_a_failed_journal_append_leaves_whole_lines_only(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = new_case(repo), new_case(repo)
    compact(repo)
    a["label"] = "first"
    repo.save_case(a, actor="u1", action="rename", detail={})
    journal = repo.data_dir / layout.JOURNAL_FILE
    before = journal.read_bytes()
    monkeypatch.setattr(os, "write", partial_then_disk_full())
    b["label"] = "lost"
    with pytest.raises(StorageError, match=r"index\.journal: the disk is full"):
        repo.save_case(b, actor="u1", action="rename", detail={})
    monkeypatch.undo()
    assert journal.read_bytes() == before  # the half line was cut off again
    assert repo.get_case(b["id"])["label"] == "Test"  # type: ignore[index]
    assert repo.list_cases(id=b["id"])[0]["label"] == "Test"
    b["label"] = "kept"
    repo.save_case(b, actor="u1", action="rename", detail={})
    assert journal_ids(repo.data_dir) == [a["id"], b["id"]]
    assert journal.read_bytes().startswith(before)


def test_a_fragment_that_cannot_be_cut_off_forces_a_compaction(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = new_case(repo), new_case(repo)
    compact(repo)
    a["label"] = "first"
    repo.save_case(a, actor="u1", action="rename", detail={})
    monkeypatch.setattr(os, "write", partial_then_disk_full())
    monkeypatch.setattr(os, "ftruncate", disk_full)
    b["label"] = "lost"
    with pytest.raises(StorageError, match="disk is full"):
        repo.save_case(b, actor="u1", action="rename", detail={})
    monkeypatch.undo()
    journal = repo.data_dir / layout.JOURNAL_FILE
    assert not journal.read_bytes().endswith(b"\n")  # the fragment is still there
    writes = count_index_writes(monkeypatch)
    b["label"] = "kept"
    repo.save_case(b, actor="u1", action="rename", detail={})  # index.json first, then a line
    assert writes == [2]
    assert index_on_disk(repo.data_dir)[a["id"]]["label"] == "first"
    assert journal.read_bytes() == storage.atomic.dumps(repo.list_cases(id=b["id"])[0]) + b"\n"


# recovery and migration ---------------------------------------------------------------------------


def crashed_copy(repo: TinyDBRepository, target: Path) -> Path:
    """The folder as a SIGKILL now would leave it (index.json behind, journal not replayed)."""
    shutil.copytree(repo.data_dir, target, ignore=shutil.ignore_patterns(".lock"))
    return target


def test_the_journal_is_replayed_after_a_crash(repo: TinyDBRepository, tmp_path: Path) -> None:
    a, b, c = (new_case(repo, reference=f"REF {n}") for n in range(3))
    compact(repo)
    a["reference"] = "REF 0 bis"
    repo.save_case(a, actor="u1", action="edit", detail={})
    for status in ("review", "closed"):
        b["status"] = status
        repo.save_case(b, actor="u1", action="status", detail={})
    d = new_case(repo, reference="REF 3")  # no journal line: index.json lacks it
    crashed = crashed_copy(repo, tmp_path / "crashed")
    assert journal_ids(crashed) == [a["id"], b["id"], b["id"]]
    assert index_on_disk(crashed)[a["id"]]["reference"] == "REF 0"
    # Killed between the journal append and the case write: the line is ahead of the file.
    journal = layout.IndexJournal(crashed)
    journal.append({**layout.index_entry(c, c["id"]), "status": "closed"})
    journal.close()
    with open_repository(crashed) as copy:
        statuses = {e["id"]: e["status"] for e in copy.list_cases()}
        assert statuses == {a["id"]: "open", b["id"]: "closed", c["id"]: "open", d["id"]: "open"}
        assert copy.case_by_reference("ref 0 BIS")["id"] == a["id"]  # type: ignore[index]
        assert copy.case_by_reference("REF 0") is None
        assert copy.case_by_reference("REF 3")["id"] == d["id"]  # type: ignore[index]
        assert not (crashed / layout.JOURNAL_FILE).exists()  # index.json first, then removed
        expected = {cid: layout.index_entry(copy.get_case(cid), cid) for cid in statuses}  # type: ignore[arg-type]
        assert index_on_disk(crashed) == expected
        assert list(index_on_disk(crashed)) == [a["id"], b["id"], c["id"], d["id"]]


def test_a_torn_last_line_is_ignored_and_its_case_re_read(
    repo: TinyDBRepository, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = new_case(repo), new_case(repo)
    compact(repo)
    a["label"] = "whole line"
    repo.save_case(a, actor="u1", action="rename", detail={})
    crashed = crashed_copy(repo, tmp_path / "crashed")
    # b's file differs from index.json (restored by hand, say) and the kill cut b's line.
    layout.write_case_file(layout.case_path(crashed, b["id"]), {**b, "label": "on disk"})
    line = storage.atomic.dumps({**layout.index_entry(b, b["id"]), "label": "torn"})
    with open(crashed / layout.JOURNAL_FILE, "ab") as handle:
        handle.write(line[: len(line) // 2])
    entries, named = layout.read_journal(crashed)
    assert [e["id"] for e in entries] == [a["id"]]
    assert named == {a["id"], b["id"]}  # the id is still readable in the fragment
    journal = layout.IndexJournal(crashed)  # an append after a torn line starts a new one
    journal.append(layout.index_entry(repo.get_case(a["id"]), a["id"]))  # type: ignore[arg-type]
    journal.close()
    assert [e["id"] for e in layout.read_journal(crashed)[0]] == [a["id"], a["id"]]
    with open_repository(crashed) as copy:
        assert {e["id"]: e["label"] for e in copy.list_cases()} == {
            a["id"]: "whole line",
            b["id"]: "on disk",
        }
    assert "damaged line" in caplog.text
    assert index_on_disk(crashed)[b["id"]]["label"] == "on disk"
    assert not (crashed / layout.JOURNAL_FILE).exists()
    (crashed / layout.JOURNAL_FILE).write_bytes(b'\n{"i\n[1]\n{"id": 5}\n\xff\xfe')  # junk
    with open_repository(crashed) as copy:
        assert len(copy.list_cases()) == 2


def test_an_old_pending_marker_is_still_repaired(repo: TinyDBRepository) -> None:
    """A folder last written by the code before the journal, killed between the case write
    and the index write: the cases its index.pending names are re-read at open."""
    a, b = new_case(repo, status="open"), new_case(repo, status="open")
    data_dir = repo.data_dir
    repo.close()
    layout.write_case_file(layout.case_path(data_dir, a["id"]), {**a, "status": "closed"})
    (data_dir / layout.PENDING_FILE).write_text(json.dumps([a["id"], b["id"], "cmissing000"]))
    repo = open_repository(data_dir)
    try:
        assert {e["id"]: e["status"] for e in repo.list_cases()} == {
            a["id"]: "closed",
            b["id"]: "open",
        }
        assert not (data_dir / layout.PENDING_FILE).exists()
        assert index_on_disk(data_dir)[a["id"]]["status"] == "closed"
    finally:
        repo.close()
    layout.write_case_file(layout.case_path(data_dir, b["id"]), {**b, "status": "closed"})
    (data_dir / layout.PENDING_FILE).write_text('"all"')  # past its limit, it said "all"
    with open_repository(data_dir) as repo:
        assert len(repo.list_cases(status="closed")) == 2
    assert not (data_dir / layout.PENDING_FILE).exists()


def test_open_indexes_unknown_files_drops_missing_ones_and_sweeps_temp_files(
    repo: TinyDBRepository, tmp_path: Path
) -> None:
    kept, removed = new_case(repo), new_case(repo)
    data_dir = repo.data_dir
    repo.close()
    with open_repository(tmp_path / "other") as other:
        copied = new_case(other, reference="REF-9")
    shutil.copy(tmp_path / "other" / "cases" / f"{copied['id']}.json", data_dir / "cases")
    os.unlink(layout.case_path(data_dir, removed["id"]))
    (data_dir / "cases" / f".{kept['id']}.json.0a1b2c.tmp").write_text("{half")
    repo = open_repository(data_dir)
    try:
        assert [e["id"] for e in repo.list_cases()] == [kept["id"], copied["id"]]
        assert repo.case_by_reference("ref-9")["id"] == copied["id"]  # type: ignore[index]
        assert temp_files(data_dir) == []
    finally:
        repo.close()


def test_migration_from_bare_case_files(tmp_path: Path) -> None:
    data_dir = tmp_path / "restored"
    (data_dir / "cases").mkdir(parents=True)
    for n in range(3):
        case = {"id": f"c{n:010x}", "kind": "visit", "status": "open", "answers": {"q": n}}
        path = data_dir / "cases" / f"{case['id']}.json"
        path.write_text(json.dumps({"case": {"1": case}}))
    (data_dir / "cases" / "README.txt").write_text("not a case")
    with pytest.raises(StorageError, match="must be upgraded to schema version 3"):
        open_repository(data_dir)  # without the domain's case upgrades: refused, untouched
    with open_repository(data_dir, ()) as repo:
        assert len(repo.list_cases(kind="visit")) == 3
        assert repo.get_case("c0000000002")["answers"] == {"q": 2}  # type: ignore[index]
    meta = json.loads((data_dir / layout.META_FILE).read_text())
    assert list(meta["schema"].values()) == [{"version": 3}]
    assert len(index_on_disk(data_dir)) == 3


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "future"
    data_dir.mkdir()
    (data_dir / layout.META_FILE).write_text('{"schema": {"1": {"version": 99}}}')
    for _ in range(2):  # the failed open released the folder lock
        with pytest.raises(StorageError, match=r"schema version 99.*only knows up to version 3"):
            open_repository(data_dir)
    assert json.loads((data_dir / layout.META_FILE).read_text())["schema"]["1"]["version"] == 99


def test_index_with_other_fields_is_rebuilt(repo: TinyDBRepository) -> None:
    """If INDEX_FIELDS changes in the code, old index entries are not trusted."""
    case = new_case(repo, label="kept")
    data_dir = repo.data_dir
    repo.close()
    stale = {"cases": {"1": {"id": case["id"], "status": "open"}}}
    (data_dir / layout.INDEX_FILE).write_text(json.dumps(stale))
    with open_repository(data_dir) as repo:
        assert repo.list_cases(label="kept")[0]["id"] == case["id"]
    assert index_on_disk(data_dir) == {case["id"]: layout.index_entry(case, case["id"])}


def test_warns_about_a_data_folder_others_can_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "shared"
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)
    with open_repository(data_dir):
        pass
    assert "chmod 700" in caplog.text
