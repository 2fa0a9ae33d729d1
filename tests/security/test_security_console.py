"""The console neither writes through a symbolic link nor keeps a file's loose permissions
when it saves a report or an export, and never prints stored text's control characters raw
(an answer holding a terminal escape sequence could clear the screen, retitle the window or
hide what follows)."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.console import Console, ensure_console_user
from bot.terminal import printable
from workflows.chat.conversation import Conversation

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m\r\u202eevil"


@pytest.fixture
def console(conversation: Conversation) -> tuple[Console, io.StringIO]:
    ensure_console_user(conversation.repo)
    out = io.StringIO()
    return Console(conversation, out), out


def test_stored_text_is_printed_with_control_characters_escaped(
    console: tuple[Console, io.StringIO],
) -> None:
    terminal, out = console
    for line in ("/new", "1", "1", "Burundi", "15/03/2017", "WGAD", "1", f"Summary {ESCAPES}"):
        terminal.handle(line)
    terminal.handle("/resume")
    printed = out.getvalue()
    assert "Saved: Summary" in printed
    for raw in ("\x1b", "\x07", "\x9b", "\r", "\u202e"):
        assert raw not in printed
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\x0d\\u202eevil" in printed


def test_printable_keeps_text_lines_and_tabs() -> None:
    assert printable("Côte d'Ivoire\n\tمحتجز 👮") == "Côte d'Ivoire\n\tمحتجز 👮"


def export_name(conversation: Conversation) -> str:
    return f"followup-export-{conversation.service.today().isoformat()}.json"


def exports_of(conversation: Conversation) -> Path:
    """The console's exports/ folder in the data folder, made as the console makes it."""
    folder = Path(conversation.repo.files_dir()).parent / "exports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def test_an_export_replaces_a_symbolic_link_instead_of_writing_through_it(
    console: tuple[Console, io.StringIO],
    conversation: Conversation,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal, out = console
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "elsewhere" / "precious.txt"
    victim.parent.mkdir()
    victim.write_text("precious")
    link = exports_of(conversation) / export_name(conversation)
    link.symlink_to(victim)
    terminal.handle("/export")
    assert f"saved {link}" in out.getvalue()
    assert victim.read_text() == "precious"
    assert not link.is_symlink() and link.read_bytes().startswith(b"{")
    assert stat.S_IMODE(link.stat().st_mode) == 0o600


def test_an_export_over_an_existing_file_is_owner_only(
    console: tuple[Console, io.StringIO],
    conversation: Conversation,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal, _ = console
    monkeypatch.chdir(tmp_path)
    target = exports_of(conversation) / export_name(conversation)
    target.write_text("old")
    target.chmod(0o644)
    terminal.handle("/export")
    assert target.read_bytes().startswith(b"{")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_the_command_line_does_not_write_through_a_symbolic_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("precious")
    victim.chmod(0o644)
    link = tmp_path / "export.json"
    link.symlink_to(victim)
    data = str(tmp_path / "data")
    assert run_cli(["export", "--data-dir", data, "--out", str(link)]) == 2
    assert "is a symbolic link" in capsys.readouterr().err
    assert victim.read_text() == "precious" and stat.S_IMODE(victim.stat().st_mode) == 0o644


def test_the_command_line_prints_imported_text_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "records.csv"
    source.write_text(f"kind,owner,comm_type\ncommunication,{ESCAPES},AL\n", encoding="utf-8")
    run_cli(["import", str(source), "--data-dir", str(tmp_path / "data"), "--dry-run"])
    out = capsys.readouterr().out
    assert "owner \\x1b]0;pwned\\x07" in out
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in out
