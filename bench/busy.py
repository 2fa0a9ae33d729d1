"""An officer's answer time while other users build reports or change a rule (issue 11, 4).

Runs the chat as the Telegram adapter does (bot.telegram.bridge: conversation calls on the
chat threads, the repository's fair lock) on a copy of the demo data, without Telegram:
`reports` users each ask for the report since 1 January 2012 (the heaviest one staff can
ask for: every case read, the Word report, the CSV and the chart written), and meanwhile
another officer sends /start over and over; each answer's time is recorded. The same with
an admin's `/rules WGAD reply_days 90`, which re-dates every WGAD case.

    .venv/bin/python -m bench.busy DATA_DIR     # a demo folder (python -m bot demo)
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.telegram.bridge import Bridge
from storage.tinydb_repo import open_repository
from workflows.cases.service import CaseService
from workflows.chat.conversation import Chat, Conversation
from workflows.checklists.model import Registry

ADMIN, OFFICERS = "100001", ("100002", "100003", "100004", "100005")
ANSWERED = Chat("100009")  # the officer whose answers are timed
PAUSE = 0.05  # between two /start of the timed officer


@dataclass(frozen=True)
class Busy:
    what: str
    heavy_s: float  # how long the heavy requests took, all together
    answers: int
    p50_ms: float
    worst_ms: float


async def _timed_answers(
    bridge: Bridge, conversation: Conversation, heavy: asyncio.Future[Any]
) -> list[float]:
    latencies = []
    while not heavy.done():
        began = time.perf_counter()
        await bridge.call(conversation.text, ANSWERED, "/start")
        latencies.append((time.perf_counter() - began) * 1000)
        await asyncio.sleep(PAUSE)
    return latencies


async def _reports(bridge: Bridge, conversation: Conversation, count: int) -> Busy:
    builders = [Chat(user_id) for user_id in (ADMIN, *OFFICERS)[:count]]
    for chat in builders:
        await bridge.call(conversation.text, chat, "/report since 1 January 2012")
    began = time.perf_counter()
    heavy = asyncio.gather(*(bridge.call(conversation.tap, chat, "r:s:all") for chat in builders))
    latencies = await _timed_answers(bridge, conversation, heavy)
    replies = await heavy
    assert all(r and not r[0].error and r[0].files for r in replies), replies
    return _busy(f"{count} report(s) since 2012", time.perf_counter() - began, latencies)


async def _rule(bridge: Bridge, conversation: Conversation) -> Busy:
    began = time.perf_counter()
    heavy = asyncio.ensure_future(
        bridge.call(conversation.text, Chat(ADMIN), "/rules WGAD reply_days 90")
    )
    latencies = await _timed_answers(bridge, conversation, heavy)
    assert "recomputed" in (await heavy)[0].text
    return _busy("/rules WGAD reply_days 90", time.perf_counter() - began, latencies)


def _busy(what: str, seconds: float, latencies: list[float]) -> Busy:
    median = statistics.median(latencies) if latencies else 0.0
    return Busy(what, seconds, len(latencies), median, max(latencies, default=0.0))


def measure(folder: Path) -> list[Busy]:
    """1 and 4 reports since 2012, then a rule change, on `folder` (it is written to)."""
    with open_repository(folder) as repo:
        conversation = Conversation(CaseService(repo, Registry.from_folder()))

        async def run() -> list[Busy]:
            bridge = Bridge(conversation)
            return [
                await _reports(bridge, conversation, 1),
                await _reports(bridge, conversation, 4),
                await _rule(bridge, conversation),
            ]

        return asyncio.run(run())


if __name__ == "__main__":
    for row in measure(Path(sys.argv[1])):
        print(f"{row.what}: {row.heavy_s:.1f} s; officer's /start p50 {row.p50_ms:.0f} ms, "
              f"worst {row.worst_ms:.0f} ms ({row.answers} answers)")  # fmt: skip
