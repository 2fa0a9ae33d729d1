"""The Telegram transport: python-telegram-bot handlers over `workflows.chat.conversation`.

One module per concern: `guard` (who may talk to the bot, and where), `quiet` (one answer
per quiet period to those it does not serve), `text` (commands and typed answers), `buttons`
(taps), `files` (documents), `errors`, `render` (HTML, keyboards, splitting), `bridge` (the
call into the conversation and the answer back), `retry` and `ordering` (robust delivery),
`polling` and `webhook` (updates in, each confirmed to Telegram only once handled),
`aiohttp_request` (the HTTP client for the Bot API), `menu` (setMyCommands), `jobs`
(reminders and the digest) and `logs`. `bot.app` wires them together.
"""

import os

# python-telegram-bot 22 is moving time periods (RetryAfter.retry_after, ...) from int seconds
# to timedelta and warns on every access until a program opts in. Opting in is the supported
# way to silence it, and it keeps a 429 from Telegram from turning into a warning (an error
# under `filterwarnings = error`) inside the request layer. Set here, before python-telegram-bot
# reads it.
os.environ["PTB_TIMEDELTA"] = "true"
