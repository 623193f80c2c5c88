"""Writing the queues again from the processor's state when Redis lost them (FLUSHDB, a restart without
persistence, a fail-over to an empty replica).

Each partition of the queues processor leaves a marker in Redis, ``{ns}queues:written:{partition}``, once
everything its state holds is there. Every ``CHECK_INTERVAL`` seconds the processor asks Redis for the
markers of the partitions it holds (one round trip). A missing marker means Redis no longer holds what the
partition wrote: its queue entries and contact snapshots are written again from the state
(`logic.written_changes`, idempotent writes through the sink's `write_changes`, live events included), then
the marker. A new deployment finds no marker either: it writes what its state has (nothing, the first
time). A lost marker with the data still there only costs a rewrite of the same values.

The marker's value names the priority weights the entries were scored with (`scoring_mark`). A processor
started with other weights (``CRM_QUEUE_PRIORITY_WEIGHTS``) finds markers that are not its own and writes
every entry again, re-scored: the queues change over to the new weights at once, in place, not customer by
customer as events come.

The check runs between messages on the processor's own thread (a periodic task of the framework), so it
reads the state of the checkpoint in progress; what that checkpoint changes later is written by the sink
at its commit, after the rebuild, so the newer value wins. Redis unreachable: logged, tried again at the
next interval (the sink backs off on its own).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from prometheus_client import Counter

from processors.common.date_index import StateOf
from processors.queues import logic
from processors.queues.layout import written_marker_key
from sinks.redis import EventStream, MemberChange, latest_changes, write_changes

log = logging.getLogger(__name__)
CHECK_INTERVAL = 5.0  # seconds between two looks for the markers: how long a flushed Redis stays empty

REBUILDS = Counter(
    "crm_queues_rebuilds_total",
    "Partitions whose queues and contact snapshots were written to Redis again from the processor's state "
    "because Redis had lost them (its marker was missing; a first start counts too).",
)
REBUILT_MEMBERS = Counter(
    "crm_queues_rebuilt_members_total",
    "Queue entries and contact snapshots written again by those rebuilds.",
)


def scoring_mark(config: logic.QueueConfig) -> bytes:
    """The marker's value for entries scored under ``config``'s weights: equal weights, equal mark."""
    return b"w:" + hashlib.sha256(repr(config.weights).encode()).hexdigest()[:16].encode()


class QueueRebuilder:
    """A periodic task: ``task()`` looks for the markers at most every ``interval`` seconds and rebuilds
    each partition whose marker is missing.

    ``partitions()`` lists the partitions whose state is here, ``state_of(partition)`` gives a function
    ``prefix → State`` over that partition's store, ``to_member(change)`` turns a `logic.Change` into the
    sink's `MemberChange`.
    """

    def __init__(
        self,
        redis_url: str,
        namespace: str,
        partitions: Callable[[], list[int]],
        state_of: Callable[[int], StateOf],
        to_member: Callable[[logic.Change], MemberChange],
        config: logic.QueueConfig = logic.DEFAULT_CONFIG,
        events: EventStream | None = None,
        interval: float = CHECK_INTERVAL,
    ) -> None:
        self.redis_url, self.namespace, self.config, self.events = redis_url, namespace, config, events
        self.partitions, self.state_of, self.to_member = partitions, state_of, to_member
        self.interval = interval
        self.mark = scoring_mark(config)
        self._next_check = 0.0
        self._client: redis.Redis | None = None

    def task(self) -> None:
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self.interval
        partitions = sorted(self.partitions())
        if not partitions:
            return
        try:
            for partition in self.missing(partitions):
                self.rebuild(partition)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            log.warning("Redis unavailable, queue markers not checked", extra={"error": str(error)})
            self._disconnect()

    def missing(self, partitions: list[int]) -> list[int]:
        """The partitions whose marker is not in Redis, or was left by entries scored with other weights."""
        keys = [written_marker_key(self.namespace, partition) for partition in partitions]
        marks = self._connect().mget(keys)
        return [p for p, mark in zip(partitions, marks, strict=True) if mark != self.mark]

    def rebuild(self, partition: int) -> int:
        """Write the partition's entries and snapshots again, then its marker; returns how many."""
        started = time.perf_counter()
        state = self.state_of(partition)
        changes: list[Any] = [self.to_member(c) for c in logic.written_changes(state, self.config)]
        client = self._connect()
        write_changes(client, latest_changes(changes), events=self.events)
        client.set(written_marker_key(self.namespace, partition), self.mark)
        REBUILDS.inc()
        REBUILT_MEMBERS.inc(len(changes))
        log.info(
            "queues written to Redis from the state (marker missing, or left under other priority weights:"
            " Redis was flushed, lost or new, or the weights changed)",
            extra={
                "partition": partition,
                "members": len(changes),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
        return len(changes)

    def _connect(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(self.redis_url, socket_timeout=10, socket_connect_timeout=5)
        return self._client

    def _disconnect(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
