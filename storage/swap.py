"""Replacing a whole data folder by another, so that a crash leaves one or the other.

A restore builds the new folder beside the live one (`staging_dir`), opens it, and only then
swaps it in (`swap_in`). On Linux the swap is one `renameat2(RENAME_EXCHANGE)`: the two
names trade places atomically, so at every instant the data folder's name points at a whole
folder, old or new. Where the kernel or the file system cannot exchange, the swap is two
renames (live folder aside, new folder in) with a marker file in the new folder written
first; `recover` finishes or undoes such a swap at the next run if it was cut between them.

Whatever is left beside the data folder afterwards (a staging folder a kill interrupted, the
old data after a swap whose clean-up was cut short) is garbage: `clean_leftovers` removes it
at the next run. Both must be called while holding the data folder's lock (storage.lock), so
that no other process is building a staging folder at the same moment.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import secrets
import shutil
from pathlib import Path

from storage.atomic import fsync_dir

log = logging.getLogger(__name__)

_STAGING = ".restore-"
_REPLACED = ".replaced-"
#: Written in a staging folder once it is complete, before a two-rename swap starts.
COMPLETE_MARKER = ".restore-complete"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def staging_dir(data_dir: Path) -> Path:
    """A fresh name beside `data_dir` (same file system, so renames stay atomic)."""
    return data_dir.parent / f".{data_dir.name}{_STAGING}{secrets.token_hex(4)}"


def _leftovers(data_dir: Path) -> list[Path]:
    prefixes = (f".{data_dir.name}{_STAGING}", f".{data_dir.name}{_REPLACED}")
    try:
        names = os.listdir(data_dir.parent)
    except FileNotFoundError:
        return []
    return sorted(data_dir.parent / n for n in names if n.startswith(prefixes))


def recover(data_dir: Path) -> None:
    """Finish a two-rename swap a crash cut in the middle (the data folder's name is free):
    a complete staging folder goes in; failing that, the folder set aside comes back."""
    if data_dir.exists():
        return
    found = _leftovers(data_dir)
    complete = [p for p in found if _STAGING in p.name and (p / COMPLETE_MARKER).exists()]
    replaced = [p for p in found if _REPLACED in p.name]
    for candidate in complete or replaced:
        os.rename(candidate, data_dir)
        fsync_dir(data_dir.parent)
        (data_dir / COMPLETE_MARKER).unlink(missing_ok=True)
        log.warning("finished an interrupted restore: %s is now %s", candidate.name, data_dir)
        return


def clean_leftovers(data_dir: Path) -> int:
    """Remove staging and replaced folders an interrupted restore left; how many."""
    (data_dir / COMPLETE_MARKER).unlink(missing_ok=True)
    found = _leftovers(data_dir)
    for path in found:
        shutil.rmtree(path, ignore_errors=True)
        log.warning("removed %s, left by an interrupted restore", path)
    return len(found)


def swap_in(data_dir: Path, staging: Path) -> Path:
    """Put `staging` at `data_dir`; returns where the old contents now are (to be removed).
    `data_dir` must exist (the caller holds its lock)."""
    try:
        _exchange(staging, data_dir)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
            raise
        return _two_renames(data_dir, staging)
    fsync_dir(data_dir.parent)
    return staging


def _two_renames(data_dir: Path, staging: Path) -> Path:
    marker = staging / COMPLETE_MARKER
    marker.touch(mode=0o600)
    fsync_dir(staging)
    replaced = data_dir.parent / f".{data_dir.name}{_REPLACED}{secrets.token_hex(4)}"
    os.rename(data_dir, replaced)
    os.rename(staging, data_dir)
    fsync_dir(data_dir.parent)
    (data_dir / COMPLETE_MARKER).unlink()
    return replaced


def _exchange(a: Path, b: Path) -> None:
    """renameat2(a, b, RENAME_EXCHANGE) through libc; OSError(ENOSYS) where there is none."""
    libc_name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(libc_name, use_errno=True) if libc_name else None
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    result = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a))
