"""Fixtures for the Telegram tests: a Bot API stand-in, and the bot on a fresh data folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botapi_stub import BotApiStub
from telegram_harness import Harness

from workflows.cases.service import Clock
from workflows.checklists.model import Registry


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    server = await BotApiStub().start()
    yield server
    await server.close()


@pytest.fixture
async def harness(
    stub: BotApiStub, tmp_path: Path, registry: Registry, clock: Clock
) -> AsyncIterator[Harness]:
    h = await Harness(stub, tmp_path / "data", registry, clock).start()
    yield h
    await h.stop()
