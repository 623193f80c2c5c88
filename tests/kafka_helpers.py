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
