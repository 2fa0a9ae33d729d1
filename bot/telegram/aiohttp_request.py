"""python-telegram-bot's requests over aiohttp, the client aiogram and ptbcontrib use.

python-telegram-bot talks to the Bot API through a `BaseRequest`; its default, `HTTPXRequest`,
costs several times more CPU per call (bench/http_request.py, bench/README.md). This one is a
thin adapter: aiohttp does the HTTP, the connection pool and TLS with the system's
certificates (`SSL_CERT_FILE` and `SSL_CERT_DIR` included, as OpenSSL reads them); proxies
come from the environment (`HTTPS_PROXY`, `NO_PROXY`, ...) through the standard library's
`urllib.request.getproxies`, as aiohttp's `trust_env` would read them, but once per address
instead of on every call (0.4 ms of CPU each); python-telegram-bot still builds every request
and maps every answer and error.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

#: python-telegram-bot's own defaults (HTTPXRequest): 5 s for each step of a request.
TIMEOUT = 5.0


class AiohttpRequest(BaseRequest):
    """A pool of `connections` to the Bot API; one instance per pool (python-telegram-bot uses
    one for getUpdates and one for everything else)."""

    def __init__(self, connections: int, *, timeout: float = TIMEOUT) -> None:
        self._connections = connections
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}  # scheme://host -> proxy URL or None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections)
            )
            self._proxies.clear()  # the environment is read again

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One request; python-telegram-bot turns the status and body into a result or an
        error. A timeout becomes `TimedOut` and a connection failure `NetworkError`, as with
        HTTPXRequest, so the retry logic (bot.telegram.retry) treats both stacks alike."""
        if self._session is None:
            await self.initialize()
        assert self._session is not None
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=self._seconds(connect_timeout),
            sock_read=self._seconds(read_timeout),
            connect=self._seconds(pool_timeout),  # waiting for a free connection, and opening it
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    def _proxy(self, url: str) -> str | None:
        """The proxy the environment names for `url`'s scheme, unless NO_PROXY exempts its
        host (the standard library's rules, which aiohttp's `trust_env` uses too)."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._proxies:
            proxy = urllib.request.getproxies().get(parts.scheme)
            if proxy and urllib.request.proxy_bypass(parts.hostname or ""):
                proxy = None
            self._proxies[key] = proxy
        return self._proxies[key]

    def _seconds(self, value: object) -> float | None:
        if value is BaseRequest.DEFAULT_NONE:
            return self._timeout
        return value if isinstance(value, float | int) else None


def _body(request_data: RequestData | None) -> aiohttp.FormData | aiohttp.BytesPayload | None:
    """Form fields as python-telegram-bot encodes them (JSON inside the form where needed),
    multipart when files go along."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        encoded = request_data.url_encoded_parameters().encode()
        return aiohttp.BytesPayload(encoded, content_type="application/x-www-form-urlencoded")
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, upload in request_data.multipart_data.items():
        filename, content, *mime = upload
        form.add_field(name, content, filename=filename, content_type=mime[0] if mime else None)
    return form
