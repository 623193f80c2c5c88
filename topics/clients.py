"""Kafka client settings shared by every producer and admin client of the project."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient

    from crm.settings import Settings

# Errors a group coordinator answers while it moves or loads (a broker just started, a leader changed):
# asking again shortly gets the answer.
COORDINATOR_BUSY = ("NOT_COORDINATOR", "COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE")
GROUP_MISSING = ("GROUP_ID_NOT_FOUND", "GROUP_ID_NOT_FOUND_OR_EMPTY")
# ... and, for committed offsets, a request that timed out or lost its connection meanwhile
OFFSETS_TRANSIENT = (*COORDINATOR_BUSY, "REQUEST_TIMED_OUT", "_TIMED_OUT", "_TRANSPORT")
RETRY_PAUSE_S = 0.2  # between asks for committed offsets while the group's coordinator cannot answer yet


def producer_config(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """An idempotent, throughput-minded producer: a retry never writes a message twice."""
    config: dict[str, Any] = {
        "bootstrap.servers": settings.kafka_brokers,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 20,
        "batch.size": 1_000_000,
        "compression.type": "lz4",
        "queue.buffering.max.messages": 500_000,
        "queue.buffering.max.kbytes": 1_048_576,
        "message.timeout.ms": 120_000,
        # Kafka's default partitioner (Java clients, Quix Streams): the same key lands on the same partition
        # whoever produced it, so topics keyed alike (actions by cif, and what processors re-key by cif)
        # are co-partitioned. librdkafka's own default (CRC32) would scatter them.
        "partitioner": "murmur2_random",
        # librdkafka's own log lines go through Python logging (the "rdkafka" logger) instead of stderr.
        "logger": logging.getLogger("rdkafka"),
    }
    config.update(overrides)
    return config


def make_producer(settings: Settings, **overrides: Any) -> Producer:
    from confluent_kafka import Producer

    return Producer(producer_config(settings, **overrides))


def make_admin(settings: Settings) -> AdminClient:
    from confluent_kafka.admin import AdminClient

    return AdminClient(
        {
            "bootstrap.servers": settings.kafka_brokers,
            "socket.timeout.ms": 10_000,
            "logger": logging.getLogger("rdkafka"),
        }
    )


def offsets_reader(brokers: str, group: str) -> Consumer:
    """A client that only reads consumer group ``group``'s committed offsets (`committed_offsets`).

    Not the admin client's ``list_consumer_group_offsets``: in librdkafka 2.12 (the newest that quixstreams
    allows) it crashes the whole process (a NULL group handle, librdkafka issue 5040) when the coordinator
    answers NOT_COORDINATOR, as it does while a broker restarts. A consumer has that handle and retries.
    It never subscribes, so it never joins the group or disturbs its members, and it never commits.
    """
    from confluent_kafka import Consumer

    return Consumer(
        {
            "bootstrap.servers": brokers,
            "group.id": group,
            "enable.auto.commit": False,
            # answer with offsets a transaction has committed to but not yet closed, as the admin API does,
            # instead of waiting for the transaction
            "isolation.level": "read_uncommitted",
            "logger": logging.getLogger("rdkafka"),
        }
    )


def committed_offsets(
    reader: Consumer, partitions: list[TopicPartition], timeout: float = 10.0
) -> dict[tuple[str, int], int]:
    """(topic, partition) → the group's committed offset, 0 where it has none. A retriable error (the group's
    coordinator still loading its offsets, as just after the broker starts) is asked again until
    ``timeout``; any other, or one that lasts, is raised."""
    from confluent_kafka import KafkaException

    deadline = time.monotonic() + timeout
    while True:
        left = max(deadline - time.monotonic(), 0.1)
        try:
            found = reader.committed(partitions, timeout=left)
            error = next((tp.error for tp in found if tp.error is not None), None)
        except KafkaException as raised:
            found, error = [], raised.args[0]
        if error is None:
            return {(tp.topic, tp.partition): max(tp.offset, 0) for tp in found}
        # a partition's error comes without librdkafka's retriable flag: the transient ones by name
        if (
            not (error.retriable() or error.name() in OFFSETS_TRANSIENT)
            or time.monotonic() + RETRY_PAUSE_S > deadline
        ):
            raise KafkaException(error)
        time.sleep(RETRY_PAUSE_S)


def describe_groups(
    admin: AdminClient, groups: list[str], timeout_s: float = 10.0, attempts: int = 5
) -> dict:
    """Group → its description, or None for a group that does not exist; coordinator moves are retried."""
    from confluent_kafka import KafkaException

    described: dict = {}
    pending = list(groups)
    for attempt in range(attempts):
        busy = []
        futures = admin.describe_consumer_groups(pending, request_timeout=timeout_s)
        for group, future in futures.items():
            try:
                described[group] = future.result(timeout=timeout_s)
            except KafkaException as error:
                name = error.args[0].name()
                if name in GROUP_MISSING:
                    described[group] = None
                elif name in COORDINATOR_BUSY and attempt < attempts - 1:
                    busy.append(group)
                else:
                    raise
        if not busy:
            break
        pending = busy
        time.sleep(0.5 * (attempt + 1))
    return described


def topic_written(settings: Settings, logical: str) -> bool:
    """Whether any message was ever written to the logical topic (some partition's end above 0): a topic
    that exists and never was is what a reset Kafka or a new namespace has."""
    from confluent_kafka import Consumer, TopicPartition

    from topics import physical_name

    topic = physical_name(logical, settings)
    probe = Consumer(
        {
            "bootstrap.servers": settings.kafka_brokers,
            "group.id": "crm-topic-probe",  # never joins or commits: it only reads end offsets
            "enable.auto.commit": False,
            "logger": logging.getLogger("rdkafka"),
        }
    )
    try:
        partitions = probe.list_topics(topic, timeout=10).topics[topic].partitions
        return any(
            probe.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] > 0 for p in partitions
        )
    finally:
        probe.close()
