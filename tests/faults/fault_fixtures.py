"""The fixtures the fault and security tests share: the Bot API stand-in with a recognisable
token (for the bot run as a process) and the in-process bot of the Telegram tests (for faults
that must be injected inside the process). Each folder's conftest imports them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botapi_stub import BotApiStub
from fault_harness import TOKEN
from telegram_harness import Harness

from workflows.cases.service import Clock
from workflows.checklists.model import Registry


@pytest.fixture
async def api() -> AsyncIterator[BotApiStub]:
    server = await BotApiStub(TOKEN).start()
    yield server
    await server.close()


@pytest.fixture
async def tg(tmp_path: Path, registry: Registry, clock: Clock) -> AsyncIterator[Harness]:
    """The bot in this process (the Telegram tests' harness), on its own stand-in."""
    stub = await BotApiStub().start()
    harness = await Harness(stub, tmp_path / "tg-data", registry, clock).start()
    yield harness
    await harness.stop()
    await stub.close()
