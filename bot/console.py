"""The terminal transport: the same conversations as Telegram, on the local data folder.

For trying the bot with no token, for demos, and for scripted tests: it reads one
message per line from standard input, so a whole conversation can be piped in.
Buttons are printed numbered; typing a number taps that button. `/file PATH` sends
a document, as attaching one would on Telegram. Files the bot sends (reports, exports)
are written to the current folder.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from storage.files import store_file
from storage.repository import ReadFailed, Repository, StorageError
from workflows.conversation import Chat, Conversation
from workflows.views import Attachment, Button, Reply

CONSOLE_USER = "console"


def ensure_console_user(repo: Repository) -> None:
    """Whoever sits at the terminal owns the data folder, so they are its admin."""
    if repo.get_user(CONSOLE_USER) is None:
        repo.put_user({"id": CONSOLE_USER, "role": "admin", "name": "Console"}, actor="system")


class Console:
    def __init__(self, conversation: Conversation, out: TextIO) -> None:
        self.conversation = conversation
        self.out = out
        self.chat = Chat(user_id=CONSOLE_USER, private=True)
        self.buttons: list[Button] = []

    def run(self, lines: Iterable[str], interactive: bool) -> None:
        self._print(self.conversation.text(self.chat, "/start"))
        self._print(self._due_reminders())
        for line in self._prompted(lines, interactive):
            self.handle(line.rstrip("\r\n"))
        self.out.write("Bye. Everything you confirmed is saved.\n")

    def _prompted(self, lines: Iterable[str], interactive: bool) -> Iterable[str]:
        for line in lines:
            yield line
            if interactive:
                self.out.write("> ")
                self.out.flush()

    def _due_reminders(self) -> list[Reply]:
        """Reminders for the person at the terminal, shown (and recorded) at start-up. One
        that cannot be recorded is not shown (it comes back next time); the chat still starts."""
        alerts = self.conversation.alerts
        shown = []
        try:
            mine = [o for o in alerts.pending() if o.to == CONSOLE_USER]
        except StorageError as exc:
            return [Reply(f"Reminders could not be read: {exc}", error=True)]
        for outgoing in mine:
            try:
                if alerts.claim_outgoing(outgoing):
                    shown.append(outgoing.reply)
            except StorageError as exc:
                shown.append(Reply(f"A reminder could not be recorded: {exc}", error=True))
        return shown

    def handle(self, line: str) -> None:
        """One typed line: a button number, /file PATH, or anything the chat accepts."""
        try:
            self._print(self._dispatch(line))
        except ReadFailed as exc:
            self._print([Reply(f"Could not read the data folder: {exc}. Nothing was changed.",
                               error=True)])  # fmt: skip
        except StorageError as exc:
            self._print([Reply(f"Not saved: {exc}. Your earlier answers are safe.", error=True)])

    def _dispatch(self, line: str) -> list[Reply]:
        stripped = line.strip()
        if re.fullmatch(r"[0-9]{1,4}", stripped) and 1 <= int(stripped) <= len(self.buttons):
            return self.conversation.tap(self.chat, self.buttons[int(stripped) - 1].token)
        if stripped.startswith("/file"):
            return self._send_file(stripped[5:].strip())
        return self.conversation.text(self.chat, line)

    def _send_file(self, path_text: str) -> list[Reply]:
        path = Path(path_text).expanduser()
        if not path_text or not path.is_file():
            return [Reply("Give the path of a file: /file ~/letters/reply.pdf", error=True)]
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        files_dir = self.conversation.repo.files_dir()
        service = self.conversation.service
        meta = store_file(files_dir, path.name, path.read_bytes(), mime, CONSOLE_USER,
                          service.clock.now())  # fmt: skip
        return self.conversation.file(self.chat, meta)

    def _print(self, replies: list[Reply]) -> None:
        for reply in replies:
            self.out.write(render(reply) + "\n")
            for attachment in reply.files:
                self.out.write(f"  saved {self._save(attachment)}\n")
            self.out.write("\n")
        self.buttons = replies[-1].buttons if replies else []
        self.out.flush()

    def _save(self, attachment: Attachment) -> Path:
        """Files (reports, exports) go to the current folder, readable by the owner only."""
        path = Path(attachment.name).resolve()
        path.touch(mode=0o600)
        path.write_bytes(attachment.data)
        return path


def render(reply: Reply) -> str:
    lines = []
    if reply.title:
        lines += [f"== {reply.title} =="]
    lines.append(reply.text)
    lines += [f"  [{n}] {b.label}" for n, b in enumerate(reply.buttons, start=1)]
    return "\n".join(lines)
