"""Benchmark: CPU per Bot API call, python-telegram-bot's HTTPXRequest vs our AiohttpRequest.

Run from the project root:  .venv/bin/python bench/http_request.py [--calls 3000] [--rounds 3]

The Bot API stand-in of the tests (tests/telegram/botapi_stub.py) runs in a child process, so
this process's CPU time (`time.process_time()`) is the client's alone. Each round makes
`--calls` `Bot.send_message` calls from 50 concurrent tasks through `telegram.Bot` with:

- httpx: `HTTPXRequest(connection_pool_size=16)`, python-telegram-bot's default stack;
- aiohttp: `AiohttpRequest(16)` (bot/telegram/aiohttp_request.py);
- none: a request object that answers at once without any I/O: what python-telegram-bot
  itself costs per call (building the request, encoding the form as a client must, parsing
  the answer into a Message).

"HTTP CPU/call" is a row's CPU/call minus the "none" row's: the cost of the HTTP layer.
Rounds alternate the clients; the table shows the median round of each. Results are in
bench/README.md ("Which HTTP client").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "telegram")]

import telegram  # noqa: E402
from botapi_stub import TOKEN, BotApiStub  # noqa: E402
from telegram.request import BaseRequest, HTTPXRequest, RequestData  # noqa: E402

from bot.telegram.aiohttp_request import AiohttpRequest  # noqa: E402

CONCURRENCY = 50
POOL = 16
CHAT = 4242
TEXT = "Reminder: the reply of <b>Burundi</b> to <i>AL BDI 2/2026</i> is due today."
_CANNED = json.dumps(
    {
        "ok": True,
        "result": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": CHAT, "type": "private", "first_name": "User"},
            "text": "Reminder: the reply of Burundi to AL BDI 2/2026 is due today.",
        },
    }
).encode()


class NullRequest(BaseRequest):
    """Answers every call at once with a canned message: python-telegram-bot's own cost."""

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None, **_: object
    ) -> tuple[int, bytes]:
        if url.endswith("/getMe"):
            user = {"id": 1, "is_bot": True, "first_name": "B", "username": "b_bot"}
            return 200, json.dumps({"ok": True, "result": user}).encode()
        if request_data is not None:
            request_data.url_encoded_parameters()  # what a real client encodes
        return 200, _CANNED


CLIENTS: dict[str, Callable[[], BaseRequest]] = {
    "httpx": lambda: HTTPXRequest(connection_pool_size=POOL, pool_timeout=10),
    "aiohttp": lambda: AiohttpRequest(POOL, timeout=10),
    "none": NullRequest,
}


@dataclass
class Round:
    client: str
    wall: float
    cpu: float
    stub_cpu: float | None
    calls: int
    errors: int


def child_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of process `pid` so far (Linux /proc), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_round(client: str, base_url: str, calls: int, stub_pid: int) -> Round:
    bot = telegram.Bot(TOKEN, base_url=base_url, request=CLIENTS[client]())
    errors = 0
    async with bot:
        remaining = 200  # warm-up: connections open, code paths hot

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                try:
                    await bot.send_message(CHAT, TEXT, parse_mode="HTML")
                except telegram.error.TelegramError:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        errors, remaining = 0, calls
        stub_before = child_cpu(stub_pid)
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        stub_after = child_cpu(stub_pid)
    stub_cpu = None
    if client != "none" and stub_before is not None and stub_after is not None:
        stub_cpu = stub_after - stub_before
    return Round(client, wall, cpu, stub_cpu, calls, errors)


async def serve_stub() -> None:
    """Child process: run the stand-in, print its port, serve until stdin closes."""
    stub = await BotApiStub().start()
    print(stub.port, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await stub.close()


async def main(calls: int, rounds: int) -> None:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        base_url = f"http://127.0.0.1:{port}/bot"
        results: list[Round] = []
        for n in range(rounds):
            order = list(CLIENTS) if n % 2 == 0 else list(reversed(CLIENTS))
            for client in order:
                result = await one_round(client, base_url, calls, child.pid)
                results.append(result)
                print(
                    f"  round {n + 1} {client:7} {result.wall:6.2f} s wall, "
                    f"{1000 * result.cpu / calls:.3f} ms CPU/call, {result.errors} errors",
                    flush=True,
                )
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(10)
    report(results, calls, rounds)


def report(results: list[Round], calls: int, rounds: int) -> None:
    print(
        f"\n{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{calls} send_message calls x {rounds} rounds, {CONCURRENCY} concurrent tasks, "
        f"pool {POOL}; median round of each:\n"
    )
    median: dict[str, Round] = {}
    for client in CLIENTS:
        mine = sorted((r for r in results if r.client == client), key=lambda r: r.cpu)
        median[client] = mine[len(mine) // 2]
    base = median["none"].cpu / calls
    print("client   wall s   calls/s   CPU ms/call   HTTP CPU ms/call   stub CPU ms/call  errors")
    for client, r in median.items():
        per_call = r.cpu / calls
        stub = "-" if r.stub_cpu is None else f"{1000 * r.stub_cpu / calls:.2f}"
        print(
            f"{client:8} {r.wall:6.2f}   {calls / r.wall:7.0f}   {1000 * per_call:11.2f}   "
            f"{1000 * (per_call - base):16.2f}   {stub:>16}  {r.errors:6}"
        )
    spread = {
        c: statistics.pstdev([1000 * r.cpu / calls for r in results if r.client == c])
        for c in CLIENTS
    }
    print("\nspread of CPU ms/call across rounds (stdev):",
          ", ".join(f"{c} {s:.3f}" for c, s in spread.items()))  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve_stub())
    else:
        asyncio.run(main(args.calls, args.rounds))
