"""A full disk, or a data folder gone read-only, under the real Application (in this process,
against the Bot API stand-in): every write the bot attempts is refused by the operating
system. The user is told plainly that nothing was saved, the log has the error, the data
folder keeps exactly what it had, and once the disk is back the user carries on.

Root ignores file modes, so the failures are injected at the system calls storage uses
(`os.fsync`/`fdatasync` for a full disk; opening for writing, renaming, writing and
unlinking for a read-only file system), only for paths in the data folder where a path is
given.
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from clocks import MovableClock
from telegram_harness import ADMIN, OFFICER, Harness, Person

from bot.telegram.bridge import NOT_SAVED
from bot.telegram.jobs import Scheduler
from storage import layout

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in the data folder (but the lock) and its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def _raise(code: int) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))

    return fail


@contextmanager
def disk_full(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """ENOSPC when data is flushed to disk, which is where a full disk shows up."""
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", _raise(errno.ENOSPC))
        patch.setattr(os, "fdatasync", _raise(errno.ENOSPC), raising=False)
        yield


@contextmanager
def read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Iterator[None]:
    """EROFS for anything that would change the data folder."""
    real_open, real_mkdir, real_unlink = os.open, os.mkdir, os.unlink
    inside = str(folder.resolve())
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def in_folder(path: Any) -> bool:
        return os.path.abspath(os.fspath(path)).startswith(inside)

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & writing and in_folder(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        if in_folder(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        real_mkdir(path, *args, **kwargs)

    def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        if in_folder(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        real_unlink(path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", open_)
        patch.setattr(os, "mkdir", mkdir)
        patch.setattr(os, "unlink", unlink)
        for name in ("replace", "rename", "write", "ftruncate"):
            patch.setattr(os, name, _raise(errno.EROFS))
        yield


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "bot.telegram.bridge" and r.levelno == logging.ERROR and r.exc_info
    ]


async def at_the_letter(p: Person) -> None:
    await p.say("/new")
    await p.tap("Communication")
    await p.tap("AL allegation letter")
    for answer in ("Burundi", "yesterday", "WGAD"):
        await p.say(answer)
    await p.tap("AL BDI 1/2017")
    await p.say("Detention of a journalist.")
    (letter,) = await p.say("/skip")
    assert "Send the letter as a file" in letter.text


def only_text(messages: list[Any]) -> str:
    assert len(messages) == 1, [m.text for m in messages]
    return str(messages[0].text)


async def test_a_full_disk_refuses_every_write_and_keeps_what_was_saved(
    tg: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    p = tg.person(OFFICER)
    await p.say("/new")
    await p.tap("Communication")
    await p.tap("AL allegation letter")
    assert "Saved: Burundi (BDI)" in only_text(await p.say("Burundi"))
    before = snapshot(tg.data_dir)
    assert tg.repo is not None
    (case_id,) = [e["id"] for e in tg.repo.list_cases()]

    with disk_full(monkeypatch):
        typed = only_text(await p.say("yesterday"))  # an answer
        await p.say("/new")
        tapped = only_text(await p.tap("Communication"))  # a new case
        attach = only_text(await p.tap_data(f"f:{case_id}"))  # "Attach a file" (a session)
        grant = only_text(await tg.person(ADMIN).say("/grant 555 officer"))  # the users
        assert snapshot(tg.data_dir) == before  # no temp file left either

    assert typed == tapped == attach == grant == NOT_SAVED
    logged = refusals(caplog)
    assert len(logged) == 4
    assert all("the disk is full" in str(r.exc_info[1]) for r in logged if r.exc_info)
    assert "yesterday" not in caplog.text  # the log names no answer

    # The disk has room again: the user goes on where they were.
    assert "When was it sent?" in only_text(await p.say("/resume"))
    assert "Saved: Sun 14 May 2017" in only_text(await p.say("yesterday"))
    assert tg.repo is not None and len(tg.repo.list_cases()) == 1
    assert tg.repo.get_user("555") is None


async def test_a_read_only_data_folder_refuses_a_document_and_keeps_no_part_of_it(
    tg: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    p = tg.person(OFFICER)
    await at_the_letter(p)
    before = snapshot(tg.data_dir)

    with read_only(monkeypatch, tg.data_dir):
        document = only_text(await p.send_document(PDF, "letter.pdf", "application/pdf"))
        typed = only_text(await p.say("/skip"))

    assert document == typed == NOT_SAVED
    assert snapshot(tg.data_dir) == before
    assert not list((tg.data_dir / layout.FILES_DIR).glob("*"))  # no part of the document
    logged = refusals(caplog)
    assert len(logged) == 2
    assert all("the file system is read-only" in str(r.exc_info[1]) for r in logged if r.exc_info)

    review = only_text(await p.send_document(PDF, "letter.pdf", "application/pdf"))
    assert review.startswith("Review · New communication · AL BDI 1/2017")
    assert len(list((tg.data_dir / layout.FILES_DIR).glob("*"))) == 1


async def test_a_reminder_is_not_sent_while_it_cannot_be_recorded(
    tg: Harness, monkeypatch: pytest.MonkeyPatch, clock: MovableClock
) -> None:
    """A reminder is recorded in its case before it is sent: with the disk full it is not
    sent (the sweep logs it and goes on with the others), and the next sweep after the disk
    is back sends it, once."""
    p = tg.person(OFFICER)
    await at_the_letter(p)
    await p.say("/skip")
    await p.tap("Save")  # sent 14 May 2017: the reply is due 13 July
    clock.instant = clock.instant.replace(month=7, day=14)
    assert tg.app is not None
    scheduler: Scheduler = tg.app.bot_data["scheduler"]
    before = snapshot(tg.data_dir)

    with disk_full(monkeypatch):
        assert await scheduler.sweep(tg.app.bot) == 0
    assert not [s for s in tg.stub.sent_to(OFFICER) if s.text.startswith("Reminder")]
    assert snapshot(tg.data_dir) == before

    assert await scheduler.sweep(tg.app.bot) == 2  # the reply, the letter's publication
    assert await scheduler.sweep(tg.app.bot) == 0
    reminders = [s for s in tg.stub.sent_to(OFFICER) if s.text.startswith("Reminder")]
    assert len(reminders) == 2
