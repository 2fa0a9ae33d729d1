"""A loopback stand-in for the Telegram Bot API, for tests and benchmarks.

The bot reaches it through python-telegram-bot's real HTTP stack (httpx), with
`TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot`. It records every call, answers like
Telegram does, and is as strict as Telegram where the bot could get things wrong:

- `parse_mode=HTML` text is parsed with Telegram's rules (only its tags; `<`, `>` and `&`
  must be escaped), and a message over 4096 UTF-16 units after parsing is refused, both
  with 400 Bad Request, as Telegram does;
- callback data over 64 bytes is refused (BUTTON_DATA_INVALID);
- the token in the URL must be the bot's (401 otherwise).

Faults can be injected per method: an HTTP error (429 with retry_after, 502, ...), a
connection dropped without an answer (before the request is handled, or after: a message
then reaches the chat but the bot never hears so, an update batch is lost on the way), or a
slow answer (`stall`). Users' messages are served to getUpdates (long polling) as Telegram
does: an update is delivered again and again until a getUpdates call with a higher offset
confirms it. They can also be built as update dicts for `Application.process_update`.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import html
import itertools
import json
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

TOKEN = "123456:TEST-stand-in-token_abcdefghijklmnop"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Follow-up",
    "username": "followup_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
#: Parameters python-telegram-bot sends JSON-encoded inside the form.
JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "entities",
}
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
        "code", "pre", "blockquote", "tg-emoji"}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The visible text of a parse_mode=HTML message; ValueError as Telegram would refuse it."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            m = _TAG.match(text, i)
            if m is None or m.group(2).lower() not in TAGS:
                raise ValueError(f"Can't parse entities: unsupported start tag at offset {i}")
            name = m.group(2).lower()
            if m.group(1) and (not stack or stack.pop() != name):
                raise ValueError(f"Can't parse entities: unmatched end tag {name!r}")
            if not m.group(1):
                stack.append(name)
            i = m.end()
        elif char == "&":
            m = _ENTITY.match(text, i)
            if m is None:
                raise ValueError(f"Can't parse entities: unescaped '&' at offset {i}")
            out.append(html.unescape(m.group()))
            i = m.end()
        elif char == ">":
            raise ValueError(f"Can't parse entities: unescaped '>' at offset {i}")
        else:
            out.append(char)
            i += 1
    if stack:
        raise ValueError(f"Can't parse entities: can't find end tag corresponding to {stack[-1]}")
    return "".join(out)


class ApiError(Exception):
    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


@dataclass
class Call:
    """One request the bot made, as received (params JSON-decoded), with its outcome."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    result: Any = None


@dataclass
class Sent:
    """A message the stand-in accepted: what the user would see."""

    chat_id: int
    message_id: int
    html: str
    text: str
    parse_mode: str | None
    buttons: list[tuple[str, str]] = field(default_factory=list)
    markup: dict[str, Any] | None = None

    def button(self, label: str) -> str:
        for text, data in self.buttons:
            if text == label:
                return data
        raise LookupError(f"no button {label!r} in {[b[0] for b in self.buttons]}")


