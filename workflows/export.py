"""Data out and back in: a full JSON export, and backup/restore of a data folder.

- `export_json`: every case, user and audit entry as one JSON document, for archiving or
  moving data to another tool. Confidential answers (names of victims) are left out unless
  asked for; every export is audit-logged, saying which variant it was.
- `backup`: a .tar.gz snapshot of the data folder, taken while holding the repository's
  lock, so no save can land half-way through and the snapshot is one consistent instant.
  Saves wait for the snapshot (about a second for 10,000 cases). A manifest lists every
  file with its SHA-256.
- `restore`: unpack a backup into a data folder. The archive is checked in full (paths,
  checksums) in a staging folder before anything is touched; the target folder is locked
  like a running bot would lock it (so restoring under a running bot is refused), and a
  folder that already holds data is only replaced with `force=True`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Protocol

from storage.atomic import fsync_dir, make_private_dirs
from storage.lock import LOCK_FILE, DataDirLock
from storage.repository import Repository
from workflows.checklist import Registry
from workflows.report.confidential import redacted
from workflows.upgrade import open_data

EXPORT_FORMAT = "followup-bot export"
BACKUP_FORMAT = "followup-bot backup"
MANIFEST = "backup-manifest.json"
_TEMP_SUFFIX = ".tmp"  # what storage.atomic names its unfinished writes


class RestoreError(RuntimeError):
    """The archive is not a usable backup, or the target folder may not be replaced."""


class LockableFolder(Protocol):
    """What a backup needs of the repository: its folder and its in-process lock."""

    data_dir: Path

    def locked(self) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class BackupInfo:
    files: int
    cases: int
    size: int


# ---- JSON export -----------------------------------------------------------------------


def export_json(
    repo: Repository,
    stream: BinaryIO,
    *,
    registry: Registry,
    actor: str,
    now: datetime,
    confidential: bool = False,
) -> int:
    """Write the export to a binary stream; returns the number of cases. Audit-logged first,
    so even an interrupted confidential export is on record."""
    cases = [case if confidential else redacted(case, registry) for case in repo.iter_cases()]
    detail = {"cases": len(cases), "confidential": confidential}
    repo.audit(actor=actor, action="export", target="json", detail=detail)
    document = {
        "format": EXPORT_FORMAT,
        "version": 1,
        "exported_at": now.isoformat(timespec="seconds"),
        "confidential": confidential,
        "cases": cases,
        "users": repo.list_users(),
        "audit": repo.audit_log(),
    }
    text = io.TextIOWrapper(stream, encoding="utf-8", write_through=True)
    try:
        json.dump(document, text, ensure_ascii=False, indent=1)
        text.write("\n")
        text.flush()
    finally:
        text.detach()
    return len(cases)


# ---- backup ------------------------------------------------------------------------------


def backup(repo: LockableFolder, target: Path, *, now: datetime) -> BackupInfo:
    """Snapshot the data folder into `target` (.tar.gz). The archive is written beside the
    target and renamed into place, so a file at `target` is always a complete backup."""
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}{_TEMP_SUFFIX}")
    try:
        with partial.open("xb") as handle:
            os.chmod(partial, 0o600)
            info = _write_backup(repo, handle, now)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return info


def _write_backup(repo: LockableFolder, stream: BinaryIO, now: datetime) -> BackupInfo:
    root = repo.data_dir
    with repo.locked(), tarfile.open(fileobj=stream, mode="w:gz") as archive:
        contents = {name: path.read_bytes() for name, path in _data_files(root)}
        manifest = {
            "format": BACKUP_FORMAT,
            "version": 1,
            "created_at": now.isoformat(timespec="seconds"),
            "files": {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()},
        }
        _add(archive, MANIFEST, json.dumps(manifest, indent=1).encode(), now)
        for name, data in contents.items():
            _add(archive, name, data, now)
    cases = sum(1 for name in contents if name.startswith("cases/"))
    return BackupInfo(files=len(contents), cases=cases, size=sum(map(len, contents.values())))


def _data_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every file of the folder but the lock and unfinished temp files, sorted."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            if name == LOCK_FILE or (name.startswith(".") and name.endswith(_TEMP_SUFFIX)):
                continue
            path = Path(folder) / name
            yield path.relative_to(root).as_posix(), path


def _add(archive: tarfile.TarFile, name: str, data: bytes, now: datetime) -> None:
    member = tarfile.TarInfo(name)
    member.size, member.mode, member.mtime = len(data), 0o600, int(now.timestamp())
    archive.addfile(member, io.BytesIO(data))


# ---- restore ----------------------------------------------------------------------------


def restore(archive: Path, data_dir: Path, *, actor: str, force: bool = False) -> int:
    """Restore a backup into `data_dir`; returns the number of cases restored. The restore
    is recorded in the restored folder's own audit log."""
    staging = data_dir.parent / f".{data_dir.name}.restore-{secrets.token_hex(4)}"
    make_private_dirs(data_dir.parent)
    try:
        _unpack(archive, staging)
        make_private_dirs(data_dir)
        lock = DataDirLock(data_dir)
        lock.acquire()
        try:
            _replace_contents(data_dir, staging, force)
        finally:
            lock.release()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    repo = open_data(data_dir)  # re-indexes the restored case files, upgrades old ones
    try:
        cases = len(repo.list_cases())
        detail = {"cases": cases, "replaced": force}
        repo.audit(actor=actor, action="restore", target=archive.name, detail=detail)
        return cases
    finally:
        repo.close()


def _unpack(archive: Path, staging: Path) -> None:
    """Extract into `staging`, checking every name and checksum against the manifest."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            manifest = _manifest(tar)
            expected: dict[str, str] = manifest["files"]
            seen = set()
            for member in tar.getmembers():
                if member.name == MANIFEST:
                    continue
                name = _safe_name(member)
                if name not in expected:
                    raise RestoreError(f"{name} is in the archive but not in its manifest")
                handle = tar.extractfile(member)
                assert handle is not None  # _safe_name accepts regular files only
                data = handle.read()
                if hashlib.sha256(data).hexdigest() != expected[name]:
                    raise RestoreError(f"{name} does not match its checksum: damaged archive")
                path = staging / name
                make_private_dirs(path.parent)
                path.write_bytes(data)
                os.chmod(path, 0o600)
                seen.add(name)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise RestoreError(f"{archive.name} is not a readable backup: {exc}") from exc
    missing = set(expected) - seen
    if missing:
        raise RestoreError(f"the archive lacks {len(missing)} file(s), e.g. {min(missing)}")


def _manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise RestoreError("no backup manifest: this is not a backup made by the bot") from None
    handle = tar.extractfile(member)
    try:
        manifest = json.loads(handle.read()) if handle else None
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise RestoreError("the manifest is not a followup-bot backup manifest")
    if manifest.get("version") != 1:
        raise RestoreError(f"backup version {manifest.get('version')} is not supported")
    return manifest


def _safe_name(member: tarfile.TarInfo) -> str:
    path = PurePosixPath(member.name)
    if not member.isfile() or path.is_absolute() or ".." in path.parts or not path.parts:
        raise RestoreError(f"refusing archive member {member.name!r}")
    return path.as_posix()


def _replace_contents(data_dir: Path, staging: Path, force: bool) -> None:
    present = [p for p in data_dir.iterdir() if p.name != LOCK_FILE]
    if present and not force:
        raise RestoreError(
            f"{data_dir} already holds data; restore into an empty folder, "
            "or pass --force to replace it"
        )
    for path in present:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    for path in sorted(staging.iterdir()):
        os.replace(path, data_dir / path.name)
    fsync_dir(data_dir)
