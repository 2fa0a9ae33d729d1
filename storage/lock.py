"""One process per data folder: an exclusive, non-blocking `flock` on `<data_dir>/.lock`.

Why: the repository keeps its case index in memory and trusts it between writes. Two bot
processes on one folder (a second `python -m bot` left running, a deploy overlapping the old
worker) would each overwrite the other's index and sessions. Failing fast at start-up with a
message naming the folder and the holder's pid is better than a silent split brain.

`flock` locks belong to the open file, so the kernel releases them when the process dies,
even by SIGKILL: there is no stale lock to clean up by hand. The file is never deleted (a
deleted-and-recreated lock file would let two processes each lock a different inode). Locks
are only reliable on a local file system, which is where the data folder belongs.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from storage.repository import DataDirLocked, StorageError

LOCK_FILE = ".lock"


def _holder_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


class DataDirLock:
    """The lock on one data folder, held from `acquire()` until `release()`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock and record our pid in it, or raise `DataDirLocked` at once."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StorageError(f"could not open lock file {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder_pid(fd)
            os.close(fd)
            holder = f"process {pid}" if pid else "another process"
            raise DataDirLocked(
                f"data folder {self.data_dir} is already in use by {holder}; "
                "stop it first or choose another data folder"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise StorageError(f"could not lock {self.path}: {exc.strerror}") from exc
        self._fd = fd
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError as exc:
            self.release()
            raise StorageError(f"could not write {self.path}: {exc.strerror}") from exc

    def release(self) -> None:
        """Clear our pid and drop the lock; does nothing if not held."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
