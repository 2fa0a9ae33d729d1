"""inbox.jsonl: every update Telegram handed to the bot, kept until it has been handled.

Why it exists: python-telegram-bot's polling confirms updates to Telegram as soon as it has
*fetched* them (`Updater` sets the next getUpdates offset to the last id of the batch + 1, and
the very next call, made while the batch is still being handled, tells Telegram to forget
them). A process killed at that moment loses the batch: Telegram never sends it again and the
users never get an answer. So the bot writes each batch here, durably, before anything can
confirm it, marks each update done once it has been handled, and at start-up handles again
what was received but never marked done (at least once; handling is idempotent per update id).

The file is JSON Lines, appended to and never rewritten in place:

- `{"update": {...}}` a received update, as Telegram sent it;
- `{"done": 123}` update 123 has been handled.

Costs, and why they are enough:

- `receive` writes a whole batch with one write and one fdatasync (group commit): a getUpdates
  batch of 100 updates costs one flush, not 100. It returns only once the batch is durable,
  so a batch is on disk before Telegram can be told to forget it.
- `done` appends its mark without any flush. The page cache survives a killed process (the
  kernel writes it out later), so a kill loses no mark; a power cut may lose the last marks,
  and then those updates are handled a second time at the next start, which is harmless
  because handling is idempotent. One flush per update would double the cost of an answer
  for no gain.
- The file is compacted when it grows past `COMPACT_BYTES` (and is at least twice the size
  of what is still pending), and when it is closed at a clean stop: it is replaced atomically
  (temp file, fsync, rename, fsync of the folder) by one holding only the pending updates,
  usually nothing. This works whether or not the bot is ever idle, and keeps what users
  wrote (confidential answers included) from lingering here, or in backups, once handled.
  Compaction forgets which updates were done; one delivered again after that is handled
  again, harmlessly.

A kill in the middle of an append leaves a torn last line: it is ignored when the file is
read, and cut off before the next append (what it held was never confirmed to Telegram, so
Telegram sends it again). Any other unreadable line is skipped with a warning.

An update counts as already received only if both its id and its content match: Telegram
numbers updates sequentially, but after a quiet week it restarts at a random number, so an id
alone could name a different, new update.

Not thread-safe on purpose: one thread (the bot's storage thread) owns the data files. The
data-folder lock (storage.lock) keeps other processes out. No Telegram import: updates are
plain JSON objects here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from storage.atomic import (
    atomic_write_bytes,
    dumps,
    fdatasync,
    fsync_dir,
    make_private_dirs,
    reason,
    write_all,
)
from storage.repository import StorageError

log = logging.getLogger(__name__)

INBOX_FILE = "inbox.jsonl"
#: Compact once the file is this large (about 100 updates) and at least twice what is pending.
COMPACT_BYTES = 64 * 1024

Update = dict[str, Any]


def _fingerprint(update: Update) -> bytes:
    text = json.dumps(update, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _whole_lines(path: Path) -> int:
    """Bytes of whole lines in `path` (an atomic write leaves no torn line); 0 if missing."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise StorageError(f"could not read {path}: {reason(exc)}") from exc


