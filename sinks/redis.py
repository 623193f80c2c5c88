"""Idempotent batched writes of ranked members into Redis: a sorted set for the order, a hash for details.

Each change names its sorted set and hash, the member, and either a score with a payload (write) or
nothing (remove). A batch keeps the last change per (sorted set, member) and writes them in one pipelined
MULTI/EXEC transaction (ZADD + HSET, or ZREM + HDEL), so a reader never sees a member ranked without its
details, and a redelivered batch writes the same final values again (idempotent).

A batch larger than ``max_transaction`` members is written in several transactions of that size, in
order: one huge MULTI/EXEC would block every other Redis client for its whole duration. A member's sorted
set and hash change always share a transaction.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import redis
from quixstreams.sinks import BatchingSink, SinkBackpressureError, SinkBatch

from sinks.exceptions import SinkError

log = logging.getLogger(__name__)


class MemberChange(NamedTuple):
    ranking: str  # sorted set key
    details: str  # hash key
    member: str
    score: float | None  # None: remove the member from both
    payload: bytes | None = None


ChangesOf = Callable[[Any], Iterable[MemberChange]]  # a message value → the changes it makes
BATCH_TOPIC = "redis-changes"  # the one batch every input topic's changes go to, in processing order


def latest_changes(changes: Iterable[MemberChange]) -> list[MemberChange]:
    """The last change per (sorted set, member), in the order each member was last changed."""
    latest: dict[tuple[str, str], MemberChange] = {}
    for change in changes:
        key = (change.ranking, change.member)
        latest.pop(key, None)  # re-insert: the order of the last changes is kept
        latest[key] = change
    return list(latest.values())


def write_changes(client: redis.Redis, changes: list[MemberChange], max_transaction: int = 5_000) -> None:
    """Apply ``changes`` (one per member) in MULTI/EXEC transactions of at most ``max_transaction``."""
    for start in range(0, len(changes), max_transaction):
        pipe = client.pipeline(transaction=True)
        for change in changes[start : start + max_transaction]:
            if change.score is None:
                pipe.zrem(change.ranking, change.member)
                pipe.hdel(change.details, change.member)
            else:
                pipe.zadd(change.ranking, {change.member: change.score})
                pipe.hset(change.details, change.member, change.payload or b"")
        pipe.execute()


class RedisRankingSink(BatchingSink):
    """A Quix Streams sink: each checkpoint's changes become idempotent sorted set and hash writes.

    The framework keeps one batch per input topic-partition and writes them in no particular order; one
    member's changes may come from several input topics (an assignment, then a payment), so this sink
    keeps a single batch per checkpoint, in processing order, and writes only the last change per member.
    A Redis that is down or loading is signalled as backpressure with a growing, jittered delay.
    """

    def __init__(self, redis_url: str, changes_of: ChangesOf, max_transaction: int = 5_000) -> None:
        super().__init__()
        self.redis_url, self.changes_of, self.max_transaction = redis_url, changes_of, max_transaction
        self._client: redis.Redis | None = None
        self._failures = 0

    def setup(self) -> None:
        try:
            self._connect().ping()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            # Not fatal: the first write signals backpressure and retries until Redis is back.
            log.warning("Redis unavailable at start", extra={"error": str(error)})

    def _connect(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(self.redis_url, socket_timeout=10, socket_connect_timeout=5)
        return self._client

    def add(self, value, key, timestamp, headers, topic, partition, offset) -> None:
        super().add(value, key, timestamp, headers, BATCH_TOPIC, 0, offset)

    def write(self, batch: SinkBatch) -> None:
        changes = latest_changes(change for item in batch for change in self.changes_of(item.value))
        if not changes:
            return
        try:
            write_changes(self._connect(), changes, self.max_transaction)
        except (redis.ConnectionError, redis.TimeoutError) as error:  # BusyLoadingError is one too
            self._failures += 1
            delay = min(30.0, 2 ** min(self._failures, 5)) * random.uniform(0.5, 1.0)
            log.warning("Redis unavailable, retrying", extra={"retry_in_s": delay, "error": str(error)})
            if self._client is not None:
                self._client.close()
                self._client = None
            raise SinkBackpressureError(retry_after=delay) from error
        except redis.ResponseError as error:  # e.g. WRONGTYPE: a key taken by something else
            raise SinkError(f"Redis refused the batch: {error}") from error
        self._failures = 0
