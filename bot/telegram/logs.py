"""Logging for the Telegram bot, with the token kept out of every line.

The Bot API puts the token in every URL, several libraries log URLs, and a self-hosted Bot API
server or a proxy may echo the request path in its error text, which then travels inside an
exception. So every output the process writes is redacted: each formatted log line
(tracebacks included), the one-line start-up error (`fail`), and a traceback that escapes
everything (`sys.excepthook`, `threading.excepthook`). Every copy of each secret is replaced,
whatever its case (a lower-cased URL or a proxy's message must not slip through).

python-telegram-bot's DEBUG output also contains whole updates, that is the text users
type, which may hold confidential names: its loggers are therefore never below INFO.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from types import TracebackType

REDACTED = "<token>"
#: Loggers that print request URLs or update contents below these levels.
CAPPED = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO,
          "aiohttp.access": logging.WARNING}  # fmt: skip


class Redactor:
    """Replaces every copy of the secrets, case-insensitively."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        found = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(map(re.escape, found)), re.IGNORECASE) if found else None
        )

    def __call__(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern else text


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: tuple[str, ...], fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.redact = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


_redact = Redactor(())


def configure(*secrets: str, level: int = logging.INFO) -> None:
    """Log to stderr with the secrets redacted, and redact what bypasses logging; call once,
    at start."""
    global _redact
    _redact = Redactor(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, floor in CAPPED.items():
        logging.getLogger(name).setLevel(max(floor, level))
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook


def fail(line: str) -> None:
    """The one line that says why start-up failed, on stderr, redacted."""
    print(_redact(line), file=sys.stderr)


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    sys.stderr.write(_redact("".join(traceback.format_exception(kind, exc, tb))))


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _excepthook(args.exc_type, args.exc_value, args.exc_traceback)
