"""The topic registry: every topic's name, key, partitions, cleanup policy, retention and contract."""

from topics.registry import (
    ALL_TOPICS,
    INBOUND_TOPICS,
    INGEST_ORDER,
    TopicKind,
    TopicSpec,
    dlq_of,
    get_topic,
    physical_name,
)

__all__ = [
    "ALL_TOPICS",
    "INBOUND_TOPICS",
    "INGEST_ORDER",
    "TopicKind",
    "TopicSpec",
    "dlq_of",
    "get_topic",
    "physical_name",
]
