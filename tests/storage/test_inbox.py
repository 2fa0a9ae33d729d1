"""The inbox (storage/inbox.py): updates received durably in batches, done marks, what is
still pending after a crash, compaction, and files left torn by a kill."""

from __future__ import annotations

import errno
import logging
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import storage.atomic
from storage.atomic import dumps
from storage.inbox import INBOX_FILE, Inbox
from storage.repository import StorageError

ROOT = Path(__file__).resolve().parents[2]


def update(update_id: int, text: str = "hello", user: int = 201) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id + 1000,
            "date": 1_700_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Zoë"},
            "from": {"id": user, "is_bot": False, "first_name": "Zoë"},
            "text": text,
        },
    }


def ids(updates: list[dict[str, Any]]) -> list[int]:
    return [u["update_id"] for u in updates]


def test_receive_returns_only_new_updates_and_pending_keeps_their_order(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path)
    assert inbox.pending() == []
    assert ids(inbox.receive([update(5), update(6), update(7)])) == [5, 6, 7]
    # Telegram sends the same batch again (it was not confirmed), with one more update.
    assert ids(inbox.receive([update(5), update(6), update(7), update(8)])) == [8]
    assert ids(inbox.receive([update(9), update(9)])) == [9]  # a repeat within one batch
    assert ids(inbox.pending()) == [5, 6, 7, 8, 9]
    inbox.done(6)
    inbox.done(8)
    assert ids(inbox.pending()) == [5, 7, 9]
    assert inbox.pending()[0] == update(5)  # as received, non-ASCII and all
    # A done update delivered again is not new either, and is known to be done.
    assert inbox.receive([update(6)]) == []
    assert inbox.is_done(update(6)) and not inbox.is_done(update(5))
    assert not inbox.is_done(update(99))
    inbox.close()


def test_done_marks_each_pending_update_once(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path)
    inbox.receive([update(i) for i in range(1, 6)])
    path = tmp_path / INBOX_FILE
    before = path.read_bytes()
    inbox.done(2, 4, 4, 99)  # a repeat and an unknown id are ignored
    added = path.read_bytes()[len(before) :]
    assert added.splitlines() == [b'{"done":2}', b'{"done":4}']
    inbox.done(99)  # nothing pending by that id: nothing written
    assert path.read_bytes() == before + added
    assert ids(inbox.pending()) == [1, 3, 5]
    inbox.close()
    assert ids(Inbox(tmp_path).pending()) == [1, 3, 5]


def test_a_compaction_that_fails_after_its_rename_loses_nothing_received_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = Inbox(tmp_path, compact_bytes=200)
    inbox.receive([update(1), update(2), update(3)])

    def folder_fsync_fails(folder: Path) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(storage.atomic, "fsync_dir", folder_fsync_fails)
    inbox.done(1, 2, 3)  # compacts: the rename happens, the folder's fsync fails
    monkeypatch.undo()
    inbox.receive([update(8), update(9)])  # must go to the file the path names now

    assert ids(Inbox(tmp_path).pending()) == [8, 9]  # as after a kill
    inbox.close()


def test_handled_updates_are_forgotten_at_the_start_after_a_crash(tmp_path: Path) -> None:
    """Their text (confidential answers, strangers' messages) must not outlive the restart."""
    crashed = Inbox(tmp_path)
    crashed.receive([update(1, "secret answer"), update(2, "still to handle")])
    crashed.done(1)  # then killed: never closed, so never compacted

    restarted = Inbox(tmp_path)
    assert b"secret answer" in restarted.path.read_bytes()
    restarted.forget_handled()
    assert b"secret answer" not in restarted.path.read_bytes()
    assert ids(restarted.pending()) == [2]
    # Telegram may send it again (never confirmed): this process still knows it is done.
    assert restarted.receive([update(1, "secret answer")]) == []
    assert restarted.is_done(update(1, "secret answer"))
    restarted.receive([update(3)])
    restarted.close()
    assert ids(Inbox(tmp_path).pending()) == [2, 3]


def test_an_id_used_again_for_another_update_is_new(tmp_path: Path) -> None:
    """After a quiet week Telegram numbers updates from a random value: same id, other update."""
    inbox = Inbox(tmp_path)
    inbox.receive([update(52, "Burundi")])
    inbox.done(52)
    assert ids(inbox.receive([update(52, "yesterday")])) == [52]
    assert not inbox.is_done(update(52, "yesterday"))
    assert inbox.pending() == [update(52, "yesterday")]
    inbox.close()


