"""A clock tests move by hand (importable from test modules, unlike conftest)."""

from __future__ import annotations

from datetime import UTC, datetime

from workflows.cases.service import Clock

#: 15 May 2017, 10:00 in Geneva: a weekday in the middle of the period the examples use.
NOW = datetime(2017, 5, 15, 8, 0, tzinfo=UTC)


class MovableClock(Clock):
    """Tests move `instant`; nothing ever waits for real time."""

    def __init__(self, start: datetime = NOW) -> None:
        self.instant = start
        super().__init__(now=lambda: self.instant)
