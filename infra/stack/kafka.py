"""Apache Kafka from Maven Central's jars: one KRaft broker+controller, formatted once.

Replication factor 1 and min.isr 1 everywhere, so transactions (exactly-once) work on a single node.
"""

from __future__ import annotations

import base64
import subprocess
import uuid

from confluent_kafka.admin import AdminClient

from infra.stack import downloads, system
from infra.stack.base import Service, host_port
from infra.stack.errors import StackError

_LOG4J2 = """\
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.controller.name = org.apache.kafka.controller
logger.controller.level = WARN
logger.raft.name = org.apache.kafka.raft
logger.raft.level = WARN
logger.coordinator.name = org.apache.kafka.coordinator
logger.coordinator.level = WARN
# Segment and index deletions (every dropped test topic) would otherwise fill the log.
logger.storage.name = org.apache.kafka.storage.internals.log
logger.storage.level = WARN
logger.log.name = kafka.log
logger.log.level = WARN
"""


class Kafka(Service):
    name = "kafka"
    start_timeout = 90.0
    process_marker = "kafka.Kafka"

    @property
    def host(self) -> str:
        return host_port(self.settings.kafka_brokers.split(",")[0], 9092)[0]

    @property
    def port(self) -> int:
        return host_port(self.settings.kafka_brokers.split(",")[0], 9092)[1]

    @property
    def controller_port(self) -> int:
        return self.port + 1

    def install(self) -> None:
        if system.which("java") is None:
            system.ensure_packages(["openjdk-17-jre-headless"], "kafka")
        downloads.kafka_libs(self.downloads)

    def _properties(self) -> str:
        # The controller's endpoint is written into the metadata log at format time: keep it stable.
        host = self.host
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"{host}:{self.controller_port}",
            "listeners": f"PLAINTEXT://{host}:{self.port},CONTROLLER://{host}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{host}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.dir / "data"),
            "num.partitions": "1",
            "auto.create.topics.enable": "false",  # topics are declared in topics/ and created by `crm init`
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "group.initial.rebalance.delay.ms": "0",
            "log.retention.check.interval.ms": "300000",
            "log.cleaner.dedupe.buffer.size": str(32 * 1024 * 1024),
            "message.max.bytes": str(8 * 1024 * 1024),
        }
        return "".join(f"{key}={value}\n" for key, value in settings.items())

    def prepare(self) -> None:
        (self.dir / "data").mkdir(parents=True, exist_ok=True)
        (self.dir / "server.properties").write_text(self._properties())
        (self.dir / "log4j2.properties").write_text(_LOG4J2)
        if (self.dir / "data" / "meta.properties").is_file():
            return  # formatted once; formatting again would wipe the cluster id
        cluster_id = _kafka_uuid()
        try:
            subprocess.run(
                [
                    *self._java(),
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    cluster_id,
                    "-c",
                    str(self.dir / "server.properties"),
                    "--standalone",
                ],
                check=True,
                capture_output=True,
                cwd=self.dir,
                timeout=120,
            )
        except subprocess.CalledProcessError as error:
            out = (error.stdout + error.stderr).decode(errors="replace")[-400:]
            raise StackError(f"kafka: formatting the storage failed: {out}") from None

    def _java(self, heap: str = "-Xmx256m") -> list[str]:
        libs = downloads.kafka_libs(self.downloads)
        return [
            system.which("java") or "java",
            heap,
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.dir / 'log4j2.properties'}",
            "-cp",
            f"{libs}/*",
        ]

    def command(self) -> list[str]:
        return [
            *self._java("-Xmx1g"),
            "-Xms256m",
            "-XX:+UseG1GC",
            "kafka.Kafka",
            str(self.dir / "server.properties"),
        ]

    def healthy(self) -> bool:
        admin = AdminClient({"bootstrap.servers": self.address, "socket.timeout.ms": 2000, "log_level": 0})
        metadata = admin.list_topics(timeout=2)
        return bool(metadata.brokers)


def _kafka_uuid() -> str:
    """A random cluster id in Kafka's form: 16 bytes, URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
