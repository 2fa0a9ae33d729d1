"""The bot as a real `python -m bot` process against the loopback Bot API stand-in, for fault
and security tests: start it, SIGKILL it, restart it on the same data folder, and talk to it
as users do, through getUpdates.

Each process's stderr (its log) goes to a file, so a process killed at any moment cannot
block on a full pipe, and the whole log of a test can be scanned afterwards.

`ChatClient` is one user. It sends a message followed by a marker (an unknown command, which
the bot answers without changing anything) and waits for the marker's answer: the bot
handles one user's updates in order, so everything it sent to the user between the previous
marker's answer and this one answers the message. A marker that never gets an answer (the
process was killed holding it) tells the user to ask again. So no step waits for a fixed
time: every wait ends on an event or on a deadline that fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from botapi_stub import BotApiStub, Sent, callback, message
from telegram_harness import until as until  # the fault tests' one wait

from storage import layout
from storage.tinydb_repo import open_repository
from workflows.cases.service import CaseService
from workflows.checklists.model import Registry

ROOT = Path(__file__).resolve().parents[2]
#: A token nobody would type by accident, so that finding it anywhere is unambiguous.
TOKEN = "7312458096:ZZtokenSECRET-fault_tests-4f9c2e71"
SECRET_PART = TOKEN.partition(":")[2]
ADMIN = 100
REMINDER = "Reminder · "
SUMMARY = "Reminders · "  # many reminders due at once for one person: one summary
MARK = "/zzmark"
#: The bot's answer to a marker starts with this (an unknown command).
MARK_ANSWER = "I do not know " + MARK
#: Run `python -m bot` with its log at DEBUG: the same entry point, the level raised where
#: bot.app configures logging (there is no setting for it).
DEBUG_MAIN = (
    "import logging, sys\n"
    "from bot.telegram import logs\n"
    "configure = logs.configure\n"
    "logs.configure = lambda *secrets, level=0: configure(*secrets, level=logging.DEBUG)\n"
    "from bot.__main__ import main\n"
    "sys.exit(main())\n"
)


def bot_env(stub: BotApiStub, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FOLLOWUP_"))}
    return env | {
        "TELEGRAM_BOT_TOKEN": stub.token,
        "TELEGRAM_API_BASE_URL": stub.base_url,
        "TELEGRAM_API_FILE_URL": stub.file_url,
        "FOLLOWUP_ADMINS": str(ADMIN),
        "FOLLOWUP_DATA_DIR": str(data_dir),
        # The bot runs on the real clock: no digest while these tests run, whatever the day
        # (it is tested elsewhere); the day after tomorrow is never today.
        "FOLLOWUP_DIGEST_DAYS": (datetime.now(UTC) + timedelta(days=2)).strftime("%a"),
        **extra,
    }


class BotProcess:
    """`python -m bot` (or `DEBUG_MAIN`) on one data folder, started again after each kill."""

    def __init__(self, env: dict[str, str], log: Path, *, debug: bool = False) -> None:
        self.env = env
        self.log = log
        self.debug = debug
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills = 0

    async def start(self) -> None:
        assert self.process is None, "already running"
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"==== start {self.starts}\n".encode())
            log.flush()
            args = ("-c", DEBUG_MAIN) if self.debug else ("-m", "bot")
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, *args, cwd=ROOT, env=self.env, umask=0o022,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or confirmed."""
        assert self.process is not None
        self.process.kill()
        await asyncio.wait_for(self.process.wait(), 20)
        self.process = None
        self.kills += 1

    async def stop(self) -> int:
        """SIGINT, as Ctrl-C or a platform's stop: returns the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(self.process.wait(), 30)
        self.process = None
        return code

    async def ensure_stopped(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self.process = None

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def bot_process(stub: BotApiStub, data_dir: Path, *, debug: bool = False, **env: str) -> BotProcess:
    """The bot on `data_dir`, talking to `stub`, logging to bot.log beside the folder."""
    return BotProcess(bot_env(stub, data_dir, **env), data_dir.parent / "bot.log", debug=debug)


@contextlib.asynccontextmanager
async def running(bot: BotProcess) -> AsyncIterator[BotProcess]:
    """Start the bot for the block; whatever happens in it, no process is left behind (a
    SIGKILL at the end unless the block stopped it: a graceful stop could wait on a backlog)."""
    await bot.start()
    try:
        yield bot
    finally:
        await bot.ensure_stopped()


# ---- talking to the bot ------------------------------------------------------------------


class Inbox:
    """Every message the stand-in accepted, by chat; reminders kept apart."""

    def __init__(self, stub: BotApiStub) -> None:
        self.stub = stub
        self.chats: dict[int, list[Sent]] = {}
        self.reminders: list[Sent] = []
        self.reminder_times: list[float] = []  # time.monotonic() of each reminder
        self._events: dict[int, asyncio.Event] = {}
        stub.on_sent = self._on_sent

    def _on_sent(self, sent: Sent) -> None:
        if sent.text.startswith((REMINDER, SUMMARY)):
            self.reminders.append(sent)
            self.reminder_times.append(time.monotonic())
            return
        self.chats.setdefault(sent.chat_id, []).append(sent)
        self.event(sent.chat_id).set()

    def event(self, chat_id: int) -> asyncio.Event:
        return self._events.setdefault(chat_id, asyncio.Event())


class ChatClient:
    """One user in a private chat: each `exchange` is a message and the bot's answer to it."""

    def __init__(self, inbox: Inbox, user_id: int) -> None:
        self.inbox = inbox
        self.user_id = user_id
        self.cursor = 0  # messages before this one were answers to earlier exchanges
        self.marks = 0  # markers sent
        self._marks = itertools.count(1)

    @property
    def stub(self) -> BotApiStub:
        return self.inbox.stub

    def say(self, text: str) -> dict[str, Any]:
        return message(self.user_id, text=text)

    def tap(self, on: Sent, label: str) -> dict[str, Any]:
        return callback(self.user_id, on.button(label), on)

    def tap_data(self, data: str, on: Sent | None = None) -> dict[str, Any]:
        return callback(self.user_id, data, on)

    async def exchange(self, update: dict[str, Any] | None, timeout: float) -> list[Sent] | None:
        """Send `update`, then a marker; the messages the bot sent before answering the marker
        (late answers to earlier exchanges included). None if the marker got no answer in
        `timeout` seconds: the bot was killed holding it, and maybe `update` too."""
        mark = f"{MARK}{self.user_id}x{next(self._marks)}"
        self.marks += 1
        if update is not None:
            await self.stub.push(update)
        await self.stub.push(message(self.user_id, text=mark))
        answer = f"I do not know {mark}."
        messages = self.inbox.chats.setdefault(self.user_id, [])
        event = self.inbox.event(self.user_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event.clear()
            for i in range(self.cursor, len(messages)):
                if messages[i].text.startswith(answer):
                    window = [m for m in messages[self.cursor : i] if not _is_mark(m)]
                    self.cursor = i + 1
                    return window
            if loop.time() >= deadline:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), deadline - loop.time())

    def unanswered_marks(self) -> int:
        """Markers the bot never answered (a message lost between Telegram and the bot)."""
        answered = {
            m.text.split(".", 1)[0] for m in self.inbox.chats.get(self.user_id, []) if _is_mark(m)
        }
        return self.marks - len(answered)

    def seen(self) -> list[Sent]:
        """Everything the bot said to this user, markers' answers left out."""
        return [m for m in self.inbox.chats.get(self.user_id, []) if not _is_mark(m)]


