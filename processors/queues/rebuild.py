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

The check and the writes run between messages on the processor's own thread (a periodic task of the
framework, called after every message), so they read the state of the checkpoint in progress; what that
checkpoint changes later is written by the sink at its commit, after them, so the newer value wins. A
partition is written in parts of at most ``chunk`` customers, one part per call: the processor's messages
wait for one part, not for all of it (at 500,000 customers a partition holds some 75,000). The customers are
listed when the partition's rewrite begins; one queued after that is written by the sink anyway, and each
part reads the state as it is then. While it runs the marker says so (``rewriting``); the marker proper
replaces that after the last part, and only if it is still there: a rewrite cut short (a crash, the
partition handed to another instance) or outlived by its writes (Redis flushed again meanwhile) starts
over. Redis unreachable: logged, tried again at the next interval (the sink backs off on its own).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from prometheus_client import Counter

from processors.common.date_index import StateOf
from processors.queues import logic
from processors.queues.layout import written_marker_key
from sinks.redis import EventStream, MemberChange, latest_changes, write_changes

log = logging.getLogger(__name__)
CHECK_INTERVAL = 5.0  # seconds between two looks for the markers: how long a flushed Redis stays empty
REWRITING = b"rewriting"  # the marker's value while a partition is being written again
CHUNK = 5_000  # customers per part of a partition's rewrite (as CRM_QUEUES_TICK_CHUNK for a date's re-rank)

REBUILDS = Counter(
    "crm_queues_rebuilds_total",
    "Partitions whose queues and contact snapshots were written to Redis again from the processor's state "
    "because Redis had lost them (its marker was missing; a first start counts too).",
)
REBUILT_MEMBERS = Counter(
    "crm_queues_rebuilt_members_total",
    "Queue entries and contact snapshots written again by those rebuilds.",
)


def all_written(client: redis.Redis, namespace: str, partitions: int) -> bool:
    """Whether every one of the processor's ``partitions`` partitions has its marker in Redis, none still
    ``rewriting`` (whatever weights they name): for waiting on a rewrite from outside the processor."""
    markers = client.mget([written_marker_key(namespace, p) for p in range(partitions)])
    return all(mark not in (None, REWRITING) for mark in markers)


def scoring_mark(config: logic.QueueConfig) -> bytes:
    """The marker's value for entries scored under ``config``'s weights: equal weights, equal mark."""
    return b"w:" + hashlib.sha256(repr(config.weights).encode()).hexdigest()[:16].encode()


@dataclass
class _Rewrite:
    """A partition being written again: whom to write (listed when it began) and how far it got."""

    customers: list[tuple[str, str]]
    done: int = 0
    members: int = 0
    parts: int = 0
    started: float = field(default_factory=time.perf_counter)


class QueueRebuilder:
    """A periodic task: ``task()`` looks for the markers at most every ``interval`` seconds, and writes
    each partition whose marker is missing again, one part of at most ``chunk`` customers per call.

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
        chunk: int = CHUNK,
    ) -> None:
        self.redis_url, self.namespace, self.config, self.events = redis_url, namespace, config, events
        self.partitions, self.state_of, self.to_member = partitions, state_of, to_member
        self.interval, self.chunk = interval, chunk
        self.mark = scoring_mark(config)
        self._next_check = 0.0
        self._client: redis.Redis | None = None
        self._rewrites: dict[int, _Rewrite] = {}

    def task(self) -> None:
        try:
            if not self._rewrites:
                now = time.monotonic()
                if now < self._next_check:
                    return
                self._next_check = now + self.interval
                partitions = sorted(self.partitions())
                if not partitions:
                    return
                for partition in self.missing(partitions):
                    self._begin(partition)
            self._write_part()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            log.warning("Redis unavailable, queue markers not checked", extra={"error": str(error)})
            self._rewrites.clear()  # the markers are still missing: started again at the next check
            self._disconnect()

    def missing(self, partitions: list[int]) -> list[int]:
        """The partitions whose marker is not in Redis, or was left by entries scored with other weights."""
        keys = [written_marker_key(self.namespace, partition) for partition in partitions]
        marks = self._connect().mget(keys)
        return [p for p, mark in zip(partitions, marks, strict=True) if mark != self.mark]

    def _begin(self, partition: int) -> None:
        self._connect().set(written_marker_key(self.namespace, partition), REWRITING)
        self._rewrites[partition] = _Rewrite(logic.rewritten_customers(self.state_of(partition)))

    def _write_part(self) -> None:
        """The next part of the lowest partition being written again; its marker after its last part."""
        here = set(self.partitions())
        for partition in [p for p in self._rewrites if p not in here]:
            log.info("queue rewrite left to the partition's new owner", extra={"partition": partition})
            del self._rewrites[partition]
        if not self._rewrites:
            return
        partition = min(self._rewrites)
        rewrite = self._rewrites[partition]
        part = rewrite.customers[rewrite.done : rewrite.done + self.chunk]
        state = self.state_of(partition)
        changes: list[Any] = [self.to_member(c) for c in logic.written_part(state, part, self.config)]
        client = self._connect()
        write_changes(client, latest_changes(changes), events=self.events)
        rewrite.done += len(part)
        rewrite.members += len(changes)
        rewrite.parts += 1
        REBUILT_MEMBERS.inc(len(changes))
        if rewrite.done < len(rewrite.customers):
            return
        del self._rewrites[partition]
        if not self._mark_written(client, partition):
            log.warning(
                "Redis lost the queues again while they were being written: writing them again",
                extra={"partition": partition},
            )
            return  # the marker is missing: the next check begins again
        REBUILDS.inc()
        log.info(
            "queues written to Redis from the state (marker missing, or left under other priority weights:"
            " Redis was flushed, lost or new, or the weights changed)",
            extra={
                "partition": partition,
                "members": rewrite.members,
                "parts": rewrite.parts,
                "seconds": round(time.perf_counter() - rewrite.started, 3),
            },
        )

    def _mark_written(self, client: redis.Redis, partition: int) -> bool:
        """Replace the partition's ``rewriting`` marker by the marker proper; False if it has gone."""
        key = written_marker_key(self.namespace, partition)
        with client.pipeline() as pipe:
            try:
                pipe.watch(key)
                if pipe.get(key) != REWRITING:
                    return False
                pipe.multi()
                pipe.set(key, self.mark)
                pipe.execute()
            except redis.WatchError:
                return False
        return True

    def _connect(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(self.redis_url, socket_timeout=10, socket_connect_timeout=5)
        return self._client

    def _disconnect(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
