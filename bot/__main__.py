"""Entry point: `python -m bot` runs the Telegram bot, `python -m bot --console` a terminal
chat (`--as USER_ID` to act as any user of the bot, `--lang fr` to chat in French), `python -m
bot COMMAND` a data tool (report, import, export, backup, restore, demo: see `python -m bot
--help`)."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack

from bot import wiring
from bot.cli import parser, run_parsed
from bot.settings import Settings, SettingsError, load_settings
from storage.layout import EXPORTS_DIR
from storage.repository import StorageError
from workflows.chat.conversation import Conversation
from workflows.checklists.model import ChecklistError
from workflows.language import _


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command:
        return run_parsed(args)
    if args.actor and not args.console:
        print(_("--as is for --console (or a command); the bot serves everyone."), file=sys.stderr)
        return 2
    if args.lang and not args.console:
        print(_("--lang is for --console (or report and export); on Telegram each user "
                "chooses with /language."), file=sys.stderr)  # fmt: skip
        return 2
    with ExitStack() as stack:
        try:
            settings = load_settings(
                console=args.console, data_dir=args.data_dir, webhook=args.webhook
            )
            domain = stack.enter_context(wiring.opened(settings))
        except (SettingsError, ChecklistError, StorageError) as exc:
            print(_("Cannot start: {reason}").format(reason=exc), file=sys.stderr)
            return 2
        if args.console:
            return _console(Conversation(domain.service), settings, args)
        from bot.app import run_telegram

        return run_telegram(settings, domain.service)


def _console(conversation: Conversation, settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import Console, ensure_console_user
    from bot.filetypes import FilePolicy

    if args.actor is None:
        ensure_console_user(conversation.repo)
    elif conversation.repo.get_user(args.actor) is None:
        users = ", ".join(u["id"] for u in conversation.repo.list_users())
        problem = _("--as {id}: no such user in this data folder. Users: {users}")
        print(problem.format(id=args.actor, users=users), file=sys.stderr)
        return 2
    policy = FilePolicy.of(settings.file_types, settings.max_file_bytes)
    console = Console(conversation, sys.stdout, policy, user_id=args.actor,
                      exports=settings.data_dir.absolute() / EXPORTS_DIR,
                      language=args.lang)  # fmt: skip
    console.run(sys.stdin, interactive=sys.stdin.isatty())
    return 0


if __name__ == "__main__":
    sys.exit(main())
