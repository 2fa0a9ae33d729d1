"""Full JSON export, and backup/restore of a data folder as a consistent snapshot."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import tarfile
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fixture import VICTIMS, cases

from storage import restore as restoring
from storage import swap
from storage.backup import MANIFEST, backup
from storage.repository import DataDirLocked
from storage.restore import RestoreError
from storage.tinydb_repo import TinyDBRepository, open_repository
from workflows.checklists.model import Registry
from workflows.records.export import export_json
from workflows.records.upgrade import open_data

NOW = datetime(2018, 2, 1, 9, 0, tzinfo=UTC)


def restore(archive: Path, data_dir: Path, **options: Any) -> int:
    """Restore as the program does: the folder opened (and upgraded) by open_data."""
    return restoring.restore(archive, data_dir, open_folder=open_data, **options)


@pytest.fixture
def repo(data_dir: Path) -> Iterator[TinyDBRepository]:
    repository = open_repository(data_dir)
    yield repository
    repository.close()


def test_export_leaves_out_confidential_answers_and_is_audited(repo: TinyDBRepository) -> None:
    stream = io.BytesIO()
    count = export_json(repo, stream, registry=Registry.from_folder(), actor="1", now=NOW)
    assert count == 53
    text = stream.getvalue().decode("utf-8")
    assert not any(name in text for name in VICTIMS)
    assert "Côte d'Ivoire" in text  # UTF-8, not \\u escapes
    document = json.loads(text)
    assert document["format"] == "followup-bot export" and document["confidential"] is False
    burundi = next(c for c in document["cases"] if c["reference"] == "UA BDI 2/2017")
    assert burundi["runs"][0]["withheld"] == ["victims"]
    assert {"id": "1", "role": "admin"} in document["users"]
    assert repo.audit_log()[-1] | {"at": ""} == {
        "at": "", "actor": "1", "action": "export", "target": "json",
        "detail": {"cases": 53, "confidential": False},
    }  # fmt: skip


def test_confidential_export_has_everything(repo: TinyDBRepository) -> None:
    stream = io.BytesIO()
    export_json(repo, stream, registry=Registry.from_folder(), actor="1", now=NOW,
                confidential=True)  # fmt: skip
    assert all(name in stream.getvalue().decode("utf-8") for name in VICTIMS)
    assert repo.audit_log()[-1]["detail"]["confidential"] is True


def test_backup_and_restore_round_trip(repo: TinyDBRepository, tmp_path: Path) -> None:
    archive = tmp_path / "backup.tar.gz"
    info = backup(repo, archive, now=NOW)
    assert info.cases == 53
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[0] == MANIFEST and ".lock" not in names and "meta.json" in names
    assert not list(tmp_path.glob(".backup.tar.gz*"))  # no partial file left behind

    target = tmp_path / "restored"
    assert restore(archive, target, actor="test") == 53
    restored = open_repository(target)
    try:
        for case in repo.iter_cases():
            assert restored.get_case(case["id"]) == case
        assert restored.list_users() == repo.list_users()
        assert restored.audit_log()[-1]["action"] == "restore"
        assert restored.case_by_reference("AL BDI 1/2017") is not None  # index rebuilt
    finally:
        restored.close()
    assert (target.stat().st_mode & 0o777) == 0o700


def test_restore_refuses_a_folder_holding_data_unless_forced(
    repo: TinyDBRepository, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    backup(repo, archive, now=NOW)
    other = tmp_path / "other"
    stray = open_repository(other)
    stray.save_case({**cases()[0], "id": "cstray00001"}, actor="t", action="create", detail={})
    stray.close()
    with pytest.raises(RestoreError, match="already holds data"):
        restore(archive, other, actor="test")
    assert (other / "cases" / "cstray00001.json").exists()  # untouched
    assert restore(archive, other, actor="test", force=True) == 53
    assert not (other / "cases" / "cstray00001.json").exists()


def test_restore_refuses_a_folder_in_use(repo: TinyDBRepository, tmp_path: Path) -> None:
    archive = tmp_path / "backup.tar.gz"
    backup(repo, archive, now=NOW)
    with pytest.raises(DataDirLocked):
        restore(archive, repo.data_dir, actor="test", force=True)


def test_a_damaged_or_foreign_archive_is_refused_before_anything_changes(
    repo: TinyDBRepository, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    backup(repo, archive, now=NOW)
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    members["meta.json"] = b'{"tampered": true}'
    _write_tar(tmp_path / "damaged.tar.gz", members)
    with pytest.raises(RestoreError, match=r"meta\.json does not match its checksum"):
        restore(tmp_path / "damaged.tar.gz", tmp_path / "fresh", actor="test")
    assert not (tmp_path / "fresh" / "meta.json").exists()

    evil = {MANIFEST: members[MANIFEST], "../escape.json": b"{}"}
    _write_tar(tmp_path / "evil.tar.gz", evil)
    with pytest.raises(RestoreError, match="refusing archive member"):
        restore(tmp_path / "evil.tar.gz", tmp_path / "fresh", actor="test")
    assert not (tmp_path / "escape.json").exists()

    _write_tar(tmp_path / "foreign.tar.gz", {"notes.txt": b"hello"})
    with pytest.raises(RestoreError, match="no backup manifest"):
        restore(tmp_path / "foreign.tar.gz", tmp_path / "fresh", actor="test")


def test_manifest_checksums_match_the_files(repo: TinyDBRepository, tmp_path: Path) -> None:
    archive = tmp_path / "backup.tar.gz"
    backup(repo, archive, now=NOW)
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        for name, digest in manifest["files"].items():
            data = tar.extractfile(name).read()  # type: ignore[union-attr]
            assert hashlib.sha256(data).hexdigest() == digest


def _write_tar(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


# ---- restore never destroys (issue 11, item 1) ------------------------------------------


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def _with_files(members: dict[str, bytes], changes: dict[str, bytes]) -> dict[str, bytes]:
    """The archive's members with `changes`, and a manifest whose checksums match them."""
    members = {**members, **changes}
    manifest = json.loads(members[MANIFEST])
    for name, data in changes.items():
        manifest["files"][name] = hashlib.sha256(data).hexdigest()
    return {**members, MANIFEST: json.dumps(manifest).encode()}