def _update_id(update: Any) -> int | None:
    if not isinstance(update, dict):
        return None
    value = update.get("update_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Inbox:
    """The inbox of one data folder; reads the file when created. One instance writes it: the
    one of the process that holds the data folder's lock (another instance may read it)."""

    def __init__(self, data_dir: Path, *, compact_bytes: int = COMPACT_BYTES) -> None:
        self.path = Path(data_dir) / INBOX_FILE
        self.compact_bytes = compact_bytes
        self._fd: int | None = None
        self._size = 0  # bytes of whole lines in the file; anything after is a torn line
        self._pending: dict[int, bytes] = {}  # update id -> its line, in the order received
        self._live = 0  # bytes of those lines
        self._prints: dict[int, bytes] = {}  # update id -> fingerprint, pending or done
        self._load()

    # ---- reading -------------------------------------------------------------------------
    def _load(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"could not read {self.path}: {reason(exc)}") from exc
        self._size = raw.rfind(b"\n") + 1
        if self._size < len(raw):
            log.warning("%s ends with a torn line (a write cut short); ignored", self.path)
        skipped = 0
        for text in raw[: self._size].split(b"\n"):
            line = text.lstrip(b"\0") + b"\n"  # a power cut can leave zeros where writes were
            if not line.strip():  # lost; JSON escapes every control character, \n included
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if not isinstance(entry, dict):
                skipped += 1
            elif (uid := _update_id(entry.get("update"))) is not None:
                self._add(uid, entry["update"], line)
            elif (uid := _update_id({"update_id": entry.get("done")})) is not None:
                self._finish(uid)
            else:
                skipped += 1
        if skipped:
            log.warning("%s: %d unreadable line(s) skipped", self.path, skipped)

    def pending(self) -> list[Update]:
        """The updates received but not marked done, in the order they were received."""
        return [json.loads(line)["update"] for line in self._pending.values()]

    def is_done(self, update: Update) -> bool:
        """Whether this very update (same id, same content) was received and marked done
        since the file was last compacted."""
        uid = _update_id(update)
        return (
            uid is not None
            and uid not in self._pending
            and self._prints.get(uid) == _fingerprint(update)
        )

    # ---- writing -------------------------------------------------------------------------
    def receive(self, updates: Iterable[Update]) -> list[Update]:
        """Record the updates not received before, durably (one flush for the whole batch),
        and return them; the others (already pending or done) are left out. Raises
        `StorageError`, recording nothing, if the batch cannot be made durable."""
        fresh: dict[int, tuple[Update, bytes, bytes]] = {}
        for update in updates:
            uid = _update_id(update)
            if uid is None:
                raise ValueError("an update without an integer update_id")
            fingerprint = _fingerprint(update)
            if self._prints.get(uid) == fingerprint or uid in fresh:
                continue
            fresh[uid] = (update, fingerprint, dumps({"update": update}) + b"\n")
        if not fresh:
            return []
        self._append(b"".join(line for _, _, line in fresh.values()), sync=True)
        for uid, (update, fingerprint, line) in fresh.items():
            self._add(uid, update, line, fingerprint)
        self._maybe_compact()
        return [update for update, _, _ in fresh.values()]

    def done(self, *update_ids: int) -> None:
        """Mark pending updates handled, with one write. Not flushed (see the module
        docstring); raises `StorageError` if the marks cannot be written (the updates then
        stay pending)."""
        marked = [uid for uid in dict.fromkeys(update_ids) if uid in self._pending]
        if not marked:
            return
        self._append(b"".join(dumps({"done": uid}) + b"\n" for uid in marked), sync=False)
        for uid in marked:
            self._finish(uid)
        self._maybe_compact()

    def forget_handled(self) -> None:
        """Rewrite the file with the pending updates alone if it holds handled ones (after a
        crash): the text of messages already handled, confidential answers or strangers'
        messages, should not outlive the next start. Only the owning instance may call it."""
        if self._size > self._live:
            self._compact(keep_prints=True)  # Telegram may still send those again, unconfirmed

    def close(self) -> None:
        """Compact the file to what is pending (see the module docstring) and close it; a
        later write opens it again."""
        if self._size > self._live:
            self._compact()
        self._release()

    # ---- internals -----------------------------------------------------------------------
    def _add(self, uid: int, update: Update, line: bytes, fingerprint: bytes | None = None) -> None:
        if uid in self._pending:
            self._live -= len(self._pending.pop(uid))
        self._pending[uid] = line
        self._live += len(line)
        self._prints[uid] = fingerprint if fingerprint is not None else _fingerprint(update)

    def _finish(self, uid: int) -> None:
        line = self._pending.pop(uid, None)
        if line is not None:
            self._live -= len(line)

    def _open(self) -> int:
        """Open (or create, owner-only) the file for appending; cut off a torn last line."""
        make_private_dirs(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            if os.fstat(fd).st_size > self._size:
                os.ftruncate(fd, self._size)
                fdatasync(fd)
            fsync_dir(self.path.parent)  # a new file must itself survive a power cut
        except OSError:
            os.close(fd)
            raise
        self._fd = fd
        return fd

    def _append(self, data: bytes, *, sync: bool) -> None:
        """Append whole lines, or raise `StorageError` leaving the file as it was."""
        try:
            fd = self._fd if self._fd is not None else self._open()
            write_all(fd, data)
            if sync:
                fdatasync(fd)
        except OSError as exc:
            self._undo()
            raise StorageError(f"could not save {self.path}: {reason(exc)}") from exc
        self._size += len(data)

    def _undo(self) -> None:
        """Cut a failed append back off. If even that fails, the next open cuts it off (the
        rest of a line a failed append left is ignored when the file is read: see `_load`)."""
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, self._size)
        except OSError:
            self._release()

    def _release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def _maybe_compact(self) -> None:
        if self._size > max(self.compact_bytes, 2 * self._live):
            self._compact()

    def _compact(self, *, keep_prints: bool = False) -> None:
        """Replace the file by the pending updates alone; on failure keep it as it is. With
        `keep_prints`, this process still knows the handled ones when they come again."""
        data = b"".join(self._pending.values())
        try:
            atomic_write_bytes(self.path, data)
        except StorageError as exc:
            # The file is whole, old or new (the rename may have happened before the failed
            # folder fsync): write on through the path, never an unlinked old descriptor.
            log.warning("could not compact %s: %s", self.path, exc)
            self._release()
            self._size = _whole_lines(self.path)
            return
        self._release()  # the descriptor still points at the replaced file
        self._size = len(data)
        if not keep_prints:
            self._prints = {uid: self._prints[uid] for uid in self._pending}
