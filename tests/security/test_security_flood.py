"""Anyone can add a bot to a group (unless @BotFather's "Allow groups" is off) and send it
commands there. The bot answers each with one sentence, and Telegram lets a bot post only 20
messages a minute in a group, which its rate limiter keeps to. Those answers must not hold up
the staff in their private chats.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from botapi_stub import BotApiStub, message
from fault_harness import ChatClient, Inbox, add_officers, bot_process, running

OFFICER, STRANGERS, GROUP = 201, range(990, 1000), -5005


async def test_a_flood_of_commands_in_a_group_does_not_hold_up_private_chats(
    api: BotApiStub, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    add_officers(data, [OFFICER])
    bot = bot_process(api, data)
    officer = ChatClient(Inbox(api), OFFICER)
    async with running(bot):
        assert await officer.exchange(officer.say("/start"), 30)  # the bot is up
        for n in range(300):
            await api.push(message(STRANGERS[n % len(STRANGERS)], GROUP, text="/start"))
        started = asyncio.get_running_loop().time()
        answer = await officer.exchange(officer.say("/help"), 10)
        assert answer, "no answer in 10 s"
        assert answer[-1].text.startswith("Commands")
        assert asyncio.get_running_loop().time() - started < 10
