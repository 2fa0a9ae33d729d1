"""How `tests/storage/v2_folder/` was made: run once with the code of `main` at commit
2efa983 (schema version 2, before one letter per addressee), then checked in.

    .venv/bin/python tests/storage/record_v2_folder.py tests/storage/v2_folder

Kept as the record of what the folder holds and how it came to be; it drives main's own
chat (`Conversation`) as an officer would, so every file, answer and audit entry in the
folder is exactly what that version wrote. It does not run against later code (the chat
changed): the upgrade test reads the recorded folder, not this script.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from storage.tinydb_repo import TinyDBRepository
from workflows.cases.service import CaseService, Clock
from workflows.chat.conversation import Chat, Conversation
from workflows.checklists.model import Registry

NOW = datetime(2017, 9, 1, 9, 0, tzinfo=UTC)


def say(conv: Conversation, chat: Chat, *messages: str) -> None:
    reply = None
    for message in messages:
        if message.startswith("#"):
            reply = reply or conv.text(chat, "/resume")[-1]
            button = next(b for b in reply.buttons if b.label.startswith(message[1:]))
            reply = conv.tap(chat, button.token)[-1]
        else:
            reply = conv.text(chat, message)[-1]
        assert not reply.error, (message, reply.text)


def main(target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    repo = TinyDBRepository(target, clock=lambda: NOW)
    service = CaseService(repo, Registry.from_folder(), Clock(lambda: NOW))
    conv = Conversation(service)
    for user_id, role in (("1", "admin"), ("2", "officer")):
        repo.put_user({"id": user_id, "role": role}, actor="record")
    officer = Chat("2")
    # A joint letter to two States and a company, with a reply, a follow-up letter with its
    # reference, a follow-up letter without one, a statement and an attached file.
    say(conv, officer, "/new", "#Communication", "#JAL", "Iran, Turkey, Acme Mining Ltd",
        "#Yes", "10/03/2017", "WGAD, SR HRDs", "#JAL IRN 1/2017",
        "Detention of a lawyer after meeting a mandate holder.", "1, 2", "Ana Example",
        "/skip", "#Save")  # fmt: skip
    say(conv, officer, "/case JAL IRN 1/2017", "#Reply received", "2 May 2017", "#French",
        "#Substantive", "#No", "Denies the detention.", "/skip", "#Save")  # fmt: skip
    say(conv, officer, "/case JAL IRN 1/2017", "#Follow-up action", "#Follow-up letter",
        "20 June 2017", "AL IRN 7/2017", "Asked again.", "#Save")  # fmt: skip
    say(conv, officer, "/case JAL IRN 1/2017", "#Follow-up action", "#Follow-up letter",
        "1 August 2017", "/skip", "/skip", "#Save")  # fmt: skip
    say(conv, officer, "/case JAL IRN 1/2017", "#Follow-up action", "#Press release",
        "5 August 2017", "https://www.ohchr.org/example", "#Save")  # fmt: skip
    files = Path(repo.files_dir())
    data = b"%PDF-1.4 recorded letter\n"
    sha = hashlib.sha256(data).hexdigest()
    (files / sha).write_bytes(data)
    meta = {"name": "letter.pdf", "sha256": sha, "size": len(data), "mime": "application/pdf"}
    case = repo.case_by_reference("JAL IRN 1/2017")
    assert case is not None
    service.attach(case, meta, "2")
    # A single urgent appeal, no reply.
    say(conv, officer, "/new", "#Communication", "#UA", "Burundi", "1/04/2017", "SR HRDs",
        "#UA BDI 1/2017", "Imminent expulsion.", "/skip", "/skip", "#Save")  # fmt: skip
    # A joint other letter to two States.
    say(conv, officer, "/new", "#Communication", "#JOL", "China, Brazil", "2/05/2017",
        "SR Torture, WGAD", "#JOL CHN 1/2017", "Draft law on NGOs.", "/skip", "/skip",
        "#Save")  # fmt: skip
    # A draft, left unfinished.
    say(conv, officer, "/new", "#Communication", "#AL", "Egypt")
    # A visit request.
    say(conv, officer, "/new", "#Country visit")
    repo.close()
    (target / ".lock").unlink(missing_ok=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
