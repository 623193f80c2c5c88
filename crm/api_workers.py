"""`crm api --workers N`: one process accepts the connections and deals them out in turn to N workers.

Why not uvicorn's own workers: they share the listening socket, and whichever wakes first accepts a whole
burst of new connections. 64 clients connecting at once split anywhere from 32/32 to 12/52 between two
workers, and the busier worker's clients waited longer for every request while they stayed connected
(with the split even, two single-worker APIs with 32 clients each, the 360 view's p99 was 95-116 ms,
against 128-157 ms for the same throughput). Node's cluster module deals connections out for the same
reason. Here the supervisor accepts each connection and hands its descriptor to the next worker over a
Unix socket (SCM_RIGHTS); the worker serves it with uvicorn as if it had accepted it. A connection costs
the supervisor one accept and one sendmsg; requests never pass through it.

A worker says when its app has started; until one has, connections wait in the listen backlog, and a
worker gets connections only once it has. The supervisor replaces a worker that dies (unless it died
before it started, which would fail the same way again: then everything stops; a connection dealt to a
worker in the instant it dies is lost with the connections it held) and stops them all on SIGINT or
SIGTERM, each finishing what it serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import signal
import socket
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess

import uvicorn
from uvicorn.config import STARTUP_FAILURE  # the exit code of a server that never started serving

log = logging.getLogger("crm.api")

CHECK_S = 0.5  # how often the supervisor looks for dead workers and for a stop request
STARTING_CHECK_S = 0.05  # ... while no worker has started
READY = b"ready"  # a worker's message once its app has started
BACKLOG = 2048  # uvicorn's default


def listen(host: str, port: int) -> socket.socket:
    """The listening socket (OSError when the address is taken or not ours)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class HandedConnectionsServer(uvicorn.Server):
    """uvicorn's server listening on nothing: its connections arrive from the supervisor on ``channel``,
    one descriptor per message; the channel's end (the supervisor is gone) stops it."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self.channel = channel
        self._handing: set[asyncio.Task] = set()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the app's lifespan, no listener
        loop = asyncio.get_running_loop()
        # what uvicorn's own listener makes for each connection it accepts
        protocol = functools.partial(
            self.config.http_protocol_class,
            config=self.config,
            server_state=self.server_state,
            app_state=self.lifespan.state,
        )
        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), self._take, loop, protocol)
        with contextlib.suppress(OSError):  # the supervisor is gone: _take sees the channel's end
            self.channel.send(READY)

    def _take(self, loop: asyncio.AbstractEventLoop, protocol) -> None:
        try:
            _, descriptors, _, _ = socket.recv_fds(self.channel, 1, 1)
        except BlockingIOError:
            return
        except OSError:
            descriptors = []
        if not descriptors:  # the supervisor closed its end: it is gone or stopping
            loop.remove_reader(self.channel.fileno())
            self.should_exit = True
            return
        connection = socket.socket(fileno=descriptors[0])
        connection.setblocking(False)
        with contextlib.suppress(OSError):  # what uvicorn's listener sets; a client gone already: below
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        task = loop.create_task(_serve_connection(loop, protocol, connection))
        self._handing.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._handing.discard)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        with contextlib.suppress(ValueError, OSError):  # already removed when the supervisor went away
            asyncio.get_running_loop().remove_reader(self.channel.fileno())
        await super().shutdown(sockets=[])


async def _serve_connection(loop: asyncio.AbstractEventLoop, protocol, connection: socket.socket) -> None:
    try:
        await loop.connect_accepted_socket(protocol, connection)
    except OSError:  # the client went away between accept and here
        connection.close()


def serve_worker(config_kwargs: dict, channel: socket.socket) -> None:
    """One worker process: the app on uvicorn, serving the connections dealt to it."""
    HandedConnectionsServer(uvicorn.Config(**config_kwargs), channel).run()


@dataclass
class Worker:
    process: BaseProcess
    channel: socket.socket  # the supervisor's end
    ready: bool = False  # its app has started: it takes connections

    def note_ready(self) -> bool:
        if not self.ready:
            with contextlib.suppress(OSError):  # BlockingIOError: not yet
                self.ready = self.channel.recv(len(READY)) == READY
            if self.ready:
                log.info("API worker %s is serving", self.process.pid)
        return self.ready


class Supervisor:
    """Accepts on ``listener`` and deals each connection to the next of ``count`` workers, each started
    with `spawn`, so that it imports and builds its own app, pools and producers."""

    def __init__(
        self, listener: socket.socket, count: int, config_kwargs: dict, stop_timeout_s: float
    ) -> None:
        self.listener = listener
        self.count = count
        self.config_kwargs = config_kwargs
        self.stop_timeout_s = stop_timeout_s
        self.stopping = False
        self.exit_code = 0
        self.workers: list[Worker] = []
        self._next = 0
        self._context = multiprocessing.get_context("spawn")

    def _start(self) -> Worker:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = self._context.Process(
            target=serve_worker, args=(self.config_kwargs, theirs), name="crm-api-worker"
        )
        process.start()
        theirs.close()  # the worker has its own copy now
        ours.setblocking(False)  # a worker that stops taking connections must not stop the others'
        log.info("started API worker %s", process.pid)
        return Worker(process, ours)

    def _stop_on_signal(self, signum, _frame) -> None:
        log.info("received %s, stopping the API", signal.Signals(signum).name)
        self.stopping = True

    def deal(self, connection: socket.socket) -> None:
        """Hand the connection to the next started worker that takes it; close it when none does."""
        with connection:
            for _ in range(len(self.workers)):
                worker = self.workers[self._next]
                self._next = (self._next + 1) % len(self.workers)
                if not worker.ready:
                    continue
                try:
                    socket.send_fds(worker.channel, [b"c"], [connection.fileno()])
                    return
                except OSError:  # full (a stuck worker) or closed (a dead one): the next
                    continue
            log.warning("no API worker took a connection; closing it")

    def check_workers(self) -> None:
        """Note the workers that have started; start one in place of each that has exited, or stop
        everything when one exited before it started."""
        for index, worker in enumerate(self.workers):
            worker.note_ready()
            if self.stopping or worker.process.is_alive():
                continue
            worker.process.join()
            worker.channel.close()
            if not worker.ready:  # uvicorn's own STARTUP_FAILURE exits come before the worker is ready
                log.error(
                    "API worker %s exited with %s before it started; stopping the API (see its error above)",
                    worker.process.pid,
                    worker.process.exitcode,
                )
                self.exit_code = STARTUP_FAILURE
                self.stopping = True
                return
            log.warning(
                "API worker %s exited with %s; starting another", worker.process.pid, worker.process.exitcode
            )
            self.workers[index] = self._start()

    def stop_all(self) -> None:
        """SIGTERM every worker (uvicorn then finishes the requests in flight); SIGKILL any still running
        after the timeout."""
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.terminate()
        deadline = time.monotonic() + self.stop_timeout_s
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                log.warning(
                    "API worker %s still running after %s s; killing it",
                    worker.process.pid,
                    self.stop_timeout_s,
                )
                worker.process.kill()
                worker.process.join()
            worker.channel.close()

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._stop_on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        self.listener.settimeout(CHECK_S)
        checked = time.monotonic()
        try:
            self.workers = [self._start() for _ in range(self.count)]
            while not self.stopping:
                if not any(worker.ready for worker in self.workers):
                    time.sleep(STARTING_CHECK_S)  # connections wait in the backlog meanwhile
                    self.check_workers()
                    continue
                try:
                    connection, _ = self.listener.accept()
                except TimeoutError:
                    connection = None
                if connection is not None:
                    self.deal(connection)
                if time.monotonic() - checked >= CHECK_S:
                    self.check_workers()
                    checked = time.monotonic()
        finally:
            self.listener.close()  # new connections are refused from here on
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return self.exit_code
