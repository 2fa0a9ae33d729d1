"""The bot token never reaches a log line or an exported file.

The bot runs as a process with its log at DEBUG (raised where bot.app configures logging;
there is no setting for it), through a session that logs retries, an error with its
traceback and file downloads (whose URLs carry the token). Then everything it and the
command-line tools wrote is scanned: the log, the data folder, the documents sent in the
chat (the /export JSON, the report), the export, the backup (every file inside), the report.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from botapi_stub import BotApiStub
from fault_harness import ROOT, SECRET_PART, TOKEN, bot_process, running
from security_session import SUMMARY, VICTIM, readable, run_session


async def test_no_log_line_and_no_exported_file_contains_the_token(
    api: BotApiStub, tmp_path: Path
) -> None:
    session = await run_session(api, tmp_path)

    log = session.log
    assert " DEBUG " in log  # the level really was DEBUG...
    assert "sendMessage failed" in log and "error handling update" in log  # ...and it logged
    assert "Traceback" in log  # the error handler's traceback is there, redacted
    files: list[tuple[str, bytes]] = [
        ("bot.log", log.encode()),
        ("cli", session.cli_output.encode()),
    ]
    for path in sorted(session.data.rglob("*")):
        if path.is_file():
            files += readable(str(path.relative_to(tmp_path)), path.read_bytes())
    for name, path in session.outputs.items():
        files += readable(f"{name}:{path.name}", path.read_bytes())
    for chat_id, upload in api.documents:
        files += readable(f"chat {chat_id}:{upload.filename}", upload.data)
    assert {name.rsplit(":", 1)[-1] for name, _ in files} >= {"export.json", "backup.tar.gz"}
    assert any(name.startswith("chat ") and name.endswith(".json") for name, _ in files)

    leaked = [
        name for name, data in files if TOKEN.encode() in data or SECRET_PART.encode() in data
    ]
    assert leaked == []
    # The log holds no answer either: neither a summary nor a confidential name.
    assert SUMMARY not in log and VICTIM not in log
    assert "ZZVICTIM" not in session.outputs["export"].read_text()  # the default export


async def test_a_start_up_error_echoing_the_request_path_does_not_print_the_token(
    api: BotApiStub, tmp_path: Path
) -> None:
    """A self-hosted Bot API server or a proxy may put the request path, token and all (here
    also lower-cased), in its error text; start-up then fails with one line, redacted."""
    echo = f"Bad Request: no route for POST /bot{TOKEN}/getMe (/bot{TOKEN.lower()}/getme)"
    api.fail("getMe", 400, echo)
    bot = bot_process(api, tmp_path / "data")
    async with running(bot):
        assert bot.process is not None
        assert await asyncio.wait_for(bot.process.wait(), 30) == 1
    log = bot.log_text()
    (line,) = [line for line in log.splitlines() if line.startswith("Cannot start:")]
    # python-telegram-bot lower-cases the description: a copy the exact token would miss.
    assert "no route for post /bot<token>/getme (/bot<token>/getme)" in line.lower()
    assert not has_token(log)


def test_a_traceback_that_escapes_logging_is_redacted() -> None:
    """An exception nobody catches is printed by Python itself, not by a logger."""
    program = (
        "from bot.telegram import logs\n"
        f"logs.configure({TOKEN!r}, {SECRET_PART!r})\n"
        f"raise RuntimeError('GET https://api.example.org/bot{TOKEN.lower()}/getMe')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 1
    assert "RuntimeError: GET https://api.example.org/bot<token>/getMe" in done.stderr
    assert not has_token(done.stderr)


def has_token(text: str) -> bool:
    """Whether any copy of the token or its secret part is in `text`, in any case."""
    folded = text.lower()
    return TOKEN.lower() in folded or SECRET_PART.lower() in folded
