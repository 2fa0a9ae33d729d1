"""Logging for the Telegram bot, with the token kept out of every line.

The Bot API puts the token in every URL, and several libraries log URLs: httpx logs each
request at INFO, python-telegram-bot logs its base URL at DEBUG. Those loggers are capped,
and as a second line of defence every formatted line (tracebacks included) has the token
replaced, so a new log call somewhere cannot leak it.

python-telegram-bot's DEBUG output also contains whole updates, that is the text users
type, which may hold confidential names: its loggers are therefore never below INFO.
"""

from __future__ import annotations

import logging

REDACTED = "<token>"
#: Loggers that print request URLs or update contents below these levels.
CAPPED = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO}


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: tuple[str, ...], fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure(*secrets: str, level: int = logging.INFO) -> None:
    """Log to stderr with the secrets redacted; call once, at start."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, floor in CAPPED.items():
        logging.getLogger(name).setLevel(max(floor, level))
