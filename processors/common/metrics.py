"""Prometheus metrics of a processor process, served at ``/metrics`` on the processor's own port.

Every series carries a ``processor`` label, so several processors built in one process (tests, benchmarks)
keep theirs apart; topics are labelled by their logical name (the namespace prefix stripped). The metrics
live in prometheus_client's default registry, beside its process and Python collectors.

Per message the cost is one pre-bound counter and histogram child per input topic (looked up by the
framework's own per-topic dispatch, wrapped once), and one dict lookup and counter increment per output.
Consumer lag comes from librdkafka's statistics callback every few seconds on the consumer's own thread;
the state store's size is measured when Prometheus scrapes. Counters count what was processed, so a
message processed again after an aborted checkpoint (or during a replay) is counted again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, Info
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

LAG_INTERVAL_MS = 5_000  # how often librdkafka reports its statistics (the lag gauges' resolution)
CHANGELOG_PREFIX = "changelog__"  # the framework's changelog topics: restored from, not consumed
LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30)

EVENTS_IN = Counter(
    "crm_processor_events_in_total",
    "Input messages processed, by processor and input topic.",
    ["processor", "topic"],
)
EVENTS_OUT = Counter(
    "crm_processor_events_out_total",
    "Messages produced, by processor and output topic (dead letters included).",
    ["processor", "topic"],
)
PROCESSING_SECONDS = Histogram(
    "crm_processor_processing_seconds",
    "Time to process one input message: the rules, the outputs handed to the producer and the sink's "
    "batch (checkpoints and sink writes are measured apart).",
    ["processor", "topic"],
    buckets=LATENCY_BUCKETS,
)
DEAD_LETTERS = Counter(
    "crm_dlq_messages_total",
    "Messages sent to the dead-letter twin of their topic, by source topic and error type.",
    ["processor", "topic", "error_type"],
)
SKIPPED = Counter(
    "crm_processor_skipped_total",
    "Input messages skipped on a topic without a dead-letter twin (written by processors): a value that is "
    "not JSON or fails its contract there is a bug upstream. By processor, topic and reason.",
    ["processor", "topic", "reason"],
)
REASSIGNMENTS = Counter(
    "crm_allocation_reassignments_total",
    "Decisions on supervisors' reassignments by the allocation processor, by outcome: applied, "
    "kept_for_stay (read before the customer's stay began; decided again when it begins), already, refused "
    "(the pool changed since the API checked), superseded (a later one for the stay replaced it).",
    ["outcome"],
)
CONSUMER_LAG = Gauge(
    "crm_consumer_lag",
    "Messages of an assigned input partition not yet consumed (last stable offset minus position).",
    ["processor", "topic", "partition"],
)
BUSINESS_DATE = Gauge(
    "crm_business_date_seconds",
    "The latest business date the processor has seen, as Unix seconds at 00:00 UTC, per bank.",
    ["processor", "bank"],
)
BUSINESS_DATE_RECEIVED = Gauge(
    "crm_business_date_received_timestamp_seconds",
    "Wall-clock time the processor last received a business date message, per bank.",
    ["processor", "bank"],
)
BUSINESS_DATE_ADVANCED = Gauge(
    "crm_business_date_advanced_timestamp_seconds",
    "Wall-clock time the business date last moved forward in this process, per bank.",
    ["processor", "bank"],
)
CONFIG_REJECTED = Gauge(
    "crm_config_rejected_keys",
    "Keys of a configuration topic whose latest value this process refused (it keeps running the key's "
    "last good value, or none), by topic. Back to 0 once a good value (or a tombstone) follows.",
    ["topic"],
)
PROCESSOR_UP = Gauge(
    "crm_processor_up", "1 while the processor's main loop runs, 0 once it has stopped.", ["processor"]
)
PROCESSOR_INFO = Info("crm_processor", "The processor's consumer group and version.", ["processor"])
AGENT_ACTIONS = Counter(
    "crm_agent_actions_total",
    "Agents' actions accepted from agent.actions (by the promises processor), by type and result.",
    ["type", "result"],
)


def logical_topic(physical: str, namespace: str) -> str:
    return physical[len(namespace) :] if namespace and physical.startswith(namespace) else physical


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


class ProcessorMeter:
    """The metrics of one processor: wraps its per-topic processing and its producer, reads its lag."""

    def __init__(self, processor: str, namespace: str) -> None:
        self.processor, self.namespace = processor, namespace
        self._out: dict[str, Any] = {}
        self._lagging: set[tuple[str, str]] = set()
        self.total_lag = 0  # messages behind over every input partition, as of the last statistics

    def timed(self, composed: dict[str, Callable]) -> dict[str, Callable]:
        """The framework's ``{topic: process(value, key, timestamp, headers)}``, each counted and timed."""
        return {topic: self._timed(topic, process) for topic, process in composed.items()}

    def _timed(self, topic: str, process: Callable) -> Callable:
        label = logical_topic(topic, self.namespace)
        count = EVENTS_IN.labels(self.processor, label).inc
        observe = PROCESSING_SECONDS.labels(self.processor, label).observe
        clock = time.perf_counter

        def timed_process(value, key, timestamp, headers) -> None:
            started = clock()
            process(value, key, timestamp, headers)
            observe(clock() - started)
            count()

        return timed_process

    def count_outputs(self, producer: Any) -> None:
        """Count every row ``producer`` (the framework's internal producer) produces, by topic."""
        produce_row = producer.produce_row
        out = self._out

        def counted_produce_row(row, topic, *args, **kwargs) -> None:
            produce_row(row, topic, *args, **kwargs)
            child = out.get(topic.name)
            if child is None:
                child = out[topic.name] = EVENTS_OUT.labels(
                    self.processor, logical_topic(topic.name, self.namespace)
                )
            child.inc()

        producer.produce_row = counted_produce_row

    def on_statistics(self, stats_json: str) -> None:
        """librdkafka's statistics callback: set the lag of every assigned partition, drop the others'."""
        seen, total = set(), 0
        for topic, partition, lag in partition_lags(orjson.loads(stats_json)):
            label = (logical_topic(topic, self.namespace), partition)
            CONSUMER_LAG.labels(self.processor, *label).set(lag)
            seen.add(label)
            total += max(lag, 0)
        self.total_lag = total
        for gone in self._lagging - seen:
            CONSUMER_LAG.remove(self.processor, *gone)
        self._lagging = seen


