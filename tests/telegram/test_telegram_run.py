"""`python -m bot` for real: long polling and webhook mode against the stand-in, start-up errors."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from botapi_stub import TOKEN, BotApiStub, message
from clocks import MovableClock
from telegram_harness import ADMIN, Harness, until

from bot.__main__ import main
from bot.settings import Webhook
from bot.telegram.ordering import PerUserOrder
from bot.telegram.webhook import MAX_CONNECTIONS, SECRET_HEADER, WebhookServer
from storage.inbox import INBOX_FILE
from workflows.chat.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
SECRET_PART = TOKEN.partition(":")[2]


def bot_env(stub: BotApiStub, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FOLLOWUP_"))}
    return env | {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": stub.base_url,
        "TELEGRAM_API_FILE_URL": stub.file_url,
        "FOLLOWUP_ADMINS": str(ADMIN),
        "FOLLOWUP_DATA_DIR": str(data_dir),
        # the bot runs on the real clock: keep the start-up digest catch-up out of these tests
        "FOLLOWUP_DIGEST_DAYS": (datetime.now(UTC) + timedelta(days=3)).strftime("%a"),
        **extra,
    }


async def run_bot(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    return process.returncode or 0, stderr.decode()


async def test_long_polling_end_to_end(stub: BotApiStub, tmp_path: Path) -> None:
    await stub.push(message(ADMIN, text="/start"))
    await stub.push(message(ADMIN, text="/new"))
    stub.fail("sendMessage", 502)  # logged as a retry: the log must still hide the token
    process = await run_bot(bot_env(stub, tmp_path / "data"))
    try:
        await until(lambda: len(stub.sent_to(ADMIN)) >= 2)
    finally:
        code, stderr = await stop(process)

    print(stderr)
    assert code == 0
    welcome, menu = stub.sent_to(ADMIN)
    assert "Your role: admin." in welcome.text  # FOLLOWUP_ADMINS was put in storage
    assert menu.text == "What do you want to log?"
    commands = stub.called("setMyCommands")
    staff = [c.name for c in COMMANDS if "officer" in c.roles]
    assert [c["command"] for c in commands[0].params["commands"]] == staff
    assert commands[0].params["scope"] == {"type": "all_private_chats"}
    admin_menu = [c["command"] for c in commands[1].params["commands"]]
    assert admin_menu == [c.name for c in COMMANDS]
    assert commands[1].params["scope"] == {"type": "chat", "chat_id": ADMIN}
    polls = stub.called("getUpdates")
    assert polls[0].params["allowed_updates"] == ["message", "callback_query"]
    assert "sendMessage failed" in stderr  # the retry was logged...
    assert TOKEN not in stderr and SECRET_PART not in stderr  # ...without the token
    assert "Traceback" not in stderr


async def test_webhook_mode_end_to_end(stub: BotApiStub, tmp_path: Path) -> None:
    port = _free_port()
    env = bot_env(
        stub, tmp_path / "data",
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram/update",
        TELEGRAM_WEBHOOK_SECRET="s3cret-token_1",
        TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
        TELEGRAM_WEBHOOK_PORT=str(port),
    )  # fmt: skip
    process = await run_bot(env, "--webhook")
    try:
        await until(lambda: bool(stub.called("setWebhook")))
        url = f"http://127.0.0.1:{port}/telegram/update"
        update = {"update_id": 1, **message(ADMIN, text="/help")}
        # The listener opens just after setWebhook.
        await until(lambda: _listening(port), what="the webhook listener")
        async with aiohttp.ClientSession() as client:
            answer = await client.post(url, json=update, headers={SECRET_HEADER: "s3cret-token_1"})
            assert answer.status == 200
        # The 200 came once the update was handled: its answer had already been sent.
        assert stub.sent_to(ADMIN)
    finally:
        code, stderr = await stop(process)

    assert code == 0
    (set_webhook,) = stub.called("setWebhook")
    assert set_webhook.params["url"] == "https://bot.example.org/telegram/update"
    assert set_webhook.params["secret_token"] == "s3cret-token_1"
    assert stub.sent_to(ADMIN)[0].text.startswith("Commands\n/start")
    assert "s3cret-token_1" not in stderr and SECRET_PART not in stderr


@contextlib.asynccontextmanager
async def webhook_server(harness: Harness, clock: MovableClock) -> AsyncIterator[str]:
    """The webhook receiver on a free port, feeding the harness's application; its URL."""
    assert harness.app is not None
    clock.instant += timedelta(days=5)  # a Saturday: no digest goes out when the jobs start
    hook = Webhook("https://bot.example.org/hook", "right", listen="127.0.0.1", port=0)
    server = WebhookServer(harness.app, hook)
    assert isinstance(harness.app.update_processor, PerUserOrder)
    harness.app.update_processor.finished = server.finished  # as bot.app._serve does
    port = await server.start()
    await harness.app.start()
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await harness.app.stop()
        await server.close()


