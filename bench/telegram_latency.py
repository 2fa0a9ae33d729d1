"""Benchmark: time from a Telegram update arriving to the bot's answer being sent.

Run from the project root:  .venv/bin/python bench/telegram_latency.py

The bot runs exactly as in production (`python -m bot`, long polling, its own process) against
the loopback Bot API stand-in of the tests (tests/telegram/botapi_stub.py), on a data folder
holding 10,000 cases. In this process, 200 simulated officers each log communications through
the whole intake checklist (11 updates: commands, taps, typed answers), one update at a time:
send, wait for the answer, think, send the next.

"Bot-side time" is measured by the stand-in, on one clock: from the moment it has written the
getUpdates answer carrying an update to the moment it has received the sendMessage answering
it. It includes the bot's HTTP round trips on loopback, and excludes the time an update waits
for the next getUpdates call (reported separately as "end to end"). This process's garbage
collector is off while timing, so that its pauses are not counted as the bot's.

Two phases after a warm-up: "saturation" (no think time: how many updates per second the bot
sustains with 200 users waiting on it) and "offered N/s" (think times chosen so the 200 users
send about N updates per second in total: the latency a user sees at that load; 30/s is what
Telegram lets a bot send in all). Also measured: start-up (from starting the process to its
first getUpdates call, on the 10,000 cases), the bot's peak resident memory (VmHWM) and its
CPU per update and per Bot API call in each phase.

Targets (issue 12): bot-side p99 under 50 ms at 30 updates/s offered, at least 100 updates/s at
saturation, start-up under 3 s, resident memory under 200 MB.

`--profile` instead runs the same conversation steps in this process, without Telegram, under
cProfile, to show where the time of one update goes.

The 10,000 cases are written once through the repository (`save_case` inside `bulk()`) and
cached in the temp folder (`--seed-dir`); each run works on a fresh copy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import os
import platform
import pstats
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "telegram")]

from botapi_stub import TOKEN, BotApiStub, Sent, callback, message  # noqa: E402

from storage.tinydb_repo import open_repository  # noqa: E402
from workflows.cases.service import CaseService  # noqa: E402
from workflows.chat.conversation import Chat, Conversation  # noqa: E402
from workflows.checklists.model import Registry  # noqa: E402
from workflows.reference.actors import state_by_code, states  # noqa: E402

SEED = 20261128
FIRST_USER = 7_000_001
YEAR = datetime.now(UTC).year


# ---- the data folder ---------------------------------------------------------------------------
def seeded_folder(cases: int, seed_dir: Path) -> Path:
    """A data folder with `cases` cases, built once through the repository and then reused."""
    folder = seed_dir / f"cases-{cases}-v3"
    if (folder / "complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    print(f"building {cases} cases in {folder} (once)...", flush=True)
    rng = random.Random(SEED)
    codes = [s.code for s in states()]
    started = time.perf_counter()
    repo = open_repository(folder / "data")
    try:
        with repo.bulk():  # one index write at the end, as an import does
            for n in range(cases):
                case = _case(repo.new_case_id(), n, rng, codes)
                repo.save_case(case, actor="bench", action="create", detail={})
        print(f"  {cases} cases in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        repo.close()
    (folder / "complete").touch()
    return folder


def _case(case_id: str, n: int, rng: random.Random, codes: list[str]) -> dict[str, Any]:
    """A saved communication (4 in 5) or visit request, shaped as the checklists leave them."""
    year = rng.randrange(2016, YEAR)  # earlier years: the simulated users' references are new
    sent = (datetime(year, 1, 1) + timedelta(days=rng.randrange(365))).date().isoformat()
    state = state_by_code(rng.choice(codes))
    assert state is not None
    actor = {"kind": "state", "code": state.code, "name": state.name}
    if n % 5:
        kind, checklist, skipped = "communication", "communication_intake", ["letter"]
        reference = label = f"{rng.choice(['AL', 'UA', 'OL'])} {state.code} {n}/{year}"
        answers: dict[str, Any] = {
            "comm_type": reference.split()[0],
            "addressees": [actor],
            "date_sent": sent,
            "mandates": ["WGAD", "SR HRDs"],
            "reference": reference,
            "summary": "Alleged arbitrary detention of a human rights defender. " * 3,
            "themes": ["hrd", "detention"],
        }
    else:
        kind, checklist, skipped = "visit", "visit_request", ["timeframe", "request_letter"]
        reference, label = None, f"Visit to {state.name} (SR HRDs)"
        answers = {
            "state": actor,
            "mandates": ["SR HRDs"],
            "request_date": sent,
            "standing_invitation": rng.random() < 0.66,
            "reprisal": False,
        }
    run = {
        "checklist": checklist,
        "version": 1,
        "status": "done",
        "position": None,
        "answers": answers,
        "skipped": skipped,
        "pending": None,
    }
    return {
        "id": case_id,
        "kind": kind,
        "owner": str(FIRST_USER + rng.randrange(400)),  # half are the simulated users'
        "status": rng.choice(["open", "open", "closed"]),
        "reference": reference,
        "label": label,
        "created_at": f"{sent}T09:00:00+00:00",
        "runs": [run],
        "files": [],
    }


def working_copy(seed: Path, users: int, into: Path) -> Path:
    """A fresh copy of the seeded folder, with the simulated users as officers."""
    data = into / "data"
    shutil.copytree(seed / "data", data)
    (data / ".lock").unlink(missing_ok=True)
    repo = open_repository(data)
    try:
        for n in range(users):
            repo.put_user({"id": str(FIRST_USER + n), "role": "officer"}, actor="bench")
    finally:
        repo.close()
    # Measure the bot's writes, not the write-back of the copy: ext4 would make the bot's
    # first fsyncs wait for 20 MB of freshly copied files (a real data folder is settled).
    os.sync()
    return data


# ---- what each simulated user does ---------------------------------------------------------
def script(n: int, round_: int) -> list[tuple[str, str]]:
    """One communication intake: ("say", text) or ("tap", button label); 11 updates."""
    state = list(STATES)[n % len(STATES)]
    return [
        ("say", "/new"),
        ("tap", "Communication"),
        ("tap", "AL allegation letter"),
        ("say", state),
        ("say", "yesterday"),
        ("say", "WGAD"),
        # A reference of one's own: tapping the suggestion would race with the other users.
        ("say", f"AL {STATES[state]} {1 + n * 49 + round_ % 49}/{YEAR}"),
        ("say", f"Follow-up {round_} by user {n}: detention of a journalist & a lawyer."),
        ("say", "/skip"),
        ("say", "/skip"),
        ("tap", "Save"),
    ]


STATES = {"Burundi": "BDI", "Honduras": "HND", "Myanmar": "MMR", "Brazil": "BRA", "Kenya": "KEN"}


@dataclass
class Sample:
    bot_ms: float
    e2e_ms: float
    kind: str


@dataclass
class User:
    n: int
    user_id: int
    steps: list[tuple[str, str]] = field(default_factory=list)
    round_: int = 0
    last: Sent | None = None
    waiting: asyncio.Future[tuple[Sent, float]] | None = None
    update_id: int = 0
    pushed: float = 0.0

    def next_step(self) -> tuple[str, str]:
        if not self.steps:
            self.steps = script(self.n, self.round_)
            self.round_ += 1
        return self.steps.pop(0)


class Simulation:
    def __init__(self, stub: BotApiStub, users: int) -> None:
        self.stub = stub
        self.users = {FIRST_USER + n: User(n, FIRST_USER + n) for n in range(users)}
        self.delivered: dict[int, float] = {}
        self.samples: list[Sample] = []
        self.unexpected = 0
        stub.on_delivered = self._on_delivered
        stub.on_sent = self._on_sent

    def _on_delivered(self, ids: list[int]) -> None:
        now = time.monotonic()
        for update_id in ids:
            self.delivered.setdefault(update_id, now)

    def _on_sent(self, sent: Sent) -> None:
        user = self.users.get(sent.chat_id)
        if user is None or user.waiting is None or user.waiting.done():
            self.unexpected += 1
            return
        user.waiting.set_result((sent, time.monotonic()))

    async def phase(self, seconds: float, think: Callable[[random.Random], float]) -> float:
        """Run every user until `seconds` have passed; returns the phase's duration."""
        self.samples = []
        deadline = time.monotonic() + seconds
        start = time.monotonic()
        await asyncio.gather(*(self._run(u, deadline, think) for u in self.users.values()))
        return time.monotonic() - start

    async def _run(
        self, user: User, deadline: float, think: Callable[[random.Random], float]
    ) -> None:
        rng = random.Random(SEED + user.n)
        while True:
            # Think first, so that a phase does not start with every user sending at once.
            if pause := think(rng):
                await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                return
            kind, what = user.next_step()
            if kind == "tap":
                assert user.last is not None, "a tap needs a message with buttons"
                update = callback(user.user_id, user.last.button(what), user.last)
            else:
                update = message(user.user_id, text=what)
            user.waiting = asyncio.get_running_loop().create_future()
            user.pushed = time.monotonic()
            user.update_id = await self.stub.push(update)
            sent, at = await asyncio.wait_for(user.waiting, 60)
            user.last = sent
            bot = at - self.delivered.pop(user.update_id, user.pushed)
            label = "tap" if kind == "tap" else "command" if what.startswith("/") else "answer"
            self.samples.append(Sample(bot * 1000, (at - user.pushed) * 1000, label))


