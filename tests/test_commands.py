"""Commands are declared once (workflows.commands): the router handles exactly those,
/help lists what each role may use (with /review and /edit), the console adds its /file,
and a role's commands are unknown to everyone else."""

from __future__ import annotations

import io

from bot.console import Console
from workflows.chat.conversation import Chat, Conversation
from workflows.commands import COMMANDS, CONSOLE_COMMANDS
from workflows.language import use

ADMIN_ONLY = {"grant", "revoke", "users", "rules", "export"}


def listed(help_text: str) -> list[str]:
    return [line.split(" - ")[0] for line in help_text.splitlines() if line.startswith("/")]


def test_the_router_handles_exactly_the_declared_commands(conversation: Conversation) -> None:
    declared = [c.name for c in COMMANDS]
    assert len(set(declared)) == len(declared)
    assert set(conversation._routes()) == set(declared)
    assert {c.name for c in COMMANDS if c.roles == {"admin"}} == ADMIN_ONLY


def test_every_declared_command_reaches_its_handler_and_only_for_its_roles(
    conversation: Conversation,
) -> None:
    for command in COMMANDS:
        admin = conversation.text(Chat("1"), f"/{command.name}")[-1]
        assert not admin.text.startswith("I do not know"), command.name
        officer = conversation.text(Chat("2"), f"/{command.name}")[-1]
        assert officer.text.startswith("I do not know") == (command.name in ADMIN_ONLY)
    unknown = conversation.text(Chat("2"), "/frobnicate")[-1]
    assert unknown.error and unknown.text.startswith("I do not know /frobnicate.\n/start - ")


def test_help_lists_what_each_role_may_use_including_review_and_edit(
    conversation: Conversation,
) -> None:
    officer = conversation.text(Chat("2"), "/help")[-1]
    admin = conversation.text(Chat("1"), "/help")[-1]
    staff = [f"/{c.name}" for c in COMMANDS if c.name not in ADMIN_ONLY]
    assert listed(officer.text) == staff
    assert listed(admin.text) == [f"/{c.name}" for c in COMMANDS]
    assert "/review - every answer of the checklist you are in, to check and save" in officer.text
    assert "/edit - change an answer of the review: /edit 3" in officer.text
    assert listed(conversation.text(Chat("4"), "/start")[-1].text) == staff  # the welcome


def test_help_is_in_the_current_language(conversation: Conversation) -> None:
    with use("fr"):
        french = conversation.text(Chat("2"), "/help")[-1].text
    with use("es"):
        spanish = conversation.text(Chat("2"), "/help")[-1].text
    english = conversation.text(Chat("2"), "/help")[-1].text
    assert listed(french) == listed(spanish) == listed(english)
    assert "/back - revenir à la question précédente" in french
    assert "/back - volver a la pregunta anterior" in spanish


def test_the_console_lists_and_handles_its_own_file_command(
    conversation: Conversation,
) -> None:
    assert [c.name for c in CONSOLE_COMMANDS] == ["file"]
    out = io.StringIO()
    console = Console(conversation, out, user_id="2")
    console.handle("/help")
    assert listed(out.getvalue())[-1] == "/file"
    console.handle("/file")
    assert "Give the path of a file" in out.getvalue()
    telegram = conversation.text(Chat("2"), "/help")[-1].text  # not on Telegram
    assert "/file" not in listed(telegram)
