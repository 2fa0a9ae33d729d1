"""Restore: a backup unpacked beside the data folder, opened, then swapped in by renames.

The target folder is locked like a running bot would lock it (so restoring under a running
bot is refused); a folder that already holds data is only replaced with `force=True`, and
one that is not a data folder never. Opening the restored folder is the program's business
(schema upgrades live in `workflows.records.upgrade`), so the caller passes `open_folder`;
storage never imports the domain.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from storage import swap
from storage.atomic import make_private_dirs
from storage.backup import BACKUP_FORMAT, CHUNK, MANIFEST
from storage.layout import META_FILE, case_ids_on_disk, case_path, read_case_file
from storage.lock import LOCK_FILE, DataDirLock
from storage.repository import Repository, StorageError

_MANIFEST_MAX = 64 << 20


class RestoreError(RuntimeError):
    """The archive is not a usable backup, or the target folder may not be replaced."""


#: Opens a data folder as the program does (schema check, index, upgrades); the caller closes.
OpenFolder = Callable[[Path], Repository]


def restore(
    archive: Path,
    data_dir: Path,
    *,
    actor: str,
    open_folder: OpenFolder,
    force: bool = False,
) -> int:
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
            cases = _open_staged(staging, archive, actor, force, open_folder)
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
            f"{data_dir} is not empty and is not a bot data folder (no {META_FILE}); "
            "restore into an empty folder"
        )
    if not force:
        raise RestoreError(
            f"{data_dir} already holds data; restore into an empty folder, "
            "or pass --force to replace it"
        )


def _open_staged(
    staging: Path, archive: Path, actor: str, force: bool, open_folder: OpenFolder
) -> int:
    """Open the restored folder as the bot will: every case file must parse, the schema must
    be one this program knows; then record the restore in its own audit log."""
    for case_id in case_ids_on_disk(staging):
        try:
            read_case_file(case_path(staging, case_id))
        except StorageError as exc:
            raise RestoreError(f"the backup cannot be opened: {exc}") from exc
    try:
        repo = open_folder(staging)  # re-indexes the restored case files, upgrades old ones
    except StorageError as exc:
        raise RestoreError(f"the backup cannot be opened: {exc}") from exc
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
                        f"{name} would take {member.size:,} bytes, more than the {budget:,} "
                        "left on the data folder's disk: not restoring"
                    )
                budget -= member.size
                seen[name] = _extract(tar, member, staging / name)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise RestoreError(f"{archive.name} is not a readable backup: {exc}") from exc
    _check_manifest(manifest, seen)


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> str:
    """Copy one member to `path` in chunks; returns its SHA-256."""
    handle = tar.extractfile(member)
    assert handle is not None  # _safe_name accepts regular files only
    make_private_dirs(path.parent)
    digest = hashlib.sha256()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _check_manifest(manifest: dict[str, Any] | None, seen: dict[str, str]) -> None:
    if manifest is None:
        raise RestoreError("no backup manifest: this is not a backup made by the bot")
    expected: dict[str, str] = manifest["files"]
    for name, digest in seen.items():
        if name not in expected:
            raise RestoreError(f"{name} is in the archive but not in its manifest")
        if digest != expected[name]:
            raise RestoreError(f"{name} does not match its checksum: damaged archive")
    missing = set(expected) - set(seen)
    if missing:
        raise RestoreError(f"the archive lacks {len(missing)} file(s), e.g. {min(missing)}")


def _manifest(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict[str, Any]:
    if member.size > _MANIFEST_MAX:
        raise RestoreError("the backup manifest is implausibly large")
    handle = tar.extractfile(member)
    try:
        manifest = json.loads(handle.read()) if handle else None
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise RestoreError("the manifest is not a followup-bot backup manifest")
    if manifest.get("version") != 1:
        raise RestoreError(f"backup version {manifest.get('version')} is not supported")
    if not isinstance(manifest.get("files"), dict):
        raise RestoreError("the manifest does not list the files")
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
        raise RestoreError(f"refusing archive member {member.name!r}")
    return path.as_posix()
