"""One damaged file never stops everyone (issue 11, item 3).

A case file cut short is set aside in quarantine/ (named in one log line and in the digest)
and everything else keeps working; what can be rebuilt (index, sessions) is rebuilt; what
cannot (meta.json: users, roles, settings) stops start-up with one clear line.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from clocks import MovableClock
from fixture import ADMIN_ID, OFFICER_A, copy_of, fill

from bot.console import Console, ensure_console_user
from bot.settings import Schedule
from bot.telegram.bridge import NOT_READ, NOT_SAVED, Bridge
from bot.telegram.jobs import LAST_DIGEST, Scheduler
from storage import layout
from storage.files import store_file
from storage.repository import ReadFailed, StorageError
from storage.tinydb_repo import TinyDBRepository, open_repository
from workflows.cases.service import CaseService
from workflows.chat.conversation import Chat, Conversation
from workflows.checklists.model import Registry

NOW = datetime(2018, 2, 1, 9, 0, tzinfo=UTC)
ADMIN = Chat(user_id=ADMIN_ID)


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture cases, saved through the service so their reminder dates are set."""
    folder = fill(tmp_path_factory.mktemp("damaged") / "data")
    repo = open_repository(folder)
    try:
        service = CaseService(repo, Registry.from_folder(), MovableClock(NOW))
        for case in list(repo.iter_cases()):
            service.save(case, "test", "derive", {})
    finally:
        repo.close()
    return folder


@pytest.fixture
def data_dir(template_dir: Path, tmp_path: Path) -> Path:
    return copy_of(template_dir, tmp_path / "data")


def _open(data_dir: Path) -> Iterator[tuple[TinyDBRepository, Conversation]]:
    repo = open_repository(data_dir)
    service = CaseService(repo, Registry.from_folder(), MovableClock(NOW))
    try:
        yield repo, Conversation(service)
    finally:
        repo.close()


@pytest.fixture
def opened(data_dir: Path) -> Iterator[tuple[TinyDBRepository, Conversation]]:
    yield from _open(data_dir)


def _damage_one_due(repo: TinyDBRepository) -> str:
    """Cut short the file of a case with a reminder due; returns its id."""
    case_id = next(e["id"] for e in repo.list_cases() if e["next_alert"])
    path = layout.case_path(repo.data_dir, case_id)
    path.write_bytes(path.read_bytes()[:100])
    return case_id


def test_a_damaged_case_is_set_aside_and_every_read_still_answers(
    opened: tuple[TinyDBRepository, Conversation], caplog: pytest.LogCaptureFixture
) -> None:
    repo, conversation = opened
    due_before = sum(len(o.claims) for o in conversation.alerts.pending())
    case_id = _damage_one_due(repo)
    with caplog.at_level(logging.ERROR):
        for command in ("/find Burundi", "/report 2017", "/digest", "/export", "/cases"):
            replies = conversation.text(ADMIN, command)
            assert replies and NOT_SAVED not in replies[0].text, command
    (line,) = [r.message for r in caplog.records if "set aside" in r.message]
    assert line.startswith(
        f"set aside damaged file {case_id}.json as quarantine/{repo.quarantined()[0]}: "
        f"{layout.case_path(repo.data_dir, case_id)} is not valid JSON (Unterminated string"
    )
    assert repo.quarantined()[0].startswith(f"cases_{case_id}.json.")
    assert case_id not in {e["id"] for e in repo.list_cases()}
    due_after = sum(len(o.claims) for o in conversation.alerts.pending())
    assert 0 < due_after < due_before  # the others still go out
    assert repo.quarantined()[0] in conversation.alerts.digest().text


def test_a_damaged_case_does_not_stop_start_up_or_the_console(data_dir: Path) -> None:
    for repo, _ in _open(data_dir):
        _damage_one_due(repo)
    for repo, conversation in _open(data_dir):
        out = io.StringIO()
        Console(conversation, out).run([], interactive=False)  # its reminders read the case
        assert "Bye." in out.getvalue()
        assert len(repo.quarantined()) == 1


