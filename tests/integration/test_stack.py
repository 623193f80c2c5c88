from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import NewTopic

from crm.settings import Settings
from infra.stack import manager
from topics.clients import make_admin

pytestmark = pytest.mark.integration

# The native stack is what these tests are about: they run only when it serves the default addresses.
NATIVE = Settings()


@pytest.fixture(scope="module")
def native_stack():
    statuses = manager.up(NATIVE)
    assert all(s.healthy for s in statuses)
    return statuses


def test_up_reports_every_service_healthy_with_pid_and_address(native_stack):
    assert [s.name for s in native_stack] == list(manager.SERVICE_NAMES)
    for status in manager.status(NATIVE):
        assert status.healthy, status
        assert status.pid, f"{status.name} is not one of ours: {status.detail}"
        assert ":" in status.address
        assert status.log_file.is_file()


def test_a_second_up_changes_nothing(native_stack):
    before = {s.name: s.pid for s in manager.status(NATIVE)}
    manager.up(NATIVE)
    assert {s.name: s.pid for s in manager.status(NATIVE)} == before


def test_down_and_up_of_one_service_leaves_the_others_alone(native_stack):
    before = {s.name: s.pid for s in manager.status(NATIVE)}
    [stopped] = manager.down(NATIVE, ["redis"])
    assert not stopped.healthy and stopped.pid is None
    manager.up(NATIVE, ["redis"])
    after = {s.name: s.pid for s in manager.status(NATIVE)}
    assert after["redis"] != before["redis"]
    assert {k: v for k, v in after.items() if k != "redis"} == {
        k: v for k, v in before.items() if k != "redis"
    }


def test_status_command_prints_a_table(native_stack):
    result = subprocess.run(
        [sys.executable, "-m", "crm", "stack", "status"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for name in manager.SERVICE_NAMES:
        assert name in result.stdout
    assert "yes" in result.stdout


def test_unknown_service_is_a_clear_error():
    result = subprocess.run(
        [sys.executable, "-m", "crm", "stack", "up", "--only", "mysql"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown service mysql" in result.stderr


def test_kafka_supports_transactions(native_stack):
    """Exactly-once processing needs transactions: commit one and read it back read_committed."""
    topic = f"stack-test-{uuid.uuid4().hex[:8]}"
    admin = make_admin(NATIVE)
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(timeout=30)
    try:
        producer = Producer({"bootstrap.servers": NATIVE.kafka_brokers, "transactional.id": f"tx-{topic}"})
        producer.init_transactions(30)
        producer.begin_transaction()
        producer.produce(topic, b"committed", b"k")
        producer.commit_transaction(30)
        producer.begin_transaction()
        producer.produce(topic, b"aborted", b"k")
        producer.abort_transaction(30)
        consumer = Consumer(
            {
                "bootstrap.servers": NATIVE.kafka_brokers,
                "group.id": topic,
                "isolation.level": "read_committed",
            }
        )
        consumer.assign([TopicPartition(topic, 0, 0)])
        values = []
        for _ in range(20):
            values += [m.value() for m in consumer.consume(10, timeout=0.5) if m.error() is None]
            if values:
                break
        consumer.close()
        assert values == [b"committed"]
    finally:
        admin.delete_topics([topic])[topic].result(timeout=30)
