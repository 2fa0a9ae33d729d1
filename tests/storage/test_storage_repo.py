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


def test_iter_cases_and_reopen(repo: TinyDBRepository) -> None:
    ids = [new_case(repo)["id"] for _ in range(5)]
    repo = reopen(repo)
    try:
        assert [case["id"] for case in repo.iter_cases()] == ids
        assert [entry["id"] for entry in repo.list_cases()] == ids
    finally:
        repo.close()


def test_index_rewritten_only_when_index_fields_change(repo: TinyDBRepository) -> None:
    index = repo.data_dir / layout.INDEX_FILE
    case = new_case(repo)
    before = stamp(index)
    case["answers"]["q1"] = "an answer"
    repo.save_case(case, actor="u1", action="answer", detail={})
    case["runs"] = [{"anything": "else"}]
    repo.save_case(case, actor="u1", action="answer", detail={})
    assert stamp(index) == before
    case["status"] = "closed"
    repo.save_case(case, actor="u1", action="close", detail={})
    assert stamp(index) != before
    assert repo.list_cases(id=case["id"])[0]["status"] == "closed"
    assert not (repo.data_dir / layout.PENDING_FILE).exists()


def test_a_new_case_needs_no_marker(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_marker(*args: object) -> None:
        raise AssertionError("the marker was written")

    monkeypatch.setattr(layout, "write_pending", no_marker)
    case = new_case(repo, status="open")
    case["status"] = "closed"
    with pytest.raises(AssertionError, match="marker"):  # now it is in index.json
        repo.save_case(case, actor="u1", action="close", detail={})
    assert index_on_disk(repo.data_dir)[case["id"]]["status"] == "open"


def test_index_encoder_matches_a_plain_dump(repo: TinyDBRepository) -> None:
    cases = [new_case(repo, reference=f"Ré {n}") for n in range(3)]
    encoder = layout.IndexEncoder()
    entries = [layout.index_entry(case, case["id"]) for case in cases]
    plain = storage.atomic.dumps({"cases": {str(n): e for n, e in enumerate(entries, 1)}})
    assert encoder.encode(entries) == plain
    entries[1] = {**entries[1], "status": "closed"}  # replaced: re-encoded
    assert json.loads(encoder.encode(entries[1:]))["cases"]["1"]["status"] == "closed"
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
        assert json.loads((repo.data_dir / layout.PENDING_FILE).read_text()) == [old["id"]]
    assert writes == [7]
    assert list(index_on_disk(repo.data_dir)) == [old["id"], *created]
    assert index_on_disk(repo.data_dir)[old["id"]]["status"] == "closed"
    assert not (repo.data_dir / layout.PENDING_FILE).exists()
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
    crashed = tmp_path / "crashed"
    with repo.bulk():
        created = [new_case(repo, owner="u9") for _ in range(3)]
        created[0]["status"] = "review"  # changed again: still not in index.json, no marker
        repo.save_case(created[0], actor="u1", action="review", detail={})
        indexed[0]["status"] = "closed"
        repo.save_case(indexed[0], actor="u1", action="close", detail={})
        shutil.copytree(repo.data_dir, crashed)
    assert json.loads((crashed / layout.PENDING_FILE).read_text()) == [indexed[0]["id"]]
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
    assert not (crashed / layout.PENDING_FILE).exists()


def test_the_marker_says_all_past_its_limit(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cases = [new_case(repo, status="open") for _ in range(5)]
    monkeypatch.setattr(layout, "PENDING_LIMIT", 2)
    markers: list[bytes] = []
    real = layout.write_pending

    def recording(data_dir: Path, case_ids: Any) -> None:
        real(data_dir, case_ids)
        markers.append((data_dir / layout.PENDING_FILE).read_bytes())

    monkeypatch.setattr(layout, "write_pending", recording)
    with repo.bulk():
        for case in cases:
            case["status"] = "closed"
            repo.save_case(case, actor="u1", action="close", detail={})
        shutil.copytree(repo.data_dir, tmp_path / "crashed")
    assert len(markers) == 3 and markers[-1] == b'"all"'  # then no more rewrites
    assert layout.read_pending(tmp_path / "crashed") == sorted(c["id"] for c in cases)
    with open_repository(tmp_path / "crashed") as copy:
        assert len(copy.list_cases(status="closed")) == 5


def test_close_writes_a_lagging_index(repo: TinyDBRepository) -> None:
    with repo.bulk():
        case = new_case(repo)
        repo.close()
    assert list(index_on_disk(repo.data_dir)) == [case["id"]]
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
    new_case(repo)
    repo.put_user({"id": "1", "role": "admin"}, actor="setup")
    assert mode(data_dir) == 0o700
    assert mode(data_dir.parent) == 0o700  # missing parents are created private too
    for folder, dirs, names in os.walk(data_dir):
        for name in dirs:
            assert mode(Path(folder, name)) == 0o700, name
        for name in names:
            assert mode(Path(folder, name)) == 0o600, name
    assert {p.name for p in data_dir.iterdir()} >= {".lock", "cases", "files", "index.json"}


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
    index_before = stamp(repo.data_dir / layout.INDEX_FILE)
    monkeypatch.setattr(os, "replace", disk_full)
    case["answers"]["q1"] = "lost"
    with pytest.raises(StorageError, match="disk is full"):  # the case write fails
        repo.save_case(case, actor="u1", action="answer", detail={})
    case["status"] = "closed"
    with pytest.raises(StorageError, match="disk is full"):  # the marker write fails
        repo.save_case(case, actor="u1", action="answer", detail={})
    monkeypatch.undo()
    assert repo.get_case(case["id"])["answers"] == {}  # type: ignore[index]
    assert repo.list_cases(id=case["id"])[0]["status"] == "open"
    assert stamp(repo.data_dir / layout.INDEX_FILE) == index_before
    assert temp_files(repo.data_dir) == []
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


def test_failed_index_write_is_repaired(
    repo: TinyDBRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = new_case(repo)
    real_write_index = layout.write_index

    def failing(*args: object) -> None:
        raise StorageError("index.json: the disk is full")

    monkeypatch.setattr(layout, "write_index", failing)
    case["status"] = "closed"
    repo.save_case(case, actor="u1", action="close", detail={})  # the case itself is durable
    assert repo.list_cases(status="closed")[0]["id"] == case["id"]
    assert json.loads((repo.data_dir / layout.PENDING_FILE).read_text()) == [case["id"]]
    monkeypatch.setattr(layout, "write_index", real_write_index)
    repo.save_case(case, actor="u1", action="answer", detail={})  # retried on the next save
    assert not (repo.data_dir / layout.PENDING_FILE).exists()
    assert index_on_disk(repo.data_dir)[case["id"]]["status"] == "closed"


# recovery and migration ---------------------------------------------------------------------------


def test_pending_marker_recovery(repo: TinyDBRepository) -> None:
    """A kill between the case write and the index write: the index is fixed at open."""
    a, b = new_case(repo, status="open"), new_case(repo, status="open")
    data_dir = repo.data_dir
    repo.close()
    layout.write_case_file(layout.case_path(data_dir, a["id"]), {**a, "status": "closed"})
    layout.write_pending(data_dir, [a["id"], b["id"], "cmissing000"])
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
    with open_repository(data_dir) as repo:
        assert len(repo.list_cases(kind="visit")) == 3
        assert repo.get_case("c0000000002")["answers"] == {"q": 2}  # type: ignore[index]
    meta = json.loads((data_dir / layout.META_FILE).read_text())
    assert list(meta["schema"].values()) == [{"version": 2}]
    assert len(index_on_disk(data_dir)) == 3


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "future"
    data_dir.mkdir()
    (data_dir / layout.META_FILE).write_text('{"schema": {"1": {"version": 99}}}')
    for _ in range(2):  # the failed open released the folder lock
        with pytest.raises(StorageError, match=r"schema version 99.*only knows up to version 2"):
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