# ---- running the bot -------------------------------------------------------------------------
@dataclass
class Phase:
    name: str
    seconds: float
    samples: list[Sample]
    cpu: float  # the bot process's CPU seconds during the phase
    api_calls: int  # Bot API calls the stand-in received during the phase


@dataclass
class Result:
    phases: list[Phase]
    startup_s: float  # process start to its first getUpdates call
    peak_rss_mb: float  # the bot process's VmHWM at the end


async def run(data: Path, args: argparse.Namespace) -> Result:
    stub = await BotApiStub().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FOLLOWUP_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": stub.base_url,
        "TELEGRAM_API_FILE_URL": stub.file_url,
        "FOLLOWUP_DATA_DIR": str(data),
        "FOLLOWUP_SEND_RATE": "0",  # the stand-in has no flood limit; measure the bot, not it
    }
    started = time.monotonic()
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    results = []
    peak_rss = 0.0
    try:
        while not stub.called("getUpdates"):
            await asyncio.sleep(0.01)
        startup = time.monotonic() - started
        sim = Simulation(stub, args.users)
        await sim.phase(args.warmup, lambda rng: rng.uniform(0.2, 1.0))
        # This process times the bot; its own full garbage collections (the stand-in keeps
        # every call: up to 130 ms each) would be counted as the bot's time. Off while timing.
        gc.collect()
        gc.disable()
        phases: list[tuple[str, Callable[[random.Random], float]]] = [
            ("saturation (no think time)", lambda rng: 0.0)
        ]
        for rate in (float(r) for r in args.rates.split(",")):
            mean_think = args.users / rate  # 200 users thinking this long send `rate` a second
            phases.append((f"offered {rate:g} updates/s", _thinking(mean_think)))
        for name, think in phases:
            cpu, calls = _cpu_seconds(bot.pid), len(stub.calls)
            seconds = await sim.phase(args.seconds, think)
            cpu, calls = _cpu_seconds(bot.pid) - cpu, len(stub.calls) - calls
            results.append(Phase(name, seconds, sim.samples, cpu, calls))
        peak_rss = _peak_rss_mb(bot.pid)
        if sim.unexpected:
            print(f"warning: {sim.unexpected} messages nobody was waiting for", file=sys.stderr)
    finally:
        gc.enable()
        bot.send_signal(signal.SIGINT)
        _, stderr = await bot.communicate()
        await stub.close()
    if bot.returncode:
        print(stderr.decode()[-3000:], file=sys.stderr)
    return Result(results, startup, peak_rss)


