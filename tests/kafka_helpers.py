"""Reading topics back in tests."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer, TopicPartition


def read_all(
    brokers: str, topic: str, expected: int | None = None, timeout: float = 60.0, idle: float = 3.0
) -> list[tuple[bytes, bytes]]:
    """Every committed (key, value) on the topic from the beginning.

    Stops once ``expected`` messages have arrived or, when ``expected`` is None, once nothing new came for
    ``idle`` seconds (a transactional topic's offsets also count markers and aborted records).
    """
    consumer = Consumer(
        {
            "bootstrap.servers": brokers,
            "group.id": f"test-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
        }
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        messages: list[tuple[bytes, bytes]] = []
        deadline = time.monotonic() + timeout
        last_arrival = time.monotonic()
        while time.monotonic() < deadline:
            if expected is not None and len(messages) >= expected:
                break
            if expected is None and time.monotonic() - last_arrival > idle:
                break
            for message in consumer.consume(num_messages=10_000, timeout=0.5):
                if message.error() is None:
                    messages.append((message.key(), message.value()))
                    last_arrival = time.monotonic()
        return messages
    finally:
        consumer.close()


def message_count(brokers: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"test-{uuid.uuid4().hex}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        total = 0
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            total += high - low
        return total
    finally:
        consumer.close()


def wait_caught_up(brokers: str, group: str, topics: list[str], timeout: float = 120.0) -> None:
    """Wait until consumer group ``group`` has committed every message of ``topics``; fail on timeout.

    On a topic written in transactions the end offset also counts commit markers, so a partition still
    "behind" is checked by reading from the committed offset: no committed record there means caught up.
    """
    from confluent_kafka import ConsumerGroupTopicPartitions
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": brokers})
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
            ends = {}
            for topic in topics:
                for p in probe.list_topics(topic, timeout=10).topics[topic].partitions:
                    ends[(topic, p)] = probe.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            request = [ConsumerGroupTopicPartitions(group, [TopicPartition(t, p) for t, p in ends])]
            committed = admin.list_consumer_group_offsets(request)[group].result(timeout=10)
            done = {(tp.topic, tp.partition): max(tp.offset, 0) for tp in committed.topic_partitions}
            behind = {tp: (done.get(tp, 0), end) for tp, end in ends.items() if done.get(tp, 0) < end}
            if all(not _records_after(probe, tp, offset) for tp, (offset, _end) in behind.items()):
                return
            time.sleep(0.5)
    finally:
        probe.close()
    raise AssertionError(f"group {group} did not catch up within {timeout} s; (committed, end): {behind}")


def _records_after(probe: Consumer, topic_partition: tuple[str, int], offset: int) -> bool:
    probe.assign([TopicPartition(*topic_partition, offset)])
    messages = probe.consume(num_messages=1, timeout=1.0)
    return any(message.error() is None for message in messages)