def test_the_file_is_owner_only_json_lines_and_close_keeps_only_what_is_pending(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data" / INBOX_FILE
    old = os.umask(0)
    try:
        inbox = Inbox(tmp_path / "data")
        inbox.receive([update(1), update(2)])
        inbox.done(1)
        lines = path.read_bytes().splitlines()
        inbox.close()  # a clean stop
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(lines) == 3 and lines[-1] == b'{"done":1}'
    assert "Zoë".encode() in lines[0]
    assert path.read_bytes().splitlines() == [lines[1]]  # update 1 is gone: it was handled
    assert ids(Inbox(tmp_path / "data").pending()) == [2]


def test_a_new_instance_after_a_kill_sees_what_is_pending(tmp_path: Path) -> None:
    """A process receives a batch, handles one update of it, and is SIGKILLed."""
    script = (
        "import os, signal, sys\n"
        "from storage.inbox import Inbox\n"
        "inbox = Inbox(sys.argv[1])\n"
        "inbox.receive([{'update_id': i, 'message': {'text': str(i)}} for i in (1, 2, 3)])\n"
        "inbox.done(2)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env, timeout=60)
    assert run.returncode == -signal.SIGKILL

    inbox = Inbox(tmp_path)
    assert ids(inbox.pending()) == [1, 3]
    assert inbox.receive([{"update_id": 2, "message": {"text": "2"}}]) == []  # done
    assert inbox.receive([{"update_id": 3, "message": {"text": "3"}}]) == []  # pending
    inbox.done(1)
    inbox.receive([update(4)])
    assert ids(Inbox(tmp_path).pending()) == [3, 4]  # read as another process would
    inbox.close()


def test_a_torn_last_line_is_ignored_and_cut_off_before_the_next_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = Inbox(tmp_path)
    first.receive([update(1), update(2)])
    first.close()
    path = tmp_path / INBOX_FILE
    whole = path.read_bytes()
    with path.open("ab") as handle:  # a kill in the middle of writing the next batch
        handle.write(b'{"update":{"update_id":3,"message":{"text":"Bur')

    with caplog.at_level(logging.WARNING, logger="storage.inbox"):
        second = Inbox(tmp_path)
    assert ids(second.pending()) == [1, 2]
    assert "torn line" in caplog.text
    assert "Bur" not in caplog.text  # what users wrote never goes to the log
    assert ids(second.receive([update(3)])) == [3]  # it was never recorded: new
    second.close()
    assert path.read_bytes().startswith(whole + b'{"update":{"update_id":3,')
    assert ids(Inbox(tmp_path).pending()) == [1, 2, 3]


def test_a_file_of_only_a_torn_line_and_unreadable_lines_do_not_stop_the_bot(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / INBOX_FILE
    path.write_bytes(b'{"upd')
    assert Inbox(tmp_path).pending() == []
    lines = [dumps({"update": update(1)}), dumps({"update": update(2)}), dumps({"done": 1})]
    # Garbage, a line of something else, and zeros a power cut left before a line.
    garbled = [lines[0], b"not json", b"[1]", b"\0\0\0" + lines[1], lines[2], b""]
    path.write_bytes(b"\n".join(garbled))
    with caplog.at_level(logging.WARNING, logger="storage.inbox"):
        reopened = Inbox(tmp_path)
    assert ids(reopened.pending()) == [2]
    assert "2 unreadable line(s) skipped" in caplog.text
    reopened.close()
    assert path.read_bytes() == lines[1] + b"\n"  # closing compacted the rest away


def test_done_for_an_update_not_pending_writes_nothing(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path)
    inbox.done(7)
    assert not (tmp_path / INBOX_FILE).exists()
    inbox.receive([update(7)])
    inbox.done(7)
    size = (tmp_path / INBOX_FILE).stat().st_size
    inbox.done(7)
    assert (tmp_path / INBOX_FILE).stat().st_size == size
    inbox.close()


def test_compaction_empties_the_file_once_nothing_is_pending(tmp_path: Path) -> None:
    path = tmp_path / INBOX_FILE
    batch = [update(i, "x" * 100) for i in range(1, 7)]
    lines = sum(len(dumps({"update": u}) + b"\n") for u in batch)
    marks = sum(len(dumps({"done": i}) + b"\n") for i in range(1, 7))
    # The last done mark takes the file over the threshold, with nothing left pending.
    inbox = Inbox(tmp_path, compact_bytes=lines + marks - 1)
    inbox.receive(batch)
    for i in range(1, 6):
        inbox.done(i)
    assert path.stat().st_size == lines + marks - len(dumps({"done": 6})) - 1
    inbox.done(6)
    assert path.read_bytes() == b""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    # It goes on working on the new file; an update done before compaction is forgotten.
    assert ids(inbox.receive([update(100), update(3, "x" * 100)])) == [100, 3]
    assert ids(Inbox(tmp_path).pending()) == [100, 3]
    inbox.close()


def test_a_busy_inbox_is_compacted_to_what_is_pending(tmp_path: Path) -> None:
    """Under steady load something is always pending: compaction keeps it, drops the rest."""
    path = tmp_path / INBOX_FILE
    inbox = Inbox(tmp_path, compact_bytes=4000)
    largest = 0
    for i in range(1, 200):
        inbox.receive([update(i, "y" * 100)])
        if i > 3:
            inbox.done(i - 3)  # always three in hand
        largest = max(largest, path.stat().st_size)
        assert ids(inbox.pending()) == list(range(max(1, i - 2), i + 1))
    assert largest < 4000 + 1000
    assert ids(Inbox(tmp_path).pending()) == [197, 198, 199]
    inbox.close()


def test_a_batch_that_cannot_be_flushed_is_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / INBOX_FILE
    inbox = Inbox(tmp_path)
    inbox.receive([update(1)])
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(os, "fdatasync", disk_full)
        patch.setattr(os, "fsync", disk_full)
        with pytest.raises(StorageError, match="the disk is full"):
            inbox.receive([update(2), update(3)])
    assert path.read_bytes() == before  # the unflushed lines were cut off again
    assert ids(inbox.pending()) == [1]
    assert ids(inbox.receive([update(2), update(3)])) == [2, 3]  # once the disk is back
    assert ids(Inbox(tmp_path).pending()) == [1, 2, 3]
    inbox.close()


def test_an_unreadable_inbox_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / INBOX_FILE).mkdir()  # not a file: reading it fails
    with pytest.raises(StorageError, match="could not read"):
        Inbox(tmp_path)