@dataclass(frozen=True)
class Upload:
    """A file the bot sent (multipart/form-data part)."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class _Fault:
    status: int | None  # None: drop the connection without answering
    description: str
    parameters: dict[str, Any]
    chat_id: int | None = None  # only calls for this chat
    after: bool = False  # drop only once the call was handled (its effects happened)
    delay: float = 0.0  # answer normally, but only after this many seconds

    def applies(self, params: dict[str, Any]) -> bool:
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


class BotApiStub:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self.documents: list[tuple[int, Upload]] = []  # what the bot uploaded, per chat
        self._faults: dict[str, list[_Fault]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._closing = False
        self._closed = asyncio.Event()
        self.port = 0
        #: The highest offset a getUpdates call confirmed: updates below it are gone.
        self.confirmed = 0
        #: Called with each accepted message (the benchmark's simulated users listen here).
        self.on_sent: Callable[[Sent], None] | None = None
        #: Called with the update ids of each getUpdates answer, once it is written.
        self.on_delivered: Callable[[list[int]], None] | None = None

    # ---- lifetime -----------------------------------------------------------------------
    async def start(self, tls: ssl.SSLContext | None = None) -> BotApiStub:
        """Listen on a free loopback port; over TLS with `tls` (a server context)."""
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0, ssl=tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Stop listening and end every connection (a pending long poll returns at once)."""
        if self._server is None:
            return
        self._server.close()
        self._closed.set()  # stalled calls give up waiting
        async with self._new_update:
            self._closing = True
            self._new_update.notify_all()
        for writer in list(self._writers):
            writer.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- test controls -----------------------------------------------------------------
    def fail(
        self,
        method: str,
        status: int,
        description: str = "",
        chat_id: int | None = None,
        **parameters: Any,
    ) -> None:
        """The next call of `method` (for `chat_id`, if given) gets this HTTP error.

        Faults queue up: call again for more. `parameters` become the error's `parameters`
        (e.g. retry_after=1).
        """
        phrase = description or HTTPStatus(status).phrase
        fault = _Fault(status, phrase, parameters, chat_id)
        self._faults.setdefault(method, []).append(fault)

    def drop(self, method: str, *, after: bool = False) -> None:
        """The next call of `method` has its connection closed with no answer.

        With `after=True` the call is handled first: a sendMessage reaches the chat (the bot,
        not knowing, may send it again), a getUpdates batch is taken from the queue but never
        arrives (it is not confirmed, so it comes again with the next call).
        """
        self._faults.setdefault(method, []).append(_Fault(None, "", {}, after=after))

    def stall(self, method: str, seconds: float) -> None:
        """The next call of `method` is answered normally, but only after `seconds` (a slow or
        hung server; a getUpdates batch is taken at the end of the wait). A client that gives
        up first finds its connection closed, as with a proxy timing out."""
        self._faults.setdefault(method, []).append(_Fault(200, "", {}, delay=seconds))

    def clear_faults(self) -> None:
        """Forget every fault not yet triggered."""
        self._faults.clear()

    async def wake(self) -> None:
        """End the pending long polls now (with what is queued, possibly nothing), so that
        a fault injected meanwhile applies to the very next getUpdates call."""
        async with self._new_update:
            self._new_update.notify_all()

    def pending_updates(self) -> list[int]:
        """Ids of the updates not confirmed yet (each getUpdates call delivers them again)."""
        return [u["update_id"] for u in self._updates if u["update_id"] >= self.confirmed]

    def add_file(self, data: bytes, path: str) -> str:
        """Make `data` downloadable as a Telegram file; returns its file_id."""
        file_id = f"file-{next(self._file_ids)}"
        self.files[file_id] = (path, data)
        return file_id

    async def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        async with self._new_update:
            update = {**update, "update_id": next(self._update_ids)}
            self._updates.append(update)
            self._new_update.notify_all()
        return int(update["update_id"])

    def new_update_id(self) -> int:
        return next(self._update_ids)

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    # ---- HTTP ------------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _ = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                answer = await self._route(method, target, headers, body)
                if answer is None:
                    return  # an injected dropped connection
                status, content_type, payload, after = answer
                writer.write(
                    f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                    f"Content-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n\r\n"
                    .encode() + payload
                )  # fmt: skip
                await writer.drain()
                if after is not None:
                    after()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _route(
        self, verb: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes, Callable[[], None] | None] | None:
        path = unquote(urlsplit(target).path)
        if verb == "GET" and path.startswith("/file/bot"):
            return self._download(path)
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = path[len(prefix) :]
        query = dict(parse_qsl(urlsplit(target).query, keep_blank_values=True))
        params = self._decoded(query) | self._params(headers, body)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        faults = self._faults.get(method, [])
        fault = next((f for f in faults if f.applies(params)), None)
        if fault is not None:
            faults.remove(fault)
            if fault.delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closed.wait(), fault.delay)
            elif fault.status is None and not fault.after:
                call.status = 0
                return None
            elif fault.status is not None:
                call.status = fault.status
                return _error(ApiError(fault.status, fault.description, **fault.parameters))
        try:
            result, after = await self._dispatch(method, params)
        except ApiError as exc:
            call.status = exc.status
            return _error(exc)
        call.result = result
        if fault is not None and fault.after:
            call.status = 0  # handled, but the answer never leaves
            return None
        status, ctype, payload, _ = _json(200, {"ok": True, "result": result})
        return status, ctype, payload, after

    def _params(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/json"):
            return dict(json.loads(body or b"{}"))
        if content_type.startswith("multipart/"):
            return _multipart(content_type, body)
        return self._decoded(dict(parse_qsl(body.decode(), keep_blank_values=True)))

    @staticmethod
    def _decoded(form: dict[str, Any]) -> dict[str, Any]:
        """Form fields (or a query string, which the Bot API reads as well) with the fields
        python-telegram-bot sends as JSON decoded."""
        for key in JSON_FIELDS & form.keys():
            form[key] = json.loads(form[key])
        return form

    def _download(self, path: str) -> tuple[int, str, bytes, None]:
        prefix = f"/file/bot{self.token}/"
        for file_path, data in self.files.values():
            if path == prefix + file_path:
                return 200, "application/octet-stream", data, None
        return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    # ---- methods ---------------------------------------------------------------------------
    async def _dispatch(
        self, method: str, params: dict[str, Any]
    ) -> tuple[Any, Callable[[], None] | None]:
        match method:
            case "getMe":
                return BOT_USER, None
            case "sendMessage":
                return self._send_message(params), None
            case "getUpdates":
                return await self._get_updates(params)
            case "getFile":
                return self._get_file(params), None
            case "sendDocument":
                return self._send_document(params), None
            case ("answerCallbackQuery" | "setMyCommands" | "deleteWebhook" | "setWebhook"
                  | "deleteMyCommands"):  # fmt: skip
                return True, None
        raise ApiError(404, "Not Found: method not found")

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = str(params.get("text", ""))
        try:
            text = parse_html(raw) if params.get("parse_mode") == "HTML" else raw
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: {exc}") from None
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if units(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        keys = [key for row in (markup or {}).get("inline_keyboard", []) for key in row]
        if any(
            not 1 <= len(k["callback_data"].encode()) <= 64 for k in keys if "callback_data" in k
        ):
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        buttons = [(k["text"], k.get("callback_data", "")) for k in keys]
        chat_id = int(params["chat_id"])
        sent = Sent(chat_id, next(self._message_ids), raw, text, params.get("parse_mode"),
                    buttons, markup)  # fmt: skip
        self.sent.append(sent)
        if self.on_sent is not None:
            self.on_sent(sent)
        return {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": BOT_USER,
            "text": text,
            **({"reply_markup": markup} if markup else {}),
        }

    async def _get_updates(
        self, params: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], Callable[[], None] | None]:
        offset = int(params.get("offset", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        timeout = float(params.get("timeout", 0) or 0)
        async with self._new_update:
            self.confirmed = max(self.confirmed, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), timeout)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            batch = self._updates[:limit]
        ids = [u["update_id"] for u in batch]
        notify = self.on_delivered
        return batch, (lambda: notify(ids)) if notify and ids else None

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        document = params.get("document")
        if not isinstance(document, Upload) or not document.data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        chat_id = int(params["chat_id"])
        self.documents.append((chat_id, document))
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": BOT_USER,
            "document": {
                "file_id": f"sent-{len(self.documents)}",
                "file_unique_id": f"usent-{len(self.documents)}",
                "file_name": document.filename,
                "mime_type": document.content_type,
                "file_size": len(document.data),
            },
        }

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        file_path, data = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(data),
            "file_path": file_path,
        }


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Form fields as strings (JSON ones decoded), file parts as `Upload`s."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            params[str(name)] = Upload(filename, part.get_content_type(), data)
        else:
            text = data.decode()
            params[str(name)] = json.loads(text) if name in JSON_FIELDS else text
    return params


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    return {"id": chat_id, "type": "group", "title": "Team chat"}


