"""The bot token never reaches a log line or an exported file.

The bot runs as a process with its log at DEBUG (raised where bot.app configures logging;
there is no setting for it), through a session that logs retries, an error with its
traceback and file downloads (whose URLs carry the token). Then everything it and the
command-line tools wrote is scanned: the log, the data folder, the documents sent in the
chat (the /export JSON, the report), the export, the backup (every file inside), the report.
"""

from __future__ import annotations

from pathlib import Path

from botapi_stub import BotApiStub
from fault_harness import SECRET_PART, TOKEN
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

    leaks = [name for name, data in files if TOKEN.encode() in data or SECRET_PART.encode() in data]
    assert leaks == []
    # The log holds no answer either: neither a summary nor a confidential name.
    assert SUMMARY not in log and VICTIM not in log
    assert "ZZVICTIM" not in session.outputs["export"].read_text()  # the default export
