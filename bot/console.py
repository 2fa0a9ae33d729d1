"""The terminal transport: the same conversations as Telegram, on the local data folder.

For trying the bot with no token, for demos, and for scripted tests: it reads one
message per line from standard input, so a whole conversation can be piped in.
Buttons are printed numbered, across every message of one answer (three reminders printed
together number their buttons 1-12, each its own); typing a number taps that button.
`/file PATH` sends a document, as attaching one would on Telegram, through the same file
policy (type by extension and content, size limit; see `bot.filetypes`). Files the bot
sends (reports, exports) are written to the data folder's owner-only exports/ folder and
their path printed. `--as USER_ID` acts as that user of the bot: their role applies.
Every line is answered in that user's language (their record's; `--lang` sets it for the
session, until a choice made with /language takes over).

What is printed comes from stored text that anyone with access typed, so control
characters are shown escaped: an answer holding a terminal escape sequence cannot clear
the screen, retitle the window or hide what follows.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import TextIO

from bot.filetypes import DEFAULT_TYPES, FilePolicy, clean_name, identify
from bot.terminal import printable
from storage.atomic import atomic_write_bytes, make_private_dirs
from storage.files import store_file
from storage.layout import EXPORTS_DIR
from storage.repository import ReadFailed, Repository, StorageError
from workflows.chat.conversation import Chat, Conversation
from workflows.chat.views import Attachment, Button, Reply
from workflows.language import N_, _, use
from workflows.people.user_language import TOKEN as LANGUAGE_TOKEN
from workflows.people.user_language import language_of
from workflows.people.user_language import parse as parse_language

CONSOLE_USER = "console"
# Translators: “Attach a file” is the label of a button on a case card.
NOT_NOW = N_(
    "I only keep a file when a question asks for one, or after you choose “Attach a file” "
    "on a case (/cases)."
)
_DEFAULT_POLICY = FilePolicy.of(DEFAULT_TYPES, 20 * 1024 * 1024)


def ensure_console_user(repo: Repository) -> None:
    """Whoever sits at the terminal owns the data folder, so they are its admin."""
    if repo.get_user(CONSOLE_USER) is None:
        repo.put_user({"id": CONSOLE_USER, "role": "admin", "name": "Console"}, actor="system")


class Console:
    def __init__(
        self,
        conversation: Conversation,
        out: TextIO,
        policy: FilePolicy = _DEFAULT_POLICY,
        *,
        user_id: str | None = None,
        exports: Path | None = None,
        language: str | None = None,
    ) -> None:
        self.conversation = conversation
        self.out = out
        self.policy = policy
        self.chat = Chat(user_id=user_id or CONSOLE_USER, private=True)
        self.exports = exports or Path(conversation.repo.files_dir()).parent / EXPORTS_DIR
        self.buttons: list[Button] = []
        #: --lang: the session's language, until the user chooses one with /language.
        self.session_language = language

    def language(self) -> str:
        """The language of this session: --lang, else the user's record's (English if none)."""
        return self.session_language or language_of(
            self.conversation.repo.get_user(self.chat.user_id)
        )

    def run(self, lines: Iterable[str], interactive: bool) -> None:
        with use(self.language()):
            self._print(self.conversation.text(self.chat, "/start"))
            self._print(self._due_reminders())
        for line in self._prompted(lines, interactive):
            self.handle(line.rstrip("\r\n"))
        with use(self.language()):
            self.out.write(_("Bye. Everything you confirmed is saved.") + "\n")

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
            languages = {self.chat.user_id: self.language()}
            mine = [o for o in alerts.pending(languages) if o.to == self.chat.user_id]
        except StorageError as exc:
            text = _("Reminders could not be read: {reason}").format(reason=exc)
            return [Reply(text, error=True)]
        for outgoing in mine:
            try:
                if alerts.claim_outgoing(outgoing):
                    shown.append(outgoing.reply)
            except StorageError as exc:
                text = _("A reminder could not be recorded: {reason}").format(reason=exc)
                shown.append(Reply(text, error=True))
        return shown

    def handle(self, line: str) -> None:
        """One typed line: a button number, /file PATH, or anything the chat accepts, in the
        session's language."""
        with use(self.language()):
            try:
                replies = self._dispatch(line)
            except ReadFailed as exc:
                text = _("Could not read the data folder: {reason}. Nothing was changed.")
                replies = [Reply(text.format(reason=exc), error=True)]
            except StorageError as exc:
                text = _("Not saved: {reason}. Your earlier answers are safe.")
                replies = [Reply(text.format(reason=exc), error=True)]
        if self._chooses_language(line):
            self.session_language = None  # chosen with /language: the record's from now on
        with use(self.language()):
            self._print(replies)

    def _chooses_language(self, line: str) -> bool:
        """Whether `line` was a choice made with /language (typed, or a tap on its menu)."""
        stripped = line.strip()
        if re.fullmatch(r"[0-9]{1,4}", stripped) and 1 <= int(stripped) <= len(self.buttons):
            return self.buttons[int(stripped) - 1].token.startswith(f"{LANGUAGE_TOKEN}:")
        command, _sep, arg = stripped.partition(" ")
        return command == "/language" and parse_language(arg) is not None

    def _dispatch(self, line: str) -> list[Reply]:
        stripped = line.strip()
        if re.fullmatch(r"[0-9]{1,4}", stripped) and 1 <= int(stripped) <= len(self.buttons):
            return self.conversation.tap(self.chat, self.buttons[int(stripped) - 1].token)
        if stripped.startswith("/file"):
            return self._send_file(stripped[5:].strip())
        return self.conversation.text(self.chat, line)

    def _send_file(self, path_text: str) -> list[Reply]:
        """The same checks as a document sent on Telegram, plus those only a local path
        needs: it must exist and be an ordinary file (not a folder, a device, or a system
        file such as /proc/self/environ, which holds the bot's environment)."""
        if not path_text:
            return [Reply(_("Give the path of a file: /file ~/letters/reply.pdf"), error=True)]
        path = Path(path_text).expanduser()
        name = clean_name(path.name)
        kind = identify(name, None)
        if refusal := self.policy.refusal(kind, None):
            return [Reply(refusal, error=True)]
        if not self.conversation.expects_file(self.chat):
            return [Reply(_(NOT_NOW), error=True), *self.conversation.text(self.chat, "/resume")]
        try:
            data = read_local_file(path, self.policy.max_bytes)
        except LocalFileError as exc:
            return [Reply(str(exc), error=True)]
        if refusal := self.policy.content_refusal(kind, data):
            return [Reply(refusal, error=True)]
        assert kind is not None
        files_dir = self.conversation.repo.files_dir()
        now = self.conversation.service.clock.now()
        meta = store_file(files_dir, name, data, kind.mime, self.chat.user_id, now)
        return self.conversation.file(self.chat, meta)

    def _print(self, replies: list[Reply]) -> None:
        """Buttons are numbered on from one message to the next, so each printed message's
        numbers are its own; a new answer starts again from 1."""
        buttons: list[Button] = []
        for reply in replies:
            self.out.write(printable(render(reply, first=len(buttons) + 1)) + "\n")
            buttons += reply.buttons
            for attachment in reply.files:
                saved = _("saved {path}").format(path=self._save(attachment))
                self.out.write(printable("  " + saved) + "\n")
            self.out.write("\n")
        self.buttons = buttons
        self.out.flush()

    def _save(self, attachment: Attachment) -> Path:
        """Files (reports, exports) go to the data folder's exports/ folder, owner-only.

        Written to a new owner-only file beside the target, then renamed over it: an
        existing file's looser permissions are not kept, and an existing symbolic link is
        replaced, never written through (it could point anywhere)."""
        name = clean_name(PurePath(attachment.name).name) or "download"
        make_private_dirs(self.exports)
        path = self.exports / name
        atomic_write_bytes(path, attachment.data)
        return path


