"""Backups: a .tar.gz snapshot of a data folder, one consistent instant.

Taken while holding the repository's lock, so no save can land half-way through; saves wait
for the snapshot (about a second for 10,000 cases). A manifest, first in the archive, lists
every file with its SHA-256, so `storage.restore` can tell a complete, undamaged backup.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import io
import json
import os
import secrets
import tarfile
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from storage.layout import EXPORTS_DIR
from storage.lock import LOCK_FILE
from storage.repository import StorageError

BACKUP_FORMAT = "followup-bot backup"
MANIFEST = "backup-manifest.json"
TEMP_SUFFIX = ".tmp"  # what storage.atomic names its unfinished writes
CHUNK = 1 << 20


class LockableFolder(Protocol):
    """What a backup needs of the repository: its folder and its in-process lock."""

    data_dir: Path

    def locked(self) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class BackupInfo:
    files: int
    cases: int
    size: int


def backup(repo: LockableFolder, target: Path, *, now: datetime) -> BackupInfo:
    """Snapshot the data folder into `target` (.tar.gz). The archive is written beside the
    target and renamed into place, so a file at `target` is always a complete backup. The
    partial file is flock-held while it is written, so the next backup can tell one a kill
    left behind (removed) from one another backup is writing."""
    _remove_dead_partials(target)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    try:
        with partial.open("xb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.chmod(partial, 0o600)
            info = _write_backup(repo, handle, now)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return info


def _remove_dead_partials(target: Path) -> None:
    """Partial archives of this target that no backup holds any more (a kill left them)."""
    prefix = f".{target.name}."
    for path in target.parent.glob(f"{glob.escape(prefix)}*{TEMP_SUFFIX}"):
        try:
            with path.open("rb") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                path.unlink()
        except OSError:  # held by a backup in progress, or already gone
            continue


def _write_backup(repo: LockableFolder, stream: BinaryIO, now: datetime) -> BackupInfo:
    """Files are streamed from disk, never all held in memory: one pass hashes them for the
    manifest (which goes first), a second copies them into the archive. The lock keeps the
    folder still between the two; attachments are never rewritten."""
    root = repo.data_dir
    with repo.locked(), tarfile.open(fileobj=stream, mode="w:gz") as archive:
        files = list(_data_files(root))
        digests = {name: _sha256_of(path) for name, path in files}
        manifest = {
            "format": BACKUP_FORMAT,
            "version": 1,
            "created_at": now.isoformat(timespec="seconds"),
            "files": digests,
        }
        data = json.dumps(manifest, indent=1).encode()
        _add(archive, MANIFEST, len(data), io.BytesIO(data), now)
        size = 0
        for name, path in files:
            with path.open("rb") as handle:
                length = os.fstat(handle.fileno()).st_size
                reader = _HashingReader(handle)
                _add(archive, name, length, reader, now)
            if reader.hexdigest() != digests[name]:
                raise StorageError(f"{path} changed while it was backed up")
            size += length
    cases = sum(1 for name in digests if name.startswith("cases/"))
    return BackupInfo(files=len(digests), cases=cases, size=size)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """A file as tarfile reads it, hashing what passes through."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._digest.update(data)
        return data

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def _data_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every file of the folder but the lock, unfinished temp files and exports/ (reports,
    exports and earlier backups written there: a backup never holds the last one), sorted."""
    for folder, dirs, names in os.walk(root):
        if Path(folder) == root and EXPORTS_DIR in dirs:
            dirs.remove(EXPORTS_DIR)
        dirs.sort()
        for name in sorted(names):
            if name == LOCK_FILE or (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
                continue
            path = Path(folder) / name
            yield path.relative_to(root).as_posix(), path


def _add(archive: tarfile.TarFile, name: str, size: int, data: Any, now: datetime) -> None:
    member = tarfile.TarInfo(name)
    member.size, member.mode, member.mtime = size, 0o600, int(now.timestamp())
    archive.addfile(member, data)
