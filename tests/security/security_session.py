"""A realistic session with the bot run as a process (`python -m bot`, its log at DEBUG), for
the security tests to look at afterwards: an officer logs a communication with a confidential
name and the letter as a PDF, an admin exports the data and asks for a report, a viewer
reads the case, and the Bot API misbehaves on the way (so that retries and the error handler
log too). Then the command-line tools export, back up and report on the same folder.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from botapi_stub import BotApiStub, message
from fault_harness import (
    ADMIN,
    ROOT,
    ChatClient,
    Inbox,
    add_officers,
    bot_process,
    running,
)

OFFICER, VIEWER = 201, 301
SUMMARY = "ZZSECRETSUMMARY detention of a journalist"
VICTIM = "ZZVICTIM Jane Doe"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Session:
    data: Path
    log: str
    reference: str
    inbox: Inbox
    outputs: dict[str, Path]  # what the command-line tools wrote
    cli_output: str  # their standard output and error


async def run_session(api: BotApiStub, tmp_path: Path) -> Session:
    data = tmp_path / "data"
    add_officers(data, [OFFICER])
    add_officers(data, [VIEWER], role="viewer")
    bot = bot_process(api, data, debug=True)
    inbox = Inbox(api)
    officer, admin, viewer = (ChatClient(inbox, uid) for uid in (OFFICER, ADMIN, VIEWER))
    sent_on = date.today() - timedelta(days=2)
    async with running(bot):

        async def say(user: ChatClient, text: str) -> str:
            window = await user.exchange(user.say(text), 30)
            assert window, text
            return window[-1].text

        async def tap(user: ChatClient, label: str) -> str:
            on = next(m for m in reversed(user.seen()) if m.buttons)
            window = await user.exchange(user.tap(on, label), 30)
            assert window, label
            return window[-1].text

        await say(officer, "/new")
        await tap(officer, "Communication")
        api.fail("sendMessage", 502)  # retried, and logged as such
        await tap(officer, "AL allegation letter")
        api.drop("sendMessage")
        await say(officer, "Burundi")
        await say(officer, f"{sent_on:%d/%m/%Y}")
        await say(officer, "WGAD")
        reference = f"AL BDI 1/{sent_on.year}"
        await tap(officer, reference)
        api.fail("sendMessage", 400, "Bad Request: chat not found")  # to the error handler
        await say(officer, SUMMARY)
        await say(officer, "2")
        await say(officer, VICTIM)
        file_id = api.add_file(PDF, "documents/letter.pdf")
        document = {"file_id": file_id, "file_unique_id": "u1", "file_name": "letter.pdf",
                    "mime_type": "application/pdf", "file_size": len(PDF)}  # fmt: skip
        window = await officer.exchange(message(OFFICER, document=document), 30)
        assert window and window[-1].text.startswith("Review · "), window
        assert "Checklist saved." in await tap(officer, "Save")

        await say(admin, "/export")
        await say(admin, "/report")
        await tap(admin, "This year")
        await tap(admin, "All cases")
        await say(admin, "/users")
        await say(viewer, f"/case {reference}")
        assert await bot.stop() == 0

    outputs = {
        "export": tmp_path / "out" / "export.json",
        "backup": tmp_path / "out" / "backup.tar.gz",
        "report": tmp_path / "out" / "report.docx",
        "csv": tmp_path / "out" / "report.csv",
    }
    outputs["export"].parent.mkdir()
    cli = [
        ["export", "--out", str(outputs["export"])],
        ["backup", "--out", str(outputs["backup"])],
        ["report", "--period", "this year", "--format", "docx", "--out", str(outputs["report"])],
        ["report", "--period", "this year", "--format", "csv", "--out", str(outputs["csv"])],
        ["report", "--period", "this year"],
    ]
    printed = []
    for args in cli:
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args, "--as", str(ADMIN)], cwd=ROOT,
            env=bot.env, umask=0o022, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        printed += [done.stdout, done.stderr]
    return Session(data, bot.log_text(), reference, inbox, outputs, "\n".join(printed))


def readable(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """A file's bytes, and those of every file inside it if it is an archive."""
    found = [(name, data)]
    if name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive.getmembers():
                handle = archive.extractfile(member)
                if handle is not None:
                    found += readable(f"{name}/{member.name}", handle.read())
    elif data[:2] == b"PK":  # .docx, .xlsx
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            found += [(f"{name}/{n}", archive.read(n)) for n in archive.namelist()]
    return found
