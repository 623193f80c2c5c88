"""Reading a consumer group's committed offsets and lag (`topics.clients.committed_offsets`,
`topics.lag.group_lags`): what `crm demo`, `crm bench` and the tests wait on, against the real broker."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import NewTopic

from topics.clients import committed_offsets, make_admin, make_producer, offsets_reader
from topics.lag import group_lags

pytestmark = pytest.mark.integration
PARTITIONS = 2


@pytest.fixture
def topic(settings):
    """A fresh topic of two partitions: 7 messages on partition 0, 3 on partition 1."""
    name = f"{settings.namespace}offsets-{uuid.uuid4().hex[:8]}"
    admin = make_admin(settings)
    admin.create_topics([NewTopic(name, PARTITIONS, 1)])[name].result(timeout=30)
    producer = make_producer(settings)
    for partition, count in ((0, 7), (1, 3)):
        for n in range(count):
            producer.produce(name, value=b"%d" % n, partition=partition)
    assert producer.flush(30) == 0
    yield name
    admin.delete_topics([name])[name].result(timeout=30)


def _commit(settings, group: str, offsets: list[TopicPartition]) -> None:
    consumer = Consumer({"bootstrap.servers": settings.kafka_brokers, "group.id": group})
    try:
        consumer.commit(offsets=offsets, asynchronous=False)
    finally:
        consumer.close()


def test_a_group_that_never_committed_reads_as_zero(settings, topic):
    # the admin client's list_consumer_group_offsets could crash the process on an unknown group
    reader = offsets_reader(settings.kafka_brokers, f"never-seen-{uuid.uuid4().hex}")
    try:
        found = committed_offsets(reader, [TopicPartition(topic, p) for p in range(PARTITIONS)])
    finally:
        reader.close()
    assert found == {(topic, 0): 0, (topic, 1): 0}


def test_committed_offsets_and_lag_per_group(settings, topic):
    group, idle = f"{settings.namespace}group-{uuid.uuid4().hex[:8]}", f"{settings.namespace}idle"
    _commit(settings, group, [TopicPartition(topic, 0, 5), TopicPartition(topic, 1, 3)])

    reader = offsets_reader(settings.kafka_brokers, group)
    try:
        assert committed_offsets(reader, [TopicPartition(topic, 0), TopicPartition(topic, 1)]) == {
            (topic, 0): 5,
            (topic, 1): 3,
        }
    finally:
        reader.close()
    lags = group_lags(make_admin(settings), settings.kafka_brokers, {group: [topic], idle: [topic]})
    # (left, committed, partitions): 2 left on partition 0; the idle group has read nothing of 10
    assert lags == {group: (2, 8, 2), idle: (10, 0, 2)}


def test_reading_offsets_does_not_join_the_group(settings, topic):
    group = f"{settings.namespace}group-{uuid.uuid4().hex[:8]}"
    _commit(settings, group, [TopicPartition(topic, 0, 1)])
    reader, admin = offsets_reader(settings.kafka_brokers, group), make_admin(settings)
    try:
        committed_offsets(reader, [TopicPartition(topic, 0)])
        described = admin.describe_consumer_groups([group])[group].result(timeout=30)
    finally:
        reader.close()
    assert described.members == []
