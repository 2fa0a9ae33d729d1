"""One file policy for every transport: a document is kept only if its name's extension is
an allowed type and its content is that type, within the size limit; names are cleaned of
control and bidirectional characters; the console's /file also refuses what is not an
ordinary file (a folder, a pipe, /proc/self/environ, which holds the bot's token).

Telegram is exercised through the real Application against the Bot API stand-in; the
console in this process, with its output captured.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from telegram_harness import OFFICER, Harness, log_letter

from bot.console import Console, ensure_console_user
from bot.filetypes import KNOWN, FilePolicy, clean_name
from storage import layout
from workflows.chat.conversation import Conversation

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
RLO = "\u202e"  # right-to-left override: "invoice<RLO>fdp.exe" shows as "invoiceexe.pdf"
REFUSED_TYPE = "I cannot keep this kind of file."


def kept_files(data_dir: Path) -> list[Path]:
    folder = data_dir / layout.FILES_DIR
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f"invoice{RLO}fdp.exe", "invoicefdp.exe"),
        ("letter\u200b.pdf", "letter.pdf"),
        ("a\x00b\x1b[2J.pdf", "ab[2J.pdf"),
        ("../../etc/passwd.pdf", "_.._etc_passwd.pdf"),
        ("  .hidden.pdf", "hidden.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
        ("\u2067\u2069", ""),
    ],
)
def test_names_are_cleaned(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


def test_content_must_be_the_type_not_just_its_first_bytes() -> None:
    assert KNOWN["pdf"].matches(PDF)
    assert not KNOWN["docx"].matches(b"PK\x03\x04" + b"\x00" * 64)  # any zip is not a DOCX
    assert not KNOWN["webp"].matches(b"RIFF\x00\x00\x00\x00WAVEfmt ")  # a RIFF sound
    assert KNOWN["webp"].matches(b"RIFF\x00\x00\x00\x00WEBPVP8 ")


async def test_telegram_keeps_a_file_by_its_name_and_content_never_by_mime(tg: Harness) -> None:
    p = tg.person(OFFICER)
    reference = await log_letter(p)
    card = (await p.say(f"/case {reference}"))[-1]
    for name in ("evil.exe", f"invoice{RLO}fdp.exe", "no-extension", "letter.pdf.exe"):
        await p.tap("Attach a file", card)
        (said,) = await p.send_document(PDF, name, "application/pdf")  # a real PDF, even
        assert said.text.startswith(REFUSED_TYPE), name
    assert kept_files(tg.data_dir) == []
    await p.tap("Attach a file", card)
    (said,) = await p.send_document(PDF, f"reply{RLO}.pdf", "application/octet-stream")
    assert said.text == f"Attached reply.pdf to {reference}."
    assert tg.repo is not None
    (entry,) = tg.repo.list_cases()
    case = tg.repo.get_case(entry["id"])
    assert case is not None and [f["name"] for f in case["files"]] == ["reply.pdf"]


# ---- the console -------------------------------------------------------------------------


class Terminal:
    """The console in this process, at a case's "Attach a file" prompt when asked."""

    def __init__(self, conversation: Conversation, policy: FilePolicy) -> None:
        ensure_console_user(conversation.repo)
        self.out = io.StringIO()
        self.console = Console(conversation, self.out, policy)
        self.data_dir = Path(conversation.repo.files_dir()).parent

    def say(self, line: str) -> str:
        start = self.out.tell()
        self.console.handle(line)
        return self.out.getvalue()[start:]

    def tap(self, label: str) -> str:
        number = next(i for i, b in enumerate(self.console.buttons, 1) if b.label == label)
        return self.say(str(number))

    def at_attach_prompt(self) -> None:
        for line in ("/new", "1", "1", "Burundi", "15/03/2017", "WGAD", "1", "Summary",
                     "/skip", "/skip"):  # fmt: skip
            self.say(line)
        assert "Checklist saved." in self.tap("Save")
        assert "Send the file to attach" in self.tap("Attach a file")


@pytest.fixture
def terminal(conversation: Conversation) -> Terminal:
    return Terminal(conversation, FilePolicy.of(("pdf", "docx"), 4096))


def test_console_file_not_found_says_so(terminal: Terminal, tmp_path: Path) -> None:
    terminal.at_attach_prompt()
    said = terminal.say(f"/file {tmp_path / 'missing.pdf'}")
    assert f"File not found: {tmp_path / 'missing.pdf'}" in said and "/file ~/" not in said


def test_console_refuses_the_process_environment(terminal: Terminal, tmp_path: Path) -> None:
    terminal.at_attach_prompt()
    assert REFUSED_TYPE in terminal.say("/file /proc/self/environ")
    disguised = tmp_path / "letter.pdf"
    disguised.symlink_to("/proc/self/environ")
    assert "is a system file, not a document" in terminal.say(f"/file {disguised}")
    assert kept_files(terminal.data_dir) == []


def test_console_refuses_folders_pipes_wrong_content_and_big_files(
    terminal: Terminal, tmp_path: Path
) -> None:
    terminal.at_attach_prompt()
    (tmp_path / "folder.pdf").mkdir()
    assert "is a folder" in terminal.say(f"/file {tmp_path / 'folder.pdf'}")
    os.mkfifo(tmp_path / "pipe.pdf")  # opening it must not hang the console
    assert "not an ordinary file" in terminal.say(f"/file {tmp_path / 'pipe.pdf'}")
    (tmp_path / "notes.pdf").write_text("just text")
    assert "does not look like a PDF" in terminal.say(f"/file {tmp_path / 'notes.pdf'}")
    (tmp_path / "tool.exe").write_bytes(PDF)
    assert REFUSED_TYPE in terminal.say(f"/file {tmp_path / 'tool.exe'}")
    (tmp_path / "big.pdf").write_bytes(PDF + b"0" * 5000)
    assert "the limit is 4 KB" in terminal.say(f"/file {tmp_path / 'big.pdf'}")
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert "This file is empty" in terminal.say(f"/file {tmp_path / 'empty.pdf'}")
    assert kept_files(terminal.data_dir) == []
    (tmp_path / f"reply{RLO}.pdf").write_bytes(PDF)
    said = terminal.say(f"/file {tmp_path / f'reply{RLO}.pdf'}")
    assert "Attached reply.pdf to AL BDI 1/2017." in said
    assert len(kept_files(terminal.data_dir)) == 1


def test_console_keeps_no_file_nobody_asked_for(terminal: Terminal, tmp_path: Path) -> None:
    (tmp_path / "letter.pdf").write_bytes(PDF)
    assert "I only keep a file when" in terminal.say(f"/file {tmp_path / 'letter.pdf'}")
    assert kept_files(terminal.data_dir) == []
