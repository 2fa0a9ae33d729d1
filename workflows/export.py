"""Data out and back in: a full JSON export, and backup/restore of a data folder.

- `export_json`: every case, user and audit entry as one JSON document, for archiving or
  moving data to another tool. Confidential answers (names of victims) are left out unless
  asked for; every export is audit-logged, saying which variant it was.
- `backup`: a .tar.gz snapshot of the data folder, taken while holding the repository's
  lock, so no save can land half-way through and the snapshot is one consistent instant.
  Saves wait for the snapshot (about a second for 10,000 cases). A manifest lists every
  file with its SHA-256.
- `restore`: unpack a backup beside the data folder, open it, then swap it in by renames
  (see `restore`). The target folder is locked like a running bot would lock it (so
  restoring under a running bot is refused); a folder that already holds data is only
  replaced with `force=True`, and one that is not a data folder never.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Protocol

from storage import swap
from storage.atomic import make_private_dirs
from storage.layout import META_FILE, case_ids_on_disk, case_path, read_case_file
from storage.lock import LOCK_FILE, DataDirLock
from storage.repository import Repository, StorageError
from workflows.checklist import Registry
from workflows.language import _
from workflows.report.confidential import redacted
from workflows.upgrade import open_data

EXPORT_FORMAT = "followup-bot export"
BACKUP_FORMAT = "followup-bot backup"
MANIFEST = "backup-manifest.json"
_TEMP_SUFFIX = ".tmp"  # what storage.atomic names its unfinished writes
_CHUNK = 1 << 20
_MANIFEST_MAX = 64 << 20


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
    target and renamed into place, so a file at `target` is always a complete backup. The
    partial file is flock-held while it is written, so the next backup can tell one a kill
    left behind (removed) from one another backup is writing."""
    _remove_dead_partials(target)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}{_TEMP_SUFFIX}")
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
    for path in target.parent.glob(f"{glob.escape(prefix)}*{_TEMP_SUFFIX}"):
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
        while chunk := handle.read(_CHUNK):
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


#: Where the command-line tools and the console write their outputs, inside the data folder.
EXPORTS_DIR = "exports"


