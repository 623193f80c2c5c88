"""Idempotent batched writes of ranked members into Redis: a sorted set for the order, a hash for details.

Each change names its sorted set and hash, the member, and either a score with a payload (write) or
nothing (remove). A batch keeps the last change per (sorted set, member) and writes them in one pipelined
MULTI/EXEC transaction (ZADD + HSET, or ZREM + HDEL), so a reader never sees a member ranked without its
details, and a redelivered batch writes the same final values again (idempotent).

A batch larger than ``max_transaction`` members is written in several transactions of that size, in
order: one huge MULTI/EXEC would block every other Redis client for its whole duration. A member's sorted
set and hash change always share a transaction.

Optionally the sink also tells live readers what changed: given an :class:`EventStream`, each transaction
appends that stream's events about its changes (XADD, trimmed to about ``EVENTS_MAX_LEN`` entries) inside
the same MULTI/EXEC, so an event is visible exactly when the change it describes is. To say whether a
member was added or only changed, the members' scores are read just before the transaction (each member is
written by one partition's process only, so nothing else moves them in between). A redelivered batch
writes the same values again but appends its events again, now as ``changed``: events are hints to
re-read, not a ledger.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
import redis
from quixstreams.sinks import SinkBatch

from sinks.batching import OrderedBatchingSink
from sinks.exceptions import SinkError
from sinks.metrics import measured_write

log = logging.getLogger(__name__)


class MemberChange(NamedTuple):
    ranking: str  # sorted set key
    details: str  # hash key
    member: str
    score: float | None  # None: remove the member from both
    payload: bytes | None = None


ChangesOf = Callable[[Any], Iterable[MemberChange]]  # a message value → the changes it makes
METRICS_TARGET = "queues"  # the `target` label of this sink's metrics
# Entries kept in an event stream (trimmed approximately, which is cheap): at a few hundred bytes an
# entry, some tens of MB, hours of ordinary traffic for a client to resume from after a reconnect.
EVENTS_MAX_LEN = 100_000
EVENT_DATA_FIELD = "data"  # the stream entry's field holding the whole event as JSON


class AppliedChange(NamedTuple):
    """A change with the member's score just before it was written (None: the member was not there)."""

    change: MemberChange
    previous_score: float | None


EventsOf = Callable[[list[AppliedChange]], list[dict[str, Any]]]  # one transaction's changes → its events


@dataclass(frozen=True)
class EventStream:
    """Where a sink appends events about its writes, and how it derives them.

    Each event is a JSON-able dict with a ``type``. The stream entry holds the event as JSON in ``data``
    plus each of its top-level string values as a field of its own (``type``, e.g. ``agent_id``), so a
    reader can route entries without parsing them.
    """

    key: str
    events_of: EventsOf
    max_len: int = EVENTS_MAX_LEN


def events_stream_key(namespace: str) -> str:
    """The live-events stream of a namespace (read by the API's ``GET /api/events``)."""
    return f"{namespace}events"


_STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


def stream_id(text: str) -> tuple[int, int]:
    """A Redis stream id (``1732540000000-0``) as a comparable pair; ValueError if it is not one."""
    if not _STREAM_ID.match(text):
        raise ValueError(f"{text!r} is not an event id (like 1732540000000-0)")
    milliseconds, sequence = text.split("-")
    return int(milliseconds), int(sequence)


def stream_fields(event: dict[str, Any]) -> dict[str, str | bytes]:
    """A stream entry for ``event``: its string values as fields, and the whole event in ``data``."""
    fields: dict[str, str | bytes] = {k: v for k, v in event.items() if isinstance(v, str)}
    fields[EVENT_DATA_FIELD] = orjson.dumps(event, default=str)
    return fields


def latest_changes(changes: Iterable[MemberChange]) -> list[MemberChange]:
    """The last change per (sorted set, member), in the order each member was last changed."""
    latest: dict[tuple[str, str], MemberChange] = {}
    for change in changes:
        key = (change.ranking, change.member)
        latest.pop(key, None)  # re-insert: the order of the last changes is kept
        latest[key] = change
    return list(latest.values())


def previous_scores(client: redis.Redis, changes: list[MemberChange]) -> list[float | None]:
    """Each change's member's current score in its sorted set (None if absent): one ZMSCORE per set."""
    positions: dict[str, list[int]] = {}
    for position, change in enumerate(changes):
        positions.setdefault(change.ranking, []).append(position)
    pipe = client.pipeline(transaction=False)
    for ranking, members in positions.items():
        pipe.zmscore(ranking, [changes[position].member for position in members])
    scores: list[float | None] = [None] * len(changes)
    for members, found in zip(positions.values(), pipe.execute(), strict=True):
        for position, score in zip(members, found, strict=True):
            scores[position] = score
    return scores


def write_changes(
    client: redis.Redis,
    changes: list[MemberChange],
    max_transaction: int = 5_000,
    events: EventStream | None = None,
) -> None:
    """Apply ``changes`` (one per member) in MULTI/EXEC transactions of at most ``max_transaction``, each
    with the events ``events`` derives from its changes appended to its stream."""
    for start in range(0, len(changes), max_transaction):
        chunk = changes[start : start + max_transaction]
        appended: list[dict[str, Any]] = []
        if events is not None:
            before = previous_scores(client, chunk)
            appended = events.events_of([AppliedChange(*pair) for pair in zip(chunk, before, strict=True)])
        pipe = client.pipeline(transaction=True)
        for change in chunk:
            if change.score is None:
                pipe.zrem(change.ranking, change.member)
                pipe.hdel(change.details, change.member)
            else:
                pipe.zadd(change.ranking, {change.member: change.score})
                pipe.hset(change.details, change.member, change.payload or b"")
        for event in appended:
            pipe.xadd(events.key, stream_fields(event), maxlen=events.max_len, approximate=True)
        pipe.execute()


class RedisRankingSink(OrderedBatchingSink):
    """A Quix Streams sink: each checkpoint's changes become idempotent sorted set and hash writes.

    One member's changes may come from several input topics (an assignment, then a payment); the batch
    holds them in processing order (`sinks/batching.py`), and only the last change per member is written.
    A Redis that is down or loading is signalled as backpressure with a growing, jittered delay.
    With ``events``, each transaction also appends the events about its changes to that stream.
    """

    def __init__(
        self,
        redis_url: str,
        changes_of: ChangesOf,
        max_transaction: int = 5_000,
        events: EventStream | None = None,
    ) -> None:
        super().__init__()
        self.redis_url, self.changes_of, self.max_transaction = redis_url, changes_of, max_transaction
        self.events = events
        self._client: redis.Redis | None = None

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

    def write(self, batch: SinkBatch) -> None:
        changes = latest_changes(change for item in batch for change in self.changes_of(item.value))
        if not changes:
            return
        try:
            with measured_write("redis", METRICS_TARGET, batch.size):
                write_changes(self._connect(), changes, self.max_transaction, self.events)
        except (redis.ConnectionError, redis.TimeoutError) as error:  # BusyLoadingError is one too
            if self._client is not None:
                self._client.close()
                self._client = None
            raise self.back_off("redis", METRICS_TARGET, error) from error
        except redis.ResponseError as error:  # e.g. WRONGTYPE: a key taken by something else
            raise SinkError(f"Redis refused the batch: {error}") from error
        self.recovered()