def _json(status: int, body: dict[str, Any]) -> tuple[int, str, bytes, None]:
    return status, "application/json", json.dumps(body).encode(), None


def _error(exc: ApiError) -> tuple[int, str, bytes, None]:
    body: dict[str, Any] = {"ok": False, "error_code": exc.status, "description": exc.description}
    if exc.parameters:
        body["parameters"] = exc.parameters
    return _json(exc.status, body)


# ---- updates as Telegram sends them -----------------------------------------------------------
_user_message_ids = itertools.count(1)


def user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}


def message(user_id: int, chat_id: int | None = None, **content: Any) -> dict[str, Any]:
    """A `message` update from `user_id` (private chat unless `chat_id` is a group's)."""
    chat_id = user_id if chat_id is None else chat_id
    body: dict[str, Any] = {
        "message_id": next(_user_message_ids),
        "date": int(time.time()),
        "chat": _chat(chat_id),
        "from": user(user_id),
        **content,
    }
    if isinstance(body.get("text"), str) and body["text"].startswith("/"):
        command = body["text"].split(" ", 1)[0]
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"message": body}


def callback(user_id: int, data: str, on: Sent | None = None) -> dict[str, Any]:
    """A tap on a button with `data`, on the bot's message `on`."""
    query: dict[str, Any] = {
        "id": f"q{next(_user_message_ids)}",
        "from": user(user_id),
        "chat_instance": "ci",
        "data": data,
    }
    if on is not None:
        query["message"] = {
            "message_id": on.message_id,
            "date": int(time.time()),
            "chat": _chat(on.chat_id),
            "from": BOT_USER,
            "text": on.text,
        }
    return {"callback_query": query}
