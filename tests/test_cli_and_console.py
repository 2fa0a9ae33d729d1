"""The command line and the console at daily use (issue 14, items 8-10): one parser, quiet on
a closed pipe, outputs in the data folder's exports/, `--as` a known user, the console as
any user, and each printed reminder's buttons its own."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from test_alerts import LETTER
from test_conversation import say

from bot.console import Console
from storage.tinydb_repo import open_repository
from workflows.chat.conversation import Chat, Conversation


def bot(
    *args: str, stdin: str = "", stdout: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120, check=False)  # fmt: skip


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder with an admin (1), an officer (2) and a viewer (4)."""
    repo = open_repository(tmp_path / "data")
    for user_id, role in (("1", "admin"), ("2", "officer"), ("4", "viewer")):
        repo.put_user({"id": user_id, "role": role}, actor="test")
    repo.close()
    return tmp_path / "data"


def test_help_lists_every_subcommand() -> None:
    shown = bot("--help").stdout
    for command in ("report", "import", "export", "backup", "restore", "demo", "--console"):
        assert command in shown


def test_a_closed_pipe_ends_quietly(data_dir: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader has gone, as `| head` does once it has its lines
    try:
        done = bot("report", "--period", "2017", "--format", "csv", "--out", "-",
                   "--data-dir", str(data_dir), stdout=write)  # fmt: skip
    finally:
        os.close(write)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_outputs_go_to_an_owner_only_exports_folder_and_the_path_is_printed(
    data_dir: Path,
) -> None:
    exported = bot("export", "--data-dir", str(data_dir))
    assert exported.returncode == 0
    exports = data_dir.absolute() / "exports"
    (json_file,) = exports.glob("export-*.json")
    assert f"to {json_file}" in exported.stderr
    assert stat.S_IMODE(exports.stat().st_mode) == 0o700
    assert stat.S_IMODE(json_file.stat().st_mode) == 0o600
    docx = bot("report", "--period", "2017", "--format", "docx", "--data-dir", str(data_dir))
    (report,) = exports.glob("followup-report-2017-01-01-2017-12-31.docx")  # named for it
    assert docx.returncode == 0 and str(report) in docx.stderr
    backed = bot("backup", "--data-dir", str(data_dir))
    (archive,) = exports.glob("followup-backup-*.tar.gz")
    assert str(archive) in backed.stdout
    with tarfile.open(archive) as members:  # earlier outputs are not in the backup
        assert not [m.name for m in members if m.name.startswith("exports")]


def test_as_must_name_a_known_user(data_dir: Path) -> None:
    refused = bot("export", "--as", "999", "--data-dir", str(data_dir))
    assert refused.returncode == 2 and "--as 999: no such user" in refused.stderr
    assert bot("export", "--as", "4", "--data-dir", str(data_dir)).returncode == 0
    console = bot("--console", "--as", "999", "--data-dir", str(data_dir), stdin="/start\n")
    assert console.returncode == 2 and "no such user" in console.stderr


def test_the_console_acts_as_any_user_with_their_role(data_dir: Path) -> None:
    viewer = bot("--console", "--as", "4", "--data-dir", str(data_dir), stdin="/new\n/rules\n")
    assert "Your role: viewer." in viewer.stdout
    assert "can read cases but not create them" in viewer.stdout
    assert "I do not know /rules" in viewer.stdout  # an admin command
    admin = bot("--console", "--as", "1", "--data-dir", str(data_dir), stdin="/rules\n")
    assert "reply due 60 days after the letter is sent" in admin.stdout


def test_each_printed_reminder_numbers_its_own_buttons(conversation: Conversation) -> None:
    """One letter sent 15 March 2017, today 15 May: two reminders print together, the
    reply's (4 buttons, 1-4) and the letter's publication (3 buttons, 5-7)."""
    say(conversation, Chat("2"), *LETTER, "#Save")
    out = io.StringIO()
    console = Console(conversation, out, user_id="2")
    console.run(["6"], interactive=False)  # the publication reminder's "Snooze 7 days"
    printed = out.getvalue()
    assert "[5] Letter published" in printed and "[6] Snooze 7 days" in printed
    case = conversation.repo.case_by_reference("UA BDI 1/2017")
    assert list(case["reminders"]["snoozed"]) == ["letter_publication"]


def test_console_files_get_the_checks_telegram_files_get(
    conversation: Conversation, tmp_path: Path
) -> None:
    say(conversation, Chat("2"), *LETTER, "#Save")
    fake = tmp_path / "letter.pdf"
    fake.write_text("not a PDF at all")
    out = io.StringIO()
    console = Console(conversation, out, user_id="2")
    console.handle("/case UA BDI 1/2017")
    attach = next(n for n, b in enumerate(console.buttons, 1) if b.label == "Attach a file")
    console.handle(str(attach))
    console.handle(f"/file {fake}")
    console.handle(f"/file {tmp_path / 'missing.pdf'}")
    printed = out.getvalue()
    assert "This does not look like a PDF file, so it was not kept." in printed
    assert f"File not found: {tmp_path / 'missing.pdf'}" in printed
    assert conversation.repo.case_by_reference("UA BDI 1/2017")["files"] == []
