"""Fixtures for the security tests: the Bot API stand-in with a recognisable token for the
bot run as a process, and the in-process bot of the Telegram tests."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_TESTS / "telegram"), str(_TESTS / "faults")]

from fault_fixtures import api, tg  # noqa: F401, E402
