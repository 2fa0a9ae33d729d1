"""Fixtures for the security tests: the Bot API stand-in with a recognisable token for the
bot run as a process, and the in-process bot of the Telegram tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_TESTS / "telegram"), str(_TESTS / "faults")]

from botapi_stub import BotApiStub  # noqa: E402
from fault_harness import TOKEN  # noqa: E402
from telegram_harness import Harness  # noqa: E402

from workflows.cases import Clock  # noqa: E402
from workflows.checklist import Registry  # noqa: E402


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
