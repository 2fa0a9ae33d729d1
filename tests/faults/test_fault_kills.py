"""50 officers log communications while the bot process is SIGKILLed at random moments and
restarted; reminders are due all along. Afterwards nothing the bot confirmed is missing.

The bot is the real `python -m bot` (long polling) on one data folder; the Bot API stand-in
re-delivers every update the bot had not confirmed when it died, as Telegram does. Each
officer decides the next message from the bot's last answer (see `Officer.next_update`), so
lost answers, repeated answers and restarts are handled the way a person would: /resume.

FAULT_KILLS sets the number of kills (default 8, which runs in CI; the issue's full run is
FAULT_KILLS=20), FAULT_SEED the random kill points (the seed is printed, to replay a failure).
Kill points are measured in the bot's progress, never in seconds, so a busy machine changes
how long a run takes but not what it tests: every other life is killed in start-up (catch-up,
replay) after a random number of Bot API calls, possibly none; the others once the users have
had a random 50-120 more answers confirmed, so the users always get work done. After the
last restart every officer resumes and carries on until its letter is saved: the fifty
officers advance together, so the earlier lives may end before any of them has finished one.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from botapi_stub import BotApiStub, Sent
from fault_harness import (
    ADMIN,
    SUMMARY,
    BotProcess,
    ChatClient,
    Inbox,
    add_officers,
    bot_env,
    read_case,
    read_session,
    saved_echoes,
    seed_overdue_letters,
    until,
)

from storage import layout
from storage.tinydb_repo import open_repository
from workflows.checklists.answers import display
from workflows.checklists.model import Registry

KILLS = int(os.environ.get("FAULT_KILLS", "8"))
SEED = int(os.environ.get("FAULT_SEED", "20261128"))
USERS = 50
FIRST_USER = 70001
#: Overdue urgent appeals per officer, three reminders each: enough that sending them all
#: takes several lives of the process (750 reminders for 6 kills, 1,800 for 20).
OVERDUE_PER_USER = 2 + KILLS // 2
#: A marker with no answer after this long was lost with a killed process: ask again.
PATIENCE = 5.0
STATES = ("Burundi", "Kenya", "Chile", "Nepal", "Peru", "Ghana", "Mongolia", "Uruguay")
SUGGESTION = re.compile(r"AL ([A-Z]{3}) [0-9]+/([0-9]{4})")


class Officer(ChatClient):
    """Logs allegation letters one after another, from whatever the bot last said."""

    def __init__(self, inbox: Inbox, user_id: int, number: int, registry: Registry) -> None:
        super().__init__(inbox, user_id)
        self.number = number  # 1..50: keeps references unique across officers
        self.intake = registry.latest("communication_intake")
        self.prompts = {q.prompt: q for q in self.intake.questions}
        self.references = 0
        self.finished = 0  # cases the bot showed as saved ("Checklist saved.")
        self._same = 0
        self._last = ""

    def next_update(self, window: list[Sent]) -> dict[str, Any]:
        if not window:
            return self.say("/resume")  # the message was lost with a killed process
        last = window[-1]
        self._count_repeats(last.text)
        lines = last.text.split("\n")
        title = lines[0]
        if last.text.startswith("What do you want to log?"):
            return self.tap(last, "Communication")
        if title.startswith("Question ") and title.endswith("New communication"):
            question = next((self.prompts[line] for line in lines if line in self.prompts), None)
            if question is not None:
                return self.answer(question.id, last)
        if title.startswith("Review · New communication"):
            return self.tap(last, "Save")
        if any(line.startswith("Status: ") for line in lines):  # a case card
            self.finished += "Checklist saved." in lines
            return self.say("/new")
        if last.text.startswith("You are not in a checklist"):
            return self.say("/new")
        return self.say("/resume")  # an error, a stale button, "Sorry, something went wrong"

    def answer(self, question: str, on: Sent) -> dict[str, Any]:
        n = self.references
        match question:
            case "comm_type":
                return self.tap(on, "AL allegation letter")
            case "addressees":
                return self.say(STATES[(self.number + n) % len(STATES)])
            case "date_sent":
                return self.say(f"{date.today() - timedelta(days=3):%d/%m/%Y}")
            case "mandates":
                return self.say("WGAD")
            case "reference":
                found = (SUGGESTION.fullmatch(label) for label, _ in on.buttons)
                suggested = next((m for m in found if m), None)
                if suggested is None:
                    return self.say("/resume")
                self.references += 1
                assert self.references < 100, "references would collide"
                number = self.number * 100 + self.references
                return self.say(f"AL {suggested[1]} {number}/{suggested[2]}")
            case "summary":
                return self.say(f"Summary {self.user_id}-{n}: detention of a journalist.")
            case "themes":
                return self.say("2" if n % 2 else "/skip")  # 2: defenders, asks for names
            case "victims":
                return self.say(f"Victim {self.user_id}-{n}")
        return self.say("/skip")  # the letter

    def _count_repeats(self, text: str) -> None:
        self._same = self._same + 1 if text == self._last else 0
        self._last = text
        assert self._same < 12, f"user {self.user_id} is stuck on: {text!r}"

    async def chat(self, stop: asyncio.Event) -> None:
        update = self.say("/new")
        while not stop.is_set():
            window = await self.exchange(update, PATIENCE)  # None: killed holding the marker
            update = self.next_update(window or [])

    async def resume_and_continue(self, data_dir: Path, registry: Registry) -> None:
        """After the last restart: /resume shows where storage says the user is, and the user
        carries on until the bot shows the letter saved (so every user saves one whole
        checklist in the last life, however far the earlier lives got)."""
        window = await self.exchange(self.say("/resume"), 60)
        assert window, f"user {self.user_id}: no answer to /resume"
        check_resume(window[-1], data_dir, self.user_id, registry)
        saved = self.finished
        while self.finished == saved:
            window = await self.exchange(self.next_update(window), 60)
            assert window is not None, f"user {self.user_id}: the bot stopped answering"


def check_resume(reply: Sent, data_dir: Path, user_id: int, registry: Registry) -> None:
    lines = reply.text.split("\n")
    session = read_session(data_dir, user_id) or {}
    if session.get("run") is None:
        # Not in a checklist; or the checklist was saved and the bot was killed before it
        # left it, in which case /resume showed the case card (and left it).
        assert reply.text.startswith("You are not in a checklist") or any(
            line.startswith("Status: ") for line in lines
        ), (user_id, reply.text)
        return
    case = read_case(data_dir, session["case"])
    run = case["runs"][session["run"]]
    checklist = registry.get(run["checklist"], run["version"])
    if run["status"] == "in_progress":
        question = checklist.question(run["position"])
        assert question is not None
        assert lines[0].startswith("Question ") and question.prompt in lines, (user_id, lines)
    else:
        assert run["status"] == "review" and lines[0].startswith("Review · "), (user_id, lines)


class Confirmed:
    """The answers the bot has confirmed so far (its "Saved: " lines), counted as they are
    sent: the stand-in's list only grows, so each call reads only what is new."""

    def __init__(self, api: BotApiStub) -> None:
        self._api, self._seen, self.count = api, 0, 0

    def __call__(self) -> int:
        new = self._api.sent[self._seen :]
        self._seen += len(new)
        self.count += len(saved_echoes(new))
        return self.count


