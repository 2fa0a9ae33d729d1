"""StreamRequest, the lean HTTP/1.1 client for Bot API calls (bot/telegram/http11.py).

Through python-telegram-bot for real, against the Bot API stand-in; then against a tiny raw
HTTP server of this module, for what the stand-in never does (chunked answers, closing idle
connections, HTTP/1.0 bodies, malformed answers, TLS).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import itertools
import logging
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import telegram
from botapi_stub import TOKEN, BotApiStub
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter
from telegram_harness import until

from bot.telegram.http11 import StreamRequest, proxy_configured

CHAT = 4242
MARKUP = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Yes, sent", callback_data="c:1:sent"),
      InlineKeyboardButton("No", callback_data="c:1:no")]]
)  # fmt: skip
#: Bytes that would break a careless multipart encoder: every byte value, CRLFs, dashes.
AWKWARD = bytes(range(256)) * 40 + b"\r\n--\r\n\r\n--" + os.urandom(5000)


# ---- through python-telegram-bot, against the Bot API stand-in --------------------------------
@dataclass
class Counted:
    """The stand-in, with the connections it accepted counted (now open, at most, in all)."""

    stub: BotApiStub
    open: int = 0
    peak: int = 0
    accepted: int = 0


@pytest.fixture
async def counted() -> AsyncIterator[Counted]:
    stub = BotApiStub()
    counts = Counted(stub)
    serve = stub._connection

    async def counting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counts.accepted += 1
        counts.open += 1
        counts.peak = max(counts.peak, counts.open)
        try:
            await serve(reader, writer)
        finally:
            counts.open -= 1

    stub._connection = counting  # type: ignore[method-assign]
    await stub.start()
    yield counts
    await stub.close()


def make_bot(stub: BotApiStub, **options: Any) -> telegram.Bot:
    return telegram.Bot(
        TOKEN,
        base_url=stub.base_url,
        base_file_url=stub.file_url,
        request=StreamRequest(**options),
        get_updates_request=StreamRequest(),
    )


@pytest.fixture
async def bot(counted: Counted) -> AsyncIterator[telegram.Bot]:
    async with make_bot(counted.stub) as b:
        yield b


def statuses(stub: BotApiStub, method: str) -> list[int]:
    return [c.status for c in stub.called(method)]


async def test_get_me_and_an_html_message_with_buttons(bot: telegram.Bot, counted: Counted) -> None:
    me = await bot.get_me()
    sent = await bot.send_message(
        CHAT,
        "<b>Rappel</b> : réponse d'État &amp; suivi 🙂",
        parse_mode="HTML",
        reply_markup=MARKUP,
    )

    assert me.username == "followup_test_bot"
    assert sent.text == "Rappel : réponse d'État & suivi 🙂"
    (seen,) = counted.stub.sent_to(CHAT)
    assert seen.html == "<b>Rappel</b> : réponse d'État &amp; suivi 🙂"
    assert seen.buttons == [("Yes, sent", "c:1:sent"), ("No", "c:1:no")]
    assert counted.accepted == 1  # getMe (initialize), getMe and sendMessage on one connection


async def test_a_document_arrives_intact_as_multipart(bot: telegram.Bot, counted: Counted) -> None:
    message = await bot.send_document(
        CHAT, AWKWARD, filename='Note "verbale" 12.pdf', caption="Lettre n° 4", reply_markup=MARKUP
    )

    ((chat, upload),) = counted.stub.documents
    assert (chat, upload.data) == (CHAT, AWKWARD)
    assert upload.content_type == "application/pdf"
    assert upload.filename == "Note %22verbale%22 12.pdf"  # escaped as httpx does
    params = counted.stub.called("sendDocument")[0].params
    assert params["caption"] == "Lettre n° 4"
    assert params["reply_markup"] == MARKUP.to_dict()
    assert message.document is not None and message.document.file_size == len(AWKWARD)


async def test_get_file_and_download_it(bot: telegram.Bot, counted: Counted) -> None:
    data = os.urandom(1_500_000)  # larger than one read piece
    file_id = counted.stub.add_file(data, "documents/file_7.pdf")

    file = await bot.get_file(file_id)
    downloaded = await file.download_as_bytearray()

    assert bytes(downloaded) == data
    assert counted.accepted == 1  # the download reused the connection (same origin)


async def test_429_raises_retry_after(bot: telegram.Bot, counted: Counted) -> None:
    counted.stub.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hello")
    await bot.send_message(CHAT, "again")

    assert caught.value.retry_after == timedelta(seconds=7)
    assert statuses(counted.stub, "sendMessage") == [429, 200]
    assert counted.accepted == 1  # an HTTP error answer leaves the connection usable


async def test_502_raises_network_error(bot: telegram.Bot, counted: Counted) -> None:
    counted.stub.fail("sendMessage", 502)

    with pytest.raises(NetworkError, match="Bad Gateway") as caught:
        await bot.send_message(CHAT, "hello")

    assert not isinstance(caught.value, TimedOut)
    assert statuses(counted.stub, "sendMessage") == [502]


async def test_a_stall_longer_than_the_read_timeout_raises_timed_out(counted: Counted) -> None:
    async with make_bot(counted.stub, read_timeout=0.3) as bot:
        counted.stub.stall("sendMessage", 30)
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "hello")
        took = time.monotonic() - started
        await bot.send_message(CHAT, "after")

    assert 0.25 <= took < 3
    assert counted.accepted == 2  # the timed-out connection was closed, not reused
    assert [s.text for s in counted.stub.sent_to(CHAT)] == ["after"]


async def test_a_dropped_connection_raises_network_error(
    bot: telegram.Bot, counted: Counted
) -> None:
    # The first drop hits a reused connection: sent once more on a new one, dropped again.
    counted.stub.drop("sendMessage")
    counted.stub.drop("sendMessage")

    with pytest.raises(NetworkError, match="disconnected") as caught:
        await bot.send_message(CHAT, "hello")

    assert not isinstance(caught.value, TimedOut)
    assert statuses(counted.stub, "sendMessage") == [0, 0]
    assert counted.stub.sent == []


async def test_a_reused_connection_dropped_without_answer_is_retried_once(
    bot: telegram.Bot, counted: Counted
) -> None:
    counted.stub.drop("sendMessage")

    await bot.send_message(CHAT, "hello")

    assert statuses(counted.stub, "sendMessage") == [0, 200]
    assert [s.text for s in counted.stub.sent_to(CHAT)] == ["hello"]
    assert counted.accepted == 2


async def test_a_long_poll_outlasts_the_read_timeout(counted: Counted) -> None:
    # PTB adds getUpdates' `timeout` to the request's `read_timeout` property.
    bot = telegram.Bot(
        TOKEN,
        base_url=counted.stub.base_url,
        request=StreamRequest(),
        get_updates_request=StreamRequest(read_timeout=0.2),
    )
    async with bot:
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()  # nothing came: the stand-in held 1 s
        waited = time.monotonic() - started
        update_id = await counted.stub.push({"message": {"message_id": 1, "date": 0,
                                                         "chat": {"id": CHAT, "type": "private"},
                                                         "text": "hi"}})  # fmt: skip
        (update,) = await bot.get_updates(timeout=1)

    assert waited >= 0.9
    assert update.update_id == update_id and update.message is not None
    assert update.message.text == "hi"


async def test_many_concurrent_sends_share_the_pool(counted: Counted) -> None:
    async with make_bot(counted.stub, connection_pool_size=8, pool_timeout=20) as bot:
        sent = await asyncio.gather(*(bot.send_message(CHAT + n, f"n{n}") for n in range(200)))

    assert sorted(m.text for m in sent) == sorted(f"n{n}" for n in range(200))
    assert len(counted.stub.sent) == 200
    assert 2 <= counted.peak <= 8
    assert counted.accepted <= 8  # all kept alive and reused: no connection churn


# ---- against a raw HTTP server ----------------------------------------------------------------
@dataclass
class Exchange:
    connection: int  # which connection (0 = first accepted)
    index: int  # which request on that connection
    head: bytes
    body: bytes


#: What the raw server does with a request: bytes to write (a list: written piece by piece),
#: or None to close the connection without an answer; and whether to close after answering.
Reply = Callable[[Exchange], Awaitable[tuple[bytes | list[bytes] | None, bool]]]


class RawServer:
    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.exchanges: list[Exchange] = []
        self.accepted = 0
        self.open = 0
        self.arrived = asyncio.Event()  # set at each request
        self.ended = asyncio.Event()  # set each time a connection ends
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self, tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> RawServer:
        self._server = await asyncio.start_server(self._serve, host, 0, ssl=tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, method: str = "getMe", scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}/bot{TOKEN}/{method}"

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        number, self.accepted, self.open = self.accepted, self.accepted + 1, self.open + 1
        try:
            for index in range(1_000_000):
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                exchange = Exchange(number, index, head, await reader.readexactly(length))
                self.exchanges.append(exchange)
                self.arrived.set()
                answer, close = await self.reply(exchange)
                if answer is None:
                    return
                for piece in [answer] if isinstance(answer, bytes) else answer:
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.001)  # let the pieces arrive apart
                if close:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            self.open -= 1
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self.ended.set()


OK_JSON = b'{"ok":true,"result":{"answer":42}}'


def answer(body: bytes = OK_JSON, headers: str = "", status: str = "200 OK") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


def replies(*answers: bytes | list[bytes] | None, close: bool = False) -> Reply:
    """Answers in the order the server receives requests (the last one repeats)."""
    count = itertools.count()

    async def reply(exchange: Exchange) -> tuple[bytes | list[bytes] | None, bool]:
        return answers[min(next(count), len(answers) - 1)], close

    return reply


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[RawServer]]]:
    servers: list[RawServer] = []

    async def start(reply: Reply, **options: Any) -> RawServer:
        server = await RawServer(reply).start(**options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def request_() -> AsyncIterator[StreamRequest]:
    async with StreamRequest(read_timeout=2, connect_timeout=2) as req:
        yield req


async def test_chunked_answer_then_the_connection_is_reused(
    serve: Callable[..., Awaitable[RawServer]], request_: StreamRequest
) -> None:
    body = b'{"ok":true,"result":{"answer":"hello world"}}'
    chunked = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n",
        b"7\r\n" + body[:7] + b"\r\n",
        b"1B;ext=1\r\n" + body[7:34] + b"\r\n6\r\n" + body[34:40],
        b"\r\n" + b"%x\r\n" % len(body[40:]) + body[40:] + b"\r\n0\r\nX-Trailer: yes\r\n\r\n",
    ]
    server = await serve(replies(chunked))

    first = await request_.post(server.url())
    second = await request_.post(server.url())

    assert first == second == {"answer": "hello world"}
    assert (server.accepted, len(server.exchanges)) == (1, 2)


async def test_connection_close_is_honoured(
    serve: Callable[..., Awaitable[RawServer]], request_: StreamRequest
) -> None:
    # The server leaves the connection open: the header alone must stop its reuse.
    server = await serve(replies(answer(headers="Connection: close\r\n")))

    assert await request_.post(server.url()) == {"answer": 42}
    assert await request_.post(server.url()) == {"answer": 42}
    assert (server.accepted, len(server.exchanges)) == (2, 2)


async def test_an_idle_connection_closed_by_the_server_is_not_an_error(
    serve: Callable[..., Awaitable[RawServer]],
    request_: StreamRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.telegram.http11")
    server = await serve(replies(answer(), close=True))  # keep-alive announced, then closed

    assert await request_.post(server.url()) == {"answer": 42}
    (pooled,) = [c for origin in request_._origins.values() for c in origin.idle]
    await until(lambda: not pooled.usable())  # the client has seen the server's FIN
    assert await request_.post(server.url()) == {"answer": 42}

    assert (server.accepted, len(server.exchanges)) == (2, 2)
    assert "retrying" not in caplog.text  # found closed before use, not by a failed request


async def test_an_idle_connection_holding_unasked_bytes_is_not_reused(
    serve: Callable[..., Awaitable[RawServer]], request_: StreamRequest
) -> None:
    """Some servers send a 408 on an idle connection before closing it: read as the answer
    to the next request, it would be taken for one the server never handled."""
    stray = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n"
    server = await serve(replies([answer(), stray]))  # and the connection stays open

    assert await request_.post(server.url()) == {"answer": 42}
    (pooled,) = [c for origin in request_._origins.values() for c in origin.idle]
    await until(lambda: not pooled.usable())  # the stray answer has arrived
    assert await request_.post(server.url()) == {"answer": 42}

    assert (server.accepted, len(server.exchanges)) == (2, 2)


async def test_a_reused_connection_closed_before_answering_is_retried_once(
    serve: Callable[..., Awaitable[RawServer]], request_: StreamRequest
) -> None:
    # The server takes the second request and closes without a word, as when its keep-alive
    # timer fires as the request arrives: the client sends it once more, on a new connection.
    server = await serve(replies(answer(), None, answer()))

    assert await request_.post(server.url()) == {"answer": 42}
    assert await request_.post(server.url()) == {"answer": 42}
    assert [(e.connection, e.index) for e in server.exchanges] == [(0, 0), (0, 1), (1, 0)]


async def test_no_retry_on_a_new_connection_and_only_one_on_a_reused_one(
    serve: Callable[..., Awaitable[RawServer]], request_: StreamRequest
) -> None:
    fresh = await serve(replies(None))
    with pytest.raises(NetworkError, match="disconnected"):
        await request_.post(fresh.url())
    assert len(fresh.exchanges) == 1

    reused = await serve(replies(answer(), None))
    await request_.post(reused.url())
    with pytest.raises(NetworkError, match="disconnected"):
        await request_.post(reused.url())
    assert [(e.connection, e.index) for e in reused.exchanges] == [(0, 0), (0, 1), (1, 0)]


async def test_a_body_without_length_is_read_to_the_end(
    serve: Callable[..., Awaitable[RawServer]], request_: StreamRequest
) -> None:
    body = os.urandom(700_000)
    head = b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"
    server = await serve(replies(head + body, close=True))

    assert await request_.retrieve(server.url("file.bin")) == body
    assert await request_.retrieve(server.url("file.bin")) == body
    assert server.accepted == 2
    assert server.exchanges[0].head.startswith(f"GET /bot{TOKEN}/file.bin HTTP/1.1\r\n".encode())


async def test_a_gzip_answer_is_decoded_and_interim_answers_skipped(
    serve: Callable[..., Awaitable[RawServer]], request_: StreamRequest
) -> None:
    # Never asked for (Accept-Encoding: identity), but read correctly if a server does it.
    packed = gzip.compress(OK_JSON)
    server = await serve(
        replies(b"HTTP/1.1 100 Continue\r\n\r\n" + answer(packed, "Content-Encoding: gzip\r\n"))
    )

    assert await request_.post(server.url()) == {"answer": 42}
    assert b"\r\nAccept-Encoding: identity\r\n" in server.exchanges[0].head


async def test_requests_carry_what_httpx_sends(
    serve: Callable[..., Awaitable[RawServer]],
) -> None:
    me = b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"B","username":"b_bot"}}'
    message = b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":5,"type":"private"}}}'

    async def reply(exchange: Exchange) -> tuple[bytes | None, bool]:
        return answer(me if b"/getMe " in exchange.head else message), False

    server = await serve(reply)
    bodies: dict[str, list[bytes]] = {}
    for name, request in (("httpx", HTTPXRequest()), ("stream", StreamRequest())):
        before = len(server.exchanges)
        base_url = f"http://127.0.0.1:{server.port}/bot"
        async with telegram.Bot(TOKEN, base_url=base_url, request=request) as bot:
            await bot.send_message(5, "Réponse <b>reçue</b> & +1 %", reply_markup=MARKUP)
            await bot.send_document(
                5, AWKWARD, filename="r é.pdf", caption="ok", reply_markup=MARKUP
            )
        bodies[name] = [_normalised(e) for e in server.exchanges[before:]]

    assert len(bodies["stream"]) == 3  # getMe, sendMessage, sendDocument
    assert bodies["stream"] == bodies["httpx"]


def _normalised(exchange: Exchange) -> bytes:
    """The body, with a multipart boundary replaced (each client draws its own)."""
    for line in exchange.head.split(b"\r\n"):
        if line.lower().startswith(b"content-type:") and b"boundary=" in line:
            boundary = line.split(b"boundary=")[1].strip(b'"')
            return exchange.body.replace(boundary, b"BOUNDARY")
    return exchange.body


def _chain(exc: BaseException | None) -> str:
    """Every message and repr along an exception's chain of causes."""
    seen = []
    while exc is not None:
        seen += [str(exc), repr(exc)]
        exc = exc.__cause__ or exc.__context__
    return "\n".join(seen)


