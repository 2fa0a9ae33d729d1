"""Schema 1 -> 2: sessions and the global audit log move out of meta.json, crash-safely.

The folders here hold one visit case that no upgrade changes: storage is opened with no
case upgrades (`upgrades=()`); schema 3's case upgrades are tested in test_upgrade.py."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from storage import layout, migrations
from storage.atomic import AtomicJSONStorage
from storage.tinydb_repo import open_repository

CASE_ID = "c00000000a1"


def entry(n: int, action: str, target: str) -> dict[str, Any]:
    return {
        "at": f"2026-11-2{n}T09:00:00+00:00",
        "actor": "admin",
        "action": action,
        "target": target,
        "detail": {"n": n},
    }


# meta.json as version 1 wrote it: everything in one file (doc ids with gaps, as removals leave)
V1_META: dict[str, Any] = {
    "schema": {"1": {"version": 1}},
    "users": {"1": {"id": "7", "role": "admin"}, "2": {"id": "8", "role": "staff"}},
    "settings": {"1": {"key": "tz", "value": "Europe/Geneva"}},
    "sessions": {
        "2": {"user_id": "7", "session": {"case": CASE_ID, "question": "q3"}},
        "5": {"user_id": "8", "session": {"case": None}},
    },
    "audit": {
        "1": entry(1, "put_user", "7"),
        "2": entry(2, "put_user", "8"),
        "4": entry(3, "set_setting", "tz"),
    },
}


def make_v1_folder(data_dir: Path) -> None:
    """A version 1 folder written by hand: meta.json, one case file and its index."""
    (data_dir / layout.CASES_DIR).mkdir(mode=0o700, parents=True)
    os.chmod(data_dir, 0o700)
    case = {"id": CASE_ID, "kind": "visit", "owner": "7", "status": "open", "history": []}
    (data_dir / layout.CASES_DIR / f"{CASE_ID}.json").write_text(
        json.dumps({layout.CASE_TABLE: {"1": case}})
    )
    index = {layout.INDEX_TABLE: {"1": layout.index_entry(case, CASE_ID)}}
    (data_dir / layout.INDEX_FILE).write_text(json.dumps(index))
    (data_dir / layout.META_FILE).write_text(json.dumps(V1_META))


def files(data_dir: Path) -> dict[str, Any]:
    names = (layout.META_FILE, layout.SESSIONS_FILE, layout.AUDIT_FILE)
    return {name: json.loads((data_dir / name).read_text()) for name in names}


def migrated(tmp_path: Path) -> dict[str, Any]:
    """The three files after an uninterrupted migration."""
    clean = tmp_path / "clean"
    make_v1_folder(clean)
    open_repository(clean, ()).close()
    return files(clean)


def test_a_v1_folder_is_migrated(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    make_v1_folder(data_dir)
    with open_repository(data_dir, ()) as repo:
        assert repo.get_user("7") == {"id": "7", "role": "admin"}
        assert [user["id"] for user in repo.list_users()] == ["7", "8"]
        assert repo.get_setting("tz") == "Europe/Geneva"
        assert repo.get_session("7") == {"case": CASE_ID, "question": "q3"}
        assert repo.get_session("8") == {"case": None}
        assert repo.audit_log() == list(V1_META["audit"].values())
        assert [e["id"] for e in repo.list_cases()] == [CASE_ID]
        repo.audit(actor="admin", action="export", target="json", detail={})
        repo.put_session("8", None)
        assert [e["action"] for e in repo.audit_log()][-2:] == ["set_setting", "export"]
    meta = json.loads((data_dir / layout.META_FILE).read_text())
    assert meta == {
        "schema": {"1": {"version": 3}},
        "users": V1_META["users"],
        "settings": V1_META["settings"],
    }
    sessions = json.loads((data_dir / layout.SESSIONS_FILE).read_text())
    assert list(sessions["sessions"].values()) == [V1_META["sessions"]["2"]]


@pytest.mark.parametrize("crash_at", [1, 2, 3, 4])
def test_a_crash_during_the_migration_is_finished_at_the_next_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_at: int
) -> None:
    """Writes: sessions.json, audit.json, meta.json without them, the version. A crash just
    before write `crash_at` leaves the earlier ones done; the next open must end where an
    uninterrupted migration does, with no entry twice."""

    class Crash(Exception):
        pass

    real_write = AtomicJSONStorage.write
    written: list[str] = []

    def crashing(self: AtomicJSONStorage, data: dict[str, Any]) -> None:
        if len(written) + 1 == crash_at:
            raise Crash(self.path.name)
        written.append(self.path.name)
        real_write(self, data)

    data_dir = tmp_path / "data"
    make_v1_folder(data_dir)
    monkeypatch.setattr(AtomicJSONStorage, "write", crashing)
    with pytest.raises(Crash):
        open_repository(data_dir, ())
    monkeypatch.undo()
    assert written == ["sessions.json", "audit.json", "meta.json"][: crash_at - 1]
    with open_repository(data_dir, ()) as repo:
        assert len(repo.audit_log()) == 3
    assert files(data_dir) == migrated(tmp_path)


def test_the_step_is_idempotent_and_merges_what_is_already_there(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    make_v1_folder(data_dir)
    extra = entry(9, "restore", "backup.tar.gz")  # only in audit.json (a partial restore)
    moved_already = V1_META["audit"]["2"]
    AtomicJSONStorage(data_dir / layout.AUDIT_FILE).write(
        {layout.AUDIT_TABLE: {"1": moved_already, "2": extra}}
    )
    migrations._v1_to_v2(data_dir)
    after_one = {
        name: (data_dir / name).read_bytes()
        for name in (layout.META_FILE, layout.SESSIONS_FILE, layout.AUDIT_FILE)
    }
    stamps = [os.stat(data_dir / name).st_ino for name in after_one]
    migrations._v1_to_v2(data_dir)  # nothing left to move: nothing written
    assert [os.stat(data_dir / name).st_ino for name in after_one] == stamps
    audit = json.loads(after_one[layout.AUDIT_FILE])[layout.AUDIT_TABLE]
    assert list(audit.values()) == [*V1_META["audit"].values(), extra]
    assert list(audit) == ["1", "2", "3", "4"]