async def test_kill_and_restart_under_load_loses_no_confirmed_answer(
    api: BotApiStub, tmp_path: Path, registry: Registry
) -> None:
    started = time.monotonic()
    rng = random.Random(SEED)
    data = tmp_path / "data"
    users = list(range(FIRST_USER, FIRST_USER + USERS))
    add_officers(data, users)
    seed_overdue_letters(data, registry, users, OVERDUE_PER_USER, date.today())
    inbox = Inbox(api)
    officers = [Officer(inbox, uid, n, registry) for n, uid in enumerate(users, start=1)]
    # No send throttle (the stand-in has no flood limit): the users get more done per life.
    # A sweep every 3 s runs beside the start-up catch-up.
    env = bot_env(api, data, FOLLOWUP_SEND_RATE="0", FOLLOWUP_SWEEP_MINUTES="0.05")
    bot = BotProcess(env, tmp_path / "bot.log")
    stop = asyncio.Event()
    chats = [asyncio.create_task(o.chat(stop)) for o in officers]
    moments: list[str] = []  # where each process was killed
    confirmed = Confirmed(api)
    lives: list[float] = []  # when each process was started
    try:
        async with asyncio.timeout(90 + 12 * KILLS):
            for life in range(KILLS):
                lives.append(time.monotonic())
                calls = len(api.calls)
                await bot.start()
                if life % 2:  # a working life: killed after a number of confirmed answers
                    target = confirmed() + rng.randint(50, 120)
                    moments.append(f"{target - confirmed.count} answers")
                    await until(lambda t=target: confirmed() >= t, 120, moments[-1])
                else:  # a life killed in start-up (catch-up, replay), counted in Bot API calls
                    target = calls + rng.randint(0, 40)
                    moments.append(f"{target - calls} Bot API calls")
                    await until(lambda t=target: len(api.calls) >= t, 60, moments[-1])
                assert bot.process is not None and bot.process.returncode is None, bot.log_text()
                await bot.kill()
            stop.set()
            for task in chats:
                task.cancel()
            await asyncio.gather(*chats, return_exceptions=True)
            for task in chats:  # a failed assertion in a user, not the cancellation
                if not task.cancelled() and (failure := task.exception()) is not None:
                    raise failure

            lives.append(time.monotonic())
            await bot.start()
            await asyncio.gather(*(o.resume_and_continue(data, registry) for o in officers))
            assert await bot.stop() == 0
    finally:
        await bot.ensure_stopped()
        for task in chats:
            task.cancel()

    log = bot.log_text()
    print(f"seed {SEED}, {bot.kills} kills, after: {', '.join(moments)}")
    assert bot.kills == KILLS
    assert unexpected_errors(log) == []
    with open_repository(data) as repo:  # the database opens, and its index agrees with it
        entries = repo.list_cases()
        cases = {e["id"]: repo.get_case(e["id"]) for e in entries}
        assert set(cases) == set(layout.case_ids_on_disk(data))
        for entry in entries:
            case = cases[entry["id"]]
            assert case is not None and layout.index_entry(case, entry["id"]) == entry

    confirmed = check_every_confirmed_answer_is_stored(officers, cases, registry)
    reminders = check_no_reminder_was_sent_twice(inbox.reminders, cases)
    finished = sum(o.finished for o in officers)
    recorded = sum(len(c["reminders"]["sent"]) for c in cases.values() if c.get("reminders"))
    print(f"{confirmed} answers confirmed and found in storage, {finished} cases saved; "
          f"{reminders} reminders sent, {recorded - reminders} more recorded but not sent (the "
          f"kill came in between); {sum(o.unanswered_marks() for o in officers)} of "
          f"{sum(o.marks for o in officers)} markers never answered; "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
    assert confirmed >= 4 * USERS and finished >= USERS  # the users did get work done
    # Every message got its answer in the end, also those a killed process had taken.
    assert sum(o.unanswered_marks() for o in officers) == 0
    assert reminders > 0
    # Reminders were being sent when a process was killed: they span several lives.
    spanned = {sum(1 for t in lives if t <= at) for at in inbox.reminder_times}
    print(f"reminders were sent during {len(spanned)} of {len(lives)} process lives")
    assert len(spanned) >= 2


def check_every_confirmed_answer_is_stored(
    officers: list[Officer], cases: dict[str, Any], registry: Registry
) -> int:
    """Each "Saved: X" a user received is the stored answer to a question of one of their
    cases (an answer applied twice would be there twice: tolerated), and each case the bot
    showed as saved is saved. Returns how many answers were checked."""
    shown: dict[str, set[str]] = {}
    for case in cases.values():
        for run in case["runs"]:
            checklist = registry.get(run["checklist"], run["version"])
            for qid, value in run["answers"].items():
                question = checklist.question(qid)
                assert question is not None
                shown.setdefault(case["owner"], set()).add(display(question, value))
    missing, checked = [], 0
    for officer in officers:
        for echo in saved_echoes(officer.seen()):
            checked += 1
            if echo not in shown.get(str(officer.user_id), set()):
                missing.append((officer.user_id, echo))
        for card in officer.seen():
            lines = card.text.split("\n")
            if "Checklist saved." in lines:
                (case,) = [c for c in cases.values() if c["reference"] == lines[0]]
                assert case["owner"] == str(officer.user_id) and case["status"] == "open"
                assert case["runs"][0]["status"] == "done"
    assert not missing, f"confirmed but not stored: {missing}"
    return checked


def check_no_reminder_was_sent_twice(reminders: list[Sent], cases: dict[str, Any]) -> int:
    """No two messages carry the same reminder (case, rule, rung: the rung shows as the "N
    days ago" of the text), and each one sent is recorded in its case. A summary (many due
    at once for one person) names the same cases only once."""
    seen: Counter[tuple[int, str, str, str]] = Counter()
    summaries = Counter((r.chat_id, r.text) for r in reminders if r.text.startswith(SUMMARY))
    assert all(count == 1 for count in summaries.values()), f"summary sent twice: {summaries}"
    for reminder in reminders:
        if reminder.text.startswith(SUMMARY):
            continue
        (case_id, rule) = next(
            data.split(":")[1:] for _, data in reminder.buttons if data.startswith("z:")
        )
        seen[(reminder.chat_id, case_id, rule, reminder.text)] += 1
    twice = [key for key, count in seen.items() if count > 1]
    assert not twice, f"reminders sent twice: {twice}"
    per_rule = Counter((case_id, rule) for _, case_id, rule, _ in seen)
    for (case_id, rule), count in per_rule.items():
        recorded = [
            k for k in cases[case_id]["reminders"]["sent"] if k.startswith(f"{case_id}|{rule}|")
        ]
        assert count <= len(recorded), (case_id, rule, count, recorded)
        assert int(cases[case_id]["owner"]) != ADMIN
    return len(reminders)


def unexpected_errors(log: str) -> list[str]:
    """Log records at ERROR or above, but one: a sweep that the scheduler's shutdown cancels
    when SIGINT comes while it runs (APScheduler logs the CancelledError with a traceback)."""
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} )", log)
    errors = [r for r in records if " ERROR " in r or " CRITICAL " in r or "Traceback" in r]
    return [
        r
        for r in errors
        if not (
            'ERROR apscheduler.executors.default: Job "sweep' in r
            and r.rstrip().endswith("asyncio.exceptions.CancelledError")
        )
    ]
