"""Configuration from the environment, checked once at start-up.

A missing or malformed setting stops start-up with one line naming it. The token (and the
webhook secret) are kept out of `repr` and out of every error message, so they can never
reach a log by accident.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bot import filetypes
from workflows.language import _
from workflows.reference.dates import DEFAULT_TZ, canonical_tz

TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"
#: What @BotFather hands out: the bot's numeric id, a colon, then the secret part.
_TOKEN = re.compile(r"[0-9]+:[A-Za-z0-9_-]{20,}")
#: Telegram's rule for webhook secret tokens.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates (`--webhook`), behind an HTTPS reverse proxy: by default
    the bot listens on localhost only, where the proxy reaches it and nobody else does."""

    url: str
    secret: str = field(repr=False)
    listen: str = "127.0.0.1"
    port: int = 8443

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


@dataclass(frozen=True)
class Schedule:
    """When reminders are swept and the digest is sent (local time of the configured zone)."""

    sweep_every: timedelta = timedelta(minutes=15)
    digest_at: time = time(9, 0)
    #: python-telegram-bot's numbering: 0 = Sunday ... 6 = Saturday.
    digest_days: tuple[int, ...] = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    timezone: str = DEFAULT_TZ
    token: str = field(default="", repr=False)
    admins: tuple[str, ...] = ()
    api_base_url: str = TELEGRAM_API
    api_file_url: str = TELEGRAM_FILES
    max_file_bytes: int = 20 * 1024 * 1024
    file_types: tuple[str, ...] = filetypes.DEFAULT_TYPES
    #: Messages per second for the whole bot (Telegram's limit is about 30); 0 = no throttle.
    send_rate: float = 30.0
    webhook: Webhook | None = None
    schedule: Schedule = Schedule()


def load_settings(*, console: bool, data_dir: str | None = None, webhook: bool = False) -> Settings:
    env = os.environ
    settings = Settings(
        data_dir=Path(data_dir or env.get("FOLLOWUP_DATA_DIR", "data")),
        timezone=_timezone(env.get("FOLLOWUP_TIMEZONE", DEFAULT_TZ)),
        admins=_admins(env.get("FOLLOWUP_ADMINS", "")),
        # The file policy is the console's too (its /file), so it is read in both modes.
        max_file_bytes=int(_number(env, "FOLLOWUP_MAX_FILE_MB", "20", above=0) * 1024 * 1024),
        file_types=_file_types(env.get("FOLLOWUP_FILE_TYPES", ",".join(filetypes.DEFAULT_TYPES))),
    )
    if console:
        return settings
    return Settings(
        data_dir=settings.data_dir,
        timezone=settings.timezone,
        admins=settings.admins,
        token=_token(env.get("TELEGRAM_BOT_TOKEN", "").strip()),
        api_base_url=_url(env, "TELEGRAM_API_BASE_URL", TELEGRAM_API),
        api_file_url=_url(env, "TELEGRAM_API_FILE_URL", TELEGRAM_FILES),
        max_file_bytes=settings.max_file_bytes,
        file_types=settings.file_types,
        send_rate=_number(env, "FOLLOWUP_SEND_RATE", "30", at_least=0),
        webhook=_webhook(env) if webhook else None,
        schedule=_schedule(env),
    )


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _schedule(env: Mapping[str, str]) -> Schedule:
    minutes = _number(env, "FOLLOWUP_SWEEP_MINUTES", "15", above=0)
    raw_time = env.get("FOLLOWUP_DIGEST_TIME", "").strip() or "09:00"
    try:
        digest_at = time.fromisoformat(raw_time)
    except ValueError:
        message = _("FOLLOWUP_DIGEST_TIME must be a time like 09:00; got {value}")
        raise SettingsError(message.format(value=repr(raw_time))) from None
    raw_days = env.get("FOLLOWUP_DIGEST_DAYS", "").strip().lower() or "mon,tue,wed,thu,fri"
    days = [d.strip()[:3] for d in raw_days.split(",") if d.strip()]
    if not days or any(d not in _DAYS for d in days):
        message = _("FOLLOWUP_DIGEST_DAYS must list days like mon,tue,wed,thu,fri; got {value}")
        raise SettingsError(message.format(value=repr(raw_days)))
    return Schedule(
        sweep_every=timedelta(minutes=minutes),
        digest_at=digest_at,
        digest_days=tuple(sorted({_DAYS.index(d) for d in days})),
    )


