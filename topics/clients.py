"""Kafka client settings shared by every producer and admin client of the project."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient

    from crm.settings import Settings


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