def _is_mark(sent: Sent) -> bool:
    return sent.text.startswith(MARK_ANSWER)


def saved_echoes(messages: Iterable[Sent]) -> list[str]:
    """What the bot confirmed: the text after "Saved: " on each line that starts with it."""
    return [
        line.removeprefix("Saved: ")
        for m in messages
        for line in m.text.split("\n")
        if line.startswith("Saved: ")
    ]


# ---- data folders --------------------------------------------------------------------------


def add_officers(data_dir: Path, user_ids: Iterable[int], role: str = "officer") -> None:
    with open_repository(data_dir) as repo:
        for user_id in user_ids:
            repo.put_user({"id": str(user_id), "role": role}, actor="test")


def seed_overdue_letters(
    data_dir: Path, registry: Registry, owners: list[int], per_owner: int, today: date
) -> list[str]:
    """Urgent appeals sent 200 days before `today`, published, and never answered: each has
    three reminders due (the early check, the reply, the follow-up letter). Returns the case
    ids."""
    codes = ("BDI", "KEN", "CHL", "NPL", "PER", "GHA")
    names = {"BDI": "Burundi", "KEN": "Kenya", "CHL": "Chile", "NPL": "Nepal", "PER": "Peru",
             "GHA": "Ghana"}  # fmt: skip
    sent = today - timedelta(days=200)
    ids: list[str] = []
    with open_repository(data_dir) as repo:
        service = CaseService(repo, registry)
        numbers = itertools.count(9000)
        with repo.bulk():
            for owner in owners:
                for k in range(per_owner):
                    code = codes[(owner + k) % len(codes)]
                    intake = {
                        "comm_type": "UA",
                        "addressees": [{"code": code, "name": names[code], "kind": "state"}],
                        "date_sent": sent.isoformat(),
                        "mandates": ["WGAD"],
                        "reference": f"UA {code} {next(numbers)}/{sent.year}",
                        "summary": f"Seeded urgent appeal {k} of user {owner}.",
                    }
                    case = {
                        "id": repo.new_case_id(),
                        "kind": "communication",
                        "owner": str(owner),
                        "status": "draft",
                        "reference": None,
                        "label": "",
                        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "runs": [
                            {
                                "checklist": "communication_intake",
                                "version": 1,
                                "status": "done",
                                "position": None,
                                "answers": intake,
                                "skipped": [],
                                "pending": None,
                            },
                            {
                                "checklist": "communication_published",
                                "version": 1,
                                "status": "done",
                                "position": None,
                                "answers": {"letter_published": sent.isoformat()},
                                "skipped": ["publication_link"],
                                "pending": None,
                            },
                        ],
                        "files": [],
                    }
                    service.save(case, "test", "import", {})
                    ids.append(case["id"])
    return ids


