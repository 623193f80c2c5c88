"""The API's client for Elasticsearch's REST API: aiohttp, one keep-alive pool per worker.

A search is one small request and answer; through httpx it cost about 3 ms of the API's CPU at 64
concurrent requests (its connection pool does work per request that grows with its connections, and
anyio's streams add more), over half of a search request's whole cost. aiohttp's C-accelerated HTTP
parsing and simple pool do the same for a fraction of that. Credentials in ``CRM_ELASTICSEARCH_URL``
(``https://user:password@host``) are sent as HTTP basic authentication, never logged.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
import orjson
from yarl import URL


@dataclass(frozen=True)
class SearchAnswer:
    status: int
    body: bytes

    def json(self):
        return orjson.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class SearchClient:
    """``get``/``post`` relative to the server's URL; failures to connect or answer in time raise
    ``SearchClient.Unreachable`` (aiohttp's errors and timeouts)."""

    Unreachable = (aiohttp.ClientError, TimeoutError)

    def __init__(self, url: str, timeout_s: float, connections: int) -> None:
        self.url = url  # as configured: shown only through crm.settings.redact_credentials
        parsed = URL(url)
        self.base = parsed.with_user(None).with_password(None)
        # Uncompressed answers: Elasticsearch gzips whenever the client accepts it, which cost both sides
        # more CPU than sending a search's few kilobytes as they are (to a server on the same network).
        self.headers = {"Accept-Encoding": "identity"}
        if parsed.user:
            self.headers["Authorization"] = aiohttp.encode_basic_auth(parsed.user, parsed.password or "")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _url(self, path: str) -> URL:
        return self.base.with_path(self.base.path.rstrip("/") + path, encoded=False)

    @property
    def session(self) -> aiohttp.ClientSession:
        # made on first use: a session belongs to the running event loop
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers=self.headers,
                timeout=self.timeout,
                connector=aiohttp.TCPConnector(limit=self.connections),
                json_serialize=lambda value: orjson.dumps(value).decode(),
            )
        return self._session

    async def get(self, path: str) -> SearchAnswer:
        async with self.session.get(self._url(path)) as response:
            return SearchAnswer(response.status, await response.read())

    async def post(self, path: str, body: bytes, content_type: str) -> SearchAnswer:
        headers = {"Content-Type": content_type}
        async with self.session.post(self._url(path), data=body, headers=headers) as response:
            return SearchAnswer(response.status, await response.read())

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