def render(reply: Reply, first: int = 1) -> str:
    lines = []
    if reply.title:
        lines += [f"== {reply.title} =="]
    lines.append(reply.text)
    lines += [f"  [{n}] {b.label}" for n, b in enumerate(reply.buttons, start=first)]
    return "\n".join(lines)


class LocalFileError(ValueError):
    """A path given to /file cannot be sent; str() says why, for the user."""


def read_local_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of an ordinary file at `path`, at most `max_bytes` + 1 of them.

    Opened without blocking (a named pipe must not hang the console) and checked on the
    open descriptor, so what is checked is what is read. A file whose content is not the
    size it reports (/proc and /sys files report 0 or 4096) is not an ordinary document.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise LocalFileError(_("File not found: {path}").format(path=path)) from None
    except PermissionError:
        problem = _("I may not read {path} (permission denied).")
        raise LocalFileError(problem.format(path=path)) from None
    except OSError as exc:
        problem = _("Cannot open {path}: {reason}.")
        raise LocalFileError(problem.format(path=path, reason=exc.strerror or exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise LocalFileError(
                _("{path} is a folder. Give the path of one file.").format(path=path)
            )
        if not stat.S_ISREG(info.st_mode):
            problem = _("{path} is not an ordinary file (a device, pipe or socket).")
            raise LocalFileError(problem.format(path=path))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) <= max_bytes and len(data) != info.st_size:
        raise LocalFileError(_("{path} is a system file, not a document.").format(path=path))
    return data
