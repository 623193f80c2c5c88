"""The configuration table (a compacted topic read whole by every process) against the real broker."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka.admin import NewTopic

from processors.common.config_table import ConfigNotLoaded, ConfigTable
from processors.common.metrics import CONFIG_REJECTED
from topics.clients import make_admin, make_producer

pytestmark = pytest.mark.integration


@pytest.fixture
def config_topic(settings):
    name = f"{settings.namespace}config-table-{uuid.uuid4().hex[:6]}"
    admin = make_admin(settings)
    admin.create_topics([NewTopic(name, 2, 1, config={"cleanup.policy": "compact"})])[name].result()
    producer = make_producer(settings)
    for key, value in (("a", b"1"), ("b", b"2"), ("a", b"3")):
        producer.produce(name, value, key.encode())
    assert producer.flush(10) == 0
    yield name
    admin.delete_topics([name])[name].result()


def test_start_returns_with_the_latest_value_of_every_key_loaded(settings, config_topic):
    table = ConfigTable(settings.kafka_brokers, config_topic, int)
    table.start()
    try:
        assert (table.get("a"), table.get("b")) == (3, 2)
    finally:
        table.stop()


def test_a_table_not_read_to_its_end_in_time_refuses_to_start(settings, config_topic):
    # A processor must not judge events under part of its configuration: it fails, and is started again.
    table = ConfigTable(settings.kafka_brokers, config_topic, int)
    with pytest.raises(ConfigNotLoaded, match="not read to its end"):
        table.start(timeout=0)


def test_a_key_that_is_not_utf8_is_rejected_and_the_table_goes_on_following(settings, config_topic):
    """Any producer can send one; decoding it raised in the loader (the processor could not start) or in
    the follower thread (which then stopped, so no later configuration reached the processor)."""
    producer = make_producer(settings)
    producer.produce(config_topic, b"7", b"\xff\xfe")
    assert producer.flush(10) == 0
    table = ConfigTable(settings.kafka_brokers, config_topic, int)
    table.start()
    try:
        producer.produce(config_topic, b"9", b"\xfe")
        producer.produce(config_topic, b"4", b"b")
        assert producer.flush(10) == 0
        assert table.wait_for("b", lambda value: value == 4, timeout=10) == 4
        assert table.get("a") == 3
    finally:
        table.stop()


def test_a_refused_value_keeps_the_last_good_one_and_is_shown_until_a_good_one_follows(
    settings, config_topic
):
    """Every process reads the topic whole, so a refusal is a state ("key a's latest value is refused"),
    kept in a gauge the alert ConfigurationRejected watches, not a count that each restart would repeat."""
    producer = make_producer(settings)
    producer.produce(config_topic, b"three", b"a")
    assert producer.flush(10) == 0
    table = ConfigTable(settings.kafka_brokers, config_topic, int, name="config.test")
    gauge = CONFIG_REJECTED.labels(topic="config.test")
    table.start()
    try:
        assert (table.get("a"), table.rejected, gauge._value.get()) == (3, {"a"}, 1)
        producer.produce(config_topic, b"x", b"\xff")
        producer.produce(config_topic, b"", b"b")  # an empty value is no tombstone: refused too
        assert producer.flush(10) == 0
        assert table.wait_for("c", lambda _: len(table.rejected) == 3, timeout=10) is None
        assert table.rejected == {"a", "b", "b'\\xff'"} and gauge._value.get() == 3
        producer.produce(config_topic, b"5", b"a")
        producer.produce(config_topic, None, b"b")  # removed: nothing refused is in force for it
        assert producer.flush(10) == 0
        assert table.wait_for("a", lambda value: value == 5, timeout=10) == 5
        assert table.wait_for("b", lambda _: table.rejected == {"b'\\xff'"}, timeout=10) is None
        assert gauge._value.get() == 1
    finally:
        table.stop()