def _timezone(name: str) -> str:
    try:
        canonical_tz(name)
    except ValueError:
        message = _("FOLLOWUP_TIMEZONE={value} is not a time zone (e.g. Europe/Geneva)")
        raise SettingsError(message.format(value=repr(name))) from None
    return name


def _token(token: str) -> str:
    if not token:
        raise SettingsError(
            _("TELEGRAM_BOT_TOKEN is not set (or run `python -m bot --console` to try it locally)")
        )
    if not _TOKEN.fullmatch(token):
        # Never echo the value: a malformed token is usually a real one with a typo.
        raise SettingsError(
            _(
                "TELEGRAM_BOT_TOKEN is malformed: expected the bot id, a colon and the secret, "
                "exactly as @BotFather gives it"
            )
        )
    return token


def _admins(raw: str) -> tuple[str, ...]:
    ids = tuple(part.strip() for part in raw.split(",") if part.strip())
    bad = [i for i in ids if not (i.isascii() and i.isdigit() and int(i) > 0)]
    if bad:
        message = _("FOLLOWUP_ADMINS must be Telegram user ids (positive numbers); got {value}")
        raise SettingsError(message.format(value=repr(bad[0])))
    return ids


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # Not echoed: a self-hosted server's URL may have the token written into it.
        message = _("{name} must be an http(s) URL such as {example}")
        raise SettingsError(message.format(name=name, example=default))
    return value


def _number(
    env: Mapping[str, str],
    name: str,
    default: str,
    *,
    above: float | None = None,
    at_least: float | None = None,
) -> float:
    raw = env.get(name, "").strip() or default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        message = _("{name} must be a number; got {value}")
        raise SettingsError(message.format(name=name, value=repr(raw)))
    if above is not None and value <= above:
        message = _("{name} must be more than {limit}; got {value}")
        raise SettingsError(message.format(name=name, limit=f"{above:g}", value=repr(raw)))
    if at_least is not None and value < at_least:
        message = _("{name} must be at least {limit}; got {value}")
        raise SettingsError(message.format(name=name, limit=f"{at_least:g}", value=repr(raw)))
    return value


def _file_types(raw: str) -> tuple[str, ...]:
    names = [part for part in raw.split(",") if part.strip()]
    if not names:
        message = _("FOLLOWUP_FILE_TYPES is empty; list extensions such as pdf,docx,png")
        raise SettingsError(message)
    types: list[str] = []
    for name in names:
        known = filetypes.canonical(name)
        if known is None:
            choices = ", ".join(filetypes.KNOWN)
            message = _("FOLLOWUP_FILE_TYPES: {value} is not one of {choices}")
            raise SettingsError(message.format(value=repr(name.strip()), choices=choices))
        if known not in types:
            types.append(known)
    return tuple(types)


def _webhook(env: Mapping[str, str]) -> Webhook:
    url = env.get("TELEGRAM_WEBHOOK_URL", "").strip()
    if not url or urlsplit(url).scheme != "https" or not urlsplit(url).netloc:
        raise SettingsError(
            _(
                "TELEGRAM_WEBHOOK_URL must be the public https URL Telegram posts updates to "
                "(needed with --webhook)"
            )
        )
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if not _SECRET.fullmatch(secret):
        raise SettingsError(
            _(
                "TELEGRAM_WEBHOOK_SECRET must be set with --webhook: 1-256 characters "
                "from A-Z, a-z, 0-9, _ and -"
            )
        )
    port = env.get("TELEGRAM_WEBHOOK_PORT", "8443").strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        message = _("TELEGRAM_WEBHOOK_PORT must be a port number; got {value}")
        raise SettingsError(message.format(value=repr(port)))
    listen = env.get("TELEGRAM_WEBHOOK_LISTEN", "").strip() or Webhook.listen
    return Webhook(url=url, secret=secret, listen=listen, port=int(port))
