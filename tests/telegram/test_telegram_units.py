"""The pure parts of the adapter: rendering and splitting, keyboards, file types, settings, logs."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
import telegram
from botapi_stub import TOKEN, BotApiStub, parse_html
from hypothesis import given
from hypothesis import strategies as st

from bot import filetypes
from bot.settings import Settings, Webhook, load_settings
from bot.telegram import render
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.logs import REDACTED, RedactingFormatter
from workflows.chat.views import Button, Reply

ROOT = Path(__file__).resolve().parents[2]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=700)
#: Plain text of every kind: markup characters, entities, emoji, long words, blank lines.
TRICKY = st.lists(
    st.sampled_from(["<b>", "</i>", "&", "&amp;", "*_[", "\n", "\n\n", " ", "🙂", "é", "x" * 90]),
    max_size=60,
).map("".join)


@given(text=st.one_of(TEXT, TRICKY), title=st.one_of(st.none(), st.text(max_size=30)))
def test_every_message_is_valid_html_within_the_limit(text: str, title: str | None) -> None:
    limit = 120
    messages = render.messages(Reply(text, title=title), limit=limit)
    visible = [parse_html(m.html) for m in messages]  # raises as Telegram would refuse
    assert all(render.units(m.html) <= limit for m in messages)
    body = "\n".join(visible)
    if not text.strip() and not (title and title.strip()):
        assert body == "…"  # Telegram refuses empty messages
        return
    if title and title.strip():
        assert body.startswith(title)
        body = body[len(title) :]
    # Only line breaks at the cuts (and whitespace-only pieces) may go missing.
    assert "".join(body.split()) == "".join(text.split())


def test_split_prefers_line_breaks_then_spaces() -> None:
    assert render.split("aaa\nbbb\nccc", 7, 7) == ["aaa\nbbb", "ccc"]
    assert render.split("one two three", 8, 8) == ["one two ", "three"]
    assert render.split("x" * 10, 4, 4) == ["xxxx", "xxxx", "xx"]
    assert render.split("&&&", 5, 5) == ["&", "&", "&"]  # measured escaped: &amp; is 5


def test_title_is_bold_and_escaped_and_the_keyboard_goes_last() -> None:
    reply = Reply("a\nb", buttons=[Button("Yes", "y"), Button("No", "n")], title="<Q> & A")
    (message,) = render.messages(reply)
    assert message.html == "<b>&lt;Q&gt; &amp; A</b>\na\nb"
    assert message.keyboard is not None
    assert [[k.text for k in row] for row in message.keyboard.inline_keyboard] == [["Yes", "No"]]

    long = render.messages(Reply("line\n" * 2000, buttons=[Button("OK", "ok")]))
    assert len(long) == 3
    assert [m.keyboard is not None for m in long] == [False, False, True]


def test_keyboard_rows_and_the_64_byte_limit() -> None:
    buttons = [Button("Save", "sv"), *(Button(f"Edit {n}", f"e{n}") for n in range(1, 6)),
               Button("AL allegation letter", "a"), Button("Yes", "y")]  # fmt: skip
    keyboard = render.inline_keyboard(buttons)
    assert keyboard is not None
    assert [[k.text for k in row] for row in keyboard.inline_keyboard] == [
        ["Save", "Edit 1", "Edit 2", "Edit 3"],
        ["Edit 4", "Edit 5"],
        ["AL allegation letter"],
        ["Yes"],
    ]
    assert render.inline_keyboard([Button("ok", "é" * 32)]) is not None  # 64 bytes exactly
    with pytest.raises(ValueError, match="65 bytes of callback data"):
        render.inline_keyboard([Button("Too long", "a" + "é" * 32)])


def test_file_types_by_name_and_by_mime_only_without_a_name() -> None:
    assert filetypes.identify("Letter.PDF", None) == filetypes.KNOWN["pdf"]
    assert filetypes.identify("scan.jpg", "application/octet-stream") == filetypes.KNOWN["jpeg"]
    assert filetypes.identify("no-extension", "image/png") is None
    assert filetypes.identify("tool.exe", "application/pdf") is None
    assert filetypes.identify(None, "image/png") == filetypes.KNOWN["png"]
    assert filetypes.identify(None, "application/x-msdownload") is None
    assert not filetypes.KNOWN["docx"].matches(b"PK\x03\x04rest")  # a zip, not a document
    assert not filetypes.KNOWN["pdf"].matches(b"MZ")


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "FOLLOWUP_ADMINS": "11, 22",
        "FOLLOWUP_MAX_FILE_MB": "2.5",
        "FOLLOWUP_FILE_TYPES": "PDF, jpg,png,pdf",
        "TELEGRAM_API_BASE_URL": "http://localhost:8081/bot",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg",
        "TELEGRAM_WEBHOOK_SECRET": "abc_DEF-123",
    }.items():
        monkeypatch.setenv(name, value)

    settings = load_settings(console=False, webhook=True)

    assert settings.admins == ("11", "22")
    assert settings.max_file_bytes == 2_621_440
    assert settings.file_types == ("pdf", "jpeg", "png")
    assert settings.api_base_url == "http://localhost:8081/bot"
    assert settings.api_file_url == "https://api.telegram.org/file/bot"
    assert settings.send_rate == 30
    assert settings.webhook == Webhook("https://bot.example.org/tg", "abc_DEF-123")
    assert settings.webhook.path == "/tg" and settings.webhook.port == 8443
    assert settings.webhook.listen == "127.0.0.1"  # behind the TLS proxy, on this machine
    assert TOKEN not in repr(settings) and "abc_DEF-123" not in repr(settings)
    assert isinstance(load_settings(console=True), Settings)  # the console needs no token


def test_the_token_never_reaches_a_log_line() -> None:
    formatter = RedactingFormatter((TOKEN, TOKEN.partition(":")[2]), "%(message)s")
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord("httpx", logging.ERROR, __file__, 1, "url %s",
                                   (f"/bot{TOKEN.lower()}/x",), sys.exc_info())  # fmt: skip
    line = formatter.format(record)
    assert TOKEN.lower() not in line.lower()
    assert TOKEN.partition(":")[2].lower() not in line.lower()
    assert line.count(REDACTED) == 2


async def test_the_bot_api_is_reached_through_the_proxy_the_environment_names(
    stub: BotApiStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY applies with no special path: the stand-in plays the proxy here (it reads
    the path of an absolute request URL), for an API host that does not even resolve."""
    for name in ("ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{stub.port}")
    bot = telegram.Bot(stub.token, base_url="http://api.invalid/bot", request=AiohttpRequest(2))
    async with bot:
        assert (await bot.get_me()).username == "followup_test_bot"
    through_proxy = len(stub.called("getMe"))
    assert through_proxy > 0
    monkeypatch.setenv("NO_PROXY", "api.invalid")  # now straight to a host that does not exist
    bot = telegram.Bot(stub.token, base_url="http://api.invalid/bot", request=AiohttpRequest(2))
    with pytest.raises(telegram.error.NetworkError):
        await bot.initialize()
    await bot.shutdown()
    assert len(stub.called("getMe")) == through_proxy


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_the_bot_api_certificate_is_checked_against_ssl_cert_file(tmp_path: Path) -> None:
    """A Bot API server whose certificate only SSL_CERT_FILE vouches for (a company's own CA,
    a self-hosted server): trusted when the variable names it, refused otherwise. Run in a
    fresh interpreter, since the trusted certificates are read when aiohttp is imported."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)  # fmt: skip
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    stub = await BotApiStub().start(tls)
    program = (
        "import asyncio, telegram\n"
        "from bot.telegram.aiohttp_request import AiohttpRequest\n"
        f"bot = telegram.Bot({stub.token!r}, base_url='https://127.0.0.1:{stub.port}/bot',\n"
        "                   request=AiohttpRequest(1))\n"
        "async def main():\n"
        "    async with bot:\n"
        "        print(bot.username)\n"
        "asyncio.run(main())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSL_CERT")}

    async def run(**extra: str) -> tuple[int, str]:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", program, env=env | extra, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(child.communicate(), 60)
        return child.returncode or 0, out.decode()

    try:
        trusted, refused = await run(SSL_CERT_FILE=str(cert)), await run()
    finally:
        await stub.close()
    assert trusted == (0, "followup_test_bot\n")
    assert refused[0] != 0 and "CERTIFICATE_VERIFY_FAILED" in refused[1]
