"""Fixtures for the fault tests: the Bot API stand-in (tests/telegram) with a recognisable
token, and the in-process bot of the Telegram tests where a fault must be injected inside the
process (a full disk)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "telegram"))

from fault_fixtures import api, tg  # noqa: F401