def test_the_digest_is_not_marked_sent_when_it_failed(
    opened: tuple[TinyDBRepository, Conversation], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, conversation = opened

    def broken() -> None:
        raise StorageError("could not read cases/c1.json: input/output error")

    monkeypatch.setattr(conversation.alerts, "digest", broken)
    scheduler = Scheduler(Bridge(conversation), conversation.alerts, Schedule())
    with pytest.raises(StorageError):
        asyncio.run(scheduler.digest(bot=None))  # type: ignore[arg-type]
    assert repo.get_setting(LAST_DIGEST) is None  # tomorrow's catch-up still sends it


def test_an_empty_or_damaged_meta_json_stops_start_up_with_one_clear_line(
    data_dir: Path,
) -> None:
    meta = data_dir / layout.META_FILE
    for damage in (b"", b'{"users": {"1": {"id": "1", "ro'):
        meta.write_bytes(damage)
        with pytest.raises(StorageError) as failure:
            open_repository(data_dir)
        line = str(failure.value)
        assert "\n" not in line and "meta.json" in line and "will not start" in line
        assert meta.read_bytes() == damage  # never silently replaced by a new, empty one


def test_damaged_sessions_index_and_audit_are_rebuilt_or_set_aside(data_dir: Path) -> None:
    for repo, conversation in _open(data_dir):
        conversation.text(Chat(user_id=OFFICER_A), "/new")
        conversation.tap(Chat(user_id=OFFICER_A), "n:communication")
        session = repo.get_session(OFFICER_A)
        cases = len(repo.list_cases())
    for name in (layout.SESSIONS_FILE, layout.INDEX_FILE, layout.AUDIT_FILE):
        (data_dir / name).write_bytes(b'{"truncated": ')
    for repo, _ in _open(data_dir):
        assert repo.get_session(OFFICER_A) == {"case": session["case"], "run": session["run"]}
        assert len(repo.list_cases()) == cases
        assert repo.case_by_reference("AL BDI 1/2017") is not None
        entries = [(e["action"], e["target"]) for e in repo.audit_log()]
        assert entries == [
            ("damaged_file_set_aside", name)
            for name in (layout.SESSIONS_FILE, layout.INDEX_FILE, layout.AUDIT_FILE)
        ]
        assert len(repo.quarantined()) == 3


def test_a_user_without_a_role_has_no_access_and_causes_no_traceback(
    data_dir: Path,
) -> None:
    meta = json.loads((data_dir / layout.META_FILE).read_bytes())
    for user in meta["users"].values():
        if user["id"] == OFFICER_A:
            del user["role"]
    (data_dir / layout.META_FILE).write_text(json.dumps(meta))
    for repo, conversation in _open(data_dir):
        assert repo.get_user(OFFICER_A) is None
        assert OFFICER_A not in {u["id"] for u in repo.list_users()}
        assert "only for authorised staff" in conversation.text(Chat(OFFICER_A), "/start")[0].text
        assert conversation.alerts.pending()  # reminders of their cases go to the admins
        assert conversation.text(ADMIN, "/users")[0].text


def test_a_damaged_attachment_is_mended_when_the_document_is_sent_again(
    opened: tuple[TinyDBRepository, Conversation],
) -> None:
    repo, _ = opened
    meta = store_file(repo.files_dir(), "letter.pdf", b"%PDF-1.4 letter", "application/pdf",
                      "1", NOW)  # fmt: skip
    stored = Path(repo.files_dir()) / meta["sha256"]
    stored.write_bytes(b"%PDF-1")
    store_file(repo.files_dir(), "letter.pdf", b"%PDF-1.4 letter", "application/pdf", "1", NOW)
    assert stored.read_bytes() == b"%PDF-1.4 letter"


def test_a_read_failure_is_not_reported_as_not_saved(
    opened: tuple[TinyDBRepository, Conversation], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An I/O error while reading (not a damaged file: nothing to set aside) is said to be a
    read failure, on Telegram and in the console, never "Not saved"."""
    _, conversation = opened

    def unreadable(path: Path) -> None:
        raise ReadFailed(f"could not read {path}: input/output error")

    monkeypatch.setattr(layout, "read_case_file", unreadable)
    replies = asyncio.run(Bridge(conversation).call(conversation.text, ADMIN, "/find Burundi"))
    assert replies[0].text == NOT_READ
    ensure_console_user(conversation.repo)
    out = io.StringIO()
    Console(conversation, out).handle("/find Burundi")
    assert "Could not read the data folder" in out.getvalue() and "Not saved" not in out.getvalue()