async def test_errors_never_show_the_token(
    serve: Callable[..., Awaitable[RawServer]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    never = asyncio.Event()

    async def misbehave(exchange: Exchange) -> tuple[bytes | None, bool]:
        match len(server.exchanges) - 1:  # which request this is, from the first
            case 0:
                return b"SMTP ready\r\n\r\n", False
            case 1:
                return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", True
            case 2:
                return b"HTTP/1.1 200 OK\r\nX-Big: " + b"x" * 70_000 + b"\r\n\r\n", False
            case 3:
                return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", False
            case 4 | 7:
                return answer(), False
            case 8:
                await never.wait()  # a stall
        return None, False  # 5 and 6: dropped without an answer

    server = await serve(misbehave)
    with socket_port() as closed_port:
        refused = f"http://127.0.0.1:{closed_port}/bot{TOKEN}/sendMessage"
    failures: list[TelegramError] = []
    async with StreamRequest(read_timeout=0.2) as req:
        for url in [server.url("sendMessage")] * 4 + [refused]:
            with pytest.raises(NetworkError) as caught:
                await req.do_request(url, "POST")
            failures.append(caught.value)
        await req.do_request(server.url("sendMessage"), "POST")  # kept alive
        with pytest.raises(NetworkError) as caught:  # dropped on reuse, retried, dropped again
            await req.do_request(server.url("sendMessage"), "POST")
        failures.append(caught.value)
        await req.do_request(server.url("sendMessage"), "POST")
        with pytest.raises(TimedOut) as timed_out:
            await req.do_request(server.url("sendMessage"), "POST")
        failures.append(timed_out.value)

    reasons = [str(f) for f in failures]
    assert "Malformed response: not an HTTP/1.x status line" in reasons[0]
    assert "Connection closed before the response was complete" in reasons[1]
    assert "response head too large" in reasons[2]
    assert "invalid chunk size" in reasons[3]
    assert "Cannot connect" in reasons[4] and f"127.0.0.1:{closed_port} sendMessage" in reasons[4]
    assert "Server disconnected without sending a response" in reasons[5]
    assert "Timed out reading" in reasons[6]
    assert len(server.exchanges) == 9
    for failure in failures:
        assert "http://127.0.0.1:" in str(failure)
        assert TOKEN not in _chain(failure) and "/bot" not in str(failure)
    assert TOKEN not in caplog.text
    never.set()


@contextlib.contextmanager
def socket_port() -> Any:
    """A local port nobody listens on."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def test_waiting_for_a_connection_beyond_the_pool_times_out(
    serve: Callable[..., Awaitable[RawServer]],
) -> None:
    gate = asyncio.Event()

    async def slow(exchange: Exchange) -> tuple[bytes | None, bool]:
        await gate.wait()
        return answer(), False

    server = await serve(slow)
    async with StreamRequest(connection_pool_size=1, pool_timeout=0.2) as req:
        first = asyncio.create_task(req.post(server.url()))
        await asyncio.wait_for(server.arrived.wait(), 5)
        started = time.monotonic()
        with pytest.raises(TimedOut, match="Pool timeout"):
            await req.post(server.url())
        waited = time.monotonic() - started
        gate.set()
        assert await first == {"answer": 42}
        assert await req.post(server.url()) == {"answer": 42}  # the permit came back

    assert 0.15 <= waited < 2
    assert (server.accepted, len(server.exchanges)) == (1, 2)  # the waiter never sent


async def test_shutdown_closes_every_connection(
    serve: Callable[..., Awaitable[RawServer]],
) -> None:
    gate = asyncio.Event()

    async def gated(exchange: Exchange) -> tuple[bytes | None, bool]:
        await gate.wait()
        return answer(), False

    server = await serve(gated)
    req = StreamRequest(connection_pool_size=3)
    calls = [asyncio.create_task(req.post(server.url())) for _ in range(3)]
    await until(lambda: len(server.exchanges) == 3)
    gate.set()
    await asyncio.gather(*calls)
    assert server.open == 3  # idle in the pool

    await req.shutdown()
    await until(lambda: server.open == 0)
    with pytest.raises(RuntimeError, match="not initialized"):
        await req.do_request(server.url(), "POST")
    await req.initialize()
    assert await req.post(server.url()) == {"answer": 42}
    await req.shutdown()


async def test_https_with_sni_and_verification(
    serve: Callable[..., Awaitable[RawServer]], tls_files: tuple[Path, Path]
) -> None:
    cert, key = tls_files
    names: list[str | None] = []
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    server_side.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment,func-returns-value]
    server = await serve(replies(answer()), tls=server_side)
    url = server.url(scheme="https", host="localhost")

    async with StreamRequest(ssl_context=ssl.create_default_context(cafile=cert)) as req:
        assert await req.post(url) == {"answer": 42}
        assert await req.post(url) == {"answer": 42}
    with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        async with StreamRequest() as untrusting:  # the system's CAs: self-signed is refused
            await untrusting.post(url)

    assert TOKEN not in _chain(caught.value)
    assert names == ["localhost", "localhost"]  # SNI sent, by both clients
    assert server.accepted == 1  # one connection for both requests; the refused one not counted
    assert f"\r\nHost: localhost:{server.port}\r\n".encode() in server.exchanges[0].head


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_request_targets_and_host_headers() -> None:
    req = StreamRequest()
    origin, target, label = req._target("https://api.telegram.org/bot123:AbC-d_e/sendMessage")
    assert target == b"/bot123:AbC-d_e/sendMessage"
    assert label == "https://api.telegram.org:443 sendMessage"
    assert b"\r\nHost: api.telegram.org\r\n" in origin.tail
    other, target, _ = req._target("https://api.telegram.org/file/bot123:x/docs/a b.pdf")
    assert other is origin and target == b"/file/bot123:x/docs/a%20b.pdf"
    local, _, label = req._target("http://[::1]:8081/bot1:x/getMe")
    assert b"\r\nHost: [::1]:8081\r\n" in local.tail and label == "http://::1:8081 getMe"
    with pytest.raises(NetworkError, match="Unsupported URL"):
        req._target(f"ftp://example.org/bot{TOKEN}/getMe")


def test_constructor_defaults() -> None:
    req = StreamRequest()
    assert req.read_timeout == 5.0
    assert StreamRequest(read_timeout=None).read_timeout is None
    with pytest.raises(ValueError):
        StreamRequest(connection_pool_size=0)


# ---- proxies ---------------------------------------------------------------------------------
PROXY_VARIABLES = ["http_proxy", "https_proxy", "all_proxy", "no_proxy", "REQUEST_METHOD"]


@pytest.fixture
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


API = f"https://api.telegram.org/bot{TOKEN}/"


@pytest.mark.parametrize(
    ("env", "url", "expected"),
    [
        ({}, API, False),
        ({"HTTPS_PROXY": "http://proxy:3128"}, API, True),
        ({"https_proxy": "http://proxy:3128"}, API, True),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "http://127.0.0.1:8081/bot", False),
        ({"HTTP_PROXY": "http://proxy:3128"}, API, False),
        ({"HTTP_PROXY": "http://proxy:3128"}, "http://10.0.0.5:8081/bot", True),
        ({"ALL_PROXY": "socks5://proxy:1080"}, API, True),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "api.telegram.org"}, API, False),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": ".telegram.org"}, API, False),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "*"}, API, False),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "example.org,localhost"}, API, True),
    ],
)
def test_proxy_configured(
    no_proxies: pytest.MonkeyPatch, env: dict[str, str], url: str, expected: bool
) -> None:
    for name, value in env.items():
        no_proxies.setenv(name, value)
    assert proxy_configured(url) is expected


async def test_an_upload_the_server_does_not_take_times_out() -> None:
    taken, done = asyncio.Event(), asyncio.Event()

    async def never_reads(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        taken.set()
        await done.wait()  # reads nothing meanwhile: the client's socket buffers fill up
        writer.close()

    server = await asyncio.start_server(never_reads, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/bot{TOKEN}/sendDocument"
    document = InputFile(b"x" * 16_000_000, "big.bin")
    upload = RequestData(
        [RequestParameter("chat_id", 5, None), RequestParameter("document", None, [document])]
    )
    try:
        async with StreamRequest(media_write_timeout=0.3) as req:
            started = time.monotonic()
            with pytest.raises(TimedOut, match="Timed out sending"):
                await req.do_request(url, "POST", upload)
            took = time.monotonic() - started
    finally:
        done.set()
        server.close()
        await server.wait_closed()
    assert taken.is_set() and 0.25 <= took < 3
