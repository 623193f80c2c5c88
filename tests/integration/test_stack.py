from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import NewTopic

from crm.settings import Settings
from infra.stack import manager
from infra.stack.base import Service, _start_time
from infra.stack.errors import StackError
from infra.stack.redis import Redis
from tests.ports import free_port
from topics.clients import make_admin

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def settings() -> Settings:
    # The stack the CRM_* environment points at (the defaults: the checkout's .state/ and usual ports).
    return Settings()


@pytest.fixture(scope="module")
def native_stack(settings):
    statuses = manager.up(settings)
    assert all(s.healthy for s in statuses)
    return statuses


def test_up_reports_every_service_healthy_with_pid_and_address(native_stack, settings):
    assert [s.name for s in native_stack] == list(manager.SERVICE_NAMES)
    for status in manager.status(settings):
        assert status.healthy, status
        assert status.pid, f"{status.name} is not one of ours: {status.detail}"
        assert ":" in status.address
        assert status.log_file.is_file()


def test_a_second_up_changes_nothing(native_stack, settings):
    before = {s.name: s.pid for s in manager.status(settings)}
    manager.up(settings)
    assert {s.name: s.pid for s in manager.status(settings)} == before


def test_down_and_up_of_one_service_leaves_the_others_alone(native_stack, settings):
    before = {s.name: s.pid for s in manager.status(settings)}
    [stopped] = manager.down(settings, ["redis"])
    assert not stopped.healthy and stopped.pid is None
    manager.up(settings, ["redis"])
    after = {s.name: s.pid for s in manager.status(settings)}
    assert after["redis"] is not None and after["redis"] != before["redis"]
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


def test_kafka_supports_transactions(native_stack, settings):
    """Exactly-once processing needs transactions: commit one and read it back read_committed."""
    topic = f"stack-test-{uuid.uuid4().hex[:8]}"
    admin = make_admin(settings)
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(timeout=30)
    try:
        producer = Producer({"bootstrap.servers": settings.kafka_brokers, "transactional.id": f"tx-{topic}"})
        producer.init_transactions(30)
        producer.begin_transaction()
        producer.produce(topic, b"committed", b"k")
        producer.commit_transaction(30)
        producer.begin_transaction()
        producer.produce(topic, b"aborted", b"k")
        producer.abort_transaction(30)
        consumer = Consumer(
            {
                "bootstrap.servers": settings.kafka_brokers,
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


def test_a_healthy_service_already_on_the_port_is_external_and_left_alone(native_stack, settings, tmp_path):
    elsewhere = settings.model_copy(update={"state_dir": tmp_path})
    [status] = manager.up(elsewhere, ["redis"])
    assert status.healthy and status.pid is None and status.detail == "external"
    manager.down(elsewhere, ["redis"])
    assert manager.status(settings, ["redis"])[0].pid is not None  # the real one still runs


def test_a_stranger_on_the_port_is_a_clear_error(tmp_path):
    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        port = stranger.getsockname()[1]
        settings = Settings(state_dir=tmp_path, redis_url=f"redis://127.0.0.1:{port}/0")
        with pytest.raises(StackError, match=f"redis: port {port} on 127.0.0.1 is taken"):
            manager.up(settings, ["redis"])


def test_a_pid_file_naming_another_process_is_stale_and_never_signalled(tmp_path):
    redis = Redis(Settings(state_dir=tmp_path))
    redis.pid_file.parent.mkdir(parents=True)
    # This very process: alive, right start time, but not a redis-server: it must not be taken for ours.
    redis.pid_file.write_text(f"{os.getpid()} {_start_time(os.getpid())}\n")
    assert redis.pid() is None
    assert not redis.pid_file.exists()
    redis.pid_file.write_text(f"{os.getpid()} 1\n")  # a recycled pid: another start time
    assert redis.pid() is None


class _Doomed(Service):
    """A service whose process never becomes healthy."""

    name = "doomed"
    start_timeout = 2.0
    process_marker = "sh -c"

    def __init__(self, settings: Settings, script: str) -> None:
        super().__init__(settings)
        self.script = script
        self._port = free_port()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return self._port

    def command(self) -> list[str]:
        return ["sh", "-c", self.script]

    def healthy(self) -> bool:
        return False


def _messages(_name: str, _message: str) -> None:
    pass


def test_a_service_that_exits_names_itself_and_its_log(tmp_path):
    service = _Doomed(Settings(state_dir=tmp_path), "echo boom on line one; exit 3")
    with pytest.raises(StackError) as error:
        service.up(_messages)
    message = str(error.value)
    assert message.startswith("doomed exited during start-up")
    assert str(service.log_file) in message and "boom on line one" in message


def test_a_service_that_never_gets_healthy_times_out_and_down_stops_it(tmp_path):
    service = _Doomed(Settings(state_dir=tmp_path), "echo waiting; sleep 60")
    try:
        with pytest.raises(StackError, match=r"doomed did not become healthy within 2 s; see .*doomed\.log"):
            service.up(_messages)
        pid = service.pid()
        assert pid is not None
    finally:
        service.down()
    assert service.pid() is None
    assert not Path(f"/proc/{pid}").exists() or _start_time(pid) is None
