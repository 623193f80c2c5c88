"""How far a consumer group is behind: for tests, benchmarks and operators waiting on the processors."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from confluent_kafka import Consumer, TopicPartition

from topics.clients import committed_offsets, offsets_reader

if TYPE_CHECKING:
    from confluent_kafka.admin import AdminClient


def wait_caught_up(brokers: str, group: str, topics: list[str], timeout: float = 120.0) -> None:
    """Wait until consumer group ``group`` has committed every message of ``topics``; fail on timeout.

    On a topic written in transactions the end offset also counts commit markers and aborted records, so a
    consumer that has read everything can be short of the end (the last transaction's marker, or a whole
    aborted transaction): a gap is checked by reading there, and no committed record means caught up.
    """
    reader = offsets_reader(brokers, group)
    probe = Consumer(
        {
            "bootstrap.servers": brokers,
            "group.id": f"probe-{uuid.uuid4().hex}",
            "isolation.level": "read_committed",
        }
    )
    deadline = time.monotonic() + timeout
    behind: dict = {}
    try:
        while time.monotonic() < deadline:
            partitions = [
                (topic, p)
                for topic in topics
                for p in probe.list_topics(topic, timeout=10).topics[topic].partitions
            ]
            # Committed offsets first, end offsets after: a processor that feeds one of its own inputs (a
            # continuation of long work) commits its read and its continuation in one transaction, so an end
            # read before that commit and a committed offset read after it would look caught up with the
            # continuation still unread.
            done = committed_offsets(reader, [TopicPartition(t, p) for t, p in partitions])
            ends = {tp: probe.get_watermark_offsets(TopicPartition(*tp), timeout=10)[1] for tp in partitions}
            behind = {tp: (done.get(tp, 0), end) for tp, end in ends.items() if done.get(tp, 0) < end}
            if not behind:
                return
            # Usually a gap is work left or the last transaction's marker, but a transaction aborted at the
            # end (its processor killed mid-transaction) leaves offsets without a record: read to tell.
            if not _records_after(brokers, behind):
                return
            time.sleep(0.5)
    finally:
        probe.close()
        reader.close()
    raise TimeoutError(f"group {group} did not catch up within {timeout} s; (committed, end): {behind}")


def _records_after(brokers: str, behind: dict[tuple[str, int], tuple[int, int]], limit: float = 1.5) -> bool:
    """Whether any committed record lies after the committed offsets (markers and aborted records don't).

    Reads from the committed offsets until a record arrives or every partition's position reaches its end.
    A consumer of its own: one that stays assigned makes the next watermark queries of the caller's slow.
    """
    probe = Consumer(
        {
            "bootstrap.servers": brokers,
            "group.id": f"probe-{uuid.uuid4().hex}",
            "isolation.level": "read_committed",
        }
    )
    try:
        return _read_for_records(probe, behind, limit)
    finally:
        probe.close()


def _read_for_records(probe: Consumer, behind: dict[tuple[str, int], tuple[int, int]], limit: float) -> bool:
    partitions = [
        TopicPartition(topic, partition, offset) for (topic, partition), (offset, _) in behind.items()
    ]
    probe.assign(partitions)
    ends = {(topic, partition): end for (topic, partition), (_, end) in behind.items()}
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if any(message.error() is None for message in probe.consume(num_messages=100, timeout=0.2)):
            return True
        positions = probe.position([TopicPartition(topic, partition) for topic, partition in ends])
        if all(tp.offset >= ends[(tp.topic, tp.partition)] for tp in positions):
            return False
    return True  # could not tell within the limit: assume behind, the caller looks again


def wait_pipeline_idle(
    brokers: str, inputs: dict[str, list[str]], timeout: float = 300.0, settle: int = 2
) -> None:
    """Wait until every consumer group (``inputs``: group → its input topics) has consumed everything,
    ``settle`` passes in a row.

    Processors feed each other (allocation feeds the queues that strategy also feeds), so one pass over the
    groups is not enough: a later group's output may be an earlier group's input.
    """
    deadline = time.monotonic() + timeout
    for _ in range(settle):
        for group, topics in inputs.items():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the processors {sorted(inputs)} did not go idle within {timeout} s")
            wait_caught_up(brokers, group, topics, timeout=left)
        time.sleep(0.5)


def group_lags(
    admin: AdminClient, brokers: str, inputs: dict[str, list[str]]
) -> dict[str, tuple[int, int, int]]:
    """Per consumer group (``inputs``: group → its input topics): (messages left, offsets committed,
    partitions read), from one round of end offsets. Offsets count transaction markers too, so a group that
    has read everything may be one short per partition (`wait_pipeline_idle` knows). The committed offsets
    are read before the ends, as in `wait_caught_up`: a lag read meanwhile can only look larger, never
    smaller, so no one stops waiting on this figure too early."""
    from confluent_kafka import IsolationLevel
    from confluent_kafka.admin import OffsetSpec

    topics = sorted({t for group_topics in inputs.values() for t in group_topics})
    metadata = admin.list_topics(timeout=10)
    partitions = [
        TopicPartition(t, p) for t in topics if t in metadata.topics for p in metadata.topics[t].partitions
    ]
    if not partitions:
        return {}
    keys = [(tp.topic, tp.partition) for tp in partitions]
    committed = {}
    for group, group_topics in inputs.items():
        own = [key for key in keys if key[0] in group_topics]
        reader = offsets_reader(brokers, group)
        try:
            committed[group] = (
                own,
                committed_offsets(reader, [TopicPartition(*key) for key in own]) if own else {},
            )
        finally:
            reader.close()
    futures = admin.list_offsets(
        {tp: OffsetSpec.latest() for tp in partitions},
        isolation_level=IsolationLevel.READ_COMMITTED,
        request_timeout=10,
    )
    ends = {(tp.topic, tp.partition): future.result().offset for tp, future in futures.items()}
    lags = {}
    for group, (own, done) in committed.items():
        left = sum(max(ends[key] - done.get(key, 0), 0) for key in own)
        lags[group] = (left, sum(done.get(key, 0) for key in own), len(own))
    return lags
