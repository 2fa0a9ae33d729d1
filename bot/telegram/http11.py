"""A lean HTTP/1.1 client for Bot API calls: python-telegram-bot's `BaseRequest` on asyncio streams.

Why this exists: under load, py-spy (`--gil`) showed about 55% of the bot's CPU inside
python-telegram-bot's default `HTTPXRequest` and what it stands on (httpx, httpcore, anyio):
cancel scopes, pool locks, `has_expired` polled on every pooled socket, cookie handling, URL
parsing and model objects for every request: about 1.5 ms of CPU per Bot API call, when the
bot must sustain 300 updates/s on 2 cores under one GIL. Bot API traffic is the easiest HTTP
there is (one host, small form-encoded POSTs, small JSON answers, keep-alive), so this module
speaks it directly on the standard library's asyncio streams, with no new dependency.
bench/http_request.py measures both through `telegram.Bot` (3000 `send_message` calls from 50
concurrent tasks, the Bot API stand-in in a child process, 2-core VM): the HTTP layer costs
0.10-0.11 ms of CPU per call here against 1.6-1.9 ms with HTTPXRequest, and a whole
`send_message` 0.19-0.26 ms against 1.7-2.0 ms.

What it does, as `HTTPXRequest` does for the bot:

- http:// and https:// (certificates checked against certifi's bundle, as httpx does, SNI),
  base URLs with a path;
- bodies as httpx builds them: `application/x-www-form-urlencoded` of
  `RequestData.json_parameters` without files, `multipart/form-data` with them;
- responses by Content-Length, chunked, or read to EOF (HTTP/1.0 style); `Connection: close`
  and HTTP/1.0 keep-alive honoured; response head limited to 64 KiB;
- a keep-alive pool of at most `connection_pool_size` connections per origin, `pool_timeout`
  for requests waiting for one (then `TimedOut`, as PTB's pool timeout); idle connections the
  server closed are detected before reuse, and a request whose reused connection fails before
  any byte of an answer arrives is sent once more on a new connection (the server closed the
  idle connection as we wrote: it did not handle the request);
- connect / write / read timeouts raise `telegram.error.TimedOut`; connection problems and
  malformed answers raise `telegram.error.NetworkError`. HTTP status codes are returned:
  `BaseRequest._request_wrapper` maps them to PTB's exceptions (RetryAfter, BadRequest, ...).
  Messages name only scheme://host:port and the Bot API method: the URL path holds the token.

What it does not do: proxies (`proxy_configured()` tells the app when one applies, so that it
can fall back to `HTTPXRequest`), HTTP/2, redirects (the Bot API does not redirect), cookies,
compressed request bodies, streaming uploads (files are read into memory, as PTB does by
default anyway), `Expect: 100-continue`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import ssl
import urllib.request
import zlib
from collections import deque
from typing import IO, Final
from urllib.parse import quote, urlsplit

import certifi  # httpx's CA bundle (installed with it): the same trust as HTTPXRequest
from telegram._utils.defaultvalue import DefaultValue  # what PTB's own HTTPXRequest checks
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

#: Largest response head (status line and headers) accepted; also the StreamReader's limit,
#: so a chunk-size line or a trailer longer than this fails too.
MAX_HEAD: Final = 64 * 1024
#: Bodies up to this size are joined with the request head and sent with one write.
_JOIN_BODY_UP_TO: Final = 64 * 1024
#: Large bodies are read in pieces of this size, the read timeout restarting after each piece
#: (httpx's read timeout is per read too, not for the whole body of a large download).
_READ_PIECE: Final = 256 * 1024
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_FORM: Final = b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
_MULTIPART: Final = b"Content-Type: multipart/form-data; boundary="
_HEX: Final = re.compile(rb"[0-9A-Fa-f]{1,16}")
#: How httpx (HTML5) escapes names and file names in multipart headers.
_FORM_PARAM_ESCAPES: Final = {
    ord('"'): "%22",
    ord("\\"): "\\\\",
    **{c: f"%{c:02X}" for c in range(0x20) if c != 0x1B},
}
_POOL_TIMEOUT_MESSAGE: Final = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* "
    "sent to Telegram. Consider adjusting the connection pool size or the pool timeout."
)


def proxy_configured(url: str) -> bool:
    """Whether the environment (HTTPS_PROXY, ALL_PROXY, ..., minus NO_PROXY) routes `url`
    through a proxy, as httpx would: `StreamRequest` cannot, so the app uses `HTTPXRequest`."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    host = parts.hostname or ""
    with contextlib.suppress(ValueError):  # an invalid port: match on the host alone
        if parts.port is not None:
            host = f"{host}:{parts.port}"
    return not urllib.request.proxy_bypass(host)


