"""A TCP proxy the tests control: a service outage for the processors pointed at it, without touching the
shared service itself (other tests and people keep using it).

``cut()`` drops every open connection and refuses new ones, as a crashed or restarting server does;
``restore()`` lets connections through again. The proxy runs an asyncio loop on a thread of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from urllib.parse import urlsplit, urlunsplit


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0  # chosen by the system on start
        self.connections = 0  # accepted while open, for the test to see the proxy was really used
        self._open = True
        self._live: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *_exc) -> None:
        self._call(self._shut_down())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def url(self, service_url: str) -> str:
        """``service_url`` (e.g. a settings URL) with its host and port replaced by the proxy's."""
        parts = urlsplit(service_url if "//" in service_url else f"//{service_url}")
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc)).removeprefix("//")

    def cut(self) -> None:
        """The service goes away: open connections are reset, new ones refused."""
        self._call(self._cut())

    def restore(self) -> None:
        self._open = True

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _cut(self) -> None:
        self._open = False
        for writer in list(self._live):
            writer.transport.abort()
        self._live.clear()

    async def _shut_down(self) -> None:
        await self._cut()
        if self._server is not None:
            self._server.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if not self._open:
            client_writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self.connections += 1
        self._live.update((client_writer, server_writer))
        try:
            await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))
        finally:
            for writer in (client_writer, server_writer):
                self._live.discard(writer)
                writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65_536):
            writer.write(data)
            await writer.drain()
    # One side ended: close the other (after what is buffered) so that neither direction waits forever.
    writer.close()