def _thinking(mean: float) -> Callable[[random.Random], float]:
    return lambda rng: rng.expovariate(1 / mean)


def _peak_rss_mb(pid: int) -> float:
    """The highest resident memory of a process so far (Linux VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), to show what one update costs the bot."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- the profile -----------------------------------------------------------------------------
def profile(data: Path, users: int) -> None:
    """The conversation part of the same updates, in this process, without Telegram: one
    checklist per user timed plainly, then one more under cProfile for where the time goes."""
    repo = open_repository(data)
    conversation = Conversation(CaseService(repo, Registry.from_folder()))
    chats = [Chat(str(FIRST_USER + n)) for n in range(min(users, 50))]
    last: dict[str, Any] = {}
    timings: dict[str, list[float]] = {}
    profiler = cProfile.Profile()
    cpu = 0.0
    for round_, profiled in enumerate((False, True)):
        round_cpu = time.process_time()
        for step in range(11):
            for n, chat in enumerate(chats):
                kind, what = script(n, round_)[step]
                start = time.perf_counter()
                with profiler if profiled else contextlib.nullcontext():
                    if kind == "tap":
                        buttons = last[chat.user_id].buttons
                        token = next(b.token for b in buttons if b.label == what)
                        replies = conversation.tap(chat, token)
                    else:
                        replies = conversation.text(chat, what)
                if not profiled:
                    name = f"{step + 1:2} {kind} {script(0, 0)[step][1][:24]}"
                    timings.setdefault(name, []).append((time.perf_counter() - start) * 1000)
                last[chat.user_id] = replies[-1]
        if not profiled:
            cpu = time.process_time() - round_cpu
    repo.close()
    calls = sum(len(values) for values in timings.values())
    print(f"conversation call per step (ms, median of {len(chats)}):")
    for name, values in timings.items():
        print(f"  {name:32} {statistics.median(values):7.2f}")
    wall = sum(sum(values) for values in timings.values())
    print(f"mean per update: {wall / calls:.2f} ms, of which CPU {cpu * 1000 / calls:.2f} ms")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(12)
    stats.sort_stats("cumulative").print_stats("workflows|storage", 30)


# ---- report ----------------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def report(result: Result, args: argparse.Namespace) -> None:
    machine = f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
    print(f"\n{args.users} users, {args.cases} cases, {args.seconds:g} s per phase; {machine}")
    print(f"start-up {result.startup_s:.2f} s, peak resident memory {result.peak_rss_mb:.0f} MB")
    print(
        "| phase | updates | updates/s | bot p50 ms | bot p99 ms | bot max ms "
        "| end-to-end p50 ms | end-to-end p99 ms | bot CPU ms/update | Bot API calls/update |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for phase in result.phases:
        name, seconds, samples, cpu = phase.name, phase.seconds, phase.samples, phase.cpu
        bot = [s.bot_ms for s in samples]
        e2e = [s.e2e_ms for s in samples]
        cells = [
            name,
            str(len(samples)),
            f"{len(samples) / seconds:.0f}",
            *(f"{v:.1f}" for v in (percentile(bot, 50), percentile(bot, 99), max(bot))),
            *(f"{v:.1f}" for v in (percentile(e2e, 50), percentile(e2e, 99))),
            f"{cpu * 1000 / len(samples):.2f}",
            f"{phase.api_calls / len(samples):.2f}",
        ]
        print("| " + " | ".join(cells) + " |")
    for phase in result.phases:
        name, samples = phase.name, phase.samples
        print(f"\nbot-side p50 / p99 ms by kind of update, {name}:")
        for kind in ("command", "tap", "answer"):
            values = [s.bot_ms for s in samples if s.kind == kind]
            if values:
                p50, p99 = percentile(values, 50), percentile(values, 99)
                print(f"  {kind:8} {p50:7.1f} {p99:7.1f}  ({len(values)} updates)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--rates", default="30", help="offered updates/s of the phases after saturation"
    )
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--warmup", type=float, default=5)
    cache = Path(tempfile.gettempdir()) / "followup-bench"
    parser.add_argument("--seed-dir", type=Path, default=cache, help="where the cases are kept")
    parser.add_argument("--profile", action="store_true", help="profile the conversation only")
    args = parser.parse_args()
    if args.users > 200:
        parser.error("at most 200 users: each needs its own series of 4-digit references")
    seed = seeded_folder(args.cases, args.seed_dir)
    with tempfile.TemporaryDirectory() as tmp:
        data = working_copy(seed, args.users, Path(tmp))
        if args.profile:
            profile(data, args.users)
            return 0
        report(asyncio.run(run(data, args)), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