def seed_visit(data_dir: Path, registry: Registry, owner: int, requested: date) -> str:
    """An open visit request (to Honduras) owned by `owner`; returns its case id."""
    request = {"state": {"code": "HND", "name": "Honduras", "kind": "state"},
               "mandates": ["SR HRDs"], "request_date": requested.isoformat(),
               "standing_invitation": True, "reprisal": False}  # fmt: skip
    with open_repository(data_dir) as repo:
        case = {
            "id": repo.new_case_id(),
            "kind": "visit",
            "owner": str(owner),
            "status": "draft",
            "reference": None,
            "label": "",
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "runs": [{"checklist": "visit_request", "version": 1, "status": "done",
                      "position": None, "answers": request, "skipped": [], "pending": None}],
            "files": [],
        }  # fmt: skip
        CaseService(repo, registry).save(case, "test", "import", {})
    return str(case["id"])


def read_session(data_dir: Path, user_id: int) -> dict[str, Any] | None:
    """A user's session as the bot last wrote it (files are replaced atomically, so reading
    one while the bot runs sees a whole version)."""
    raw = (data_dir / layout.SESSIONS_FILE).read_bytes()
    table = json.loads(raw).get(layout.SESSIONS_TABLE, {})
    for doc in table.values():
        if doc["user_id"] == str(user_id):
            return dict(doc["session"])
    return None


def read_case(data_dir: Path, case_id: str) -> dict[str, Any]:
    case = layout.read_case_file(layout.case_path(data_dir, case_id))
    assert case is not None, case_id
    return case


def case_files(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((data_dir / layout.CASES_DIR).glob("*.json"))}