class _Malformed(Exception):
    """The server's answer is not HTTP/1.x we can read: the connection is unusable."""


class _NoAnswer(Exception):
    """The connection ended (EOF, reset) before any byte of the answer arrived."""


class _Origin:
    """What is fixed for one scheme://host:port: the connection pool and the head's tail."""

    __slots__ = ("closed", "host", "idle", "label", "port", "semaphore", "ssl", "tail")

    def __init__(
        self, host: str, port: int, tls: ssl.SSLContext | None, label: str, size: int
    ) -> None:
        self.host, self.port, self.ssl, self.label = host, port, tls, label
        default = _DEFAULT_PORTS["https" if tls else "http"]
        name = f"[{host}]" if ":" in host else host
        authority = name if port == default else f"{name}:{port}"
        #: Everything after the request target that is the same for every request.
        self.tail = (
            f" HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {BaseRequest.USER_AGENT}\r\n"
            "Accept: */*\r\nAccept-Encoding: identity\r\n"
        ).encode("ascii")
        #: Idle keep-alive connections, most recently used last.
        self.idle: deque[_Connection] = deque()
        #: One permit per connection that may be open (in use or idle).
        self.semaphore = asyncio.Semaphore(size)
        self.closed = False


class _Connection:
    __slots__ = ("idle_since", "reader", "transport", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.transport = writer.transport
        self.idle_since = 0.0

    def usable(self) -> bool:
        """False once the server has closed the connection, the transport is going away, or
        the server sent something unasked (a 408 before closing): read as the answer to the
        next request, it would be taken for one."""
        return not (self.reader.at_eof() or self.transport.is_closing() or _buffered(self.reader))


async def _wait_closed(conn: _Connection) -> None:
    with contextlib.suppress(Exception):
        await conn.writer.wait_closed()


def _buffered(reader: asyncio.StreamReader) -> int:
    """Bytes received and not yet read (StreamReader has no public way to ask)."""
    return len(getattr(reader, "_buffer", b""))


class StreamRequest(BaseRequest):
    """`telegram.request.BaseRequest` as a small HTTP/1.1 keep-alive client on asyncio streams.

    Use it as `HTTPXRequest` is used (`Bot(token, request=StreamRequest(...))` or the
    ApplicationBuilder's `.request()` / `.get_updates_request()`); the timeouts mean the same,
    `keepalive_expiry` is how long an idle connection is kept (httpx keeps 5 s; Telegram keeps
    idle connections longer, and a connection found closed is simply replaced).
    """

    __slots__ = (
        "_closed",
        "_connect_timeout",
        "_connections",
        "_keepalive_expiry",
        "_loop",
        "_media_write_timeout",
        "_origins",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_ssl_context",
        "_targets",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        keepalive_expiry: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context  # created on first https use: loading CAs costs ms
        self._origins: dict[tuple[str, str, int], _Origin] = {}
        #: url -> (origin, request target, label for messages); Bot API URLs are a small set.
        self._targets: dict[str, tuple[_Origin, bytes, str]] = {}
        self._connections: set[_Connection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    @property
    def read_timeout(self) -> float | None:
        """See `BaseRequest.read_timeout`: the default read timeout given to the constructor."""
        return self._read_timeout

    async def initialize(self) -> None:
        """See `BaseRequest.initialize`. Usable right after construction, as HTTPXRequest
        is; after `shutdown()` this makes it usable again."""
        self._closed = False

    async def shutdown(self) -> None:
        """See `BaseRequest.shutdown`: closes every connection, idle or in use."""
        if self._closed:
            log.debug("StreamRequest already shut down")
            return
        self._closed = True
        connections = list(self._connections)
        self._forget_pools()
        for conn in connections:
            conn.writer.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):  # a TLS peer may not answer close_notify
                await asyncio.gather(*(_wait_closed(c) for c in connections))

    def _forget_pools(self) -> None:
        for origin in self._origins.values():
            origin.closed = True
            origin.idle.clear()
        self._origins.clear()
        self._targets.clear()
        self._connections.clear()

    def _rebind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Connections and semaphores belong to one event loop: start afresh in a new one."""
        for conn in self._connections:
            with contextlib.suppress(Exception):  # the old loop may be closed already
                conn.transport.abort()
        self._forget_pools()
        self._loop = loop

    def _target(self, url: str) -> tuple[_Origin, bytes, str]:
        """Parse `url` once: its origin (pool), its request target, and a token-free label."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname
        if scheme not in _DEFAULT_PORTS or not host:
            raise NetworkError(f"Unsupported URL (scheme {scheme!r}): only http(s)://host")
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise NetworkError(f"Invalid port in URL for {scheme}://{host}") from None
        label = f"{scheme}://{host}:{port}"
        key = (scheme, host, port)
        origin = self._origins.get(key)
        if origin is None:
            tls = None
            if scheme == "https":
                if self._ssl_context is None:
                    self._ssl_context = ssl.create_default_context(cafile=certifi.where())
                tls = self._ssl_context
            origin = self._origins[key] = _Origin(host, port, tls, label, self._pool_size)
        path = quote(parts.path or "/", safe="/:@!$&'()*+,;=-._~%")
        if parts.query:
            path += "?" + quote(parts.query, safe="/:@!$&'()*+,;=-._~%?")
        name = (parts.path or "/").rsplit("/", 1)[-1]
        entry = (origin, path.encode("ascii"), f"{label} {name}")
        if len(self._targets) >= 1024:  # file downloads have a URL each: stay bounded
            self._targets.clear()
        self._targets[url] = entry
        return entry

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`: (HTTP status, body); TimedOut / NetworkError."""
        if self._closed:
            raise RuntimeError("This StreamRequest is not initialized!")
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._rebind(loop)
        entry = self._targets.get(url)
        origin, target, label = entry if entry is not None else self._target(url)

        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = self._pool_timeout

        body: bytes | None = None
        if request_data is None:
            framing = b"\r\n" if method == "GET" else b"Content-Length: 0\r\n\r\n"
        elif request_data.contains_files:
            boundary = os.urandom(16).hex().encode("ascii")
            body = _multipart(request_data, boundary)
            framing = b"%s%s\r\nContent-Length: %d\r\n\r\n" % (_MULTIPART, boundary, len(body))
            if isinstance(write_timeout, DefaultValue):
                write_timeout = self._media_write_timeout
        else:
            body = request_data.url_encoded_parameters().encode("ascii")
            framing = b"".join((_FORM, b"%d" % len(body), b"\r\n\r\n"))
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._write_timeout

        if body is not None and len(body) <= _JOIN_BODY_UP_TO:
            data = b"".join((method.encode("ascii"), b" ", target, origin.tail, framing, body))
            body = None
        else:
            data = b"".join((method.encode("ascii"), b" ", target, origin.tail, framing))

        semaphore = origin.semaphore
        if semaphore.locked():
            try:
                async with asyncio.timeout(pool_timeout):
                    await semaphore.acquire()
            except TimeoutError:
                raise TimedOut(_POOL_TIMEOUT_MESSAGE) from None
        else:
            await semaphore.acquire()  # returns at once: no timeout object needed
        try:
            return await self._exchange(
                origin, data, body, label, connect_timeout, write_timeout, read_timeout
            )
        finally:
            semaphore.release()

    async def _exchange(
        self,
        origin: _Origin,
        data: bytes,
        body: bytes | None,
        label: str,
        connect_timeout: float | None,
        write_timeout: float | None,
        read_timeout: float | None,
    ) -> tuple[int, bytes]:
        """One request on a pooled or new connection (holding a pool permit)."""
        now = asyncio.get_running_loop().time()
        idle = origin.idle
        while idle and now - idle[0].idle_since >= self._keepalive_expiry:
            self._discard(idle.popleft())
        conn = None
        while idle:
            candidate = idle.pop()
            if candidate.usable():
                conn = candidate
                break
            self._discard(candidate)
        reused = conn is not None
        if conn is None:
            conn = await self._connect(origin, connect_timeout, label)
        while True:
            try:
                status, payload, keep = await _roundtrip(
                    conn, data, body, write_timeout, read_timeout, label
                )
            except _NoAnswer as exc:
                self._discard(conn, abort=True)
                if not reused:
                    raise NetworkError(
                        f"Server disconnected without sending a response ({label})"
                    ) from exc.__cause__
                # Most likely the server closed the idle connection as our request arrived,
                # so it never handled it: send it once more, on a new connection. (A server
                # that handled it and then dropped the connection gets it twice; the bot's
                # own retry of a NetworkError would resend it just the same, only later.)
                log.debug("reused connection closed by the server; retrying (%s)", label)
                reused = False
                conn = await self._connect(origin, connect_timeout, label)
                continue
            except _Malformed as exc:
                self._discard(conn, abort=True)
                raise NetworkError(f"Malformed response: {exc} ({label})") from None
            except (OSError, EOFError) as exc:  # TimeoutError is mapped to TimedOut inside
                self._discard(conn, abort=True)
                raise NetworkError(f"{_describe(exc)} ({label})") from exc
            except BaseException:  # TimedOut, cancelled: the connection is mid-exchange
                self._discard(conn, abort=True)
                raise
            if keep and not origin.closed:
                conn.idle_since = asyncio.get_running_loop().time()
                idle.append(conn)
            else:
                self._discard(conn)
            return status, payload

    async def _connect(self, origin: _Origin, timeout: float | None, label: str) -> _Connection:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    origin.host,
                    origin.port,
                    ssl=origin.ssl,
                    server_hostname=origin.host if origin.ssl else None,
                    limit=MAX_HEAD,
                )
        except TimeoutError:
            raise TimedOut(f"Timed out connecting ({label})") from None
        except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError)
            raise NetworkError(f"Cannot connect: {_describe(exc)} ({label})") from exc
        conn = _Connection(reader, writer)
        self._connections.add(conn)
        return conn

    def _discard(self, conn: _Connection, *, abort: bool = False) -> None:
        """Close a connection for good (abort: drop unsent data, no TLS goodbye)."""
        self._connections.discard(conn)
        if abort:
            conn.transport.abort()
        else:
            conn.transport.close()


async def _roundtrip(
    conn: _Connection,
    data: bytes,
    body: bytes | None,
    write_timeout: float | None,
    read_timeout: float | None,
    label: str,
) -> tuple[int, bytes, bool]:
    """Send one request and read its answer: (status, body, connection reusable).

    Raises `_NoAnswer` when the connection ends before any byte of the answer, `_Malformed`,
    OSError / EOFError (connection lost mid-answer), TimedOut.
    """
    writer, reader = conn.writer, conn.reader
    try:
        writer.write(data)
        if body is not None:
            writer.write(body)
        if conn.transport.get_write_buffer_size():  # not all sent at once: wait, bounded
            async with asyncio.timeout(write_timeout):
                await writer.drain()
    except TimeoutError:
        raise TimedOut(f"Timed out sending the request ({label})") from None
    except ConnectionError as exc:  # closed by the server before it read the request
        raise _NoAnswer from exc

    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(read_timeout) as deadline:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as exc:
                if not exc.partial:
                    raise _NoAnswer from exc
                raise _Malformed("connection closed within the response head") from None
            except ConnectionError as exc:  # reset (or a failed write)
                if _buffered(reader):  # part of an answer came: the request was handled
                    raise _Malformed("connection lost within the response head") from None
                raise _NoAnswer from exc
            except asyncio.LimitOverrunError:
                raise _Malformed("response head too large") from None
            status, length, chunked, keep, encoding = _parse_head(head)
            while 100 <= status < 200:  # interim answers (100 Continue, 103): the real follows
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.LimitOverrunError:
                    raise _Malformed("response head too large") from None
                status, length, chunked, keep, encoding = _parse_head(head)

            if status in (204, 304):
                payload = b""
            elif chunked:
                payload = await _read_chunked(reader, deadline, read_timeout, loop)
            elif length is not None:
                if length <= _READ_PIECE:
                    payload = await reader.readexactly(length)
                else:
                    payload = await _read_large(reader, length, deadline, read_timeout, loop)
            else:  # neither length nor chunked: the body ends when the server closes
                payload = await _read_large(reader, None, deadline, read_timeout, loop)
                keep = False
    except TimeoutError:
        raise TimedOut(f"Timed out reading the response ({label})") from None
    except asyncio.LimitOverrunError:
        raise _Malformed("chunk size line or trailer too long") from None
    if encoding:
        payload = _decode(payload, encoding)
    return status, payload, keep


def _parse_head(head: bytes) -> tuple[int, int | None, bool, bool, bytes]:
    """Status line and the headers that frame the body: (status, content length, chunked,
    keep-alive, content encoding)."""
    lines = head.split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    code = rest[:3]
    if version[:7] != b"HTTP/1." or len(code) != 3 or not code.isdigit():
        raise _Malformed("not an HTTP/1.x status line")
    status = int(code)
    length: int | None = None
    chunked = coded = False
    keep = version != b"HTTP/1.0"
    encoding = b""
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise _Malformed("header line without a colon")
        name = name.strip().lower()
        if name == b"content-length":
            value = value.strip()
            if not value.isdigit() or (length is not None and int(value) != length):
                raise _Malformed("invalid Content-Length")
            length = int(value)
        elif name == b"transfer-encoding":
            # Only a final "chunked" frames the body; anything else is read to EOF.
            chunked = value.rsplit(b",", 1)[-1].strip().lower() == b"chunked"
            coded = True
        elif name == b"connection":
            tokens = value.lower()
            if b"close" in tokens:
                keep = False
            elif b"keep-alive" in tokens:
                keep = True
        elif name == b"content-encoding":
            encoding = value.strip().lower()
            if encoding == b"identity":
                encoding = b""
    if coded:  # Transfer-Encoding overrides Content-Length (RFC 9112, 6.3)
        length = None
        keep = keep and chunked
    return status, length, chunked, keep, encoding


async def _read_chunked(
    reader: asyncio.StreamReader,
    deadline: asyncio.Timeout,
    read_timeout: float | None,
    loop: asyncio.AbstractEventLoop,
) -> bytes:
    pieces: list[bytes] = []
    while True:
        line = await reader.readuntil(b"\r\n")
        size_field = line.split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_field):
            raise _Malformed("invalid chunk size")
        size = int(size_field, 16)
        if size == 0:
            break
        chunk = await reader.readexactly(size + 2)
        if chunk[-2:] != b"\r\n":
            raise _Malformed("chunk not followed by CRLF")
        pieces.append(chunk[:-2])
        if read_timeout is not None:
            deadline.reschedule(loop.time() + read_timeout)
    trailer = 0
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        trailer += len(line)
        if trailer > MAX_HEAD:
            raise _Malformed("trailers too large")
    return b"".join(pieces)


async def _read_large(
    reader: asyncio.StreamReader,
    length: int | None,
    deadline: asyncio.Timeout,
    read_timeout: float | None,
    loop: asyncio.AbstractEventLoop,
) -> bytes:
    """`length` bytes (None: up to EOF), the read timeout restarting after every piece."""
    buffer = bytearray()
    while length is None or len(buffer) < length:
        want = _READ_PIECE if length is None else min(_READ_PIECE, length - len(buffer))
        piece = await reader.read(want)
        if not piece:
            if length is None:
                break
            raise asyncio.IncompleteReadError(bytes(buffer), length)
        buffer += piece
        if read_timeout is not None:
            deadline.reschedule(loop.time() + read_timeout)
    return bytes(buffer)


def _decode(payload: bytes, encoding: bytes) -> bytes:
    """Undo gzip/deflate, which we never ask for but a server might send anyway."""
    try:
        if encoding in (b"gzip", b"x-gzip"):
            return zlib.decompress(payload, wbits=31)
        if encoding == b"deflate":
            try:
                return zlib.decompress(payload)
            except zlib.error:
                return zlib.decompress(payload, wbits=-15)  # raw deflate, as some send
    except zlib.error:
        raise _Malformed(f"cannot decode {encoding.decode('latin-1')} body") from None
    raise _Malformed(f"unsupported Content-Encoding {encoding.decode('latin-1')!r}")


def _multipart(request_data: RequestData, boundary: bytes) -> bytes:
    """The body httpx builds: form fields (JSON-encoded values as text) then the files."""
    delimiter = b"--" + boundary + b"\r\n"
    parts: list[bytes] = []
    for name, value in request_data.json_parameters.items():
        disposition = b'Content-Disposition: form-data; name="%s"\r\n\r\n' % _param(name)
        parts += (delimiter, disposition, value.encode("utf-8"), b"\r\n")
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        disposition = b'Content-Disposition: form-data; name="%s"; filename="%s"\r\n' % (
            _param(name),
            _param(filename),
        )
        content_type = b"Content-Type: %s\r\n\r\n" % mimetype.encode("utf-8")
        parts += (delimiter, disposition, content_type, _file_bytes(content), b"\r\n")
    parts.append(b"--" + boundary + b"--\r\n")
    return b"".join(parts)


def _param(value: str) -> bytes:
    return value.translate(_FORM_PARAM_ESCAPES).encode("utf-8")


def _file_bytes(content: bytes | IO[bytes]) -> bytes:
    """Bytes of an upload; a file handle is read from its start, as httpx does."""
    if isinstance(content, bytes):
        return content
    with contextlib.suppress(OSError, ValueError, AttributeError):
        content.seek(0)
    data = content.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _describe(exc: BaseException) -> str:
    """A short reason for a connection error (never the URL, which holds the token)."""
    if isinstance(exc, asyncio.IncompleteReadError):
        return "Connection closed before the response was complete"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
