"""Fixtures for the fault tests: the Bot API stand-in (tests/telegram) with a recognisable
token, and the in-process bot of the Telegram tests where a fault must be injected inside the
process (a full disk)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "telegram"))

from botapi_stub import BotApiStub
from fault_harness import TOKEN
from telegram_harness import Harness

from workflows.cases import Clock
from workflows.checklist import Registry


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
