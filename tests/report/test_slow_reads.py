"""One heavy request never freezes everyone (issue 11, item 4).

A report, the digest, a search, an export or a rule change reads every case. Here one of
those reads is made to hang (an injected slow read, released by the test), and another
officer's message must be answered meanwhile: it is not queued behind the heavy request,
neither on a thread nor on the repository's lock. No timing is asserted; the guard timeout
only turns a regression (a hang) into a failure.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from clocks import MovableClock
from fixture import ADMIN_ID, OFFICER_A, copy_of, fill

from bot.telegram.bridge import Bridge
from storage import layout
from storage.tinydb_repo import TinyDBRepository, open_repository
from workflows.cases.service import CaseService
from workflows.chat.conversation import Chat, Conversation
from workflows.checklists.model import Registry

NOW = datetime(2018, 2, 1, 9, 0, tzinfo=UTC)
GUARD = 60  # seconds; only reached if the answer is stuck behind the slow read


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fill(tmp_path_factory.mktemp("slow") / "data")


@pytest.fixture
def conversation(template_dir: Path, tmp_path: Path) -> Iterator[Conversation]:
    repo = open_repository(copy_of(template_dir, tmp_path / "data"))
    try:
        yield Conversation(CaseService(repo, Registry.from_folder(), MovableClock(NOW)))
    finally:
        repo.close()


class SlowRead:
    """Makes the first case read after `arm()` hang until `release()`."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.go_on = threading.Event()
        self.armed = False
        self._real = layout.read_case_file

    def __call__(self, path: Path) -> Any:
        if self.armed:
            self.armed = False
            self.started.set()
            self.go_on.wait(GUARD)
        return self._real(path)


HEAVY = ["/report state Burundi", "/digest", "/find BDI", "/export", "/rules WGAD reply_days 90"]


@pytest.mark.parametrize("heavy", HEAVY)
def test_an_officer_is_answered_while_a_heavy_read_hangs(
    conversation: Conversation, monkeypatch: pytest.MonkeyPatch, heavy: str
) -> None:
    slow = SlowRead()
    monkeypatch.setattr(layout, "read_case_file", slow)
    bridge = Bridge(conversation)

    async def scenario() -> tuple[list[Any], list[Any]]:
        slow.armed = True
        report = asyncio.ensure_future(bridge.call(conversation.text, Chat(ADMIN_ID), heavy))
        await asyncio.to_thread(slow.started.wait, GUARD)
        assert slow.started.is_set() and not report.done()
        answer = await asyncio.wait_for(
            bridge.call(conversation.text, Chat(OFFICER_A), "/start"), GUARD
        )
        assert not report.done()  # answered while the heavy read still hangs
        slow.go_on.set()
        return answer, await asyncio.wait_for(report, GUARD)

    answer, heavy_replies = asyncio.run(scenario())
    assert "Your role: officer" in answer[0].text
    assert heavy_replies and not heavy_replies[0].error


def test_a_rule_change_saves_only_the_cases_whose_dates_move(conversation: Conversation) -> None:
    repo: TinyDBRepository = conversation.repo  # type: ignore[assignment]
    service = conversation.service
    for case in list(repo.iter_cases()):
        service.save(case, "test", "derive", {})
    before = {c["id"]: len(c["history"]) for c in repo.iter_cases()}
    conversation.text(Chat(ADMIN_ID), "/rules WGAD reply_days 90")
    changed = {c["id"] for c in repo.iter_cases() if len(c["history"]) != before[c["id"]]}
    wgad = {
        c["id"]
        for c in repo.iter_cases()
        if "WGAD" in (c["runs"][0]["answers"].get("mandates") or [])
    }
    assert changed and changed <= wgad