async def test_webhook_receiver_checks_every_request(harness: Harness, clock: MovableClock) -> None:
    update = {"update_id": 7, **message(ADMIN, text="/start")}
    async with webhook_server(harness, clock) as url, aiohttp.ClientSession() as client:

        async def status(method: str, to: str, **kwargs: Any) -> int:
            async with client.request(method, to, **kwargs) as answer:
                return answer.status

        assert await status("POST", url, json=update) == 403
        assert await status("POST", url, json=update, headers={SECRET_HEADER: "wrong"}) == 403
        right = {SECRET_HEADER: "right"}
        assert await status("POST", url + "x", json=update, headers=right) == 404
        assert await status("GET", url, headers=right) == 405
        assert await status("POST", url, data=b"{not json", headers=right) == 400
        assert await status("POST", url, data=io.BytesIO(b"x" * (2 << 20)), headers=right) == 413
        odd = {**update, "update_id": "7"}  # readable by PTB, not an update id
        assert await status("POST", url, json=odd, headers=right) == 400
        assert harness.stub.sent == []
        assert await status("POST", url, json=update, headers=right) == 200
        assert "Your role: admin." in harness.stub.sent[0].text  # handled before the 200


async def test_idle_connections_cannot_starve_the_webhook(
    harness: Harness, clock: MovableClock
) -> None:
    """1,100 connections that never send a request (the attack of issue 11) while Telegram
    posts a genuine update: the oldest idle ones are closed to make room, and the update is
    handled and answered at once."""
    update = {"update_id": 8, **message(ADMIN, text="/start")}
    async with webhook_server(harness, clock) as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(1_100)]
        try:
            async with aiohttp.ClientSession() as client, asyncio.timeout(5):
                answer = await client.post(url, json=update, headers={SECRET_HEADER: "right"})
                assert answer.status == 200
            assert "Your role: admin." in harness.stub.sent[0].text
            # Only the newest MAX_CONNECTIONS idle ones may still be open.
            closed = 0
            for reader, _ in idle[: len(idle) - MAX_CONNECTIONS]:
                async with asyncio.timeout(5):
                    closed += await reader.read() == b""
            assert closed == len(idle) - MAX_CONNECTIONS
        finally:
            for _, writer in idle:
                writer.close()


def no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start-up as on a machine where none of the bot's settings are set."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "FOLLOWUP_")):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "Cannot start: TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "123:short"}, "Cannot start: TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "Cannot start: TELEGRAM_API_BASE_URL must be"),
        ({"FOLLOWUP_MAX_FILE_MB": "lots"}, "Cannot start: FOLLOWUP_MAX_FILE_MB must be a number"),
        ({"FOLLOWUP_MAX_FILE_MB": "0"}, "Cannot start: FOLLOWUP_MAX_FILE_MB must be more than 0"),
        ({"FOLLOWUP_FILE_TYPES": "pdf,exe"}, "Cannot start: FOLLOWUP_FILE_TYPES: 'exe' is not"),
        ({"FOLLOWUP_SEND_RATE": "-1"}, "Cannot start: FOLLOWUP_SEND_RATE must be at least 0"),
        ({"FOLLOWUP_ADMINS": "alice"}, "Cannot start: FOLLOWUP_ADMINS must be Telegram user ids"),
    ],
)
def test_bad_settings_stop_start_up_with_one_line(
    env: dict[str, str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    no_settings(monkeypatch)
    if env:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert main(["--data-dir", str(tmp_path / "data")]) == 2

    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1
    assert "short" not in err and SECRET_PART not in err


def test_an_unreadable_inbox_stops_start_up_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    no_settings(monkeypatch)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    data = tmp_path / "data"
    (data / INBOX_FILE).mkdir(parents=True)  # unreadable as a file, even for root

    assert main(["--data-dir", str(data)]) == 2

    err = capsys.readouterr().err
    assert err.startswith("Cannot start: could not read") and INBOX_FILE in err
    assert err.count("\n") == 1 and SECRET_PART not in err


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "TELEGRAM_WEBHOOK_URL must be the public https URL"),
        ({"TELEGRAM_WEBHOOK_URL": "http://plain.example.org/"}, "TELEGRAM_WEBHOOK_URL must be"),
        ({"TELEGRAM_WEBHOOK_URL": "https://x.org/h"}, "TELEGRAM_WEBHOOK_SECRET must be set"),
        ({"TELEGRAM_WEBHOOK_URL": "https://x.org/h", "TELEGRAM_WEBHOOK_SECRET": "a b"},
         "TELEGRAM_WEBHOOK_SECRET must be set"),
        ({"TELEGRAM_WEBHOOK_URL": "https://x.org/h", "TELEGRAM_WEBHOOK_SECRET": "ab",
          "TELEGRAM_WEBHOOK_PORT": "99999"}, "TELEGRAM_WEBHOOK_PORT must be a port number"),
    ],
)  # fmt: skip
def test_webhook_settings_are_checked(
    env: dict[str, str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    no_settings(monkeypatch)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert main(["--webhook", "--data-dir", str(tmp_path / "data")]) == 2
    assert capsys.readouterr().err.startswith(f"Cannot start: {expected}")


def _listening(port: int) -> bool:
    """Whether something accepts connections on the port (a connection opened and closed)."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