def _data_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every file of the folder but the lock, unfinished temp files and exports/ (reports,
    exports and earlier backups written there: a backup never holds the last one), sorted."""
    for folder, dirs, names in os.walk(root):
        if Path(folder) == root and EXPORTS_DIR in dirs:
            dirs.remove(EXPORTS_DIR)
        dirs.sort()
        for name in sorted(names):
            if name == LOCK_FILE or (name.startswith(".") and name.endswith(_TEMP_SUFFIX)):
                continue
            path = Path(folder) / name
            yield path.relative_to(root).as_posix(), path


def _add(archive: tarfile.TarFile, name: str, size: int, data: Any, now: datetime) -> None:
    member = tarfile.TarInfo(name)
    member.size, member.mode, member.mtime = size, 0o600, int(now.timestamp())
    archive.addfile(member, data)


# ---- restore ----------------------------------------------------------------------------


def restore(archive: Path, data_dir: Path, *, actor: str, force: bool = False) -> int:
    """Restore a backup into `data_dir`; returns the number of cases restored.

    Nothing of the live folder is touched until the restored one is complete and opens:
    the archive is streamed into a staging folder beside it (names, sizes against the free
    space, checksums), every case file is parsed, the staged folder is opened as the bot
    would open it (schema version, index) and the restore recorded in its audit log; only
    then are the two swapped by renames (storage.swap). The target's lock is held from the
    start, so a running bot refuses to start meanwhile and vice versa. A folder that is not
    empty and is not a data folder is never replaced, even with `force`."""
    data_dir = data_dir.resolve()  # a symlinked folder: swap the real one, beside it
    make_private_dirs(data_dir.parent)
    swap.recover(data_dir)
    make_private_dirs(data_dir)
    lock = DataDirLock(data_dir)
    lock.acquire()
    try:
        swap.clean_leftovers(data_dir)
        _check_target(data_dir, force)
        staging = swap.staging_dir(data_dir)
        try:
            os.mkdir(staging, 0o700)
            _unpack(archive, staging)
            cases = _open_staged(staging, archive, actor, force)
            replaced = swap.swap_in(data_dir, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        lock.release()
    shutil.rmtree(replaced, ignore_errors=True)
    return cases


def _check_target(data_dir: Path, force: bool) -> None:
    present = [p.name for p in data_dir.iterdir() if p.name != LOCK_FILE]
    if not present:
        return
    if not (data_dir / META_FILE).is_file():
        raise RestoreError(
            _(
                "{folder} is not empty and is not a bot data folder (no {meta}); "
                "restore into an empty folder"
            ).format(folder=data_dir, meta=META_FILE)
        )
    if not force:
        raise RestoreError(
            _(
                "{folder} already holds data; restore into an empty folder, "
                "or pass --force to replace it"
            ).format(folder=data_dir)
        )


def _open_staged(staging: Path, archive: Path, actor: str, force: bool) -> int:
    """Open the restored folder as the bot will: every case file must parse, the schema must
    be one this program knows; then record the restore in its own audit log."""
    for case_id in case_ids_on_disk(staging):
        try:
            read_case_file(case_path(staging, case_id))
        except StorageError as exc:
            raise RestoreError(_("the backup cannot be opened: {error}").format(error=exc)) from exc
    try:
        repo = open_data(staging)  # re-indexes the restored case files, upgrades old ones
    except StorageError as exc:
        raise RestoreError(_("the backup cannot be opened: {error}").format(error=exc)) from exc
    try:
        cases = len(repo.list_cases())
        detail = {"cases": cases, "replaced": force}
        repo.audit(actor=actor, action="restore", target=archive.name, detail=detail)
        return cases
    finally:
        repo.close()


def _unpack(archive: Path, staging: Path) -> None:
    """Stream the archive into `staging`, checking names, sizes and checksums.

    Sizes come from the tar headers and are checked before a byte is extracted: a member
    (or all of them together) larger than the free space of the folder's disk is refused,
    so a small archive that expands to gigabytes never fills the disk or the memory."""
    budget = shutil.disk_usage(staging).free
    manifest: dict[str, Any] | None = None
    seen: dict[str, str] = {}
    try:
        with tarfile.open(archive, mode="r|gz") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    manifest = _manifest(tar, member)
                    continue
                name = _safe_name(member)
                if member.size > budget:
                    raise RestoreError(
                        _(
                            "{file} would take {size} bytes, more than the {free} "
                            "left on the data folder's disk: not restoring"
                        ).format(file=name, size=f"{member.size:,}", free=f"{budget:,}")
                    )
                budget -= member.size
                seen[name] = _extract(tar, member, staging / name)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise RestoreError(
            _("{file} is not a readable backup: {error}").format(file=archive.name, error=exc)
        ) from exc
    _check_manifest(manifest, seen)


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> str:
    """Copy one member to `path` in chunks; returns its SHA-256."""
    handle = tar.extractfile(member)
    assert handle is not None  # _safe_name accepts regular files only
    make_private_dirs(path.parent)
    digest = hashlib.sha256()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _check_manifest(manifest: dict[str, Any] | None, seen: dict[str, str]) -> None:
    if manifest is None:
        raise RestoreError(_("no backup manifest: this is not a backup made by the bot"))
    expected: dict[str, str] = manifest["files"]
    for name, digest in seen.items():
        if name not in expected:
            raise RestoreError(
                _("{file} is in the archive but not in its manifest").format(file=name)
            )
        if digest != expected[name]:
            raise RestoreError(
                _("{file} does not match its checksum: damaged archive").format(file=name)
            )
    missing = set(expected) - set(seen)
    if missing:
        raise RestoreError(
            _("the archive lacks {n} file(s), e.g. {file}").format(
                n=len(missing), file=min(missing)
            )
        )


def _manifest(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict[str, Any]:
    if member.size > _MANIFEST_MAX:
        raise RestoreError(_("the backup manifest is implausibly large"))
    handle = tar.extractfile(member)
    try:
        manifest = json.loads(handle.read()) if handle else None
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise RestoreError(_("the manifest is not a followup-bot backup manifest"))
    if manifest.get("version") != 1:
        raise RestoreError(
            _("backup version {version} is not supported").format(version=manifest.get("version"))
        )
    if not isinstance(manifest.get("files"), dict):
        raise RestoreError(_("the manifest does not list the files"))
    return manifest


def _safe_name(member: tarfile.TarInfo) -> str:
    path = PurePosixPath(member.name)
    if (
        not member.isfile()
        or member.issparse()
        or path.is_absolute()
        or ".." in path.parts
        or not path.parts
        or path.as_posix() == LOCK_FILE
    ):
        raise RestoreError(_("refusing archive member {name}").format(name=repr(member.name)))
    return path.as_posix()
