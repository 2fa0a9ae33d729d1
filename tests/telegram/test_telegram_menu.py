"""The command menu reaches Telegram (through PTB's real request layer, to the stand-in)
in English by default before the first update, then once per other language from a job
just after start, its descriptions translated, for the staff and for each admin's chat."""

from __future__ import annotations

from botapi_stub import BotApiStub
from telegram_harness import ADMIN, Harness

from bot.telegram import menu
from workflows.commands import COMMANDS


async def test_the_menu_is_set_by_default_and_in_french_and_spanish(
    harness: Harness, stub: BotApiStub
) -> None:
    assert harness.app is not None and harness.repo is not None
    assert harness.app.job_queue is not None
    await menu.set_commands(harness.app.bot, harness.repo)  # before the first update
    (job,) = harness.app.job_queue.get_jobs_by_name("translated menus")  # just after start
    await job.run(harness.app)

    calls = [(c.params.get("language_code"), c.params["scope"], c.params["commands"])
             for c in stub.called("setMyCommands")]  # fmt: skip
    staff_scope, admin_scope = {"type": "all_private_chats"}, {"type": "chat", "chat_id": ADMIN}
    assert [(lang, scope) for lang, scope, _ in calls] == [
        (None, staff_scope), (None, admin_scope), ("fr", staff_scope), ("fr", admin_scope),
        ("es", staff_scope), ("es", admin_scope),
    ]  # fmt: skip
    staff = [c.name for c in COMMANDS if "officer" in c.roles]
    for lang, scope, commands in calls:
        names = [c["command"] for c in commands]
        assert names == (staff if scope == staff_scope else [c.name for c in COMMANDS]), lang
        assert {"review", "edit"} <= set(names)
    menus = {(lang, scope["type"]): {c["command"]: c["description"] for c in commands}
             for lang, scope, commands in calls}  # fmt: skip
    assert menus[None, "all_private_chats"]["back"] == "go back one question"
    assert menus["fr", "all_private_chats"]["back"] == "revenir à la question précédente"
    assert menus["es", "all_private_chats"]["back"] == "volver a la pregunta anterior"
    assert menus["fr", "chat"]["users"] == "qui a accès"
    assert menus["es", "chat"]["users"] == "quién tiene acceso"