def _live_folder(tmp_path: Path) -> Path:
    live = tmp_path / "live"
    repo = open_repository(live)
    repo.save_case({**cases()[0], "id": "clive000001"}, actor="t", action="create", detail={})
    repo.close()
    return live


def _case_count(data_dir: Path) -> int:
    repo = open_repository(data_dir)
    try:
        return len(repo.list_cases())
    finally:
        repo.close()


@pytest.mark.parametrize("damage", ["newer schema", "case not JSON"])
def test_a_forced_restore_that_cannot_open_leaves_the_live_data(
    repo: TinyDBRepository, tmp_path: Path, damage: str
) -> None:
    archive = tmp_path / "backup.tar.gz"
    backup(repo, archive, now=NOW)
    members = _members(archive)
    if damage == "newer schema":
        meta = json.loads(members["meta.json"])
        meta["schema"] = {"1": {"version": 99}}
        change = {"meta.json": json.dumps(meta).encode()}
    else:
        name = next(n for n in members if n.startswith("cases/"))
        change = {name: members[name][: len(members[name]) // 2]}
    _write_tar(tmp_path / "bad.tar.gz", _with_files(members, change))
    live = _live_folder(tmp_path)
    with pytest.raises(RestoreError, match="cannot be opened"):
        restore(tmp_path / "bad.tar.gz", live, actor="test", force=True)
    assert _case_count(live) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".live")) == []


