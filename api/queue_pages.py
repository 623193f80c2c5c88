"""Agents' queue pages answered from memory until the queue changes or the clock changes a decision in them.

An agent's queue changes only when the queues processor writes it, yet it is read all day by its agent,
their supervisor and the web app after every live event; building a page (its entries' compliance
decisions and JSON) was most of a read's cost. Each API worker therefore keeps the JSON of the pages it
answered, by agent, limit and offset, and answers a repeat from memory while both hold:

- **the queue has not changed.** The queues processor's Redis sink appends an event naming the agent to
  the stream ``{ns}events`` in the same MULTI/EXEC as its writes to that queue (`processors.queues.events`),
  and `crm replay`'s wipe of every queue appends a reset. A watcher task per worker follows the stream
  (XREAD BLOCK) and drops the agent's pages at each event, everything at a reset or at anything it does not
  know. A page is kept only when no event about its agent arrived while it was being read, so a read that
  raced a write is answered but not kept. Pages are kept only while the watcher follows the stream: from
  the moment it knows where the stream ends, until an error, when everything is dropped and reads go to
  Redis until it follows again.
- **no decision in it has changed with time.** Contactability depends on the customer's local clock; a page
  is kept until the earliest moment one of its decisions may change (`Decisions.holds_until`: the next
  calling-hours boundary, local midnight or a contact event dated later, and at most five minutes).

A read that reacts to a live event names it (``seen_event``: the web app sends the event's id in
``X-Queue-Event-Id``) and is answered from memory only once the watcher has applied that event, else from
Redis: the event may have reached the browser through another worker before this worker's watcher ran.
Any other read may get the previous page for as long as the worker takes to see an event (milliseconds:
the watcher's reply arrives with every other reader's); asking Redis on every read whether the watcher is
behind halved the reads a worker answers. Memory: at most ``MAX_BYTES`` of pages per worker, the least
recently read dropped first.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis

from domain.compliance import ComplianceRules
from processors.queues.read import DEFAULT_RULES, entries_json, read_queue_page
from sinks.redis import events_stream_key, stream_id

log = logging.getLogger(__name__)

MAX_BYTES = 64 * 1024 * 1024  # of page JSON kept per worker (a 50-entry page is about 25 KB)
BLOCK_MS = 5_000  # one XREAD waits this long for an event before asking again
READ_COUNT = 1_000  # events per XREAD; a full batch may mean the stream was trimmed past us: drop all
RETRY_S = (0.5, 1.0, 2.0, 5.0)  # waits before following again after errors in a row (the last repeats)
_TYPE, _AGENT, _QUEUE = b"type", b"agent_id", b"queue"


@dataclass(slots=True, frozen=True)
class _Page:
    body: bytes
    total: int
    holds_until: datetime


class QueuePages:
    """One worker's queue pages (see the module's docstring); :meth:`read` answers, :meth:`follow` watches.

    ``enabled=False`` keeps nothing: every read goes to Redis. ``clock`` (the wall clock) and ``max_bytes``
    are for tests. ``rules``: the contact rules the entries are decided by (the deployment's default zone)."""

    def __init__(
        self,
        client: aioredis.Redis,
        namespace: str,
        enabled: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_bytes: int = MAX_BYTES,
        rules: ComplianceRules = DEFAULT_RULES,
    ) -> None:
        self._client, self._namespace, self.enabled, self._rules = client, namespace, enabled, rules
        self._clock, self._max_bytes = clock, max_bytes
        self._pages: OrderedDict[tuple[str, int, int], _Page] = OrderedDict()  # least recently read first
        self._keys_of: dict[str, set[tuple[str, int, int]]] = {}  # per agent: their pages' keys
        self._bytes = 0
        self._changes: dict[str, int] = {}  # per agent: events seen, so a racing read is not kept
        self._epoch = 0  # moves whenever everything is dropped
        self.following = False
        self._stopped = False
        self._stream = events_stream_key(namespace)
        self._applied = b"0-0"  # the id of the last stream entry the watcher applied
        self.counts = {"memory": 0, "redis": 0}  # reads answered from each (a metric)

    async def read(
        self, agent_id: str, limit: int, offset: int, seen_event: str | None = None
    ) -> tuple[bytes, int]:
        """Page ``limit`` entries from ``offset`` of the agent's queue as the API's JSON, and the queue's
        length, reflecting at least the live event ``seen_event`` (its stream id; anything else that is not
        an id reads Redis). Redis errors propagate."""
        # the wall clock, not the business date: calling hours are about the customer's real time of day
        now = self._clock()
        key = (agent_id, limit, offset)
        page = self._pages.get(key)
        if page is not None and self.following and now < page.holds_until and self._applied_event(seen_event):
            self._pages.move_to_end(key)
            self.counts["memory"] += 1
            return page.body, page.total
        epoch, changes = self._epoch, self._changes.get(agent_id, 0)
        read = await read_queue_page(self._client, self._namespace, agent_id, now, limit, offset, self._rules)
        body = entries_json(read.entries)
        self.counts["redis"] += 1
        if (
            self.enabled
            and self.following
            and epoch == self._epoch
            and changes == self._changes.get(agent_id, 0)
        ):
            self._keep(key, _Page(body, read.total, read.holds_until))
        return body, read.total

    def _applied_event(self, event_id: str | None) -> bool:
        """Whether the watcher has applied the stream entry ``event_id`` (True for None)."""
        if event_id is None:
            return True
        try:
            return stream_id(event_id) <= stream_id(self._applied.decode())
        except ValueError:
            return False

    def _keep(self, key: tuple[str, int, int], page: _Page) -> None:
        self._forget(key)
        self._pages[key] = page
        self._keys_of.setdefault(key[0], set()).add(key)
        self._bytes += len(page.body)
        while self._bytes > self._max_bytes:
            self._forget(next(iter(self._pages)))

    def _forget(self, key: tuple[str, int, int]) -> None:
        page = self._pages.pop(key, None)
        if page is not None:
            self._bytes -= len(page.body)
            keys = self._keys_of[key[0]]
            keys.discard(key)
            if not keys:
                del self._keys_of[key[0]]

    def changed(self, agent_id: str) -> None:
        """The agent's queue changed: drop its pages, and keep no read of it that started before."""
        self._changes[agent_id] = self._changes.get(agent_id, 0) + 1
        for key in tuple(self._keys_of.get(agent_id, ())):
            self._forget(key)

    def drop_all(self) -> None:
        self._epoch += 1
        self._pages.clear()
        self._keys_of.clear()
        self._bytes = 0

    @property
    def kept(self) -> tuple[int, int]:
        """Pages kept and their bytes."""
        return len(self._pages), self._bytes

    def _apply(self, fields: dict[bytes, bytes]) -> None:
        agent_id = fields.get(_AGENT)
        if fields.get(_TYPE) == _QUEUE and agent_id:
            self.changed(agent_id.decode())
        else:  # a reset, or an event this version does not know: nothing kept can be trusted
            self.drop_all()

    def stop(self) -> None:
        """Make :meth:`follow` return at its next step: the Redis client can lose a cancellation that
        arrives while it connects, and the watcher would then block on its next read (see
        `api.resources._stop_watcher`, which also closes the watcher's connection)."""
        self._stopped = True
        self.following = False
        self.drop_all()

    async def follow(self, client: aioredis.Redis) -> None:
        """Follow the events stream on ``client`` (a connection of its own: XREAD BLOCK holds it) until
        cancelled or stopped, dropping pages as events arrive; errors are logged and it follows again."""
        key = self._stream
        failures = 0
        while not self._stopped:
            try:
                newest = await client.xrevrange(key, count=1)
                if self._stopped:
                    return
                self.drop_all()  # whatever changed while nobody watched
                self._applied = newest[0][0] if newest else b"0-0"
                self.following = True
                if failures:
                    log.info("queue pages: following %s again", key)
                failures = 0
                while not self._stopped:
                    replies = await client.xread({key: self._applied}, count=READ_COUNT, block=BLOCK_MS)
                    for _stream, entries in replies or ():
                        for entry_id, fields in entries:
                            self._apply(fields)
                            self._applied = entry_id
                        if len(entries) >= READ_COUNT:
                            self.drop_all()  # so far behind that the stream may have been trimmed past us
            except asyncio.CancelledError:
                self.following = False
                raise
            except Exception as error:  # noqa: BLE001 - Redis down, a timeout: answer from Redis meanwhile
                self.following = False
                self.drop_all()
                if self._stopped:
                    return
                wait = RETRY_S[min(failures, len(RETRY_S) - 1)]
                if failures == 0:
                    log.warning("queue pages: stopped following %s (%s); reads go to Redis", key, error)
                failures += 1
                await asyncio.sleep(wait)