def partition_lags(stats: dict) -> Iterator[tuple[str, str, int]]:
    """``(topic, partition, lag)`` of each partition the consumer fetches, from librdkafka's statistics.

    The end is the last stable offset (exactly-once consumers read only committed transactions), the
    position is the next offset the application will get, or the committed one before its first message.
    """
    for topic, about in stats.get("topics", {}).items():
        if topic.startswith(CHANGELOG_PREFIX):
            continue
        for partition, p in about.get("partitions", {}).items():
            if partition == "-1" or not p.get("desired"):
                continue
            end = p.get("ls_offset", -1)
            end = end if end >= 0 else p.get("hi_offset", -1)
            position = p.get("app_offset", -1)
            position = position if position >= 0 else p.get("committed_offset", -1)
            if end >= 0 and position >= 0:
                yield topic, partition, max(0, end - position)


_latest_dates: dict[tuple[str, str], date] = {}


def record_business_date(processor: str, bank: str, day: date) -> None:
    """Note a business date message for ``bank``: the gauge keeps the latest date, and when it moved."""
    now = time.time()
    BUSINESS_DATE_RECEIVED.labels(processor, bank).set(now)
    previous = _latest_dates.get((processor, bank))
    if previous is None or day > previous:
        _latest_dates[(processor, bank)] = day
        BUSINESS_DATE.labels(processor, bank).set(_epoch(day))
        BUSINESS_DATE_ADVANCED.labels(processor, bank).set(now)


def record_dead_letter(processor: str, topic: str, error_type: str) -> None:
    DEAD_LETTERS.labels(processor, topic, error_type).inc()


def record_skipped(processor: str, topic: str, reason: str) -> None:
    """An input message of ``topic`` (logical name) skipped for ``reason`` (an exception's type name)."""
    SKIPPED.labels(processor, topic, reason).inc()


def record_reassignment(outcome: str) -> None:
    REASSIGNMENTS.labels(outcome).inc()


def record_action(action: dict) -> None:
    AGENT_ACTIONS.labels(action["type"], action["result"]).inc()


def directory_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (files that vanish meanwhile, as RocksDB compacts, count 0)."""
    total = 0
    try:
        entries = list(os.scandir(path))
    except (FileNotFoundError, NotADirectoryError):
        return 0
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                total += directory_bytes(Path(entry.path))
            else:
                total += entry.stat(follow_symlinks=False).st_size
        except FileNotFoundError:
            continue
    return total


class StateStoreSize(Collector):
    """``crm_state_store_bytes{processor}``: measured at each scrape, so it costs nothing in between."""

    def __init__(self) -> None:
        self.paths: dict[str, Path] = {}

    def describe(self):
        yield self._family()

    def collect(self):
        family = self._family()
        for processor, path in sorted(self.paths.items()):
            family.add_metric([processor], directory_bytes(path))
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "crm_state_store_bytes",
            "Bytes on disk of the processor's local state (RocksDB), measured at scrape time.",
            labels=["processor"],
        )


STATE_STORE_SIZE = StateStoreSize()
REGISTRY.register(STATE_STORE_SIZE)


def describe_processor(processor: str, consumer_group: str, state_dir: Path, version: str) -> None:
    PROCESSOR_INFO.labels(processor).info({"consumer_group": consumer_group, "version": version})
    STATE_STORE_SIZE.paths[processor] = state_dir
