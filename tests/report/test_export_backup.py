"""Full JSON export, and backup/restore of a data folder as a consistent snapshot."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixture import VICTIMS, cases, copy_of, fill

from storage.repository import DataDirLocked
from storage.tinydb_repo import TinyDBRepository, open_repository
from workflows.checklist import Registry
from workflows.export import MANIFEST, RestoreError, backup, export_json, restore

NOW = datetime(2018, 2, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fill(tmp_path_factory.mktemp("template") / "data")


@pytest.fixture
def data_dir(template_dir: Path, tmp_path: Path) -> Path:
    return copy_of(template_dir, tmp_path / "data")


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
