"""Entry point: `python -m bot` runs the Telegram bot, `python -m bot --console` a terminal chat."""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings, SettingsError, load_settings
from storage.repository import StorageError
from workflows.cases import CaseService
from workflows.checklist import ChecklistError, Registry
from workflows.conversation import Conversation
from workflows.upgrade import open_data


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("report", "import", "export", "backup", "restore", "demo"):
        from bot.cli import run_cli  # data tools: report, import, export, backup, restore, demo

        return run_cli(argv)
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--console", action="store_true", help="chat in this terminal, no token")
    parser.add_argument("--data-dir", help="data folder (default: $FOLLOWUP_DATA_DIR or ./data)")
    parser.add_argument(
        "--webhook", action="store_true", help="receive updates by webhook (TELEGRAM_WEBHOOK_*)"
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(console=args.console, data_dir=args.data_dir, webhook=args.webhook)
        registry = Registry.from_folder()
        repo = open_data(settings.data_dir, registry=registry, tz=settings.timezone)
    except (SettingsError, ChecklistError, StorageError) as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        service = CaseService(repo, registry, tz=settings.timezone)
        if args.console:
            return _console(Conversation(service), settings)
        from bot.app import run_telegram

        return run_telegram(settings, service)
    finally:
        repo.close()


def _console(conversation: Conversation, settings: Settings) -> int:
    from bot.console import Console, ensure_console_user
    from bot.filetypes import FilePolicy

    ensure_console_user(conversation.repo)
    policy = FilePolicy.of(settings.file_types, settings.max_file_bytes)
    Console(conversation, sys.stdout, policy).run(sys.stdin, interactive=sys.stdin.isatty())
    return 0


if __name__ == "__main__":
    sys.exit(main())