def test_force_never_replaces_a_folder_that_is_not_a_data_folder(
    repo: TinyDBRepository, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    backup(repo, archive, now=NOW)
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.txt").write_text("years of work")
    with pytest.raises(RestoreError, match="not a bot data folder"):
        restore(archive, home, actor="test", force=True)
    assert (home / "thesis.txt").read_text() == "years of work"
    assert sorted(p.name for p in home.iterdir()) == [".lock", "thesis.txt"]


def test_a_member_larger_than_the_free_space_is_refused_before_extracting(
    repo: TinyDBRepository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A few KB of gzip that claims megabytes: the header's size is checked against the free
    space first (here made small), so nothing is written."""
    members = _with_files({MANIFEST: json.dumps(_empty_manifest()).encode()},
                          {"files/zeros": bytes(4 << 20)})  # fmt: skip
    _write_tar(tmp_path / "bomb.tar.gz", members)
    assert (tmp_path / "bomb.tar.gz").stat().st_size < 50_000
    real = shutil.disk_usage

    def small_disk(path: str | Path) -> Any:
        return real(path)._replace(free=1 << 20)

    monkeypatch.setattr(shutil, "disk_usage", small_disk)
    target = tmp_path / "target"
    with pytest.raises(RestoreError, match="more than the 1,048,576 left"):
        restore(tmp_path / "bomb.tar.gz", target, actor="test")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".target")] == []
    assert sorted(p.name for p in target.iterdir()) == [".lock"]


def test_backup_and_restore_stream_files_instead_of_holding_them(
    repo: TinyDBRepository, tmp_path: Path
) -> None:
    big = os.urandom(12 << 20)
    (Path(repo.files_dir()) / hashlib.sha256(big).hexdigest()).write_bytes(big)
    archive = tmp_path / "backup.tar.gz"
    tracemalloc.start()
    try:
        backup(repo, archive, now=NOW)
        _, backup_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        restore(archive, tmp_path / "restored", actor="test")
        _, restore_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert backup_peak < 6 << 20 and restore_peak < 6 << 20, (backup_peak, restore_peak)
    restored = tmp_path / "restored" / "files" / hashlib.sha256(big).hexdigest()
    assert restored.read_bytes() == big


def test_leftovers_of_an_interrupted_backup_or_restore_are_cleaned_at_the_next_run(
    repo: TinyDBRepository, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    (tmp_path / ".backup.tar.gz.dead.tmp").write_bytes(b"half an archive")
    backup(repo, archive, now=NOW)
    assert not (tmp_path / ".backup.tar.gz.dead.tmp").exists()

    live = _live_folder(tmp_path)
    for name in (".live.restore-dead0001", ".live.replaced-dead0002"):
        (tmp_path / name / "cases").mkdir(parents=True)
        (tmp_path / name / "cases" / "c1.json").write_text("{}")
    assert _case_count(live) == 1  # opening the folder cleans what a restore left
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".live")] == []


def test_a_swap_cut_between_two_renames_is_finished_at_the_next_run(
    repo: TinyDBRepository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the file system cannot exchange two names, the swap is two renames; a kill
    between them leaves no data folder at all, which the next run repairs."""
    archive = tmp_path / "backup.tar.gz"
    backup(repo, archive, now=NOW)

    def no_exchange(a: Path, b: Path) -> None:
        raise OSError(errno.EINVAL, "no exchange here")

    monkeypatch.setattr(swap, "_exchange", no_exchange)
    live = _live_folder(tmp_path)
    backed_up = len(repo.list_cases())
    assert backed_up > 1  # the live folder holds one: the swap must be seen to happen
    assert restore(archive, live, actor="test", force=True) == backed_up
    assert _case_count(live) == backed_up

    staged = swap.staging_dir(live)
    shutil.copytree(live, staged)
    (staged / swap.COMPLETE_MARKER).touch()
    os.rename(live, tmp_path / ".live.replaced-0000cut")  # the kill came here
    assert _case_count(live) == backed_up
    assert not (live / swap.COMPLETE_MARKER).exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".live")] == []


def _empty_manifest() -> dict[str, Any]:
    return {"format": "followup-bot backup", "version": 1, "created_at": "x", "files": {}}
