"""The latest value per key of a compacted configuration topic, read in the background by every process.

A configuration topic (strategies) is small and every partition of a processor needs all of it, so it is
not consumed through the processor's consumer group (which would give it to one process only): each process
reads the whole topic from the beginning on a thread of its own and keeps the latest value of each key, the
way a Kafka Streams "global table" does. `start` returns once the topic's existing content is loaded, so the
first events are already judged under the configuration that was current when the processor started; when
it cannot load it (a broker still recovering), it raises rather than let the processor judge events under
no or part of its configuration (`crm run` starts it again).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from crm.errors import CrmError
from processors.common.metrics import CONFIG_REJECTED

log = logging.getLogger(__name__)


class ConfigNotLoaded(CrmError):
    """The configuration topic could not be read to its end in time."""


class ConfigTable:
    def __init__(self, brokers: str, topic: str, parse: Callable[[bytes], Any], name: str = "") -> None:
        """``parse`` turns a value into what the table keeps; a value it rejects (raises) is logged, counted
        in ``crm_config_rejected_keys`` under ``name`` (the topic's logical name) and the key keeps its
        previous value."""
        self.brokers, self.topic, self.parse = brokers, topic, parse
        self._values: dict[str, Any] = {}
        # Keys whose latest value was refused: a gauge, not a counter, because every process reads the
        # topic again from the start, so a refusal is "still in force", not "happened once".
        self._rejected: set[str] = set()
        self._rejected_gauge = CONFIG_REJECTED.labels(topic=name or topic)
        self._rejected_gauge.set(0)
        self._lock = threading.RLock()  # re-entrant: a wait_for condition may read `rejected`
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._changed = threading.Condition(self._lock)

    def get(self, key: str) -> Any:
        with self._lock:
            return self._values.get(key)

    def wait_for(self, key: str, accept: Callable[[Any], bool], timeout: float) -> Any:
        """The value of ``key`` once ``accept(value)`` holds, or the current one after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not accept(self._values.get(key)) and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            return self._values.get(key)

    def start(self, timeout: float = 60.0) -> None:
        consumer = Consumer(
            {
                "bootstrap.servers": self.brokers,
                "group.id": f"config-table-{uuid.uuid4().hex}",  # never commits: always reads from the start
                "enable.auto.commit": False,
                "isolation.level": "read_committed",
            }
        )
        partitions = consumer.list_topics(self.topic, timeout=10).topics[self.topic].partitions
        assignment = [TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in partitions]
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=10)[1]
            for p in partitions
        }
        consumer.assign(assignment)
        self._load_until(consumer, ends, timeout)
        self._thread = threading.Thread(
            target=self._follow, args=(consumer,), name=f"config:{self.topic}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _load_until(self, consumer: Consumer, ends: dict[int, int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {p for p, end in ends.items() if end > 0}
        while pending and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                self._apply(message)
            positions = consumer.position([TopicPartition(self.topic, p) for p in pending])
            pending = {
                tp.partition for tp in positions if tp.offset < ends[tp.partition]
            }  # also -1001: unknown yet
        if pending:
            consumer.close()
            raise ConfigNotLoaded(
                f"{self.topic}: not read to its end within {timeout:.0f} s (partitions {sorted(pending)})"
            )

    def _follow(self, consumer: Consumer) -> None:
        try:
            while not self._stop.is_set():
                message = consumer.poll(0.5)
                if message is not None and message.error() is None:
                    self._apply(message)
        finally:
            consumer.close()

    @property
    def rejected(self) -> frozenset[str]:
        """The keys whose latest value was refused (shown as Python writes a key that is not UTF-8)."""
        with self._lock:
            return frozenset(self._rejected)

    def _apply(self, message) -> None:
        raw_key = message.key() or b""
        try:
            key = raw_key.decode()
        except UnicodeDecodeError:  # any producer can send one; raised here, it would stop the follower
            self._reject(repr(raw_key), "the key is not UTF-8 text")
            return
        if message.value() is None:
            self._keep(key, None)
            return
        try:
            value = self.parse(message.value())
        except (
            Exception
        ) as error:  # a bad configuration must never stop the processor: keep the last good one
            self._reject(key, str(error)[:500])
            return
        self._keep(key, value)

    def _reject(self, key: str, error: str) -> None:
        log.error("configuration rejected", extra={"topic": self.topic, "key": key, "error": error})
        with self._lock:
            self._rejected.add(key)
            self._rejected_gauge.set(len(self._rejected))

    def _keep(self, key: str, value: Any) -> None:
        """The key's new value; None: removed (a tombstone)."""
        with self._changed:
            if value is None:
                self._values.pop(key, None)
            else:
                self._values[key] = value
            self._rejected.discard(key)
            self._rejected_gauge.set(len(self._rejected))
            self._changed.notify_all()
