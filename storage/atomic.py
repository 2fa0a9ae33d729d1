"""Crash-safe JSON files for TinyDB: temp file, fsync, rename, fsync the folder.

Why not TinyDB's own `JSONStorage`: it rewrites its file in place (seek, write, truncate), so
a crash or a full disk in the middle leaves a file that is half new, half old, or empty, and
no longer parses (tinydb issues #301 and #383). Here every write goes to a new file in the
same folder, is fsynced, and then `os.replace`s the target. A rename within one file system is
atomic, so a reader (or a restart after a kill) sees the old bytes or the new bytes, never a
mix; fsyncing the folder afterwards makes the rename itself survive a power cut.

Not TinyDB's `CachingMiddleware` either: it holds writes back (up to 1,000 of them) and loses
them in a crash. Every `write()` here is durable before it returns. What may be kept is the
opposite, a read cache (`cache=True`): the data last read or durably written, returned by
`read()` without touching the disk. It is only correct while no one else writes the file,
which the repository guarantees (one process owns the folder, see storage.lock); it saves
the bot a file read and a JSON parse of users and sessions on every message. A failed write
drops the cache, so the next read sees what the disk holds.

`batch()` lets several TinyDB table operations (a role change and its audit entry, say)
become one write, for the length of one logical change.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from storage.repository import DamagedFile, ReadFailed, StorageError

_TMP_SUFFIX = ".tmp"

_REASONS: dict[int, str] = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EIO: "input/output error",
}


def reason(exc: OSError) -> str:
    """A short phrase for why a file operation failed (for messages to the operator)."""
    return _REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


def make_private_dirs(folder: Path) -> None:
    """Create `folder` and any missing parents, each 0o700 (`os.makedirs` sets only the leaf)."""
    if folder.is_dir():
        return
    if folder.parent != folder:
        make_private_dirs(folder.parent)
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise StorageError(f"could not create folder {folder}: {reason(exc)}") from exc


def fsync_dir(folder: Path) -> None:
    """Make renames and unlinks in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fdatasync(fd: int) -> None:
    """Flush a file's data (and its new size) to disk: fdatasync, or fsync where there is
    none (macOS). Looked up at each call, so that tests can stand in for either."""
    if hasattr(os, "fdatasync"):
        os.fdatasync(fd)
    else:  # pragma: no cover - macOS
        os.fsync(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of `data` to `fd`: one `os.write` may take only part of it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _unlink_quietly(path: Path) -> None:
    with suppress(OSError):
        os.unlink(path)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` durably, or raise `StorageError` leaving `path` as it was.

    The temp file is `.<name>.<random>.tmp` beside the target (a rename across file systems
    would not be atomic), created owner-only with O_EXCL. On any failure it is removed.
    """
    folder = path.parent
    make_private_dirs(folder)
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}{_TMP_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise StorageError(f"could not save {path}: {reason(exc)}") from exc
    try:
        with open(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        _unlink_quietly(tmp)
        if isinstance(exc, OSError):
            raise StorageError(
                f"could not save {path}: {reason(exc)}; the previous version is intact"
            ) from exc
        raise
    try:
        fsync_dir(folder)
    except OSError as exc:
        raise StorageError(f"wrote {path} but could not make it durable: {reason(exc)}") from exc


def read_json(path: str | os.PathLike[str]) -> Any | None:
    """The parsed content of `path`, or None if it is missing or empty."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ReadFailed(f"could not read {path}: {reason(exc)}") from exc
    if not raw.strip():
        return None
    try:
        return _loads(raw)
    except ValueError as exc:
        raise DamagedFile(f"{path} is not valid JSON ({exc})") from exc


def _loads(raw: bytes) -> Any:
    """Parsed by orjson, which reads case files in about 60 % of the standard parser's
    time (a report reads every case: bench/README.md). What orjson refuses but the standard
    parser reads (NaN, integers past 64 bits, a lone surrogate) goes to the standard
    parser, so no file that read before is now taken for damaged."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON; non-ASCII kept as is (names of States, people, places)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def remove_temp_files(folder: Path) -> int:
    """Delete temp files a killed writer left in `folder`; only safe while holding the lock."""
    removed = 0
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return 0
    for name in names:
        if name.startswith(".") and name.endswith(_TMP_SUFFIX):
            _unlink_quietly(folder / name)
            removed += 1
    return removed


class AtomicJSONStorage(Storage):
    """TinyDB storage writing through `atomic_write_bytes`; use as `TinyDB(path, storage=...)`,
    or `TinyDB(path, storage=AtomicJSONStorage, cache=True)` for a process that owns the file.

    With the cache, `read()` returns the cached object itself, as TinyDB's middlewares do:
    TinyDB copies each document it hands out, but only its top level, so callers must copy
    nested values before changing them. Call `forget()` after anything may have changed the
    object without a successful write (the repository does on every error).
    """

    def __init__(self, path: str | os.PathLike[str], *, cache: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self._cache_enabled = cache
        self._cached: dict[str, dict[str, Any]] | None = None
        self._have_cache = False
        self._in_batch = False
        self._loaded = False
        self._dirty = False
        self._buffer: dict[str, dict[str, Any]] | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._in_batch and self._loaded:
            return self._buffer
        if self._have_cache:
            data = self._cached
        else:
            data = read_json(self.path)
            if data is not None and not isinstance(data, dict):
                raise DamagedFile(f"{self.path} is not a TinyDB database (not a JSON object)")
            if self._cache_enabled:
                self._cached, self._have_cache = data, True
        if self._in_batch:
            self._buffer, self._loaded = data, True
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self._in_batch:
            self._buffer, self._loaded, self._dirty = data, True, True
            return
        self._write_through(data)

    def forget(self) -> None:
        """Drop the cached data: the next read comes from the file."""
        self._cached, self._have_cache = None, False

    def _write_through(self, data: dict[str, dict[str, Any]] | None) -> None:
        self.forget()  # first: if the write fails, the file (old or new) is the truth
        atomic_write_bytes(self.path, dumps(data))
        if self._cache_enabled:
            self._cached, self._have_cache = data, True

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Turn the TinyDB operations inside into one atomic write at the end.

        The file is read at most once and written at most once. If the block raises, nothing
        is written (and the cache, which TinyDB may have changed in place, is dropped). Not
        re-entrant: a nested batch would make a partial failure ambiguous.
        """
        if self._in_batch:
            raise RuntimeError("AtomicJSONStorage.batch() is not re-entrant")
        self._in_batch = True
        try:
            yield
            if self._dirty:
                self._write_through(self._buffer)
        except BaseException:
            self.forget()
            raise
        finally:
            self._in_batch = self._loaded = self._dirty = False
            self._buffer = None
