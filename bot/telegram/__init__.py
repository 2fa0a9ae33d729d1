"""The Telegram transport: python-telegram-bot handlers over `workflows.conversation`.

One module per concern: `guard` (who may talk to the bot, and where), `text` (commands and
typed answers), `buttons` (taps), `files` (documents), `errors`, `render` (HTML, keyboards,
splitting), `bridge` (the call into the conversation and the answer back), `retry` and
`ordering` (robust delivery), `inbox` (every update handled at least once, even across a
kill), `http11` (the HTTP client for the Bot API), `menu` (setMyCommands), `webhook`, `jobs`
(reminders and the digest) and `logs`. `bot.app` wires them together.

Two process-wide settings are made here, before python-telegram-bot and httpx run (below).
"""

import importlib.util
import os
import sys

# python-telegram-bot 22 is moving time periods (RetryAfter.retry_after, ...) from int seconds
# to timedelta and warns on every access until a program opts in. Opting in is the supported
# way to silence it, and it keeps a 429 from Telegram from turning into a warning (an error
# under `filterwarnings = error`) inside the request layer.
os.environ["PTB_TIMEDELTA"] = "true"

# httpcore 1.0 tries `import sniffio` each time it creates a lock (several per request). Since
# anyio 4.11 no longer installs sniffio, that import fails, and Python searches sys.path again
# on every attempt: about 0.5 ms of CPU per Bot API request (bench/README.md; encode/httpcore
# PR 1103). A None entry makes the import fail at once; nothing else changes, since sniffio is
# absent anyway. Adding sniffio as a dependency would make this a no-op.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]
